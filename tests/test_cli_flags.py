"""``primaries flags SLUG --round N [--json]`` (CONTRACT section 9) on SQLite and PostgreSQL:
an ordinary round has no flags, a stuffed box is flagged with its reasons, a runoff box that moved
is flagged against round 1, and unknown elections and rounds are refused."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask.testing import FlaskCliRunner

CODES = ("AAA", "BBB", "CCC")


def package(
    stuffed: bool, moved: bool = False, runoff: bool = True, ordinary: int = 12
) -> dict[str, Any]:
    """Twelve ordinary branches in a split region (AAA about 45%, BBB 38%, CCC 17%), one more
    that is ordinary or stuffed (150 of 153 voting, 149 for BBB); round 2 between AAA and BBB,
    with B05 moved (AAA from 45% to 95%, turnout to 98%) when ``moved``."""
    branches, first, second = [], [], []
    for i in range(ordinary):
        eligible = 300 + 20 * i
        cast = eligible * (60 + i % 5) // 100
        invalid = 2 + i % 3
        valid = cast - invalid
        a, b = valid * (43 + i % 5) // 100, valid * (36 + i % 4) // 100
        code = f"B{i:02d}"
        branches.append(
            {"code": code, "name": f"Branch {i}", "region": "North", "eligible": eligible}
        )
        first.append(
            {
                "branch": code,
                "ballots_cast": cast,
                "invalid": invalid,
                "votes": {"AAA": a, "BBB": b, "CCC": valid - a - b},
            }
        )
        cast2 = cast * 9 // 10
        a2 = (cast2 - 1) * (52 + i % 4) // 100
        if moved and code == "B05":
            cast2 = eligible * 98 // 100
            a2 = (cast2 - 1) * 95 // 100
        second.append(
            {
                "branch": code,
                "ballots_cast": cast2,
                "invalid": 1,
                "votes": {"AAA": a2, "BBB": cast2 - 1 - a2},
            }
        )
    branches.append({"code": "X1", "name": "Stuffed", "region": "North", "eligible": 153})
    votes = {"AAA": 1, "BBB": 149, "CCC": 0} if stuffed else {"AAA": 40, "BBB": 33, "CCC": 17}
    first.append(
        {"branch": "X1", "ballots_cast": sum(votes.values()), "invalid": 0, "votes": votes}
    )
    second.append(
        {"branch": "X1", "ballots_cast": 80, "invalid": 0, "votes": {"AAA": 42, "BBB": 38}}
    )
    return {
        "format": "primaries/election@1",
        "election": {
            "slug": "flags-2024",
            "name": "Flags primary",
            "rules": {"threshold_percent": "50"},
            "candidates": [{"code": c, "name": f"Candidate {c}"} for c in CODES],
            "branches": branches,
        },
        "rounds": [
            {"number": 1, "sheets": first},
            {"number": 2, "candidates": ["AAA", "BBB"], "sheets": second},
        ][: 2 if runoff else 1],
    }


def load(runner: FlaskCliRunner, write_json: Callable[..., Path], data: dict[str, Any]) -> None:
    result = runner.invoke(args=["load", str(write_json(data))])
    assert result.exit_code == 0, result.output


def flags(runner: FlaskCliRunner, *args: str) -> dict[str, Any]:
    result = runner.invoke(args=["flags", "flags-2024", "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_an_ordinary_round_has_no_flags(runner: FlaskCliRunner, write_json: Any) -> None:
    load(runner, write_json, package(stuffed=False))
    document = flags(runner, "--round", "1")
    assert document == {"election": "flags-2024", "round": 1, "flags": [], "indicators": []}
    assert flags(runner, "--round", "2")["flags"] == []
    table = runner.invoke(args=["flags", "flags-2024", "--round", "1"])
    assert table.exit_code == 0
    assert "Flags primary, round 1: no red flags" in table.stdout


def test_the_stuffed_box_is_flagged(runner: FlaskCliRunner, write_json: Any) -> None:
    load(runner, write_json, package(stuffed=True))
    document = flags(runner, "--round", "1")
    assert document["election"] == "flags-2024" and document["round"] == 1
    found = {(f["branch"], f["check"]) for f in document["flags"]}
    assert found == {
        ("X1", "turnout_near_full"),
        ("X1", "turnout_above_region"),
        ("X1", "one_candidate_sweep"),
        ("X1", "shares_differ"),
    }
    for flag in document["flags"]:
        assert {"branch", "check", "message", "figures", "region"} <= set(flag)
        assert flag["region"] == "North"
        assert isinstance(flag["message"], str) and flag["message"]
    sweep = next(f for f in document["flags"] if f["check"] == "one_candidate_sweep")
    assert sweep["figures"] == {
        "candidate": "BBB",
        "votes": 149,
        "valid": 150,
        "percent": "99.33",
        "region_percent": sweep["figures"]["region_percent"],
    }
    table = runner.invoke(args=["flags", "flags-2024", "--round", "1"])
    assert table.exit_code == 0
    assert "4 red flags" in table.stdout
    assert "X1" in table.stdout and "BBB has 149 of 150 valid votes (99.33%)" in table.stdout
    assert "not proof of fraud" in table.stdout


def test_a_runoff_box_that_moved_is_flagged(runner: FlaskCliRunner, write_json: Any) -> None:
    load(runner, write_json, package(stuffed=False, moved=True))
    document = flags(runner, "--round", "2")
    found = {(f["branch"], f["check"]) for f in document["flags"]}
    assert ("B05", "runoff_turnout_moved") in found
    assert ("B05", "runoff_shares_moved") in found
    assert {branch for branch, _ in found} == {"B05"}
    # The latest round by default.
    assert flags(runner) == document


def test_unknown_election_and_round_are_refused(runner: FlaskCliRunner, write_json: Any) -> None:
    result = runner.invoke(args=["flags", "nope", "--json"])
    assert result.exit_code == 1 and "nope" in result.stderr
    load(runner, write_json, package(stuffed=False))
    result = runner.invoke(args=["flags", "flags-2024", "--round", "3", "--json"])
    assert result.exit_code == 1 and "no round 3" in result.stderr


def test_an_annulled_box_is_not_read(runner: FlaskCliRunner, write_json: Any) -> None:
    load(runner, write_json, package(stuffed=True, runoff=False))
    assert len(flags(runner, "--round", "1")["flags"]) == 4
    result = runner.invoke(
        args=["annul", "flags-2024", "--round", "1", "X1", "--reason", "box stuffed"]
    )
    assert result.exit_code == 0, result.output
    assert flags(runner, "--round", "1")["flags"] == []


def test_digit_tests_are_indicators_per_region(runner: FlaskCliRunner, write_json: Any) -> None:
    load(runner, write_json, package(stuffed=False, runoff=False, ordinary=20))
    document = flags(runner, "--round", "1")
    assert document["flags"] == []
    tests = {(i["region"], i["test"]): i for i in document["indicators"]}
    assert set(tests) == {("North", "last_digit"), ("North", "second_digit")}
    last = tests["North", "last_digit"]
    assert last["counts"] == 63 and sum(last["digits"]) == 63
    assert 0 <= float(last["p_value"]) <= 1
    table = runner.invoke(args=["flags", "flags-2024", "--round", "1"])
    assert "Digit tests (indicators, not accusations):" in table.stdout
    assert "Region North: last digit test over 63 counts" in table.stdout


def settings(runner: FlaskCliRunner, *args: str) -> Any:
    return runner.invoke(args=["flags", "flags-2024", *args])


def test_an_elections_thresholds_change_its_flags(runner: FlaskCliRunner, write_json: Any) -> None:
    """The stuffed box's sweep is flagged at the default 95%; at 99.5% it is not (149 of 150 is
    99.33%). The change is audited with its reason, `--settings` shows it, verify replays it,
    and `default` takes it back."""
    load(runner, write_json, package(stuffed=True))
    shown = settings(runner, "--settings")
    assert shown.exit_code == 0
    assert "sweep_percent = 95  (default)" in shown.stdout
    changed = settings(
        runner, "--set", "sweep_percent=99.5", "--reason", "small branches vote as one"
    )
    assert changed.exit_code == 0, changed.output
    assert "sweep_percent = 99.5\n" in changed.stdout
    checks = {f["check"] for f in flags(runner, "--round", "1")["flags"]}
    assert "one_candidate_sweep" not in checks and "turnout_near_full" in checks
    log = runner.invoke(args=["audit", "verify"])
    assert log.exit_code == 0, log.output
    back = settings(runner, "--set", "sweep_percent=default", "--reason", "as before")
    assert back.exit_code == 0 and "sweep_percent = 95  (default)" in back.stdout
    assert "one_candidate_sweep" in {f["check"] for f in flags(runner, "--round", "1")["flags"]}
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_wrong_thresholds_are_refused_every_one_named(
    runner: FlaskCliRunner, write_json: Any
) -> None:
    load(runner, write_json, package(stuffed=True))
    refused = settings(
        runner, "--set", "sweep_percent=101", "--set", "min_valid=0", "--set", "nosuch=1",
        "--set", "overdispersion=3/2",
    )  # fmt: skip
    assert refused.exit_code == 1
    assert refused.stderr.splitlines() == [
        "sweep_percent: must be a number from 0 to 100 with at most 2 decimals, not '101'",
        "min_valid: must be a whole number from 1 to 1000000, not '0'",
        "nosuch: no such setting (the settings: min_eligible, turnout_points, "
        "full_turnout_percent, min_valid, sweep_percent, split_percent, z, overdispersion, "
        "share_points, invalid_points, region_min_valid, moved_turnout_points, "
        "moved_share_points, hold_for_review)",
        "overdispersion: must be a fraction from 0 to below 1 (1/50, 0.02), not '3/2'",
        "reason: changing the red-flag settings needs a reason",
    ]
    same = settings(runner, "--set", "z=4", "--reason", "r")
    assert same.exit_code == 1 and "already so: nothing changes" in same.stderr
    usage = settings(runner, "--set", "z")
    assert usage.exit_code == 2 and "NAME=VALUE" in usage.output
    alone = settings(runner, "--settings", "--reason", "r")
    assert alone.exit_code == 2 and "--reason goes with --set" in alone.output
    assert "(default)" in settings(runner, "--settings").stdout.splitlines()[0]
