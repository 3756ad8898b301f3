"""``import-branches`` and ``import-sheets`` with the files committees really have (CONTRACT
section 6, from version 1.1), on each database: the same data as an Excel workbook, as
Windows-1255 CSV with semicolons and a trailing column, as UTF-16 CSV with tabs, gives the same
tally; every problem of a file is printed at once, one line each, and nothing changes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskCliRunner

from tests.workbooks import xlsx

# Round 2 of the small package is a runoff of AAA (Alice Aharoni) and BBB (Boaz Ben-David).
ROWS = [["B1", 300, 4, 150, 146], ["B2", 500, 5, 250, 245], ["B3", 120, 0, 60, 60]]


def sheets_file(kind: str) -> bytes:
    if kind == "xlsx":
        return xlsx([["branch", "ballots_cast", "invalid", "Alice Aharoni", "BBB"], *ROWS])
    if kind == "cp1255":
        header = "branch;ballots_cast;invalid;AAA;Boaz Ben-David;\r\n"
        lines = "".join(";".join(map(str, row)) + ";\r\n" for row in ROWS)
        return (header + lines).encode("cp1255")
    if kind == "utf16":
        header = "branch\tinvalid\tBBB\tballots_cast\tAAA\n"
        lines = "".join(f"{b}\t{inv}\t{bb}\t{cast}\t{aa}\n" for b, cast, inv, aa, bb in ROWS)
        return (header + lines).encode("utf-16")
    raise AssertionError(kind)


def run(runner: FlaskCliRunner, *args: str) -> Any:
    return runner.invoke(args=list(args))


def export(runner: FlaskCliRunner) -> str:
    return str(run(runner, "export", "test-2024").stdout)


@pytest.mark.parametrize("kind", ["xlsx", "cp1255", "utf16"])
def test_every_form_of_a_sheets_file_gives_the_same_tally(
    runner: FlaskCliRunner, loaded: Any, tmp_path: Path, kind: str
) -> None:
    assert run(runner, "runoff", "test-2024").exit_code == 0
    path = tmp_path / f"sheets.{'xlsx' if kind == 'xlsx' else 'csv'}"
    path.write_bytes(sheets_file(kind))
    result = run(runner, "import-sheets", "test-2024", "--round", "2", str(path))
    assert result.exit_code == 0, result.output
    assert "3 sheets added" in result.stdout
    tally = json.loads(run(runner, "tally", "test-2024", "--json").stdout)
    assert {c["code"]: c["votes"] for c in tally["candidates"]} == {"AAA": 460, "BBB": 451}
    assert tally["branches"]["counted"] == 3


def test_a_workbook_on_standard_input(runner: FlaskCliRunner, loaded: Any) -> None:
    assert run(runner, "runoff", "test-2024").exit_code == 0
    result = runner.invoke(
        args=["import-sheets", "test-2024", "--round", "2", "-"], input=sheets_file("xlsx")
    )
    assert result.exit_code == 0, result.output
    assert "3 sheets added" in result.stdout


def test_every_problem_of_a_sheets_file_at_once(
    runner: FlaskCliRunner, loaded: Any, tmp_path: Path
) -> None:
    assert run(runner, "runoff", "test-2024").exit_code == 0
    before = export(runner)
    path = tmp_path / "sheets.xlsx"
    path.write_bytes(
        xlsx(
            [
                ["branch", "ballots_cast", "invalid", "AAA", "BBB"],
                ["B1", 300, 4, 150, 140],  # the sum rule
                ["B2", 500, 5, 250.5, 245],  # not a whole number
                ["B77", 1, 0, 1, 0],  # no such branch
                ["B3", 900, 0, 450, 450],  # more than the eligible members
                ["B4", "=1+1", 0, 1, 1],  # a formula
                ["B5", 10, 0, 5, 5],  # right, but the file is refused as a whole
            ]
        )
    )
    result = run(runner, "import-sheets", "test-2024", "--round", "2", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "line 2: votes 290 + invalid 4 = 294, but ballots_cast is 300",
        'line 3: AAA: must be a whole number >= 0 written in digits, not "250.5"',
        "line 4: branch: no branch 'B77' in test-2024",
        "line 5: ballots_cast 900 is more than the 200 eligible members of branch B3",
        'line 6: ballots_cast: cell B6 holds a formula ("=1+1"): give its value instead',
    ]
    assert export(runner) == before


def test_a_different_sheet_tells_the_command_line_how_to_correct(
    runner: FlaskCliRunner, loaded: Any, tmp_path: Path
) -> None:
    assert run(runner, "runoff", "test-2024").exit_code == 0
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_bytes(b"branch;ballots_cast;invalid;AAA;BBB\nB1;300;4;150;146\n")
    second.write_bytes(b"branch;ballots_cast;invalid;AAA;BBB\nB1;300;4;146;150\nB2;1;0;0;0\n")
    assert run(runner, "import-sheets", "test-2024", "--round", "2", str(first)).exit_code == 0
    refused = run(runner, "import-sheets", "test-2024", "--round", "2", str(second))
    assert refused.exit_code == 1
    assert refused.stderr.splitlines() == [
        "line 2: branch B1 already has a different counted sheet in round 2 "
        "(give --correct --reason TEXT to record a correction)",
        "line 3: votes 0 + invalid 0 = 0, but ballots_cast is 1",
    ]


def test_branches_from_a_windows_1255_file_and_a_workbook(
    runner: FlaskCliRunner, loaded: Any, tmp_path: Path
) -> None:
    cp1255 = tmp_path / "branches.csv"
    cp1255.write_bytes("code;name;region;eligible;\r\nB6;אילת;דרום;90;\r\n".encode("cp1255"))
    result = run(runner, "import-branches", "test-2024", str(cp1255))
    assert result.exit_code == 0, result.output
    assert "1 branches added" in result.stdout
    workbook = tmp_path / "branches.xlsx"
    workbook.write_bytes(
        xlsx([["code", "name", "region", "eligible"], ["B6", "אילת", "דרום", 95.0]])
    )
    result = run(runner, "import-branches", "test-2024", str(workbook))
    assert result.exit_code == 0, result.output
    assert "0 branches added, 1 updated" in result.stdout
    package = json.loads(export(runner))
    [eilat] = [b for b in package["election"]["branches"] if b["code"] == "B6"]
    assert eilat == {"code": "B6", "name": "אילת", "region": "דרום", "eligible": 95}


def test_every_problem_of_a_branches_file_at_once(
    runner: FlaskCliRunner, loaded: Any, tmp_path: Path
) -> None:
    before = export(runner)
    path = tmp_path / "branches.csv"
    path.write_bytes(
        "code\tname\tregion\teligible\nB6\tאילת\t\tx\nB2\tTel Aviv\tCenter\t10\nB7\t\t\t5\n".encode(
            "utf-16"
        )
    )
    result = run(runner, "import-branches", "test-2024", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        'line 2: eligible: must be a whole number >= 0 written in digits, not "x"',
        "line 3: eligible: 10 is less than the 500 ballots cast counted at branch B2 in round 1",
        "line 4: name: is empty",
    ]
    assert export(runner) == before


def test_a_password_protected_workbook_is_refused(
    runner: FlaskCliRunner, loaded: Any, tmp_path: Path
) -> None:
    path = tmp_path / "branches.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024))
    result = run(runner, "import-branches", "test-2024", str(path))
    assert result.exit_code == 1
    assert "password-protected" in result.stderr
