"""``primaries rla start|draw|record|status`` (CONTRACT section 8) on SQLite and PostgreSQL:
the contract's JSON, the draws from the seed, audited counts and their corrections, the risk,
refusals (exit 1, nothing changed) and usage errors (exit 2), and the lock an audit in progress
puts on its round's count."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from primaries.extensions import db
from primaries.models import AuditEvent, Round
from primaries.models.rla import RlaAudit, RlaCount, RlaDraw

SLUG = "test-2024"
SEED = "31415926535897932384"
START = ["rla", "start", SLUG, "--round", "1", "--risk-limit", "5", "--seed", SEED]
REPORTED = {
    "B1": (300, 4, {"AAA": 100, "BBB": 90, "CCC": 60, "DDD": 46}),
    "B2": (500, 5, {"AAA": 150, "BBB": 160, "CCC": 120, "DDD": 65}),
    "B3": (120, 0, {"AAA": 30, "BBB": 46, "CCC": 10, "DDD": 34}),
    "B4": (100, 1, {"AAA": 40, "BBB": 20, "CCC": 20, "DDD": 19}),
}


def run(runner: FlaskCliRunner, *args: str) -> Any:
    db.session.rollback()
    return runner.invoke(args=list(args))


def document(result: Any) -> dict[str, Any]:
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout))


def counts_csv(tmp_path: Path, rows: dict[str, tuple[int, int, dict[str, int]]]) -> str:
    lines = ["branch,ballots_cast,invalid,AAA,BBB,CCC,DDD"]
    for code, (cast, invalid, votes) in rows.items():
        lines.append(",".join([code, str(cast), str(invalid), *(str(v) for v in votes.values())]))
    path = tmp_path / f"audit-{len(list(tmp_path.iterdir()))}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def expected_draws(count: int) -> list[str]:
    """The draws by the contract's words, from the test package's round 1 (a runoff of AAA and
    BBB; every bound by hand in tests/core/test_rla.py), recomputed here independently."""
    batches = {code: (cast, inv, votes) for code, (cast, inv, votes) in REPORTED.items()}
    valid = {c: sum(b[2][c] for b in batches.values()) for c in ("AAA", "BBB", "CCC", "DDD")}
    total_valid = sum(valid.values())
    f = Fraction(40, 100)
    margins: dict[str, Fraction] = {}
    bounds: dict[str, Fraction] = {}
    for q in ("AAA", "BBB"):
        for loser in ("CCC", "DDD"):
            margins[f"{q}>{loser}"] = Fraction(valid[q] - valid[loser])
    for c in valid:
        margins[f"{c}<T"] = f * total_valid - valid[c]
    for code, (cast, _, votes) in sorted(batches.items()):
        best = Fraction(0)
        for name, total in margins.items():
            if ">" in name:
                q, loser = name.split(">")
                u = (votes[q] - votes[loser] + cast) / total
            else:
                c = name[:-2]
                m = f * sum(votes.values()) - votes[c]
                u = (m - (f - 1) * cast) / total
            best = max(best, u)
        bounds[code] = best
    big_u = sum(bounds.values())
    picked = []
    for k in range(1, count + 1):
        x = int.from_bytes(hashlib.sha256(f"{SEED},{k}".encode("ascii")).digest(), "big")
        running = Fraction(0)
        for code in sorted(bounds):
            running += bounds[code]
            if running * 2**256 > x * big_u:
                picked.append(code)
                break
    return picked


def test_start_prints_the_contracts_json(loaded: Any, runner: FlaskCliRunner) -> None:
    started = document(run(runner, *START, "--json"))
    assert set(started) == {
        "election",
        "round",
        "risk_limit",
        "seed",
        "total_error_bound",
        "estimate",
        "draws",
        "audited",
        "discrepancies",
        "risk",
        "status",
    }
    assert started["election"] == SLUG and started["round"] == 1
    assert started["risk_limit"] == "5" and started["seed"] == SEED
    assert isinstance(started["estimate"], int) and started["estimate"] > 0
    assert len(started["draws"]) == started["estimate"]
    assert [d["draw"] for d in started["draws"]] == list(range(1, started["estimate"] + 1))
    assert [d["branch"] for d in started["draws"]] == expected_draws(started["estimate"])
    assert "B5" not in {d["branch"] for d in started["draws"]}  # annulled: not a batch
    whole, decimals = started["total_error_bound"].split(".")
    assert len(decimals) == 10 and int(whole) >= 1
    assert started["audited"] == 0 and started["discrepancies"] == []
    assert started["risk"] is None and started["status"] == "in_progress"
    # the open round was closed by the start
    assert db.session.scalar(select(Round.status).where(Round.number == 1)) == "closed"
    assert document(run(runner, "rla", "status", SLUG, "--round", "1", "--json")) == started


def test_record_counts_then_the_risk(loaded: Any, runner: FlaskCliRunner, tmp_path: Path) -> None:
    started = document(run(runner, *START, "--draws", "3", "--json"))
    drawn = sorted({d["branch"] for d in started["draws"]})
    assert started["estimate"] != 3 and len(started["draws"]) == 3
    first = {drawn[0]: REPORTED[drawn[0]]}
    partial = document(
        run(runner, "rla", "record", SLUG, "--round", "1", counts_csv(tmp_path, first), "--json")
    )
    assert partial["audited"] == 1
    assert partial["risk"] is None if len(drawn) > 1 else partial["risk"] is not None
    rest = {code: REPORTED[code] for code in drawn}
    done = document(
        run(runner, "rla", "record", SLUG, "--round", "1", counts_csv(tmp_path, rest), "--json")
    )
    assert done["audited"] == len(drawn) and done["discrepancies"] == []
    assert done["risk"] is not None and len(done["risk"].split(".")[1]) == 6
    assert done["status"] == "escalate"  # three clean draws are fewer than the estimate
    more = document(run(runner, "rla", "draw", SLUG, "--round", "1", "--draws", "2", "--json"))
    assert [d["draw"] for d in more["draws"]] == [1, 2, 3, 4, 5]
    assert [d["branch"] for d in more["draws"]] == expected_draws(5)


def test_the_estimate_confirms_a_clean_audit(
    loaded: Any, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    started = document(run(runner, *START, "--json"))
    drawn = sorted({d["branch"] for d in started["draws"]})
    done = document(
        run(
            runner,
            "rla",
            "record",
            SLUG,
            "--round",
            "1",
            counts_csv(tmp_path, {c: REPORTED[c] for c in drawn}),
            "--json",
        )
    )
    assert done["status"] == "confirmed"
    assert Fraction(done["risk"]) <= Fraction(5, 100)
    refused = run(runner, "rla", "draw", SLUG, "--round", "1", "--draws", "1")
    assert refused.exit_code == 1 and "confirmed" in refused.stderr
    # the audit is over: the count may change again
    assert run(runner, "annul", SLUG, "--round", "1", "B1", "--reason", "x").exit_code == 0


def test_a_discrepancy_is_shown_side_by_side(
    loaded: Any, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    started = document(run(runner, *START, "--draws", "4", "--json"))
    drawn = sorted({d["branch"] for d in started["draws"]})
    rows = {c: REPORTED[c] for c in drawn}
    cast, invalid, votes = rows[drawn[0]]
    moved = dict(votes, AAA=votes["AAA"] - 2, BBB=votes["BBB"] + 2)
    rows[drawn[0]] = (cast, invalid, moved)
    done = document(
        run(runner, "rla", "record", SLUG, "--round", "1", counts_csv(tmp_path, rows), "--json")
    )
    assert done["discrepancies"] == [
        {
            "branch": drawn[0],
            "reported": {"ballots_cast": cast, "invalid": invalid, "votes": votes},
            "audited": {"ballots_cast": cast, "invalid": invalid, "votes": moved},
        }
    ]
    # a different count again is refused without --correct, and changes nothing
    again = dict(rows, **{drawn[0]: REPORTED[drawn[0]]})
    path = counts_csv(tmp_path, again)
    refused = run(runner, "rla", "record", SLUG, "--round", "1", path)
    assert refused.exit_code == 1 and "--correct" in refused.stderr
    assert db.session.scalar(select(func.count(RlaCount.id))) == len(drawn)
    corrected = document(
        run(
            runner,
            "rla",
            "record",
            SLUG,
            "--round",
            "1",
            path,
            "--correct",
            "--reason",
            "recounted",
            "--json",
        )
    )
    assert corrected["discrepancies"] == []
    assert db.session.scalar(select(func.count(RlaCount.id))) == len(drawn) + 1
    assert run(runner, "audit", "verify").exit_code == 0


def test_refusals_change_nothing(loaded: Any, runner: FlaskCliRunner, tmp_path: Path) -> None:
    events = db.session.scalar(select(func.count(AuditEvent.seq)))
    for args, words in [
        (["rla", "status", SLUG, "--round", "1"], "no risk-limiting audit"),
        (["rla", "start", "nope", "--round", "1", "--risk-limit", "5", "--seed", SEED], "nope"),
        (["rla", "start", SLUG, "--round", "9", "--risk-limit", "5", "--seed", SEED], "round 9"),
    ]:
        result = run(runner, *args)
        assert result.exit_code == 1, result.output
        assert words in result.stderr
    for bad in (["--risk-limit", "50"], ["--risk-limit", "0"], ["--seed", "1" * 19]):
        args = [*START, *bad]
        assert run(runner, *args).exit_code == 2
    assert db.session.scalar(select(func.count(AuditEvent.seq))) == events
    started = document(run(runner, *START, "--draws", "2", "--json"))
    again = run(runner, *START)
    assert again.exit_code == 1 and "already has" in again.stderr
    drawn = {d["branch"] for d in started["draws"]}
    not_drawn = next(code for code in REPORTED if code not in drawn)
    result = run(
        runner,
        "rla",
        "record",
        SLUG,
        "--round",
        "1",
        counts_csv(tmp_path, {not_drawn: REPORTED[not_drawn]}),
    )
    assert result.exit_code == 1 and "was not drawn" in result.stderr and "line 2" in result.stderr
    assert db.session.scalar(select(func.count(RlaCount.id))) == 0
    assert db.session.scalar(select(func.count(RlaDraw.id))) == 2


def test_a_round_with_pending_branches_is_refused(
    package: dict[str, Any], write_json: Callable[[Any], Path], runner: FlaskCliRunner
) -> None:
    package["rounds"][0]["sheets"].pop(0)
    assert run(runner, "load", str(write_json(package))).exit_code == 0
    result = run(runner, *START)
    assert result.exit_code == 1 and "pending" in result.stderr
    assert db.session.scalar(select(func.count(RlaAudit.id))) == 0


def test_an_audit_in_progress_locks_the_rounds_count(
    loaded: Any, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    document(run(runner, *START, "--json"))
    for args in (
        ["annul", SLUG, "--round", "1", "B1", "--reason", "x"],
        ["lot", SLUG, "--round", "1", "AAA", "BBB"],
    ):
        result = run(runner, *args)
        assert result.exit_code == 1
        assert "risk-limiting audit" in result.stderr
    sheet = tmp_path / "fix.csv"
    sheet.write_text("branch,ballots_cast,invalid,AAA,BBB,CCC,DDD\nB1,300,4,101,89,60,46\n")
    result = run(
        runner, "import-sheets", SLUG, "--round", "1", str(sheet), "--correct", "--reason", "r"
    )
    assert result.exit_code == 1 and "risk-limiting audit" in result.stderr


def test_a_qualifying_place_decided_by_lot_needs_a_full_hand_count(
    package: dict[str, Any], write_json: Callable[[Any], Path], runner: FlaskCliRunner
) -> None:
    sheets = package["rounds"][0]["sheets"]
    sheets[1]["votes"] = {"AAA": 150, "BBB": 107, "CCC": 173, "DDD": 65}  # BBB 263, CCC 263
    package["rounds"][0]["lots"] = [{"order": ["BBB", "CCC"]}]
    assert run(runner, "load", str(write_json(package))).exit_code == 0
    found = document(run(runner, *START, "--json"))
    assert found["status"] == "full_hand_count"
    assert found["draws"] == [] and found["total_error_bound"] is None and found["estimate"] is None


def test_record_reads_what_committees_have(
    loaded: Any, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    """Windows-1255, semicolons, candidates' names as headers (contract 1.1, section 6)."""
    started = document(run(runner, *START, "--draws", "1", "--json"))
    code = started["draws"][0]["branch"]
    cast, invalid, votes = REPORTED[code]
    header = "branch;ballots_cast;invalid;Alice Aharoni;Boaz Ben-David;Carmel Cohen;Dana Dror"
    line = ";".join(str(v) for v in (code, cast, invalid, *votes.values()))
    path = tmp_path / "hand.csv"
    path.write_bytes(f"{header}\r\n{line}\r\n".encode("cp1255"))
    done = document(run(runner, "rla", "record", SLUG, "--round", "1", str(path), "--json"))
    assert done["audited"] == 1 and done["discrepancies"] == []
