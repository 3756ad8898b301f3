"""Tests of the demo election package (the 2011 Labor leadership primary)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from primaries.demo.data import DEMO_SLUG, demo_package, pending_runoff_sheets

ROUND1_TOTALS = {"YAC": 14_203, "PER": 13_616, "HER": 10_848, "MIT": 5_244}
RUNOFF_TOTALS = {"YAC": 22_299, "PER": 18_769}
NAMED_PLACES = (
    "Tel Aviv - Center",
    "Ramat Hasharon",
    "Ma'alot-Tarshiha",
    "Sha'ar Hanegev",
    "Yeruham",
    "Mitzpe Ramon",
    "Abu Karinat",
)


@pytest.fixture(scope="module")
def package() -> dict[str, Any]:
    return demo_package()


@pytest.fixture(scope="module")
def complete_package() -> dict[str, Any]:
    return demo_package(complete=True)


def totals(sheets: list[dict[str, Any]]) -> Counter[str]:
    counter: Counter[str] = Counter()
    for sheet in sheets:
        counter.update(sheet["votes"])
        counter["invalid"] += sheet["invalid"]
        counter["ballots_cast"] += sheet["ballots_cast"]
    return counter


def branch_code(package: dict[str, Any], name: str) -> str:
    (code,) = [b["code"] for b in package["election"]["branches"] if b["name"] == name]
    return code


def test_election_header(package: dict[str, Any]) -> None:
    assert package["format"] == "primaries/election@1"
    election = package["election"]
    assert election["slug"] == DEMO_SLUG == "labor-2011"
    assert election["name"] == "Israeli Labor Party leadership primary, 2011"
    assert election["rules"] == {
        "threshold_percent": "40",
        "threshold_inclusive": True,
        "threshold_basis": "valid",
        "runoff_size": 2,
        "double_entry": True,
    }
    assert election["candidates"] == [
        {"code": "YAC", "name": "Shelly Yacimovich", "names": {"he": "שלי יחימוביץ'"}},
        {"code": "PER", "name": "Amir Peretz", "names": {"he": "עמיר פרץ"}},
        {"code": "HER", "name": "Isaac Herzog", "names": {"he": "יצחק הרצוג"}},
        {"code": "MIT", "name": "Amram Mitzna", "names": {"he": "עמרם מצנע"}},
    ]
    assert election["names"] == {"he": "הבחירות המקדימות לראשות מפלגת העבודה, 2011"}
    regions = {region["name"]: region["names"]["he"] for region in election["regions"]}
    assert regions["Haifa"] == "חיפה" and regions["Tel Aviv"] == "תל אביב"
    assert set(regions) == {branch["region"] for branch in election["branches"]}


def test_rounds_header(complete_package: dict[str, Any]) -> None:
    first, runoff = complete_package["rounds"]
    assert (first["number"], first["held_on"]) == (1, "2011-09-12")
    assert "candidates" not in first
    assert not first.get("lots")
    assert (runoff["number"], runoff["held_on"]) == (2, "2011-09-21")
    assert runoff["candidates"] == ["YAC", "PER"]
    assert not runoff.get("lots")


def test_branches(package: dict[str, Any]) -> None:
    branches = package["election"]["branches"]
    assert len(branches) == 171
    assert [b["code"] for b in branches] == [f"B{n:03d}" for n in range(1, 172)]
    assert len({b["name"] for b in branches}) == 171
    assert sum(b["eligible"] for b in branches) == 66_310
    assert all(100 <= b["eligible"] <= 1000 for b in branches)
    regions = Counter(b["region"] for b in branches)
    assert 8 <= len(regions) <= 12
    assert all(count >= 5 for count in regions.values())


def test_named_places_present(package: dict[str, Any]) -> None:
    names = {b["name"] for b in package["election"]["branches"]}
    for place in NAMED_PLACES:
        assert place in names
    # Bigger cities report from several branches.
    assert {"Haifa - Carmel", "Haifa - Hadar"} <= names


def test_round1_totals_exact(package: dict[str, Any]) -> None:
    sheets = package["rounds"][0]["sheets"]
    assert len(sheets) == 171
    assert len({s["branch"] for s in sheets}) == 171
    total = totals(sheets)
    assert {code: total[code] for code in ROUND1_TOTALS} == ROUND1_TOTALS
    assert sum(ROUND1_TOTALS.values()) == 43_911
    assert total["invalid"] == 169
    assert total["ballots_cast"] == 44_080


def test_yeruham_round1(package: dict[str, Any]) -> None:
    code = branch_code(package, "Yeruham")
    (sheet,) = [s for s in package["rounds"][0]["sheets"] if s["branch"] == code]
    assert sheet["votes"]["PER"] == 46
    assert sheet["votes"]["MIT"] == 34


def test_runoff_totals_exact_when_complete(complete_package: dict[str, Any]) -> None:
    sheets = complete_package["rounds"][1]["sheets"]
    assert len(sheets) == 171
    assert len({s["branch"] for s in sheets}) == 171
    total = totals(sheets)
    assert {code: total[code] for code in RUNOFF_TOTALS} == RUNOFF_TOTALS
    assert set(total) == {"YAC", "PER", "invalid", "ballots_cast"}
    assert 150 <= total["invalid"] <= 250
    assert total["ballots_cast"] == 41_068 + total["invalid"]
    # Turnout about 62% of the roll.
    assert 0.61 <= total["ballots_cast"] / 66_310 <= 0.63


def test_incomplete_runoff_plus_pending_is_complete(
    package: dict[str, Any], complete_package: dict[str, Any]
) -> None:
    counted = package["rounds"][1]["sheets"]
    pending = pending_runoff_sheets()
    assert len(counted) == 150
    assert len(pending) == 21
    counted_codes = {s["branch"] for s in counted}
    pending_codes = {s["branch"] for s in pending}
    assert not counted_codes & pending_codes
    all_codes = {b["code"] for b in package["election"]["branches"]}
    assert counted_codes | pending_codes == all_codes

    by_code = {s["branch"]: s for s in complete_package["rounds"][1]["sheets"]}
    for sheet in [*counted, *pending]:
        assert by_code[sheet["branch"]] == sheet
    assert totals(counted) + totals(pending) == totals(by_code.values())

    partial = totals(counted)
    assert partial["YAC"] > partial["PER"]
    assert partial["YAC"] < RUNOFF_TOTALS["YAC"]


def test_pending_spread_over_regions(package: dict[str, Any]) -> None:
    region_of = {b["code"]: b["region"] for b in package["election"]["branches"]}
    codes = sorted(s["branch"] for s in pending_runoff_sheets())
    assert codes != [f"B{n:03d}" for n in range(151, 172)]
    assert len({region_of[code] for code in codes}) >= 8


def test_round1_identical_in_both_packages(
    package: dict[str, Any], complete_package: dict[str, Any]
) -> None:
    assert package["election"] == complete_package["election"]
    assert package["rounds"][0] == complete_package["rounds"][0]


@pytest.mark.parametrize(("round_index", "ballot"), [(0, ROUND1_TOTALS), (1, RUNOFF_TOTALS)])
def test_every_sheet_valid(
    complete_package: dict[str, Any], round_index: int, ballot: dict[str, int]
) -> None:
    eligible = {b["code"]: b["eligible"] for b in complete_package["election"]["branches"]}
    for sheet in complete_package["rounds"][round_index]["sheets"]:
        assert set(sheet) == {"branch", "ballots_cast", "invalid", "votes"}
        assert set(sheet["votes"]) == set(ballot)
        numbers = [sheet["ballots_cast"], sheet["invalid"], *sheet["votes"].values()]
        assert all(type(n) is int and n >= 0 for n in numbers)
        assert sum(sheet["votes"].values()) + sheet["invalid"] == sheet["ballots_cast"]
        assert sheet["ballots_cast"] <= eligible[sheet["branch"]]


def test_pending_sheets_valid(package: dict[str, Any]) -> None:
    eligible = {b["code"]: b["eligible"] for b in package["election"]["branches"]}
    for sheet in pending_runoff_sheets():
        assert set(sheet["votes"]) == {"YAC", "PER"}
        assert sum(sheet["votes"].values()) + sheet["invalid"] == sheet["ballots_cast"]
        assert 0 <= sheet["ballots_cast"] <= eligible[sheet["branch"]]


def test_deterministic() -> None:
    assert demo_package() == demo_package()
    assert demo_package(complete=True) == demo_package(complete=True)
    assert pending_runoff_sheets() == pending_runoff_sheets()
    first = json.dumps(demo_package(complete=True), sort_keys=True)
    assert json.dumps(demo_package(complete=True), sort_keys=True) == first


def test_callers_get_fresh_copies() -> None:
    mine = demo_package()
    mine["rounds"][0]["sheets"][0]["votes"]["YAC"] += 1000
    mine["election"]["branches"].clear()
    pending = pending_runoff_sheets()
    pending[0]["invalid"] += 5
    assert totals(demo_package()["rounds"][0]["sheets"])["YAC"] == ROUND1_TOTALS["YAC"]
    assert len(demo_package()["election"]["branches"]) == 171
    assert pending_runoff_sheets() != pending


def test_json_round_trip(complete_package: dict[str, Any]) -> None:
    assert json.loads(json.dumps(complete_package)) == complete_package
    assert json.loads(json.dumps(pending_runoff_sheets())) == pending_runoff_sheets()
