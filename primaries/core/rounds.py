"""The rules of a round's life: open -> closed (entry stops) -> certified, and when it is final.

A round is *final* once it is certified or a later round has been opened after it: its count
accepts no change, and readers may cache its results for long. Entry (typing new sheets) stops
when the round is closed; corrections and decisions go on until it is final.
"""

from __future__ import annotations

from enum import StrEnum


class RoundStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    CERTIFIED = "certified"


class RoundAction(StrEnum):
    """A step in a round's life, as recorded in ``round_events``."""

    OPEN = "open"
    CLOSE = "close"
    REOPEN = "reopen"
    CERTIFY = "certify"
    DECERTIFY = "decertify"


def is_final(status: str, *, has_later_round: bool) -> bool:
    """Is the round's result final: certified, or followed by a later round?"""
    return status == RoundStatus.CERTIFIED or has_later_round


def lock_reason(status: str, number: int, *, has_later_round: bool) -> str | None:
    """Why round ``number`` accepts no change to its count, or None when it does."""
    if status == RoundStatus.CERTIFIED:
        return f"round {number} is certified: an admin must decertify it first"
    if has_later_round:
        return f"round {number} is final: round {number + 1} has been opened after it"
    return None


def entry_stop_reason(status: str, number: int, *, has_later_round: bool) -> str | None:
    """Why no new sheet may be typed into round ``number`` now, or None when it may."""
    locked = lock_reason(status, number, has_later_round=has_later_round)
    if locked:
        return locked
    if status == RoundStatus.CLOSED:
        return f"round {number} is closed: entry has stopped"
    return None
