"""Names in other languages in a package (CONTRACT section 5, version 1.1): read as given, each
problem refused at its JSON path; the same whether the package is read whole or streamed."""

from __future__ import annotations

import json
from typing import Any

import pytest

from primaries.formats import FormatError, parse_package, streaming
from primaries.formats.specs import RegionSpec
from tests.conftest import small_package

HE, AR = "חיפה - כרמל", "حيفا - الكرمل"


def named() -> dict[str, Any]:
    package = small_package()
    election = package["election"]
    election["names"] = {"he": "פריימריז", "ar": "انتخابات تمهيدية"}
    election["regions"] = [{"name": "North", "names": {"he": "צפון", "ar": "الشمال"}}]
    election["candidates"][0]["names"] = {"he": "אליס אהרוני", "en-gb": "Alice Aharoni"}
    election["branches"][0]["names"] = {"he": HE, "ar": AR}
    election["branches"][1]["names"] = {}
    return package


@pytest.fixture(params=["whole", "streamed"])
def parse(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Any:
    if request.param == "streamed":
        monkeypatch.setattr(streaming, "STREAM_THRESHOLD", 0)
    return lambda package: parse_package(json.dumps(package, ensure_ascii=False).encode())


def problems(parse: Any, package: dict[str, Any]) -> list[str]:
    with pytest.raises(FormatError) as caught:
        parse(package)
    return list(caught.value.problems)


def test_names_are_read_as_given(parse: Any) -> None:
    spec = parse(named())
    assert spec.names == {"he": "פריימריז", "ar": "انتخابات تمهيدية"}
    assert list(spec.names) == ["he", "ar"]
    assert spec.regions == (RegionSpec("North", {"he": "צפון", "ar": "الشمال"}),)
    assert spec.candidates[0].names == {"he": "אליס אהרוני", "en-gb": "Alice Aharoni"}
    assert spec.candidates[1].names is None
    assert spec.branches[0].names == {"he": HE, "ar": AR}
    assert spec.branches[1].names == {}  # given empty: not the same as not given
    assert spec.branches[2].names is None


def test_a_version_1_package_has_no_names(parse: Any) -> None:
    spec = parse(small_package())
    assert spec.names is None and spec.regions is None
    assert all(c.names is None for c in spec.candidates)
    assert all(b.names is None for b in spec.branches)


def test_an_empty_regions_list_is_kept(parse: Any) -> None:
    package = small_package()
    package["election"]["regions"] = []
    assert parse(package).regions == ()


def test_bad_names_are_refused_at_their_paths(parse: Any) -> None:
    package = named()
    election = package["election"]
    election["names"] = {"HE": "פריימריז", "he-il-": "x", "hebrew": "y"}
    election["candidates"][1]["names"] = None
    election["candidates"][2]["names"] = {"he": ""}
    election["candidates"][3]["names"] = {"ar": "أليس\u202e"}
    election["branches"][2]["names"] = ["he", "ירוחם"]
    election["branches"][3]["names"] = {"he": 7}
    found = problems(parse, package)
    rule = "must be a lowercase language tag"
    assert found == [
        f"election.names.HE: {rule}: 2-3 letters, then optional -subtags of 2-8 letters or "
        'digits (he, ar, en-gb), not "HE" (write "he")',
        f"election.names.he-il-: {rule}: 2-3 letters, then optional -subtags of 2-8 letters "
        'or digits (he, ar, en-gb), not "he-il-"',
        f"election.names.hebrew: {rule}: 2-3 letters, then optional -subtags of 2-8 letters "
        'or digits (he, ar, en-gb), not "hebrew"',
        "election.candidates[1].names: must be an object from language tags to names, not null",
        'election.candidates[2].names.he: must be a non-empty string, not ""',
        "election.candidates[3].names.ar: must not contain the bidirectional control character "
        "U+202E",
        "election.branches[2].names: must be an object from language tags to names, not a list",
        "election.branches[3].names.he: must be a non-empty string, not 7",
    ]


def test_a_language_given_twice_is_refused(parse: Any) -> None:
    text = json.dumps(named(), ensure_ascii=False).replace(
        '"he": "אליס אהרוני"', '"he": "אליס אהרוני", "he": "אליס"'
    )
    with pytest.raises(FormatError) as caught:
        parse_package(text.encode())
    assert caught.value.problems == ["election.candidates[0].names.he: is given more than once"]


def test_bad_regions_are_refused_at_their_paths(parse: Any) -> None:
    package = named()
    package["election"]["regions"] = [
        {"name": "North", "names": {"he": "צפון"}},
        {"name": "North", "names": {"he": "הצפון"}},
        {"name": "South"},
        {"names": {"he": "מרכז"}, "hebrew": "מרכז"},
        "Center",
        {"name": "", "names": {}},
    ]
    assert problems(parse, package) == [
        "election.regions[1].name: the region 'North' is given twice (also at election.regions[0])",
        "election.regions[2].names: is required",
        "election.regions[3].hebrew: unknown key (expected: name, names)",
        "election.regions[3].name: is required",
        'election.regions[4]: must be an object, not "Center"',
        'election.regions[5].name: must be a non-empty string, not ""',
    ]
    package["election"]["regions"] = {"North": {"he": "צפון"}}
    assert problems(parse, package) == [
        "election.regions: must be a list of regions (it may be empty), not an object"
    ]


def test_unknown_keys_still_name_names(parse: Any) -> None:
    package = small_package()
    package["election"]["candidates"][0]["nmes"] = {"he": "אליס"}
    assert problems(parse, package) == [
        "election.candidates[0].nmes: unknown key (expected: code, name, names)"
    ]
