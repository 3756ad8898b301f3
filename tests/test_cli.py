"""The command line of CONTRACT section 6: outputs, exit codes, all-or-nothing behaviour."""

from __future__ import annotations

import copy
import json
import os
import pwd
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select, text

from primaries.changes import Actor
from primaries.core.limits import MAX_INT
from primaries.extensions import db
from primaries.models import AuditEvent, Election, SheetEntry
from tests.conftest import small_package

WriteJson = Callable[..., Path]


def tally(runner: FlaskCliRunner, *args: str) -> dict[str, Any]:
    result = runner.invoke(args=["tally", "test-2024", "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def audit_count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(AuditEvent.id))) or 0


def snapshot(runner: FlaskCliRunner) -> str:
    return runner.invoke(args=["export", "test-2024"]).stdout


def write_csv(tmp_path: Path, text: str, name: str = "file.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


# ---------------------------------------------------------------------------------- load/tally


def test_load_then_tally_json(runner: FlaskCliRunner, loaded: dict[str, Any]) -> None:
    result = tally(runner, "--round", "1")
    assert result["election"] == "test-2024"
    assert result["round"] == 1
    assert result["complete"] is True
    assert result["branches"] == {"total": 5, "counted": 4, "annulled": 1, "pending": 0}
    assert result["totals"] == {
        "eligible": 1650,
        "ballots_cast": 1020,
        "invalid": 10,
        "valid": 1010,
        "turnout_percent": "61.82",
    }
    assert [(c["code"], c["votes"], c["percent"], c["rank"]) for c in result["candidates"]] == [
        ("AAA", 320, "31.68", 1),
        ("BBB", 316, "31.29", 2),
        ("CCC", 210, "20.79", 3),
        ("DDD", 164, "16.24", 4),
    ]
    assert result["outcome"] == {
        "status": "runoff",
        "winner": None,
        "qualifiers": ["AAA", "BBB"],
        "tied": [],
        "places": 0,
    }


def test_tally_defaults_to_the_latest_round(runner: FlaskCliRunner, loaded: Any) -> None:
    assert runner.invoke(args=["runoff", "test-2024"]).exit_code == 0
    assert tally(runner)["round"] == 2


def test_tally_table_is_readable(runner: FlaskCliRunner, loaded: Any) -> None:
    result = runner.invoke(args=["tally", "test-2024", "--round", "1"])
    assert result.exit_code == 0
    out = result.stdout
    assert "Alice Aharoni" in out and "320" in out and "31.68%" in out
    assert "Branches: 5 of 5 reported (4 counted, 1 annulled, 0 pending)" in out
    assert "No candidate reached 40%: runoff between Alice Aharoni (AAA) and Boaz" in out


def test_load_from_standard_input(runner: FlaskCliRunner, package: dict[str, Any]) -> None:
    result = runner.invoke(args=["load", "-"], input=json.dumps(package))
    assert result.exit_code == 0, result.output
    assert "loaded test-2024" in result.stdout


def test_load_records_one_audit_event_with_the_file_hash(
    runner: FlaskCliRunner, package: dict[str, Any], write_json: WriteJson
) -> None:
    import hashlib

    path = write_json(package)
    assert runner.invoke(args=["load", str(path)]).exit_code == 0
    events = db.session.scalars(select(AuditEvent)).all()
    assert [e.action for e in events] == ["election.load"]
    assert events[0].after["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_load_refuses_an_existing_slug_and_changes_nothing(
    runner: FlaskCliRunner, loaded: dict[str, Any], write_json: WriteJson
) -> None:
    before = snapshot(runner)
    result = runner.invoke(args=["load", str(write_json(loaded))])
    assert result.exit_code == 1
    assert "election.slug: an election 'test-2024' already exists" in result.stderr
    assert snapshot(runner) == before
    assert audit_count() == 1


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda p: p["rounds"][0]["sheets"][0]["votes"].update(AAA=-1),
            "rounds[0].sheets[0].votes.AAA: must be an integer >= 0",
        ),
        (
            lambda p: p["rounds"][0]["sheets"][0]["votes"].update(AAA=100.0),
            "rounds[0].sheets[0].votes.AAA",
        ),
        (
            lambda p: p["rounds"][0]["sheets"][0]["votes"].update(AAA="100"),
            "rounds[0].sheets[0].votes.AAA",
        ),
        (
            lambda p: p["rounds"][0]["sheets"][0]["votes"].update(AAA=True),
            "rounds[0].sheets[0].votes.AAA",
        ),
        (
            lambda p: p["rounds"][0]["sheets"][0]["votes"].update(AAA=10**30),
            "rounds[0].sheets[0].votes.AAA",
        ),
        (lambda p: p["rounds"][0]["sheets"][0].update(ballots_cast=301), "rounds[0].sheets[0]"),
        (
            lambda p: p["rounds"][0]["sheets"][2].update(ballots_cast=201, invalid=81),
            "rounds[0].sheets[2]: ballots_cast 201 is more than the 200 eligible members of "
            "branch B3",
        ),
        (lambda p: p["rounds"][0]["sheets"][0]["votes"].update(ZZZ=1), "ZZZ"),
        (lambda p: p["rounds"][0]["sheets"][0].update(branch="NOPE"), "rounds[0].sheets[0].branch"),
        (
            lambda p: p["rounds"][0]["sheets"].append(copy.deepcopy(p["rounds"][0]["sheets"][0])),
            "rounds[0].sheets[5]",
        ),
        (
            lambda p: p["election"]["candidates"].append({"code": "AAA", "name": "Again"}),
            "election.candidates[4].code",
        ),
        (
            lambda p: p["election"]["branches"].append(
                {"code": "B1", "name": "Again", "eligible": 1}
            ),
            "election.branches[5].code",
        ),
        (lambda p: p["rounds"][0].update(number=2), "rounds[0].number"),
        (
            lambda p: p["election"]["rules"].update(threshold_percent=40),
            "election.rules.threshold_percent",
        ),
        (lambda p: p.update(format="something/else"), "format"),
        (
            lambda p: p["rounds"].append({"number": 2, "candidates": ["AAA", "CCC"], "sheets": []}),
            "rounds[1].candidates",
        ),
    ],
)
def test_bad_packages_are_refused_with_their_path(
    runner: FlaskCliRunner,
    package: dict[str, Any],
    write_json: WriteJson,
    mutate: Callable[[dict[str, Any]], None],
    message: str,
) -> None:
    mutate(package)
    result = runner.invoke(args=["load", str(write_json(package))])
    assert result.exit_code == 1, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert db.session.scalar(select(func.count(Election.id))) == 0
    assert audit_count() == 0


@pytest.mark.parametrize(
    "raw",
    [b"{not json", b"", b"\xff\xfe{\x00}\x00", "{}".encode("utf-16"), b"[]", b"null"],
)
def test_broken_files_are_refused(runner: FlaskCliRunner, tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "broken.json"
    path.write_bytes(raw)
    result = runner.invoke(args=["load", str(path)])
    assert result.exit_code == 1
    assert result.stderr.strip()
    assert "Traceback" not in result.output


def test_missing_file_is_a_usage_error(runner: FlaskCliRunner, tmp_path: Path) -> None:
    assert runner.invoke(args=["load", str(tmp_path / "nope.json")]).exit_code == 2


def test_unknown_election_is_refused(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["tally", "nope"])
    assert result.exit_code == 1
    assert "no election 'nope'" in result.stderr


def test_unknown_round_is_refused(runner: FlaskCliRunner, loaded: Any) -> None:
    result = runner.invoke(args=["tally", "test-2024", "--round", "7"])
    assert result.exit_code == 1
    assert "has no round 7" in result.stderr


# ---------------------------------------------------------------------------------- export


def test_export_then_load_elsewhere_tallies_identically(
    runner: FlaskCliRunner, loaded: Any, make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    assert runner.invoke(args=["lot", "test-2024", "--round", "1", "CCC", "DDD"]).exit_code == 1
    assert runner.invoke(args=["runoff", "test-2024", "--held-on", "2024-03-08"]).exit_code == 0
    csv = write_csv(tmp_path, "branch,ballots_cast,invalid,AAA,BBB\nB1,200,0,100,100\n")
    assert (
        runner.invoke(args=["import-sheets", "test-2024", "--round", "2", str(csv)]).exit_code == 0
    )
    exported = runner.invoke(args=["export", "test-2024", "-o", str(tmp_path / "x.json")])
    assert exported.exit_code == 0
    package = json.loads((tmp_path / "x.json").read_text())
    assert package["rounds"][1]["candidates"] == ["AAA", "BBB"]
    assert package["rounds"][1]["held_on"] == "2024-03-08"
    originals = [tally(runner, "--round", "1"), tally(runner, "--round", "2")]
    db.session.execute(db.text("DELETE FROM round_candidates"))  # scrub nothing real: new db below
    db.session.rollback()

    package["election"]["slug"] = "copy"
    (tmp_path / "copy.json").write_text(json.dumps(package))
    load = runner.invoke(args=["load", str(tmp_path / "copy.json")])
    assert load.exit_code == 0, load.output
    for number, original in enumerate(originals, start=1):
        result = runner.invoke(args=["tally", "copy", "--round", str(number), "--json"])
        copy_result = json.loads(result.stdout)
        copy_result["election"] = "test-2024"
        assert copy_result == original


# ---------------------------------------------------------------------------------- CSV imports


def test_import_branches_adds_and_updates(
    runner: FlaskCliRunner, loaded: Any, tmp_path: Path
) -> None:
    csv = write_csv(
        tmp_path,
        "\ufeffcode,name,region,eligible\nB1,Haifa - Carmel,North,600\n\nB6,Eilat,South,90\n",
    )
    result = runner.invoke(args=["import-branches", "test-2024", str(csv)])
    assert result.exit_code == 0, result.output
    assert "1 branches added, 1 updated" in result.stdout
    assert tally(runner, "--round", "1")["branches"]["total"] == 6
    again = runner.invoke(args=["import-branches", "test-2024", str(csv)])
    assert "0 branches added, 0 updated, 2 unchanged" in again.stdout


def test_import_branches_refuses_eligible_below_a_counted_sheet(
    runner: FlaskCliRunner, loaded: Any, tmp_path: Path
) -> None:
    before = snapshot(runner)
    csv = write_csv(
        tmp_path,
        "code,name,region,eligible\nB6,Eilat,South,90\nB2,Tel Aviv - Center,Center,499\n",
    )
    result = runner.invoke(args=["import-branches", "test-2024", str(csv)])
    assert result.exit_code == 1
    assert (
        "line 3: eligible: 499 is less than the 500 ballots cast counted at branch B2 in round 1"
        in result.stderr
    )
    assert snapshot(runner) == before


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("code,name,eligible\nB7,X,1\n", "region"),
        ("code,name,region,eligible,extra\nB7,X,,1,2\n", "extra"),
        ("code,name,region,eligible\nB7,X,,-1\n", "line 2"),
        ("code,name,region,eligible\nB7,X,,1.5\n", "line 2"),
        ("code,name,region,eligible\nB7,X,,1\nB7,Y,,2\n", "line 3"),
        ("code,name,region,eligible\nbad code!,X,,1\n", "line 2"),
    ],
)
def test_import_branches_refusals(
    runner: FlaskCliRunner, loaded: Any, tmp_path: Path, text: str, message: str
) -> None:
    result = runner.invoke(args=["import-branches", "test-2024", str(write_csv(tmp_path, text))])
    assert result.exit_code == 1
    assert message in result.stderr


def test_import_sheets_counts_at_once_and_identical_is_a_no_op(
    runner: FlaskCliRunner, loaded: Any, tmp_path: Path
) -> None:
    assert runner.invoke(args=["runoff", "test-2024"]).exit_code == 0
    csv = write_csv(tmp_path, "branch,ballots_cast,invalid,BBB,AAA\nB1,300,2,150,148\n")
    result = runner.invoke(args=["import-sheets", "test-2024", "--round", "2", str(csv)])
    assert result.exit_code == 0, result.output
    assert tally(runner)["branches"]["counted"] == 1
    events = audit_count()
    again = runner.invoke(args=["import-sheets", "test-2024", "--round", "2", str(csv)])
    assert again.exit_code == 0
    assert "0 sheets added, 0 corrected, 1 unchanged" in again.stdout
    assert audit_count() == events


def test_import_sheets_different_needs_correct_and_reason(
    runner: FlaskCliRunner, loaded: Any, tmp_path: Path
) -> None:
    assert runner.invoke(args=["runoff", "test-2024"]).exit_code == 0
    first = write_csv(tmp_path, "branch,ballots_cast,invalid,AAA,BBB\nB1,300,2,148,150\n", "a.csv")
    second = write_csv(tmp_path, "branch,ballots_cast,invalid,AAA,BBB\nB1,300,2,150,148\n", "b.csv")
    assert (
        runner.invoke(args=["import-sheets", "test-2024", "--round", "2", str(first)]).exit_code
        == 0
    )
    refused = runner.invoke(args=["import-sheets", "test-2024", "--round", "2", str(second)])
    assert refused.exit_code == 1
    assert "line 2: branch B1 already has a different counted sheet" in refused.stderr
    usage = runner.invoke(
        args=["import-sheets", "test-2024", "--round", "2", "--correct", str(second)]
    )
    assert usage.exit_code == 2
    corrected = runner.invoke(
        args=[
            "import-sheets",
            "test-2024",
            "--round",
            "2",
            "--correct",
            "--reason",
            "recount",
            str(second),
        ]
    )
    assert corrected.exit_code == 0, corrected.output
    assert [c["votes"] for c in tally(runner)["candidates"]] == [150, 148]
    entries = db.session.scalars(select(SheetEntry).order_by(SheetEntry.id)).all()
    assert [e.kind for e in entries][-2:] == ["import", "correction"]
    assert entries[-1].reason == "recount"
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()
    assert actions[-1] == "sheet.correct"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("branch,ballots_cast,invalid,AAA,BBB\nB1,300,2,148,149\n", "line 2"),
        (
            "branch,ballots_cast,invalid,AAA,BBB\nB1,600,0,300,300\n",
            "line 2: ballots_cast 600 is more than the 500 eligible members of branch B1",
        ),
        ("branch,ballots_cast,invalid,AAA,BBB\nB9,1,0,1,0\n", "line 2: branch: no branch 'B9'"),
        ("branch,ballots_cast,invalid,AAA\nB1,1,0,1\n", "BBB"),
        ("branch,ballots_cast,invalid,AAA,BBB,CCC\nB1,1,0,1,0,0\n", "CCC"),
        ("branch,ballots_cast,invalid,AAA,BBB\nB1,3,0,1,2\nB2,x,0,1,2\n", "line 3"),
    ],
)
def test_import_sheets_refusals_change_nothing(
    runner: FlaskCliRunner, loaded: Any, tmp_path: Path, text: str, message: str
) -> None:
    assert runner.invoke(args=["runoff", "test-2024"]).exit_code == 0
    before = snapshot(runner)
    events = audit_count()
    result = runner.invoke(
        args=["import-sheets", "test-2024", "--round", "2", str(write_csv(tmp_path, text))]
    )
    assert result.exit_code == 1
    assert message in result.stderr
    assert snapshot(runner) == before
    assert audit_count() == events


def test_import_sheets_windows_1255_is_read(
    runner: FlaskCliRunner, loaded: Any, tmp_path: Path
) -> None:
    # Contract 1.1: what is not UTF-8 is read as Windows-1255; here a Hebrew code is refused.
    assert runner.invoke(args=["runoff", "test-2024"]).exit_code == 0
    path = tmp_path / "cp1255.csv"
    path.write_bytes("branch,ballots_cast,invalid,AAA,BBB\nירוחם,1,0,1,0\n".encode("cp1255"))
    result = runner.invoke(args=["import-sheets", "test-2024", "--round", "2", str(path)])
    assert result.exit_code == 1
    assert 'line 2: branch: must be 1-32 letters, digits, -, _ or ., not "ירוחם"' in result.stderr


def test_superseded_round_accepts_no_changes(
    runner: FlaskCliRunner, loaded: Any, tmp_path: Path
) -> None:
    assert runner.invoke(args=["runoff", "test-2024"]).exit_code == 0
    result = runner.invoke(args=["annul", "test-2024", "--round", "1", "B1", "--reason", "x"])
    assert result.exit_code == 1
    assert "round 1 is final" in result.stderr


# ---------------------------------------------------------------------------------- annul, lot


def test_annul_removes_a_branch_from_the_totals(runner: FlaskCliRunner, loaded: Any) -> None:
    before = tally(runner, "--round", "1")
    result = runner.invoke(
        args=["annul", "test-2024", "--round", "1", "B3", "--reason", "suspected forgery"]
    )
    assert result.exit_code == 0, result.output
    after = tally(runner, "--round", "1")
    assert after["branches"]["annulled"] == 2
    assert after["totals"]["ballots_cast"] == before["totals"]["ballots_cast"] - 120
    assert after["complete"] is True
    again = runner.invoke(args=["annul", "test-2024", "--round", "1", "B3", "--reason", "x"])
    assert again.exit_code == 1
    assert "already annulled" in again.stderr


def test_annul_needs_a_reason(runner: FlaskCliRunner, loaded: Any) -> None:
    assert runner.invoke(args=["annul", "test-2024", "--round", "1", "B3"]).exit_code == 2
    blank = runner.invoke(args=["annul", "test-2024", "--round", "1", "B3", "--reason", "  "])
    assert blank.exit_code == 1


def test_lot_decides_a_tie_for_the_last_runoff_place(
    runner: FlaskCliRunner, package: dict[str, Any], write_json: WriteJson
) -> None:
    sheets = package["rounds"][0]["sheets"]
    sheets[1]["votes"] = {"AAA": 150, "BBB": 107, "CCC": 173, "DDD": 65}  # BBB 263 = CCC 263
    assert runner.invoke(args=["load", str(write_json(package))]).exit_code == 0
    result = tally(runner)
    assert result["outcome"]["status"] == "lot_required"
    assert result["outcome"]["tied"] == ["BBB", "CCC"]
    assert result["outcome"]["places"] == 1
    refused = runner.invoke(args=["lot", "test-2024", "--round", "1", "AAA", "CCC"])
    assert refused.exit_code == 1
    assert "not tied now" in refused.stderr
    ok = runner.invoke(args=["lot", "test-2024", "--round", "1", "CCC", "BBB"])
    assert ok.exit_code == 0, ok.output
    result = tally(runner)
    assert [c["code"] for c in result["candidates"]] == ["AAA", "CCC", "BBB", "DDD"]
    assert [c["rank"] for c in result["candidates"]] == [1, 2, 2, 4]
    assert result["outcome"]["status"] == "runoff"
    assert result["outcome"]["qualifiers"] == ["AAA", "CCC"]


# ---------------------------------------------------------------------------------- runoff


def test_runoff_prints_the_qualifiers(runner: FlaskCliRunner, loaded: Any) -> None:
    result = runner.invoke(args=["runoff", "test-2024"])
    assert result.exit_code == 0, result.output
    assert "AAA Alice Aharoni" in result.stdout and "BBB Boaz Ben-David" in result.stdout
    second = runner.invoke(args=["runoff", "test-2024"])
    assert second.exit_code == 1
    assert "incomplete" in second.stderr


def test_runoff_refused_when_there_is_a_winner(
    runner: FlaskCliRunner, package: dict[str, Any], write_json: WriteJson
) -> None:
    package["election"]["rules"] = {"threshold_percent": "30"}
    assert runner.invoke(args=["load", str(write_json(package))]).exit_code == 0
    result = runner.invoke(args=["runoff", "test-2024"])
    assert result.exit_code == 1
    assert "outcome is winner" in result.stderr


# ---------------------------------------------------------------------------------- users, audit


def test_users_create_reads_password_from_stdin(runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["users", "create", "dana", "--role", "clerk"], input="a-long-password\n"
    )
    assert result.exit_code == 0, result.output
    refused = runner.invoke(
        args=["users", "create", "dana", "--role", "clerk"], input="a-long-password\n"
    )
    assert refused.exit_code == 1
    assert "already exists" in refused.stderr
    bad_role = runner.invoke(args=["users", "create", "x", "--role", "king"], input="pw\n")
    assert bad_role.exit_code == 2
    short = runner.invoke(args=["users", "create", "eli", "--role", "clerk"], input="short\n")
    assert short.exit_code == 1


def test_users_bootstrap_prints_a_random_password_once(runner: FlaskCliRunner) -> None:
    first = runner.invoke(args=["users", "bootstrap"])
    assert "Created the account 'admin'" in first.stdout
    assert runner.invoke(args=["users", "bootstrap"]).stdout == ""


def test_audit_verify(runner: FlaskCliRunner, loaded: Any) -> None:
    runner.invoke(args=["annul", "test-2024", "--round", "1", "B3", "--reason", "x"])
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0
    assert result.stdout.strip() == "audit chain intact: 2 events"


# ---------------------------------------------------------------------------------- demo


def test_demo_is_idempotent_and_truthful(runner: FlaskCliRunner) -> None:
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert runner.invoke(args=["demo"]).exit_code == 0
    one = json.loads(runner.invoke(args=["tally", "labor-2011", "--round", "1", "--json"]).stdout)
    assert {c["code"]: c["votes"] for c in one["candidates"]} == {
        "YAC": 14203,
        "PER": 13616,
        "HER": 10848,
        "MIT": 5244,
    }
    assert one["outcome"]["qualifiers"] == ["YAC", "PER"]
    two = json.loads(runner.invoke(args=["tally", "labor-2011", "--json"]).stdout)
    assert two["branches"] == {"total": 171, "counted": 150, "annulled": 0, "pending": 21}
    assert two["complete"] is False
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_demo_complete_matches_the_real_runoff(runner: FlaskCliRunner) -> None:
    assert runner.invoke(args=["demo", "--complete"]).exit_code == 0
    two = json.loads(runner.invoke(args=["tally", "labor-2011", "--json"]).stdout)
    assert {c["code"]: c["votes"] for c in two["candidates"]} == {"YAC": 22299, "PER": 18769}
    assert two["outcome"]["winner"] == "YAC"
    assert two["complete"] is True


def test_the_command_line_actor_is_the_os_account_not_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.setenv(name, "mallory")
    assert Actor.command_line().name == "cli:" + pwd.getpwuid(os.getuid()).pw_name

    def no_entry(uid: int) -> Any:
        raise KeyError(uid)

    monkeypatch.setattr(pwd, "getpwuid", no_entry)
    assert Actor.command_line().name == f"cli:{os.getuid()}"


def test_users_create_refuses_hidden_characters(runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["users", "create", "dana\u202e", "--role", "clerk"], input="a-long-password\n"
    )
    assert result.exit_code == 1
    assert "bidirectional control character U+202E" in result.output


def test_import_branches_refuses_a_code_differing_from_an_existing_one_by_case(
    runner: FlaskCliRunner, loaded: Any, tmp_path: Path
) -> None:
    csv = write_csv(tmp_path, "code,name,region,eligible\nb1,Haifa,North,600\nB9,Eilat,,90\n")
    result = runner.invoke(args=["import-branches", "test-2024", str(csv)])
    assert result.exit_code == 1
    assert "line 2: code: b1 is the same code as B1 (used by the existing branch B1)" in (
        result.output
    )
    assert tally(runner, "--round", "1")["branches"]["total"] == 5


def _at_the_limit(package: dict[str, Any], first: int) -> dict[str, Any]:
    """Branch B1 with ``first`` eligible members and the rest making up MAX_INT in all; B1 and
    B2 counted with every eligible member voting for AAA."""
    branches = package["election"]["branches"]
    rest = MAX_INT - first - sum(b["eligible"] for b in branches[2:])
    branches[0]["eligible"], branches[1]["eligible"] = first, rest
    sheets = package["rounds"][0]["sheets"]
    for sheet, cast in ((sheets[0], first), (sheets[1], rest)):
        sheet.update(
            ballots_cast=cast, invalid=0, votes={"AAA": cast, "BBB": 0, "CCC": 0, "DDD": 0}
        )
    return package


def test_totals_at_the_limit_are_exact_integers(
    runner: FlaskCliRunner, write_json: Callable[..., Path], tmp_path: Path
) -> None:
    package = _at_the_limit(small_package(), 2**62)
    assert runner.invoke(args=["load", str(write_json(package))]).exit_code == 0
    counted = 2**62 + (MAX_INT - 2**62 - 650) + 120 + 100
    result = tally(runner, "--round", "1")
    assert result["totals"]["ballots_cast"] == counted
    assert result["candidates"][0]["votes"] == MAX_INT - 650 + 70
    if db.engine.dialect.name == "sqlite":
        kinds = db.session.execute(
            text(
                "SELECT DISTINCT typeof(eligible), typeof(ballots_cast), typeof(invalid)"
                " FROM round_totals UNION ALL SELECT DISTINCT typeof(votes), '', ''"
                " FROM candidate_totals"
            )
        ).all()
        assert {kind[0] for kind in kinds} == {"integer"}
    # One member more in all: the branches could not be added up, so nothing is loaded.
    package["election"]["slug"] = "test-2025"
    package["election"]["branches"][4]["eligible"] += 1
    refused = runner.invoke(args=["load", str(write_json(package))])
    assert refused.exit_code == 1
    assert f"more than the {MAX_INT} a total can hold" in refused.output
    assert db.session.scalar(select(func.count(Election.id))) == 1


def test_import_branches_refuses_eligible_beyond_the_limit(
    runner: FlaskCliRunner, loaded: Any, tmp_path: Path
) -> None:
    csv = write_csv(tmp_path, f"code,name,region,eligible\nB9,Eilat,,{MAX_INT - 1000}\n")
    result = runner.invoke(args=["import-branches", "test-2024", str(csv)])
    assert result.exit_code == 1
    assert f"more than the {MAX_INT} a total can hold" in result.output
    assert tally(runner, "--round", "1")["branches"]["total"] == 5


def test_an_account_s_full_name_is_what_certificates_show(
    loaded: Any, runner: FlaskCliRunner, client: Any
) -> None:
    """Issue 14, finding 11: the certificate named an account ("By admin"), not a person."""
    from primaries.auth.services import get_user
    from primaries.changes import Actor
    from primaries.elections.lookup import get_election, get_round
    from primaries.elections.rounds import certify_round, close_round

    created = runner.invoke(
        args=["users", "create", "rina", "--role", "supervisor", "--full-name", "Rina Levi"],
        input="a-long-password\n",
    )
    assert created.exit_code == 0, created.output
    assert get_user("rina").full_name == "Rina Levi"
    renamed = runner.invoke(args=["users", "name", "rina", "  Rina Levi-Cohen "])
    assert renamed.exit_code == 0 and "account rina: Rina Levi-Cohen" in renamed.output
    for refused, words in (
        (["users", "name", "rina", "Rina Levi-Cohen"], "already has the full name"),
        (["users", "name", "rina", "   "], "full name: must not be empty"),
        (["users", "name", "rina", "x" * 129], "full name: at most 128 characters (got 129)"),
        (["users", "name", "rina", "Rina\u202e"], "full name: must not contain"),
        (["users", "name", "nobody", "N"], "nobody"),
    ):
        result = runner.invoke(args=refused)
        assert result.exit_code == 1 and words in result.output, (refused, result.output)
    assert get_user("rina").full_name == "Rina Levi-Cohen"
    events = runner.invoke(args=["audit", "verify"])
    assert events.exit_code == 0, events.output

    round_ = get_round(get_election("test-2024"), 1)
    actor = Actor.of(get_user("rina"))
    close_round(round_, actor=actor)
    certify_round(round_, actor=actor)
    db.session.commit()
    page = client.get("/elections/test-2024/rounds/1").text
    assert "Rina Levi-Cohen (rina)" in page
