"""The downloads: per-branch CSV, NIST ERR JSON and the election package agree with the tally."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

import openpyxl
import pytest
from flask.testing import FlaskClient, FlaskCliRunner

from primaries.core.text import spreadsheet_cell
from primaries.formats.tables_out import XLSX_MIMETYPE
from tests.conftest import small_package
from tests.results.conftest import tally
from tests.workbooks import rows_of


def read_csv(client: FlaskClient, path: str) -> list[dict[str, str]]:
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")  # the byte-order mark Excel needs to read UTF-8
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def test_branches_csv_agrees_with_the_api_and_the_tally(
    client: FlaskClient, runner: FlaskCliRunner, demo: str
) -> None:
    rows = read_csv(client, "/elections/labor-2011/rounds/2/branches.csv")
    api = client.get("/api/v1/elections/labor-2011/rounds/2/branches").get_json()["branches"]
    assert [r["code"] for r in rows] == [b["code"] for b in api]
    assert list(rows[0]) == [
        "code", "name", "region", "eligible", "status", "ballots_cast", "invalid", "valid",
        "turnout_percent", "YAC", "PER", "annulment_reason",
    ]  # fmt: skip
    for row, branch in zip(rows, api, strict=True):
        assert row["status"] == branch["status"]
        if branch["status"] == "counted":
            assert int(row["ballots_cast"]) == branch["ballots_cast"]
            assert int(row["YAC"]) == branch["votes"]["YAC"]
        else:
            assert row["ballots_cast"] == row["YAC"] == ""
    expected = tally(runner, "labor-2011", 2)
    counted = [r for r in rows if r["status"] == "counted"]
    assert len(counted) == expected["branches"]["counted"]
    assert sum(int(r["ballots_cast"]) for r in counted) == expected["totals"]["ballots_cast"]
    assert sum(int(r["valid"]) for r in counted) == expected["totals"]["valid"]
    for candidate in expected["candidates"]:
        assert sum(int(r[candidate["code"]]) for r in counted) == candidate["votes"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+972", "'+972"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("\nrow", "'\nrow"),
        (" =1+1", "' =1+1"),
        ("  @SUM(A1)", "'  @SUM(A1)"),
        ("\uff1dcmd", "'\uff1dcmd"),
        ("\uff0b972", "'\uff0b972"),
        ("\uff0d1", "'\uff0d1"),
        ("\uff20SUM(A1)", "'\uff20SUM(A1)"),
        (" \uff1d1", "' \uff1d1"),
        ("\u3000=1", "'\u3000=1"),
        (" Tel Aviv", " Tel Aviv"),
        ("Tel Aviv - Center", "Tel Aviv - Center"),
        (12, 12),
        ("", ""),
    ],
)
def test_formula_cells_are_neutralised(value: object, expected: object) -> None:
    assert spreadsheet_cell(value) == expected


def test_csv_neutralises_formula_names(
    client: FlaskClient, runner: FlaskCliRunner, write_json: Callable[..., Any]
) -> None:
    package = small_package()
    package["election"]["branches"][0]["name"] = "=cmd|' /C calc'!A0"
    package["election"]["branches"][1]["region"] = "@SUM(1+1)"
    package["rounds"][0]["sheets"][4]["reason"] = "+ballots found outside the box"
    assert runner.invoke(args=["load", str(write_json(package))]).exit_code == 0
    rows = read_csv(client, "/elections/test-2024/rounds/1/branches.csv")
    by_code = {r["code"]: r for r in rows}
    assert by_code["B1"]["name"] == "'=cmd|' /C calc'!A0"
    assert by_code["B2"]["region"] == "'@SUM(1+1)"
    assert by_code["B5"]["annulment_reason"] == "'+ballots found outside the box"
    assert by_code["B1"]["ballots_cast"] == "300"


def test_election_package_download_is_the_export(
    client: FlaskClient, runner: FlaskCliRunner, demo: str
) -> None:
    response = client.get("/elections/labor-2011/package.json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    package = json.loads(response.get_data(as_text=True))
    assert package["format"] == "primaries/election@1"
    assert len(package["rounds"][1]["sheets"]) == 150
    exported = runner.invoke(args=["export", "labor-2011"])
    assert json.loads(exported.stdout) == package


def test_branches_workbook_is_the_csv_with_hebrew_and_arabic_intact(
    client: FlaskClient, runner: FlaskCliRunner, write_json: Callable[..., Any]
) -> None:
    package = small_package()
    package["election"]["name"] = "פריימריז 2024"
    package["election"]["branches"][0]["name"] = "חיפה - כרמל"
    package["election"]["branches"][1]["name"] = "=cmd|' /C calc'!A0"
    package["election"]["branches"][2]["region"] = "الناصرة"
    assert runner.invoke(args=["load", str(write_json(package))]).exit_code == 0
    response = client.get("/elections/test-2024/rounds/1/branches.xlsx")
    assert response.status_code == 200
    assert response.mimetype == XLSX_MIMETYPE
    assert "attachment" in response.headers["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet = workbook.worksheets[0]
    assert sheet.sheet_view.rightToLeft  # a Hebrew election reads right to left
    rows = rows_of(response.data)
    by_code = {row[0]: row for row in rows[1:]}
    assert by_code["B1"][1] == "חיפה - כרמל"
    assert by_code["B2"][1] == "=cmd|' /C calc'!A0"  # text, never a formula
    assert sheet["B3"].data_type == "s"
    assert by_code["B3"][2] == "الناصرة"
    assert by_code["B1"][3:7] == [500, "counted", 300, 4]
    as_csv = read_csv(client, "/elections/test-2024/rounds/1/branches.csv")
    assert [row[0] for row in rows[1:]] == [row["code"] for row in as_csv]
    assert rows[0] == list(as_csv[0])
    page = client.get("/elections/test-2024/rounds/1").get_data(as_text=True)
    assert "/elections/test-2024/rounds/1/branches.xlsx" in page
