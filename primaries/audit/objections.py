"""The objections proven against the audit chain: replayed from ``objection.file`` and
``objection.decide`` and compared with ``objections`` column by column, so that an objection
added, removed, reworded or decided behind the application's back is named by
:func:`primaries.audit.data.verify_data`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from ..models import Objection
from .expected import Event, Expected, RoundKey
from .paper import box_round, compare_by_round
from .tables import Names, stream

COLUMNS = (
    "objection",
    "branch",
    "text",
    "filed_by",
    "account",
    "attachment",
    "decision",
    "reason",
    "decided_by",
    "decided_account",
)


def handlers(
    expected: Expected, user: Callable[[str], str | None]
) -> dict[str, Callable[[Event], None]]:
    """The replay's handlers of the objections' events."""

    def file(event: Event) -> None:
        number = int(event.after["objection"])
        values = [number, event.branch, str(event.after["text"]), event.actor, user(event.actor)]
        # An attachment's SHA-256 (from version 1.1 of the objections; none before)
        values.append((event.after.get("attachment") or {}).get("sha256"))
        expected.objections.setdefault(box_round(event), {})[number] = {
            "values": [*values, None, None, None, None],
            "seq": event.seq,
        }

    def decide(event: Event) -> None:
        found = expected.objections[box_round(event)][int(event.after["objection"])]
        decided = [str(event.after["decision"]), str(event.after["reason"]), event.actor]
        found["values"][6:] = [*decided, user(event.actor)]
        found["seq"] = event.seq

    return {"objection.file": file, "objection.decide": decide}


def compare_objections(expected: Expected, names: Names) -> None:
    """Every round's objections, in the order they were filed, as the chain says."""
    stmt = select(
        Objection.round_id,
        Objection.id,
        Objection.branch_id,
        Objection.text,
        Objection.filed_by,
        Objection.user_id,
        Objection.attachment_sha256,
        Objection.decision,
        Objection.reason,
        Objection.decided_by,
        Objection.decided_user_id,
    ).order_by(Objection.id)

    def row(values: Any) -> tuple[RoundKey, tuple[Any, ...]]:
        round_id, id_, branch_id, text, filed_by, user_id, attached, *decided = values
        decision, reason, by, by_id = decided
        found = (int(id_), names.branch(branch_id), text, filed_by, names.user(user_id), attached)
        return names.round(round_id), (*found, decision, reason, by, names.user(by_id))

    rows = (row(values) for values in stream(stmt))
    chain = {
        key: [(*found["values"], found["seq"]) for _, found in sorted(rows_of.items())]
        for key, rows_of in expected.objections.items()
    }
    compare_by_round("the objections of", "objections", chain, rows, COLUMNS)
