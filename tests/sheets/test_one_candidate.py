"""A ballot of one candidate (the contract allows it: an uncontested primary still counts its
members' votes): double entry compares the two entries all the same. ``make mutants`` found the
second entry's reading of the first untested with fewer than two vote rows."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient, FlaskCliRunner

from primaries.changes import Actor
from primaries.core.sheets import Numbers
from primaries.extensions import db
from primaries.sheets.entry import enter, mismatch_of
from primaries.sheets.place import SheetRef, locate

SOLO = {
    "format": "primaries/election@1",
    "election": {
        "slug": "solo-2024",
        "name": "Uncontested primary",
        "rules": {},
        "candidates": [{"code": "AAA", "name": "Alice Aharoni"}],
        "branches": [
            {"code": "B1", "name": "Haifa", "region": None, "eligible": 500},
            {"code": "B2", "name": "Yeruham", "region": None, "eligible": 200},
        ],
    },
    "rounds": [{"number": 1, "held_on": "2024-03-01", "sheets": []}],
}


def test_double_entry_of_a_one_candidate_ballot(
    runner: FlaskCliRunner,
    write_json: Callable[[Any], Path],
    staff: dict[str, Actor],
    client: FlaskClient,
) -> None:
    loaded = runner.invoke(args=["load", str(write_json(SOLO))])
    assert loaded.exit_code == 0, loaded.output

    def type_in(branch: str, numbers: Numbers, actor: Actor) -> None:
        db.session.rollback()
        version = locate("solo-2024", 1, branch).version
        enter(SheetRef("solo-2024", 1, branch), numbers, version=version, actor=actor)
        db.session.commit()

    paper = Numbers(120, 3, {"AAA": 117})
    type_in("B1", paper, staff["clerk1"])
    type_in("B1", paper, staff["clerk2"])
    db.session.rollback()
    assert locate("solo-2024", 1, "B1").state == "counted"

    type_in("B2", Numbers(90, 2, {"AAA": 88}), staff["clerk1"])
    type_in("B2", Numbers(90, 1, {"AAA": 89}), staff["clerk2"])
    db.session.rollback()
    found = locate("solo-2024", 1, "B2")
    assert found.state == "mismatch"
    mismatch = mismatch_of(found)
    assert mismatch is not None
    assert mismatch.differing == ["invalid", "votes_AAA"]
    assert (mismatch.first_values["invalid"], mismatch.second_values["invalid"]) == (2, 1)
    assert (mismatch.first_values["votes_AAA"], mismatch.second_values["votes_AAA"]) == (88, 89)
    result = client.get("/api/v1/elections/solo-2024/rounds/1").get_json()
    assert [(c["code"], c["votes"]) for c in result["candidates"]] == [("AAA", 117)]
