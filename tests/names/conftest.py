"""Fixtures of the names tests: the small package with names in Hebrew and Arabic (version 1.1)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import small_package

ELECTION_NAMES = {"he": "פריימריז לניסיון", "ar": "انتخابات تمهيدية تجريبية"}
REGIONS = [
    {"name": "North", "names": {"he": "צפון", "ar": "الشمال"}},
    {"name": "South", "names": {"he": "דרום"}},
]
CANDIDATE_NAMES = {
    "AAA": {"he": "אליס אהרוני", "ar": "أليس أهاروني"},
    "BBB": {"he": "בועז בן-דוד"},
}
BRANCH_NAMES = {
    "B1": {"he": "חיפה - כרמל", "ar": "حيفا - الكرمل"},
    "B3": {"he": "ירוחם"},
    "B4": {},
}


def named_package() -> dict[str, Any]:
    """The small package, its election, two candidates, three branches and two regions named in
    other languages (one branch with an empty ``names``)."""
    package = small_package()
    election = package["election"]
    election["names"] = dict(ELECTION_NAMES)
    election["regions"] = [dict(region) for region in REGIONS]
    for candidate in election["candidates"]:
        if candidate["code"] in CANDIDATE_NAMES:
            candidate["names"] = dict(CANDIDATE_NAMES[candidate["code"]])
    for branch in election["branches"]:
        if branch["code"] in BRANCH_NAMES:
            branch["names"] = dict(BRANCH_NAMES[branch["code"]])
    return package


@pytest.fixture
def package() -> dict[str, Any]:
    return named_package()
