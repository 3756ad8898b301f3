"""A supervisor's corrections and annulments (primaries.sheets.decisions), called as the staff
pages and the command line call them: what each refuses, in its words, and what it records.

``make mutants`` (docs/mutants.md) found these untested: the staff pages check their own form
first, so the service's refusals and the contents of its audit events went unseen.
"""

from __future__ import annotations

import pytest

from primaries.changes import Actor
from primaries.core.sheets import Numbers
from primaries.errors import NumbersRefused, Refused, StaleSheet
from primaries.extensions import db
from primaries.sheets.decisions import annul, correct, reinstate
from primaries.sheets.imports import import_sheets

from .conftest import PAPER, events, place, ref, type_in, version

RECOUNT = Numbers(300, 4, {"AAA": 151, "BBB": 145})


@pytest.fixture
def counted(runoff: None, staff: dict[str, Actor]) -> None:
    """B1 counted: two clerks typed the same numbers."""
    type_in("B1", PAPER["B1"], staff["clerk1"])
    type_in("B1", PAPER["B1"], staff["clerk2"])


def test_a_correction_records_what_it_replaces_and_who_made_it(
    counted: None, staff: dict[str, Actor]
) -> None:
    supervisor = staff["super1"]
    correct(
        ref("B1"), RECOUNT, reason="recount, protocol 7", actor=supervisor, version=version("B1")
    )
    db.session.commit()
    sheet = place("B1").sheet
    assert sheet is not None and sheet.counted_entry is not None
    entry = sheet.counted_entry
    assert (entry.kind, entry.user_id, entry.reason) == (
        "correction",
        supervisor.user_id,
        "recount, protocol 7",
    )
    [event] = events("sheet.correct")
    assert event.actor == "super1"
    assert event.before == PAPER["B1"].as_dict()
    assert event.after == {
        **RECOUNT.as_dict(),
        "reason": "recount, protocol 7",
        "entry_id": entry.id,  # the new entry, so audit verify can find it
        "four_eyes": "off",
    }


@pytest.mark.parametrize(
    ("branch", "words"),
    [("B1", "is awaiting second entry"), ("B2", "is not entered")],
)
def test_only_a_counted_sheet_is_corrected(
    runoff: None, staff: dict[str, Actor], branch: str, words: str
) -> None:
    type_in("B1", PAPER["B1"], staff["clerk1"])  # B1 awaits its second entry; B2 has nothing
    with pytest.raises(Refused) as refused:
        correct(ref(branch), RECOUNT, reason="recount", actor=staff["super1"])
    assert str(refused.value) == (
        f"branch {branch} in round 2 {words}: only a counted sheet is corrected"
    )
    db.session.rollback()
    assert events("sheet.correct") == []


@pytest.mark.parametrize(
    ("reason", "problem"),
    [
        ("  ", "a correction needs a reason"),
        ("recount\x00", "must not contain a NUL character (\\u0000)"),
    ],
)
def test_a_correction_needs_a_reason_a_database_can_store(
    counted: None, staff: dict[str, Actor], reason: str, problem: str
) -> None:
    with pytest.raises(NumbersRefused) as refused:
        correct(ref("B1"), RECOUNT, reason=reason, actor=staff["super1"])
    assert refused.value.by_field == {"reason": [problem]}
    db.session.rollback()
    assert events("sheet.correct") == []


def test_a_correction_to_the_numbers_that_count_already_is_refused(
    counted: None, staff: dict[str, Actor]
) -> None:
    with pytest.raises(Refused) as refused:
        correct(ref("B1"), PAPER["B1"], reason="again", actor=staff["super1"])
    assert str(refused.value) == "these are the numbers that count already: nothing to correct"


def test_decisions_from_a_form_shown_before_the_sheet_changed_are_refused(
    counted: None, staff: dict[str, Actor]
) -> None:
    shown = version("B1")
    correct(ref("B1"), RECOUNT, reason="recount", actor=staff["super1"], version=shown)
    db.session.commit()
    with pytest.raises(StaleSheet):
        correct(ref("B1"), PAPER["B1"], reason="back", actor=staff["admin1"], version=shown)
    db.session.rollback()
    shown = version("B1")
    annul(ref("B1"), "box lost", actor=staff["super1"], version=shown)
    db.session.commit()
    with pytest.raises(StaleSheet):
        reinstate(ref("B1"), "found", actor=staff["admin1"], version=shown)
    db.session.rollback()
    assert place("B1").state == "annulled"
    assert [e.actor for e in events("sheet.correct")] == ["super1"]


@pytest.mark.parametrize("second", [None, Numbers(300, 5, {"AAA": 150, "BBB": 145})])
def test_an_imports_correction_of_unsettled_entries_records_them_as_replaced(
    runoff: None, staff: dict[str, Actor], second: Numbers | None
) -> None:
    """A sheet awaiting its second entry, or in mismatch, has no numbers that count: the
    correction's event names its state and its entries instead."""
    type_in("B1", PAPER["B1"], staff["clerk1"])
    if second is not None:
        type_in("B1", second, staff["clerk2"])
    before = place("B1").sheet
    assert before is not None
    state, entries = before.state, [before.first_entry_id, before.second_entry_id]
    csv = b"branch,ballots_cast,invalid,AAA,BBB\nB1,300,4,151,145\n"
    import_sheets("test-2024", 2, csv, actor=staff["admin1"], correct=True, reason="protocol")
    db.session.commit()
    [event] = events("sheet.correct")
    assert event.before == {"state": state, "entry_ids": [i for i in entries if i is not None]}
    sheet = place("B1").sheet
    assert sheet is not None and sheet.counted_entry is not None
    assert event.after == {
        **RECOUNT.as_dict(),
        "reason": "protocol",
        "entry_id": sheet.counted_entry.id,
        "four_eyes": "off",
    }
    assert sheet.counted_entry.user_id == staff["admin1"].user_id


def test_an_annulment_and_its_reversal_are_rows_of_their_own(
    counted: None, staff: dict[str, Actor]
) -> None:
    """Each annulment and reinstatement is a row saying which, who and why; a reinstated sheet
    keeps no annulment reason; an annulment from a stale form is refused too."""
    from sqlalchemy import select

    from primaries.models import Annulment

    stale = version("B1")
    correct(ref("B1"), RECOUNT, reason="recount", actor=staff["super1"], version=stale)
    db.session.commit()
    with pytest.raises(StaleSheet):
        annul(ref("B1"), "box lost", actor=staff["admin1"], version=stale)
    db.session.rollback()
    assert place("B1").state == "counted"
    annul(ref("B1"), "box lost", actor=staff["super1"], version=version("B1"))
    db.session.commit()
    assert place("B1").sheet.annul_reason == "box lost"
    reinstate(ref("B1"), "box found", actor=staff["admin1"], version=version("B1"))
    db.session.commit()
    sheet = place("B1").sheet
    assert sheet is not None and sheet.annulled is False and sheet.annul_reason is None
    rows = db.session.execute(
        select(Annulment.action, Annulment.reason, Annulment.user_id)
        .where(Annulment.branch_id == sheet.branch_id)
        .order_by(Annulment.id)
    ).all()
    assert [tuple(row) for row in rows] == [
        ("annul", "box lost", staff["super1"].user_id),
        ("reinstate", "box found", staff["admin1"].user_id),
    ]


def test_an_annulment_and_its_reversal_each_need_a_reason(
    counted: None, staff: dict[str, Actor]
) -> None:
    with pytest.raises(NumbersRefused) as refused:
        annul(ref("B1"), "  ", actor=staff["super1"], version=version("B1"))
    assert refused.value.by_field == {"reason": ["an annulment needs a reason"]}
    db.session.rollback()
    annul(ref("B1"), "box lost", actor=staff["super1"], version=version("B1"))
    db.session.commit()
    with pytest.raises(NumbersRefused) as refused:
        reinstate(ref("B1"), "", actor=staff["super1"], version=version("B1"))
    assert refused.value.by_field == {"reason": ["reversing an annulment needs a reason"]}
    db.session.rollback()
    assert place("B1").state == "annulled"


def test_an_annulment_says_what_it_sets_aside_and_refuses_what_changes_nothing(
    counted: None, staff: dict[str, Actor]
) -> None:
    annul(ref("B1"), "box lost", actor=staff["super1"], version=version("B1"))
    db.session.commit()
    (event,) = events("sheet.annul")
    assert event.before == {"state": "counted", "counted": PAPER["B1"].as_dict()}
    with pytest.raises(Refused) as again:
        annul(ref("B1"), "twice", actor=staff["super1"], version=version("B1"))
    assert str(again.value) == "branch B1 is already annulled in round 2"
    db.session.rollback()
    with pytest.raises(Refused) as never:
        reinstate(ref("B2"), "never annulled", actor=staff["super1"], version=version("B2"))
    assert str(never.value) == "branch B2 is not annulled in round 2"
    db.session.rollback()


def test_a_closed_round_is_still_corrected_and_annulled(
    counted: None, staff: dict[str, Actor]
) -> None:
    """Entry stops when a round is closed; corrections and annulments do not (they stop at
    certification). Found by mutation testing: begin_on's ``entry`` defaulting to true."""
    from primaries.elections.lookup import get_election, get_round
    from primaries.elections.rounds import close_round

    close_round(get_round(get_election("test-2024"), 2), actor=staff["super1"])
    db.session.commit()
    supervisor = staff["super1"]
    correct(ref("B1"), RECOUNT, reason="recount", actor=supervisor, version=version("B1"))
    db.session.commit()
    annul(ref("B1"), reason="observers removed", actor=supervisor, version=version("B1"))
    db.session.commit()
    assert place("B1").sheet is not None and place("B1").sheet.annulled


def test_a_reversal_says_what_it_restores_and_refusals_say_reason(
    counted: None, staff: dict[str, Actor]
) -> None:
    """Found by mutation testing: the reversal's event and the refusals' whole words."""
    supervisor = staff["super1"]
    with pytest.raises(NumbersRefused) as empty:
        annul(ref("B1"), " ", actor=supervisor, version=version("B1"))
    assert str(empty.value) == "reason: an annulment needs a reason"
    db.session.rollback()
    with pytest.raises(NumbersRefused) as unstorable:
        annul(ref("B1"), "box\x00lost", actor=supervisor, version=version("B1"))
    assert str(unstorable.value).startswith("reason: ")
    db.session.rollback()
    annul(ref("B1"), "box lost", actor=supervisor, version=version("B1"))
    db.session.commit()
    reinstate(ref("B1"), "found again", actor=supervisor, version=version("B1"))
    db.session.commit()
    [event] = events("sheet.reinstate")
    assert event.before == {"annulled": True}
    assert event.after is not None and event.after["state"] == "counted"
    assert event.object_type == "sheet"
