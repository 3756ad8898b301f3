"""The clearances of boxes held for review proven against the audit chain: replayed from
``flags.clear`` and compared with ``flag_reviews`` row by row, so that a clearance added,
changed or removed behind the application's back (a box quietly let through) is named by
:func:`primaries.audit.data.verify_data`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from ..models import FlagReview
from .expected import Event, Expected, RoundKey
from .paper import box_round, compare_by_round
from .tables import Names, stream

COLUMNS = ("branch", "entry", "checks", "reason", "actor", "account")


def handlers(
    expected: Expected, user: Callable[[str], str | None]
) -> dict[str, Callable[[Event], None]]:
    """The replay's handler of a clearance."""

    def clear(event: Event) -> None:
        after = event.after
        expected.reviews.setdefault(box_round(event), []).append(
            (
                event.branch,
                int(after["entry_id"]),
                list(after["checks"]),
                str(after["reason"]),
                event.actor,
                user(event.actor),
                event.seq,
            )
        )

    return {"flags.clear": clear}


def compare_reviews(expected: Expected, names: Names) -> None:
    """Every round's clearances, in the order they were made, as the chain says."""
    stmt = select(
        FlagReview.round_id,
        FlagReview.branch_id,
        FlagReview.entry_id,
        FlagReview.checks,
        FlagReview.reason,
        FlagReview.actor,
        FlagReview.user_id,
    ).order_by(FlagReview.id)

    def row(values: Any) -> tuple[RoundKey, tuple[Any, ...]]:
        round_id, branch_id, entry_id, checks, reason, actor, user_id = values
        found = (names.branch(branch_id), int(entry_id), list(checks), reason, actor)
        return names.round(round_id), (*found, names.user(user_id))

    compare_by_round(
        "the reviews of", "flag_reviews", expected.reviews, (row(v) for v in stream(stmt)), COLUMNS
    )
