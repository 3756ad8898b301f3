"""The paper receipts and the photos of signed sheets proven against the audit chain: replayed
from ``paper.received``, ``paper.withdrawn`` and ``sheet.photo`` and compared with
``paper_receipts`` and ``sheet_photos`` row by row, so that a receipt or a photo added, changed
(a photo's SHA-256 swapped for another file's) or removed behind the application's back is named
by :func:`primaries.audit.data.verify_data`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from ..models import PaperReceipt, SheetPhoto
from .expected import Event, Expected, RoundKey
from .tables import Names, check_lists, round_name, stream

COLUMNS = ("branch", "received", "delivered_by", "reason", "actor", "account")
PHOTO_COLUMNS = ("branch", "sha256", "content_type", "size", "actor", "account")


def handlers(
    expected: Expected, user: Callable[[str], str | None]
) -> dict[str, Callable[[Event], None]]:
    """The replay's handlers of the paper's events."""

    def row(event: Event, received: bool) -> None:
        if event.election is None or event.round_number is None or event.branch is None:
            raise ValueError("the event names no box")
        after = event.after
        brought = after["delivered_by"] if received else None
        reason = None if received else after["reason"]
        expected.papers.setdefault((event.election, event.round_number), []).append(
            (event.branch, received, brought, reason, event.actor, user(event.actor), event.seq)
        )

    def photo(event: Event) -> None:
        if event.election is None or event.round_number is None or event.branch is None:
            raise ValueError("the event names no box")
        after = event.after
        expected.photos.setdefault((event.election, event.round_number), []).append(
            (
                event.branch,
                str(after["sha256"]),
                str(after["content_type"]),
                int(after["size"]),
                event.actor,
                user(event.actor),
                event.seq,
            )
        )

    return {
        "paper.received": lambda event: row(event, True),
        "paper.withdrawn": lambda event: row(event, False),
        "sheet.photo": photo,
    }


def compare_papers(expected: Expected, names: Names) -> None:
    """Every round's receipts, in the order they were made, as the chain says."""
    table: dict[RoundKey, list[tuple[Any, ...]]] = {}
    stmt = select(
        PaperReceipt.round_id,
        PaperReceipt.branch_id,
        PaperReceipt.received,
        PaperReceipt.delivered_by,
        PaperReceipt.reason,
        PaperReceipt.actor,
        PaperReceipt.user_id,
    ).order_by(PaperReceipt.id)
    for round_id, branch_id, received, brought, reason, actor, user_id in stream(stmt):
        table.setdefault(names.round(round_id), []).append(
            (names.branch(branch_id), bool(received), brought, reason, actor, names.user(user_id))
        )
    for key in sorted(set(expected.papers) | set(table), key=str):
        where = f"the paper of {round_name(key)}"
        mine, theirs = expected.papers.get(key, []), table.get(key, [])
        check_lists(where, "paper_receipts", mine, theirs, COLUMNS)


def compare_photos(expected: Expected, names: Names) -> None:
    """Every round's photos of signed sheets, in the order they were added, as the chain says."""
    table: dict[RoundKey, list[tuple[Any, ...]]] = {}
    stmt = select(
        SheetPhoto.round_id,
        SheetPhoto.branch_id,
        SheetPhoto.sha256,
        SheetPhoto.content_type,
        SheetPhoto.size,
        SheetPhoto.actor,
        SheetPhoto.user_id,
    ).order_by(SheetPhoto.id)
    for round_id, branch_id, digest, kind, size, actor, user_id in stream(stmt):
        table.setdefault(names.round(round_id), []).append(
            (names.branch(branch_id), digest, kind, int(size), actor, names.user(user_id))
        )
    for key in sorted(set(expected.photos) | set(table), key=str):
        mine, theirs = expected.photos.get(key, []), table.get(key, [])
        check_lists(f"the photos of {round_name(key)}", "sheet_photos", mine, theirs, PHOTO_COLUMNS)
