"""Finding a sheet by its names (primaries.sheets.place, primaries.sheets.rows.sheet_of): the
sheet of the round and branch named, never another round's or another branch's."""

from __future__ import annotations

from typing import Any

import pytest

from primaries.changes import Actor
from primaries.elections.lookup import get_branch, get_election, get_round
from primaries.errors import NotFound
from primaries.extensions import db
from primaries.sheets import place as place_module
from primaries.sheets.place import _locate_statement, locate
from primaries.sheets.rows import sheet_of

from .conftest import PAPER, place, type_in


def test_the_joined_lookup_finds_the_named_rounds_and_branchs_sheet_only(
    runoff: None, staff: dict[str, Actor]
) -> None:
    """``locate`` finds a sheet with one joined query, built once at import (``_LOCATE``).
    Built afresh here, so that ``make mutants`` sees what the statement must do: one row for the
    election, round and branch named, with that branch's sheet in that round, or none (not the
    sheet of another round or of another branch)."""
    type_in("B1", PAPER["B1"], staff["clerk1"])  # round 2 now has a sheet, of B1 only
    statement = _locate_statement()

    def rows(slug: str, number: int, code: str) -> list[Any]:
        params = {"slug": slug, "number": number, "code": code}
        return list(db.session.execute(statement, params).all())

    [(election, round_, branch, sheet)] = rows("test-2024", 2, "B1")
    assert (election.slug, round_.number, branch.code) == ("test-2024", 2, "B1")
    assert sheet is not None and sheet is place("B1").sheet
    [(_, round_, branch, sheet)] = rows("test-2024", 2, "B2")  # B2 has a sheet in round 1 only
    assert (round_.number, branch.code, sheet) == (2, "B2", None)
    [(_, round_, branch, sheet)] = rows("test-2024", 1, "B2")
    assert sheet is not None and sheet is place("B2", 1).sheet
    assert rows("test-2024", 3, "B1") == []
    assert rows("test-2024", 2, "B9") == []
    assert rows("other", 2, "B1") == []


def test_sheet_of_finds_the_sheet_of_that_round_and_branch(
    runoff: None, staff: dict[str, Actor]
) -> None:
    type_in("B1", PAPER["B1"], staff["clerk1"])
    election = get_election("test-2024")
    one, two = get_round(election, 1), get_round(election, 2)
    b1, b2 = get_branch(election, "B1"), get_branch(election, "B2")
    found = sheet_of(two.id, b1.id)
    assert found is not None and (found.round_id, found.branch_id) == (two.id, b1.id)
    found = sheet_of(one.id, b2.id)
    assert found is not None and (found.round_id, found.branch_id) == (one.id, b2.id)
    assert sheet_of(two.id, b2.id) is None


def test_the_step_by_step_lookups_find_the_same_place(
    runoff: None, staff: dict[str, Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the joined query finds nothing (a name it cannot hold, or a branch added meanwhile)
    ``locate`` asks name by name, to say which one is unknown; where all three exist, that path
    gives the place the joined query gives: the same election, round, branch and sheet."""
    type_in("B1", PAPER["B1"], staff["clerk1"])
    joined = {key: place(*key) for key in (("B1", 2), ("B2", 2), ("B2", 1))}
    db.session.rollback()
    monkeypatch.setattr(place_module, "is_slug", lambda _slug: False)  # the joined query skipped
    for (code, number), expected in joined.items():
        found = locate("test-2024", number, code)
        assert (found.election, found.round, found.branch) == (
            expected.election,
            expected.round,
            expected.branch,
        ), (code, number)
        assert found.sheet is expected.sheet, (code, number)
    assert joined["B2", 2].sheet is None and joined["B2", 1].sheet is not None


@pytest.mark.parametrize(
    ("slug", "number", "code"),
    [
        ("test-2024", 10**12, "B1"),  # beyond a database integer: never sent to it
        ("test-2024", 0, "B1"),
        ("test-2024", 2, "B1\x00"),
        ("test\x00", 2, "B1"),
    ],
)
def test_a_name_that_cannot_be_stored_is_not_found(
    runoff: None, slug: str, number: int, code: str
) -> None:
    """Not found, whichever name cannot be (PostgreSQL refuses an integer that large or a NUL
    in a text outright, which would be a 500 if the joined query were sent them)."""
    with pytest.raises(NotFound):
        locate(slug, number, code)
