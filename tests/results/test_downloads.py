"""The downloads: per-branch CSV, NIST ERR JSON and the election package agree with the tally."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient, FlaskCliRunner

from primaries.core.text import spreadsheet_cell
from tests.conftest import small_package
from tests.results.conftest import tally


def read_csv(client: FlaskClient, path: str) -> list[dict[str, str]]:
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


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


# --- NIST SP 1500-100 ERR v2 -----------------------------------------------------------------
# The parts of NIST's JSON schema (NIST_V2_election_results_reporting.json, usnistgov/
# ElectionResultsReporting) for the classes we write: required properties, enumerations and no
# unknown properties, as in the original.


def _object(type_: str, required: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": required,
        "additionalProperties": False,
        "properties": {"@type": {"enum": [type_]}, **properties},
    }


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/definitions/{name}"}


def _array(item: dict[str, Any], min_items: int = 0) -> dict[str, Any]:
    return {"type": "array", "items": item, "minItems": min_items}


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
COUNT_ITEM_TYPE = {"enum": ["absentee", "early", "election-day", "other", "provisional", "total"]}
ERR_SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "$ref": "#/definitions/ElectionReport",
    "definitions": {
        "ElectionReport": _object(
            "ElectionResults.ElectionReport",
            ["Format", "GeneratedDate", "Issuer", "IssuerAbbreviation", "SequenceEnd",
             "SequenceStart", "Status", "VendorApplicationId"],
            {
                "Format": {"enum": ["precinct-level", "summary-contest"]},
                "GeneratedDate": {"type": "string", "format": "date-time"},
                "Issuer": STRING, "IssuerAbbreviation": STRING, "Notes": STRING,
                "SequenceStart": INTEGER, "SequenceEnd": INTEGER,
                "Status": {"enum": ["certified", "correction", "pre-election", "recount",
                                    "unofficial-complete", "unofficial-partial"]},
                "VendorApplicationId": STRING,
                "Election": _array(_ref("Election")),
                "GpUnit": _array(_ref("ReportingUnit")),
            },
        ),
        "Election": _object(
            "ElectionResults.Election",
            ["ElectionScopeId", "EndDate", "Name", "StartDate", "Type"],
            {
                "ElectionScopeId": STRING,
                "StartDate": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
                "EndDate": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
                "Name": _ref("InternationalizedText"),
                "Type": {"enum": ["general", "other", "partisan-primary-closed",
                                  "partisan-primary-open", "primary", "runoff", "special"]},
                "CountStatus": _array(_ref("CountStatus")),
                "Candidate": _array(_ref("Candidate")),
                "Contest": _array(_ref("CandidateContest")),
            },
        ),
        "Candidate": _object(
            "ElectionResults.Candidate",
            ["BallotName", "@id"],
            {
                "@id": STRING,
                "BallotName": _ref("InternationalizedText"),
                "ExternalIdentifier": _array(_ref("ExternalIdentifier")),
                "PostElectionStatus": {"enum": ["advanced-to-runoff", "projected-winner",
                                                "winner", "withdrawn"]},
            },
        ),
        "CandidateContest": _object(
            "ElectionResults.CandidateContest",
            ["VotesAllowed", "ElectoralDistrictId", "Name", "@id"],
            {
                "@id": STRING, "Name": STRING, "ElectoralDistrictId": STRING,
                "VotesAllowed": INTEGER, "NumberElected": INTEGER, "NumberRunoff": INTEGER,
                "TotalSubUnits": INTEGER, "SubUnitsReported": INTEGER,
                "VoteVariation": {"enum": ["1-of-m", "approval", "borda", "cumulative",
                                           "majority", "n-of-m", "other", "plurality",
                                           "proportional", "range", "rcv", "super-majority"]},
                "OtherVoteVariation": STRING,
                "CountStatus": _array(_ref("CountStatus")),
                "BallotSelection": _array(_ref("CandidateSelection")),
                "SummaryCounts": _array(_ref("SummaryCounts")),
            },
        ),
        "CandidateSelection": _object(
            "ElectionResults.CandidateSelection",
            ["CandidateIds", "@id"],
            {
                "@id": STRING, "CandidateIds": _array(STRING, 1), "SequenceOrder": INTEGER,
                "VoteCounts": _array(_ref("VoteCounts")),
            },
        ),
        "VoteCounts": _object(
            "ElectionResults.VoteCounts",
            ["Count", "Type"],
            {"Count": {"type": "number"}, "GpUnitId": STRING, "Type": COUNT_ITEM_TYPE},
        ),
        "SummaryCounts": _object(
            "ElectionResults.SummaryCounts",
            ["Type"],
            {"BallotsCast": INTEGER, "BallotsRejected": INTEGER, "GpUnitId": STRING,
             "Type": COUNT_ITEM_TYPE},
        ),
        "CountStatus": _object(
            "ElectionResults.CountStatus",
            ["Status", "Type"],
            {"Status": {"enum": ["completed", "in-process", "not-processed", "unknown"]},
             "Type": COUNT_ITEM_TYPE},
        ),
        "ReportingUnit": _object(
            "ElectionResults.ReportingUnit",
            ["Type", "@id"],
            {
                "@id": STRING, "Name": STRING, "Number": STRING, "OtherType": STRING,
                "Type": {"enum": ["other", "polling-place", "precinct", "country", "state"]},
                "ComposingGpUnitIds": _array(STRING),
                "CountStatus": _array(_ref("CountStatus")),
                "SubUnitsReported": INTEGER, "TotalSubUnits": INTEGER,
                "VotersParticipated": INTEGER, "VotersRegistered": INTEGER,
                "SummaryCounts": _array(_ref("SummaryCounts")),
            },
        ),
        "ExternalIdentifier": _object(
            "ElectionResults.ExternalIdentifier",
            ["Type", "Value"],
            {"Type": {"enum": ["fips", "local-level", "national-level", "ocd-id", "other",
                               "state-level"]}, "Value": STRING},
        ),
        "InternationalizedText": _object(
            "ElectionResults.InternationalizedText",
            ["Text"],
            {"Text": _array(_ref("LanguageString"), 1)},
        ),
        "LanguageString": _object(
            "ElectionResults.LanguageString",
            ["Content", "Language"],
            {"Content": STRING, "Language": STRING},
        ),
    },
}  # fmt: skip


def test_err_report_validates_and_agrees_with_the_tally(
    client: FlaskClient, runner: FlaskCliRunner, demo: str
) -> None:
    import jsonschema

    for number, status in ((1, "certified"), (2, "unofficial-partial")):
        response = client.get(f"/elections/labor-2011/rounds/{number}/results-err.json")
        assert response.status_code == 200 and response.mimetype == "application/json"
        report = json.loads(response.get_data(as_text=True))
        jsonschema.validate(report, ERR_SCHEMA)
        assert report["Status"] == status
        expected = tally(runner, "labor-2011", number)
        election = report["Election"][0]
        assert election["Type"] == ("primary" if number == 1 else "runoff")
        contest = election["Contest"][0]
        scope = election["ElectionScopeId"]
        ids = {unit["@id"] for unit in report["GpUnit"]}
        branches = [u for u in report["GpUnit"] if u["Type"] == "polling-place"]
        assert len(branches) == expected["branches"]["total"] == contest["TotalSubUnits"]
        totals = {}
        for selection in contest["BallotSelection"]:
            code = selection["CandidateIds"][0].removeprefix("cand-")
            counts = selection["VoteCounts"]
            assert all(c["GpUnitId"] in ids for c in counts)
            totals[code] = next(c["Count"] for c in counts if c["GpUnitId"] == scope)
            by_branch = [c["Count"] for c in counts if c["GpUnitId"].startswith("gpu-branch-")]
            assert sum(by_branch) == totals[code]
        assert totals == {c["code"]: c["votes"] for c in expected["candidates"]}
        assert contest["SummaryCounts"][0]["BallotsCast"] == expected["totals"]["ballots_cast"]
        assert contest["SubUnitsReported"] == (
            expected["branches"]["counted"] + expected["branches"]["annulled"]
        )
    first = json.loads(client.get("/elections/labor-2011/rounds/1/results-err.json").data)
    statuses = {c["@id"]: c.get("PostElectionStatus") for c in first["Election"][0]["Candidate"]}
    assert statuses == {
        "cand-YAC": "advanced-to-runoff",
        "cand-PER": "advanced-to-runoff",
        "cand-HER": None,
        "cand-MIT": None,
    }


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
