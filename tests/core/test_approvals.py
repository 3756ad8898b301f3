"""Four eyes (core.approvals): who may approve or refuse a request, who withdraws it, when a
staff account's change may take effect at once, what its audit event says, and stale requests."""

from __future__ import annotations

import pytest

from primaries.core.approvals import (
    COMMAND_LINE_BYPASS,
    Approval,
    RequestKind,
    decider_problem,
    direct_change_problem,
    four_eyes_note,
    may_decide,
    stale_problem,
    withdraw_problem,
)

ASKER, ENTRANT, OTHER = 1, 2, 3


@pytest.mark.parametrize(
    ("role", "user_id", "allowed"),
    [
        ("supervisor", OTHER, True),
        ("admin", OTHER, True),
        ("supervisor", ASKER, False),  # not the one who asked
        ("admin", ENTRANT, False),  # not one who made an entry of the sheet
        ("clerk", OTHER, False),
        ("observer", OTHER, False),
        (None, None, False),
    ],
)
def test_a_second_supervisor_or_admin_who_made_no_entry_decides(
    role: str | None, user_id: int | None, allowed: bool
) -> None:
    assert may_decide(role, user_id, requested_by=ASKER, entrants=[ENTRANT, None]) is allowed


def test_the_refusal_says_why() -> None:
    assert "you asked for this change" in str(decider_problem("admin", ASKER, requested_by=ASKER))
    entrant = decider_problem("admin", ENTRANT, requested_by=ASKER, entrants={ENTRANT})
    assert entrant is not None and "you made an entry of this sheet" in entrant
    assert "only a supervisor or admin" in str(decider_problem("clerk", OTHER, requested_by=ASKER))
    # A request that is not about a sheet has no entrants.
    assert decider_problem("supervisor", ENTRANT, requested_by=ASKER) is None


def test_only_the_asker_withdraws() -> None:
    assert withdraw_problem(ASKER, requested_by=ASKER) is None
    assert withdraw_problem(OTHER, requested_by=ASKER) is not None
    assert withdraw_problem(None, requested_by=ASKER) is not None


def test_a_staff_account_acts_alone_only_with_four_eyes_off() -> None:
    approval = Approval(7, "super1", "super2")
    assert direct_change_problem(True, staff=True, approval=None) is not None
    assert direct_change_problem(True, staff=True, approval=approval) is None
    assert direct_change_problem(True, staff=False, approval=None) is None  # the command line
    assert direct_change_problem(False, staff=True, approval=None) is None


def test_the_audit_note_names_both_or_says_why_there_was_one() -> None:
    approval = Approval(7, "super1", "super2")
    assert four_eyes_note(True, approval) == {
        "request": 7,
        "requested_by": "super1",
        "approved_by": "super2",
    }
    assert four_eyes_note(True, None) == {"four_eyes": COMMAND_LINE_BYPASS}
    assert four_eyes_note(False, None) == {"four_eyes": "off"}
    assert four_eyes_note(True, None, key="bypassed") == {"bypassed": COMMAND_LINE_BYPASS}


def test_a_request_is_stale_once_what_it_changes_has_changed() -> None:
    assert stale_problem(RequestKind.CORRECT, 3, 3) is None
    assert "the sheet has changed" in str(stale_problem(RequestKind.ANNUL, 3, 4))
    assert stale_problem(RequestKind.DECERTIFY, 9, 10) is not None
