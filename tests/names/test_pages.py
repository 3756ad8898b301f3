"""The public pages in the reader's language (CONTRACT section 5, version 1.1; issue 14 item 8):
the election's, candidates', branches' and regions' names in Hebrew for a Hebrew reader, their own
names otherwise; the branch search finds a branch by any of its names."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from primaries.core.text import local_name
from primaries.demo.data import demo_package

from .conftest import BRANCH_NAMES, CANDIDATE_NAMES, ELECTION_NAMES

BASE = "/elections/test-2024"


def page(client: FlaskClient, path: str, lang: str) -> str:
    response = client.get(f"{path}{'&' if '?' in path else '?'}lang={lang}")
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_the_round_page_in_hebrew_shows_hebrew_names(
    client: FlaskClient, loaded: dict[str, Any]
) -> None:
    html = page(client, f"{BASE}/rounds/1", "he")
    assert ELECTION_NAMES["he"] in html
    assert CANDIDATE_NAMES["AAA"]["he"] in html and CANDIDATE_NAMES["BBB"]["he"] in html
    assert "Alice Aharoni" not in html
    assert "Carmel Cohen" in html  # no Hebrew name: its own
    assert "צפון" in html and "דרום" in html  # the regions
    assert ">Center<" in html  # a region without names


def test_the_round_page_in_english_shows_the_names_themselves(
    client: FlaskClient, loaded: dict[str, Any]
) -> None:
    html = page(client, f"{BASE}/rounds/1", "en")
    assert "Test primary" in html and "Alice Aharoni" in html and "North" in html
    assert ELECTION_NAMES["he"] not in html and CANDIDATE_NAMES["AAA"]["he"] not in html


def test_the_branch_pages_in_hebrew(client: FlaskClient, loaded: dict[str, Any]) -> None:
    table = page(client, f"{BASE}/rounds/1/branches", "he")
    assert BRANCH_NAMES["B1"]["he"] in table and BRANCH_NAMES["B3"]["he"] in table
    assert "Haifa - Carmel" not in table
    assert "Tel Aviv - Center" in table  # no Hebrew name: its own
    assert '<option value="North">צפון</option>' in table  # the filter keeps the region's key
    branch = page(client, f"{BASE}/branches/B1", "he")
    assert BRANCH_NAMES["B1"]["he"] in branch and "צפון" in branch
    assert CANDIDATE_NAMES["AAA"]["he"] in branch
    election = page(client, BASE, "he")
    assert ELECTION_NAMES["he"] in election and CANDIDATE_NAMES["AAA"]["he"] in election
    index = page(client, "/", "he")
    assert ELECTION_NAMES["he"] in index


def test_the_search_finds_a_branch_by_any_of_its_names(
    client: FlaskClient, loaded: dict[str, Any]
) -> None:
    for lang in ("he", "en"):
        for needle in ("חיפה", "حيفا", "haifa", "כרמל"):
            html = page(client, f"{BASE}/rounds/1/branches?q={needle}", lang)
            assert "/branches/B1" in html, (lang, needle)
            assert "/branches/B2" not in html, (lang, needle)
        by_region = page(client, f"{BASE}/rounds/1/branches?q=דרום", lang)
        assert "/branches/B3" in by_region and "/branches/B4" in by_region
        assert "/branches/B1" not in by_region


def test_a_name_in_the_readers_language_or_its_own() -> None:
    names = {"he": "חיפה", "ar": "حيفا", "en-gb": "Haifa (UK)"}
    assert local_name("Haifa", names, "he") == "חיפה"
    assert local_name("Haifa", names, "ar") == "حيفا"
    assert local_name("Haifa", names, "he-IL") == "חיפה"  # the language when the tag is not there
    assert local_name("Haifa", names, "en_GB") == "Haifa (UK)"
    assert local_name("Haifa", names, "en") == "Haifa"
    assert local_name("Haifa", None, "he") == "Haifa"
    assert local_name("Haifa", {}, "he") == "Haifa"


def test_the_nist_export_gives_every_name_with_its_language(
    client: FlaskClient, loaded: dict[str, Any]
) -> None:
    response = client.get(f"{BASE}/rounds/1/results-err.json")
    assert response.status_code == 200
    report = json.loads(response.get_data(as_text=True))

    def languages(text: dict[str, Any]) -> dict[str, str]:
        return {s["Language"]: s["Content"] for s in text["Text"]}

    units = {u["@id"]: u for u in report["GpUnit"]}
    assert languages(units["gpu-branch-B1"]["Name"]) == {
        "en": "Haifa - Carmel",
        **BRANCH_NAMES["B1"],
    }
    assert languages(units["gpu-region-North"]["Name"]) == {
        "en": "North",
        "he": "צפון",
        "ar": "الشمال",
    }
    assert languages(units["gpu-branch-B2"]["Name"]) == {"en": "Tel Aviv - Center"}
    candidates = {c["@id"]: c for c in report["Election"][0]["Candidate"]}
    assert languages(candidates["cand-AAA"]["BallotName"]) == {
        "en": "Alice Aharoni",
        **CANDIDATE_NAMES["AAA"],
    }
    assert languages(report["Election"][0]["Name"]) == {"en": "Test primary", **ELECTION_NAMES}


def test_the_demo_in_hebrew_finds_haifa(client: FlaskClient, app: Any, runner: Any) -> None:
    assert runner.invoke(args=["demo"]).exit_code == 0
    html = page(client, "/elections/labor-2011/rounds/1/branches?q=חיפה&per=500", "he")
    package = demo_package()
    region_of = {b["code"]: b["region"] for b in package["election"]["branches"]}
    found = {code for code in region_of if f'/branches/{code}"' in html}
    assert found == {code for code, region in region_of.items() if region == "Haifa"}
    assert len(found) == 14
    assert "שלי יחימוביץ&#39;" in html and "Shelly Yacimovich" not in html
    round_page = page(client, "/elections/labor-2011/rounds/1", "he")
    assert "הבחירות המקדימות לראשות מפלגת העבודה, 2011" in round_page
    assert "עמיר פרץ" in round_page and "חיפה" in round_page


def test_the_api_gives_the_candidates_names_where_given(
    client: FlaskClient, loaded: dict[str, Any]
) -> None:
    import jsonschema

    from primaries.api.openapi import openapi_document

    detail = client.get("/api/v1/elections/test-2024").get_json()
    assert detail["names"] == ELECTION_NAMES
    assert detail["candidates"][0] == {
        "code": "AAA",
        "name": "Alice Aharoni",
        "names": CANDIDATE_NAMES["AAA"],
    }
    assert detail["candidates"][2] == {"code": "CCC", "name": "Carmel Cohen"}
    schema = openapi_document()["components"]["schemas"]["Election"]
    jsonschema.validate(detail, schema)
    detail["candidates"][0]["names"] = {"HE": "x"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(detail, schema)
