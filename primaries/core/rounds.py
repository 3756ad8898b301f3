"""The rules of a round's life: open -> closed (entry stops) -> certified, and when it is final.

A round's results are *published* (public pages, downloads, the API) as the committee chose:
live from the first counted sheet (the default), once the round is complete, or once it is
certified (:func:`is_published`).

A round is *final* once it is certified or a later round has been opened after it: its count
accepts no change, and readers may cache its results for long. Entry (typing new sheets) stops
when the round is closed; corrections and decisions go on until it is final.
"""

from __future__ import annotations

from enum import StrEnum

from .words import N_
from .words import Words as Words  # re-exported: the services import them from here
from .words import spelled as spelled


class RoundStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    CERTIFIED = "certified"


ROUND_STATUS_LABELS: dict[str, str] = {
    RoundStatus.OPEN: N_("open"),
    RoundStatus.CLOSED: N_("closed"),
    RoundStatus.CERTIFIED: N_("certified"),
}
"""What the pages call a round's status (the same words as its value, to be translated)."""


def status_words(status: str) -> Words:
    """A round's status as words a sentence can hold (translated where it is shown)."""
    return (ROUND_STATUS_LABELS.get(status, status), {})


class RoundAction(StrEnum):
    """A step in a round's life, as recorded in ``round_events``."""

    OPEN = "open"
    CLOSE = "close"
    REOPEN = "reopen"
    CERTIFY = "certify"
    DECERTIFY = "decertify"


class Publishing(StrEnum):
    """When a round's results go public (``rounds.publish``; the committee chooses, audited)."""

    LIVE = "live"  # from the first counted sheet, as the count goes (the default)
    COMPLETE = "complete"  # once every branch is counted or annulled
    CERTIFIED = "certified"  # once the round is certified


def is_published(publish: str, *, status: str, complete: bool, has_later_round: bool) -> bool:
    """Are the round's results public now? A round followed by a later one always is (the
    runoff is opened from its certified outcome)."""
    if publish == Publishing.LIVE or has_later_round:
        return True
    if publish == Publishing.COMPLETE:
        return complete or status == RoundStatus.CERTIFIED
    return status == RoundStatus.CERTIFIED


def is_final(status: str, *, has_later_round: bool) -> bool:
    """Is the round's result final: certified, or followed by a later round?"""
    return status == RoundStatus.CERTIFIED or has_later_round


def lock_words(status: str, number: int, *, has_later_round: bool) -> Words | None:
    """Why round ``number`` accepts no change to its count, or None when it does."""
    if status == RoundStatus.CERTIFIED:
        return N_("round %(number)s is certified: an admin must decertify it first"), {
            "number": number
        }
    if has_later_round:
        return N_("round %(number)s is final: round %(next)s has been opened after it"), {
            "number": number,
            "next": number + 1,
        }
    return None


def lock_reason(status: str, number: int, *, has_later_round: bool) -> str | None:
    """Why round ``number`` accepts no change to its count, or None when it does."""
    return spelled(lock_words(status, number, has_later_round=has_later_round))


def entry_stop_words(status: str, number: int, *, has_later_round: bool) -> Words | None:
    """Why no new sheet may be typed into round ``number`` now, or None when it may."""
    locked = lock_words(status, number, has_later_round=has_later_round)
    if locked:
        return locked
    if status == RoundStatus.CLOSED:
        return N_("round %(number)s is closed: entry has stopped"), {"number": number}
    return None


def entry_stop_reason(status: str, number: int, *, has_later_round: bool) -> str | None:
    """Why no new sheet may be typed into round ``number`` now, or None when it may."""
    return spelled(entry_stop_words(status, number, has_later_round=has_later_round))
