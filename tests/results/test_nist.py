"""The NIST SP 1500-100 ERR v2 downloads validate against NIST's official schema, every one.

The schema is NIST's own (``NIST_V2_election_results_reporting.json``, draft-04), read from the
repository's sibling ``shared/standards`` folder, else ``$PRIMARIES_STANDARDS``, else
``/work/shared/standards``. Without it these tests skip with the reason, except in CI
(``CI=true``), where that is a failure.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient, FlaskCliRunner

from primaries.results.nist_text import ncname, script_language, text
from tests.conftest import skip_or_fail, small_package
from tests.results.conftest import tally

SCHEMA_NAME = "NIST_V2_election_results_reporting.json"
# Reference keys (an ``@id`` elsewhere in the file); VendorApplicationId is a name, not a reference.
NOT_REFERENCES = {"VendorApplicationId"}


def _standards() -> list[Path]:
    repository = Path(__file__).resolve().parents[2]
    places = [repository.parent / "shared" / "standards"]
    if os.environ.get("PRIMARIES_STANDARDS"):
        places.append(Path(os.environ["PRIMARIES_STANDARDS"]))
    places.append(Path("/work/shared/standards"))
    return places


@cache
def _schema() -> dict[str, Any] | None:
    for folder in _standards():
        if (folder / SCHEMA_NAME).is_file():
            loaded: dict[str, Any] = json.loads((folder / SCHEMA_NAME).read_text("utf-8"))
            return loaded
    return None


def schema() -> dict[str, Any]:
    found = _schema()
    if found is None:
        places = ", ".join(str(p) for p in _standards())
        skip_or_fail(f"NIST's {SCHEMA_NAME} is in none of: {places}")
        raise AssertionError("unreachable")
    return found


def _objects(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from _objects(item)
    elif isinstance(value, list):
        for item in value:
            yield from _objects(item)


def check(report: dict[str, Any]) -> dict[str, Any]:
    """Zero schema errors, every ``@id`` unique, every reference to an existing ``@id``."""
    import jsonschema

    validator = jsonschema.Draft4Validator(schema())
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(report)]
    assert errors == []
    ids = [o["@id"] for o in _objects(report) if "@id" in o]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    known = set(ids)
    for thing in _objects(report):
        for key, value in thing.items():
            if key in NOT_REFERENCES:
                continue
            if key.endswith("Id"):
                assert value in known, (key, value)
            elif key.endswith("Ids"):
                assert set(value) <= known, (key, value)
    return report


def download(client: FlaskClient, slug: str, number: int) -> dict[str, Any]:
    response = client.get(f"/elections/{slug}/rounds/{number}/results-err.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.is_streamed  # written in pieces, not one string
    return check(json.loads(response.get_data(as_text=True)))


def load(runner: FlaskCliRunner, tmp_path: Path, package: dict[str, Any]) -> None:
    path = tmp_path / "package.json"
    path.write_text(json.dumps(package, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(args=["load", str(path)])
    assert result.exit_code == 0, result.output


def languages(text: dict[str, Any]) -> dict[str, str]:
    assert text["@type"] == "ElectionResults.InternationalizedText"
    return {s["Language"]: s["Content"] for s in text["Text"]}


def test_ids_are_injective_and_safe_for_any_code() -> None:
    codes = ["Tel Aviv", "Tel_Aviv", "Tel-Aviv", "תל אביב", "תל_אביב", "none", "", "_20", " "]
    ids = [ncname("gpu-region", code) for code in codes]
    assert len(set(ids)) == len(ids)
    assert all(i.isascii() and all(c.isalnum() or c in "-_" for c in i) for i in ids)
    assert ncname("gpu-region", "Tel Aviv") == "gpu-region-Tel_20Aviv"
    assert script_language("שלי יחימוביץ'", "en") == "he"
    assert script_language("شيلي", "en") == "ar"
    assert script_language("B-12 Haifa", "he") == "en"
    assert script_language("- 12 -", "he") == "he"
    assert script_language("12", "en") == "en"
    both = text("Tel Aviv", "he", {"he": "תל אביב", "en": "Tel Aviv"})
    assert [(t["Language"], t["Content"]) for t in both["Text"]] == [
        ("en", "Tel Aviv"),
        ("he", "תל אביב"),
    ]


def test_demo_both_rounds_validate_and_agree_with_the_tally(
    client: FlaskClient, runner: FlaskCliRunner, demo: str
) -> None:
    for number, status in ((1, "certified"), (2, "unofficial-partial")):
        report = download(client, "labor-2011", number)
        assert report["Status"] == status and report["IsTest"] is False
        expected = tally(runner, "labor-2011", number)
        election = report["Election"][0]
        assert election["Type"] == ("primary" if number == 1 else "runoff")
        contest = election["Contest"][0]
        scope = election["ElectionScopeId"]
        assert contest["ElectionDistrictId"] == scope
        assert contest["PrimaryPartyIds"] == [report["Party"][0]["@id"]]
        assert contest["OfficeIds"] == [report["Office"][0]["@id"]]
        branches = [u for u in report["GpUnit"] if u["Type"] == "polling-place"]
        assert len(branches) == expected["branches"]["total"] == contest["TotalSubUnits"]
        totals = {}
        for selection in contest["ContestSelection"]:
            code = selection["CandidateIds"][0].removeprefix("cand-")
            counts = selection["VoteCounts"]
            totals[code] = next(c["Count"] for c in counts if c["GpUnitId"] == scope)
            by_branch = [c["Count"] for c in counts if c["GpUnitId"].startswith("gpu-branch-")]
            assert sum(by_branch) == totals[code]
        assert totals == {c["code"]: c["votes"] for c in expected["candidates"]}
        ballots = {b["GpUnitId"]: b for b in election["BallotCounts"]}
        assert ballots[scope]["BallotsCast"] == expected["totals"]["ballots_cast"]
        assert ballots[scope]["BallotsRejected"] == expected["totals"]["invalid"]
        counted = [b for b in branches if b["CountStatus"][0]["Status"] == "completed"]
        assert len(counted) == expected["branches"]["counted"]
        assert all(b["@id"] in ballots for b in counted)
        assert contest["SubUnitsReported"] == (
            expected["branches"]["counted"] + expected["branches"]["annulled"]
        )
    first = download(client, "labor-2011", 1)
    statuses = {c["@id"]: c.get("PostElectionStatus") for c in first["Election"][0]["Candidate"]}
    assert statuses == {
        "cand-YAC": "advanced-to-runoff",
        "cand-PER": "advanced-to-runoff",
        "cand-HER": "defeated",
        "cand-MIT": "defeated",
    }
    names = {u["Name"]["Text"][0]["Language"] for u in first["GpUnit"]}
    assert names == {"en"}


def test_small_election_both_rounds_and_an_annulled_box(
    client: FlaskClient, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    package = small_package()
    runoff = {"branch": "B1", "ballots_cast": 300, "invalid": 2, "votes": {"AAA": 150, "BBB": 148}}
    package["rounds"].append({"number": 2, "held_on": "2024-03-08", "sheets": [runoff]})
    load(runner, tmp_path, package)
    first = download(client, "test-2024", 1)
    units = {u["@id"]: u for u in first["GpUnit"]}
    annulled = units["gpu-branch-B5"]
    assert [(s["Type"], s["Status"]) for s in annulled["CountStatus"]] == [
        ("total", "not-processed"),
        ("other", "completed"),
    ]
    assert annulled["CountStatus"][1]["OtherType"] == "annulled"
    counted = {c["GpUnitId"] for c in first["Election"][0]["BallotCounts"]}
    assert "gpu-branch-B5" not in counted and "gpu-branch-B1" in counted
    votes = first["Election"][0]["Contest"][0]["ContestSelection"][0]["VoteCounts"]
    assert "gpu-branch-B5" not in {c["GpUnitId"] for c in votes}
    assert "gpu-noregion" in units  # B5 has no region; a region named "none" cannot collide
    second = download(client, "test-2024", 2)
    assert second["Election"][0]["Type"] == "runoff"
    assert [c["@id"] for c in second["Election"][0]["Candidate"]] == ["cand-AAA", "cand-BBB"]


def test_hebrew_and_arabic_names_keep_their_ids_and_languages(
    client: FlaskClient, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    package = small_package()
    election = package["election"]
    election["name"] = "הפריימריז של המפלגה"
    election["candidates"][0]["name"] = "שלי יחימוביץ'"
    election["candidates"][1]["name"] = "أيمن عودة"
    for branch, (name, region) in zip(
        election["branches"],
        [
            ("חיפה - כרמל", "צפון"),
            ("الناصرة", "צפון"),
            ("ירוחם", "דרום"),
            ("מצפה רמון", "דרום"),
            ("מעלות", None),
        ],
        strict=True,
    ):
        branch["name"], branch["region"] = name, region
    load(runner, tmp_path, package)
    report = download(client, "test-2024", 1)
    units = {u["@id"]: u for u in report["GpUnit"]}
    assert languages(units["gpu-branch-B1"]["Name"]) == {"he": "חיפה - כרמל"}
    assert languages(units["gpu-branch-B2"]["Name"]) == {"ar": "الناصرة"}
    assert languages(units[ncname("gpu-region", "צפון")]["Name"]) == {"he": "צפון"}
    assert len([u for u in units if u.startswith("gpu-region-")]) == 2
    candidates = {c["@id"]: c for c in report["Election"][0]["Candidate"]}
    assert languages(candidates["cand-AAA"]["BallotName"]) == {"he": "שלי יחימוביץ'"}
    assert languages(candidates["cand-BBB"]["BallotName"]) == {"ar": "أيمن عودة"}
    assert languages(candidates["cand-CCC"]["BallotName"]) == {"en": "Carmel Cohen"}
    assert languages(report["Election"][0]["Name"]) == {"he": "הפריימריז של המפלגה"}


def test_a_tie_for_the_runoff_validates_without_post_election_status(
    client: FlaskClient, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    package = small_package()
    sheet = {"branch": "B1", "ballots_cast": 110, "invalid": 0}
    sheet["votes"] = {"AAA": 40, "BBB": 35, "CCC": 35, "DDD": 0}
    package["rounds"][0]["sheets"] = [sheet]
    load(runner, tmp_path, package)
    assert tally(runner, "test-2024", 1)["outcome"]["status"] == "lot_required"
    report = download(client, "test-2024", 1)
    assert report["Status"] == "unofficial-partial"
    assert all("PostElectionStatus" not in c for c in report["Election"][0]["Candidate"])
