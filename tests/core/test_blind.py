"""Blind double entry for everyone (core.sheets): when an entry's numbers may be shown, and who
may resolve a mismatch."""

from __future__ import annotations

import pytest

from primaries.core.sheets import (
    EntryPlace,
    SheetState,
    entry_numbers_shown,
    entry_place,
    may_resolve,
    resolver_problem,
)

FIRST, SECOND, OTHER = EntryPlace.FIRST, EntryPlace.SECOND, EntryPlace.OTHER


def test_an_entry_finds_its_place_in_the_sheet() -> None:
    assert entry_place(7, 7, None) == FIRST
    assert entry_place(8, 7, 8) == SECOND
    assert entry_place(5, 7, 8) == OTHER
    assert entry_place(5, None, None) == OTHER


@pytest.mark.parametrize(
    ("state", "place", "shown"),
    [
        (SheetState.AWAITING_SECOND, FIRST, False),
        (SheetState.MISMATCH, FIRST, False),
        (SheetState.MISMATCH, SECOND, False),
        (SheetState.AWAITING_SECOND, OTHER, True),  # set aside by an earlier send-back
        (SheetState.MISMATCH, OTHER, True),
        (SheetState.COUNTED, FIRST, True),
        (SheetState.COUNTED, SECOND, True),
        (SheetState.COUNTED, OTHER, True),
        (SheetState.EMPTY, OTHER, True),  # sent back: its entries are set aside
        (None, OTHER, True),
    ],
)
def test_numbers_are_hidden_until_the_sheet_is_settled(
    state: str | None, place: EntryPlace, shown: bool
) -> None:
    assert entry_numbers_shown(state, place) is shown
    assert entry_numbers_shown(state, place, resolver=False) is shown


def test_the_resolver_sees_a_mismatch_and_nothing_else_that_is_pending() -> None:
    assert entry_numbers_shown(SheetState.MISMATCH, FIRST, resolver=True)
    assert entry_numbers_shown(SheetState.MISMATCH, SECOND, resolver=True)
    assert not entry_numbers_shown(SheetState.AWAITING_SECOND, FIRST, resolver=True)


def test_the_resolver_is_a_supervisor_or_admin_who_made_neither_entry() -> None:
    assert may_resolve("supervisor", 3, (1, 2))
    assert may_resolve("admin", 3, (1, 2))
    assert not may_resolve("supervisor", 1, (1, 2))
    assert not may_resolve("admin", 2, (1, 2))
    assert not may_resolve("observer", 3, (1, 2))
    assert not may_resolve("clerk", 3, (1, 2))
    assert not may_resolve(None, None, (1, 2))
    assert resolver_problem(3, (1, 2)) is None
    assert resolver_problem(None, (None, 2)) is None  # the command line is no entrant
    assert resolver_problem(2, (1, 2)) == (
        "you made one of its two entries: a supervisor or admin who made neither resolves it"
    )
