"""Four eyes: the rules of what one person may not decide alone, and who approves it.

A correction, an annulment or its reversal, a web import's correction of a sheet, a round's
decertification and turning four eyes off take effect only when a second supervisor or admin
approves the request: not the one who asked, and, for a sheet, nobody who made an entry of it.
An election's ``four_eyes`` setting (on by default) can turn this off for a small committee.

The command line is the committee's own operator on the server: it acts at once and its audit
event says that four eyes was bypassed (:func:`four_eyes_note`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .roles import COUNT
from .words import N_, Said


class RequestKind(StrEnum):
    """What a request asks for."""

    CORRECT = "correct"  # a correction (recount) of a counted sheet, typed on the form
    IMPORT = "import"  # a sheet's correction by a sheets file imported on the web
    ANNUL = "annul"
    REINSTATE = "reinstate"
    DECERTIFY = "decertify"
    FOUR_EYES_OFF = "four_eyes_off"  # turning the election's four eyes off


class RequestStatus(StrEnum):
    """Where a request stands: pending until it is approved, refused or withdrawn."""

    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


SHEET_KINDS: tuple[str, ...] = (
    RequestKind.CORRECT,
    RequestKind.IMPORT,
    RequestKind.ANNUL,
    RequestKind.REINSTATE,
)
"""Requests about one branch's sheet in one round (the others are about a round or an election)."""

NUMBER_KINDS: tuple[str, ...] = (RequestKind.CORRECT, RequestKind.IMPORT)
"""Requests that carry the numbers they would make count."""

KIND_LABELS: dict[str, str] = {
    RequestKind.CORRECT: N_("correction"),
    RequestKind.IMPORT: N_("correction by an imported file"),
    RequestKind.ANNUL: N_("annulment"),
    RequestKind.REINSTATE: N_("reversal of an annulment"),
    RequestKind.DECERTIFY: N_("decertification"),
    RequestKind.FOUR_EYES_OFF: N_("turning four eyes off"),
}

REQUEST_STATUS_LABELS: dict[str, str] = {
    RequestStatus.PENDING: N_("awaiting a second supervisor or admin"),
    RequestStatus.APPROVED: N_("approved"),
    RequestStatus.REFUSED: N_("refused"),
    RequestStatus.WITHDRAWN: N_("withdrawn"),
}

COMMAND_LINE_BYPASS = "bypassed: the command line acts for the committee at once"
"""The audit note of a change the command line made while four eyes was on."""


@dataclass(frozen=True)
class Approval:
    """A request approved by a second person: what the change's audit event adds."""

    request_id: int
    requested_by: str
    approved_by: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "request": self.request_id,
            "requested_by": self.requested_by,
            "approved_by": self.approved_by,
        }


def direct_change_problem(
    four_eyes: bool, *, staff: bool, approval: Approval | None
) -> Said | None:
    """Why this change may not take effect now, or None.

    A staff account's change takes effect at once only when the election's four eyes is off, or
    as the approval of a request; the command line (``staff=False``) acts at once.
    """
    if four_eyes and staff and approval is None:
        return Said(
            N_(
                "four eyes is on for this election: this change takes effect only when a second "
                "supervisor or admin approves it (ask for it as a request)"
            )
        )
    return None


def four_eyes_note(
    four_eyes: bool, approval: Approval | None, *, key: str = "four_eyes"
) -> dict[str, Any]:
    """What a change's audit event records about four eyes: who asked and who approved, or
    (under ``key``) that it was off, or that the command line bypassed it."""
    if approval is not None:
        return approval.as_dict()
    return {key: COMMAND_LINE_BYPASS if four_eyes else "off"}


def decider_problem(
    role: str | None,
    user_id: int | None,
    *,
    requested_by: int | None,
    entrants: Iterable[int | None] = (),
) -> str | None:
    """Why this account may not approve or refuse a request, or None when it may.

    A supervisor or admin, not the one who asked, and not one who made an entry of the sheet the
    request is about (``entrants``: every account with an entry of it).
    """
    if role not in COUNT:
        return N_("only a supervisor or admin approves or refuses a request")
    if user_id is not None and user_id == requested_by:
        return N_(
            "you asked for this change: a second supervisor or admin approves or refuses it "
            "(you may withdraw it)"
        )
    if user_id is not None and user_id in set(entrants):
        return N_(
            "you made an entry of this sheet: a supervisor or admin who made none approves or "
            "refuses it"
        )
    return None


def may_decide(
    role: str | None,
    user_id: int | None,
    *,
    requested_by: int | None,
    entrants: Iterable[int | None] = (),
) -> bool:
    """May this account approve or refuse the request (see :func:`decider_problem`)?"""
    return decider_problem(role, user_id, requested_by=requested_by, entrants=entrants) is None


def withdraw_problem(user_id: int | None, *, requested_by: int | None) -> str | None:
    """Only the one who asked withdraws a request."""
    if user_id is None or user_id != requested_by:
        return N_("only the account that asked for a change withdraws its request")
    return None


def stale_problem(kind: str, asked_version: int, version_now: int) -> str | None:
    """A request asked about one version of what it changes; it is stale once that changed."""
    if asked_version == version_now:
        return None
    if kind in SHEET_KINDS:
        return N_(
            "the sheet has changed since this request was made: it no longer applies to the "
            "sheet as it is now. Refuse it, and ask again if the change is still needed"
        )
    return N_(
        "what it changes has changed since this request was made. Refuse it, and ask again if "
        "the change is still needed"
    )
