"""Blind double entry and the supervisor's decisions on a mismatch (primaries.sheets.entry),
called as the staff pages call them: what each step says and refuses, in its words, and what it
records (the entries, the decision rows, the audit events, the round's data version).

``make mutants`` (docs/mutants.md) found these untested: the pages' tests look for a few words
of each message and for the sheet's state, not for the exact words nor the events' contents.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from primaries.changes import Actor
from primaries.core.sheets import Numbers
from primaries.elections.lookup import get_election, get_round
from primaries.errors import NumbersRefused, Refused, StaleSheet
from primaries.extensions import db
from primaries.models import SheetDecision, SheetEntry
from primaries.sheets.decisions import annul
from primaries.sheets.entry import enter, mismatch_of, resolve, send_back

from .conftest import PAPER, events, place, ref, type_in, version

# Clerk 2's misreading of B1: AAA and BBB swapped, one more invalid ballot.
MISREAD = Numbers(300, 5, {"AAA": 146, "BBB": 149})


def data_version() -> int:
    db.session.rollback()
    return get_round(get_election("test-2024"), 2).data_version


def entries() -> list[SheetEntry]:
    db.session.rollback()
    return list(db.session.scalars(select(SheetEntry).where(SheetEntry.kind != "package")))


@pytest.fixture
def mismatch(runoff: None, staff: dict[str, Actor]) -> None:
    type_in("B1", PAPER["B1"], staff["clerk1"])
    type_in("B1", MISREAD, staff["clerk2"])


def test_each_entry_says_what_it_did(runoff: None, staff: dict[str, Actor]) -> None:
    clerk1, clerk2 = staff["clerk1"], staff["clerk2"]
    first = type_in("B1", PAPER["B1"], clerk1)
    assert first.message("Haifa") == (
        "Saved the first entry of Haifa. It counts once a different account enters the same "
        "numbers."
    )
    agreed = type_in("B1", PAPER["B1"], clerk2)
    assert agreed.message("Haifa") == (
        "Saved the second entry of Haifa: both entries agree, it counts."
    )
    type_in("B2", PAPER["B2"], clerk1)
    differs = type_in("B2", Numbers(500, 5, {"AAA": 245, "BBB": 250}), clerk2)
    assert differs.message("Tel Aviv") == (
        "Saved the second entry of Tel Aviv: it differs from the first entry, so the sheet is in "
        "mismatch and a supervisor will compare both with the paper."
    )
    assert [(r.which, r.state) for r in (first, agreed, differs)] == [
        ("first", "awaiting_second"),
        ("second", "counted"),
        ("second", "mismatch"),
    ]


def test_a_single_entry_counts_at_once_when_double_entry_is_off(
    runoff: None, staff: dict[str, Actor]
) -> None:
    get_election("test-2024").double_entry = False
    db.session.commit()
    before = data_version()
    single = type_in("B1", PAPER["B1"], staff["clerk1"])
    assert (single.which, single.state) == ("single", "counted")
    assert single.message("Haifa") == "Saved Haifa: it counts."
    sheet = place("B1").sheet
    assert sheet is not None and sheet.counted_entry_id == sheet.first_entry_id
    assert sheet.second_entry_id is None
    assert data_version() == before + 1


def test_an_entry_records_who_typed_what_and_the_sheets_state(
    runoff: None, staff: dict[str, Actor]
) -> None:
    clerk1, clerk2 = staff["clerk1"], staff["clerk2"]
    start = data_version()
    type_in("B1", PAPER["B1"], clerk1)
    assert data_version() == start  # a first entry changes no result
    type_in("B1", PAPER["B1"], clerk2)
    assert data_version() == start + 1
    first, second = entries()
    assert [(e.kind, e.user_id) for e in (first, second)] == [
        ("entry", clerk1.user_id),
        ("entry", clerk2.user_id),
    ]
    sheet = place("B1").sheet
    assert sheet is not None
    assert (sheet.first_entry_id, sheet.second_entry_id, sheet.counted_entry_id) == (
        first.id,
        second.id,
        second.id,
    )
    events_ = events("sheet.enter")
    assert [(e.actor, e.object_id, e.branch, e.round_number) for e in events_] == [
        ("clerk1", "test-2024/2/B1", "B1", 2),
        ("clerk2", "test-2024/2/B1", "B1", 2),
    ]
    assert [(e.before, e.after) for e in events_] == [
        (
            {"state": "empty"},
            {"entry": "first", "entry_id": first.id, "state": "awaiting_second"}
            | PAPER["B1"].as_dict(),
        ),
        (
            {"state": "awaiting_second"},
            {"entry": "second", "entry_id": second.id, "state": "counted"} | PAPER["B1"].as_dict(),
        ),
    ]


def _counted(staff: dict[str, Actor], branch: str = "B1") -> None:
    type_in(branch, PAPER[branch], staff["clerk1"])
    type_in(branch, PAPER[branch], staff["clerk2"])


def _annulled(staff: dict[str, Actor]) -> None:
    annul(ref("B1"), "box lost", actor=staff["super1"])
    db.session.commit()


def _mismatched(staff: dict[str, Actor]) -> None:
    type_in("B1", PAPER["B1"], staff["clerk1"])
    type_in("B1", MISREAD, staff["clerk2"])


@pytest.mark.parametrize(
    ("before", "who", "words"),
    [
        (
            _counted,
            "admin1",
            "branch B1 in round 2 is already counted: only a supervisor may correct it",
        ),
        (
            _annulled,
            "clerk1",
            "branch B1 in round 2 is annulled: a supervisor must reinstate it before it is entered",
        ),
        (
            _mismatched,
            "admin1",
            "branch B1 in round 2 has two entries that differ: a supervisor resolves it or sends "
            "it back",
        ),
        (
            lambda staff: type_in("B1", PAPER["B1"], staff["clerk1"]),
            "clerk1",
            "you made the first entry of branch B1 in round 2: the second entry must come from a "
            "different account",
        ),
    ],
)
def test_an_entry_is_refused_where_the_sheet_takes_none(
    runoff: None, staff: dict[str, Actor], before: Any, who: str, words: str
) -> None:
    before(staff)
    written = len(entries())
    with pytest.raises(Refused) as refused:
        type_in("B1", PAPER["B1"], staff[who])
    assert str(refused.value) == words
    assert len(entries()) == written


def test_the_differing_fields_of_a_mismatch(mismatch: None, staff: dict[str, Actor]) -> None:
    found = mismatch_of(place("B1"))
    assert found is not None
    assert found.differing == ["invalid", "votes_AAA", "votes_BBB"]
    assert found.first_values == PAPER["B1"].fields()
    assert found.second_values == MISREAD.fields()
    assert mismatch_of(place("B2")) is None  # not entered
    _counted(staff, "B2")
    assert mismatch_of(place("B2")) is None


def test_a_resolution_records_each_fields_decision_and_counts(
    mismatch: None, staff: dict[str, Actor]
) -> None:
    supervisor = staff["super1"]
    start = data_version()
    first, second = entries()
    decided = resolve(
        ref("B1"),
        {"invalid": ("1", None), "votes_AAA": ("2", None), "votes_BBB": ("paper", 150)},
        version=version("B1"),
        actor=supervisor,
    )
    db.session.commit()
    assert decided == Numbers(300, 4, {"AAA": 146, "BBB": 150})
    assert data_version() == start + 1
    how = {"invalid": "entry 1", "votes_AAA": "entry 2", "votes_BBB": "paper"}
    *_, resolution = entries()
    assert (resolution.kind, resolution.user_id) == ("resolution", supervisor.user_id)
    sheet = place("B1").sheet
    assert sheet is not None and sheet.state == "counted"
    assert sheet.counted_entry_id == resolution.id
    [row] = db.session.scalars(select(SheetDecision)).all()
    assert (row.kind, row.user_id, row.resolution_entry_id, row.choices) == (
        "resolve",
        supervisor.user_id,
        resolution.id,
        how,
    )
    assert (row.first_entry_id, row.second_entry_id) == (first.id, second.id)
    [event] = events("sheet.resolve")
    assert event.actor == "super1"
    assert event.before == {
        "entry_1": {"id": first.id, **PAPER["B1"].as_dict()},
        "entry_2": {"id": second.id, **MISREAD.as_dict()},
    }
    assert event.after == {
        "entry_id": resolution.id,
        "state": "counted",
        "decided": how,
        **decided.as_dict(),
    }


def test_a_resolution_needs_a_decision_for_each_differing_field(
    mismatch: None, staff: dict[str, Actor]
) -> None:
    with pytest.raises(NumbersRefused) as refused:
        resolve(
            ref("B1"),
            {"votes_AAA": ("1", None), "votes_BBB": ("paper", None)},
            version=version("B1"),
            actor=staff["super1"],
        )
    assert refused.value.by_field == {
        "invalid": ["choose entry 1, entry 2, or type the number on the paper sheet"],
        "votes_BBB": ["type the number on the paper sheet"],
    }


def test_decisions_that_do_not_add_up_are_refused_as_such(
    mismatch: None, staff: dict[str, Actor]
) -> None:
    with pytest.raises(NumbersRefused) as refused:
        resolve(
            ref("B1"),
            {"invalid": ("2", None), "votes_AAA": ("1", None), "votes_BBB": ("1", None)},
            version=version("B1"),
            actor=staff["super1"],
        )
    assert refused.value.by_field == {
        "ballots_cast": [
            "the numbers decided do not agree: votes 296 + invalid 5 = 301, but ballots cast is 300"
        ]
    }
    assert place("B1").state == "mismatch"


@pytest.mark.parametrize(
    ("who", "words"),
    [
        (
            "clerk2",
            "branch B1 in round 2 cannot be resolved by you: you made one of its two entries: a "
            "supervisor or admin who made neither resolves it",
        ),
    ],
)
def test_an_entrant_does_not_resolve(
    mismatch: None, staff: dict[str, Actor], who: str, words: str
) -> None:
    with pytest.raises(Refused) as refused:
        resolve(ref("B1"), {}, version=version("B1"), actor=staff[who])
    assert str(refused.value) == words


def test_only_a_mismatch_is_resolved(runoff: None, staff: dict[str, Actor]) -> None:
    _counted(staff)
    with pytest.raises(Refused) as refused:
        resolve(ref("B1"), {}, version=version("B1"), actor=staff["super1"])
    assert str(refused.value) == "branch B1 in round 2 is counted, not in mismatch"


@pytest.mark.parametrize(
    ("reason", "kept"), [("  both misread it ", "both misread it"), ("  ", None)]
)
def test_a_send_back_sets_the_entries_aside_with_its_reason(
    mismatch: None, staff: dict[str, Actor], reason: str, kept: str | None
) -> None:
    first, second = entries()
    send_back(ref("B1"), version=version("B1"), actor=staff["super1"], reason=reason)
    db.session.commit()
    sheet = place("B1").sheet
    assert sheet is not None
    assert (sheet.state, sheet.first_entry_id, sheet.second_entry_id) == ("empty", None, None)
    [row] = db.session.scalars(select(SheetDecision)).all()
    assert (row.kind, row.reason, row.user_id) == ("send_back", kept, staff["super1"].user_id)
    assert (row.first_entry_id, row.second_entry_id) == (first.id, second.id)
    [event] = events("sheet.send_back")
    assert event.before == {"state": "mismatch", "entry_ids": [first.id, second.id]}
    assert event.after == {"state": "empty", "reason": kept}


def test_only_an_unsettled_sheet_is_sent_back(runoff: None, staff: dict[str, Actor]) -> None:
    _counted(staff)
    with pytest.raises(Refused) as refused:
        send_back(ref("B1"), version=version("B1"), actor=staff["super1"])
    assert str(refused.value) == (
        "branch B1 in round 2 is counted: only a sheet awaiting its second entry or in mismatch "
        "can be sent back"
    )
    assert events("sheet.send_back") == []


def test_decisions_on_a_mismatch_from_a_form_shown_before_it_changed_are_refused(
    mismatch: None, staff: dict[str, Actor]
) -> None:
    shown = version("B1") - 1  # the form was shown before the second entry
    with pytest.raises(StaleSheet):
        resolve(ref("B1"), {}, version=shown, actor=staff["super1"])
    db.session.rollback()
    with pytest.raises(StaleSheet):
        send_back(ref("B1"), version=shown, actor=staff["super1"])
    db.session.rollback()
    with pytest.raises(StaleSheet):
        enter(ref("B1"), PAPER["B1"], version=shown, actor=staff["admin1"])
    db.session.rollback()
    assert place("B1").state == "mismatch"
    assert db.session.scalars(select(SheetDecision)).all() == []


def test_a_send_back_needs_no_reason(mismatch: None, staff: dict[str, Actor]) -> None:
    send_back(ref("B1"), version=version("B1"), actor=staff["super1"])
    db.session.commit()
    [row] = db.session.scalars(select(SheetDecision)).all()
    assert row.reason is None
    [event] = events("sheet.send_back")
    assert event.after == {"state": "empty", "reason": None}


def test_an_entry_above_the_eligible_members_is_refused_by_the_service(
    runoff: None, staff: dict[str, Actor]
) -> None:
    """The service keeps the rule itself, whoever calls it (the form checks it too)."""
    written = len(entries())
    with pytest.raises(NumbersRefused) as refused:
        type_in("B1", Numbers(501, 1, {"AAA": 250, "BBB": 250}), staff["clerk1"])
    assert refused.value.by_field == {
        "ballots_cast": ["ballots cast 501 is more than the 500 eligible members of branch B1"]
    }
    assert len(entries()) == written


def test_no_entry_is_typed_into_a_closed_round(runoff: None, staff: dict[str, Actor]) -> None:
    """The service stops entry itself when the round is closed (the pages check it too)."""
    from primaries.elections.rounds import close_round

    close_round(get_round(get_election("test-2024"), 2), actor=staff["super1"])
    db.session.commit()
    written = len(entries())
    with pytest.raises(Refused) as refused:
        type_in("B1", PAPER["B1"], staff["clerk1"])
    assert str(refused.value) == "round 2 is closed: entry has stopped"
    assert len(entries()) == written


def test_a_stale_form_is_refused_in_full_words(runoff: None, staff: dict[str, Actor]) -> None:
    """Found by mutation testing: the pages look for the message's first words only."""
    shown = version("B1")
    type_in("B1", PAPER["B1"], staff["clerk1"])
    with pytest.raises(StaleSheet) as stale:
        enter(ref("B1"), PAPER["B1"], version=shown, actor=staff["clerk2"])
    assert str(stale.value) == (
        "this sheet changed while you were editing it: nothing was saved. It is now awaiting "
        "second entry; check the page and save again if it still applies."
    )


def test_an_entrys_event_is_about_a_sheet(runoff: None, staff: dict[str, Actor]) -> None:
    """Found by mutation testing: the event's object type was never read."""
    type_in("B1", PAPER["B1"], staff["clerk1"])
    [event] = events("sheet.enter")
    assert (event.object_type, event.object_id) == ("sheet", "test-2024/2/B1")
