"""The paper receipts and the photos of signed sheets proven against the audit chain: replayed
from ``paper.received``, ``paper.withdrawn`` and ``sheet.photo`` and compared with
``paper_receipts`` and ``sheet_photos`` row by row, so that a receipt or a photo added, changed
(a photo's SHA-256 swapped for another file's) or removed behind the application's back is named
by :func:`primaries.audit.data.verify_data`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import select

from ..models import PaperReceipt, SheetPhoto
from .expected import Event, Expected, RoundKey
from .tables import Names, check_lists, round_name, stream

COLUMNS = ("branch", "received", "delivered_by", "reason", "actor", "account")
PHOTO_COLUMNS = ("branch", "sha256", "content_type", "size", "actor", "account")


def box_round(event: Event) -> RoundKey:
    """The round of an event about one box (ValueError when it names no box)."""
    if event.election is None or event.round_number is None or event.branch is None:
        raise ValueError("the event names no box")
    return (event.election, event.round_number)


def compare_by_round(
    where: str,
    table_name: str,
    chain: Mapping[RoundKey, list[tuple[Any, ...]]],
    rows: Iterable[tuple[RoundKey, tuple[Any, ...]]],
    columns: tuple[str, ...],
) -> None:
    """A table's rows, by round in the order they were written, compared with the chain's."""
    table: dict[RoundKey, list[tuple[Any, ...]]] = {}
    for key, row in rows:
        table.setdefault(key, []).append(row)
    for key in sorted(set(chain) | set(table), key=str):
        found = f"{where} {round_name(key)}"
        check_lists(found, table_name, list(chain.get(key, [])), table.get(key, []), columns)


def handlers(
    expected: Expected, user: Callable[[str], str | None]
) -> dict[str, Callable[[Event], None]]:
    """The replay's handlers of the paper's events."""

    def row(event: Event, received: bool) -> None:
        after = event.after
        brought = after["delivered_by"] if received else None
        reason = None if received else after["reason"]
        expected.papers.setdefault(box_round(event), []).append(
            (event.branch, received, brought, reason, event.actor, user(event.actor), event.seq)
        )

    def photo(event: Event) -> None:
        after = event.after
        expected.photos.setdefault(box_round(event), []).append(
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
    stmt = select(
        PaperReceipt.round_id,
        PaperReceipt.branch_id,
        PaperReceipt.received,
        PaperReceipt.delivered_by,
        PaperReceipt.reason,
        PaperReceipt.actor,
        PaperReceipt.user_id,
    ).order_by(PaperReceipt.id)
    rows = (
        (
            names.round(round_id),
            (names.branch(branch_id), bool(received), brought, reason, actor, names.user(user)),
        )
        for round_id, branch_id, received, brought, reason, actor, user in stream(stmt)
    )
    compare_by_round("the paper of", "paper_receipts", expected.papers, rows, COLUMNS)


def compare_photos(expected: Expected, names: Names) -> None:
    """Every round's photos of signed sheets, in the order they were added, as the chain says."""
    stmt = select(
        SheetPhoto.round_id,
        SheetPhoto.branch_id,
        SheetPhoto.sha256,
        SheetPhoto.content_type,
        SheetPhoto.size,
        SheetPhoto.actor,
        SheetPhoto.user_id,
    ).order_by(SheetPhoto.id)
    rows = (
        (
            names.round(round_id),
            (names.branch(branch_id), digest, kind, int(size), actor, names.user(user)),
        )
        for round_id, branch_id, digest, kind, size, actor, user in stream(stmt)
    )
    compare_by_round("the photos of", "sheet_photos", expected.photos, rows, PHOTO_COLUMNS)
