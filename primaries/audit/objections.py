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
from .tables import Names, check_lists, round_name, stream

COLUMNS = (
    "objection",
    "branch",
    "text",
    "filed_by",
    "account",
    "decision",
    "reason",
    "decided_by",
    "decided_account",
)


def handlers(
    expected: Expected, user: Callable[[str], str | None]
) -> dict[str, Callable[[Event], None]]:
    """The replay's handlers of the objections' events."""

    def key(event: Event) -> RoundKey:
        if event.election is None or event.round_number is None or event.branch is None:
            raise ValueError("the event names no box")
        return (event.election, event.round_number)

    def file(event: Event) -> None:
        number = int(event.after["objection"])
        values = [number, event.branch, str(event.after["text"]), event.actor, user(event.actor)]
        expected.objections.setdefault(key(event), {})[number] = {
            "values": [*values, None, None, None, None],
            "seq": event.seq,
        }

    def decide(event: Event) -> None:
        found = expected.objections[key(event)][int(event.after["objection"])]
        decided = [str(event.after["decision"]), str(event.after["reason"]), event.actor]
        found["values"][5:] = [*decided, user(event.actor)]
        found["seq"] = event.seq

    return {"objection.file": file, "objection.decide": decide}


def compare_objections(expected: Expected, names: Names) -> None:
    """Every round's objections, in the order they were filed, as the chain says."""
    table: dict[RoundKey, list[tuple[Any, ...]]] = {}
    stmt = select(
        Objection.round_id,
        Objection.id,
        Objection.branch_id,
        Objection.text,
        Objection.filed_by,
        Objection.user_id,
        Objection.decision,
        Objection.reason,
        Objection.decided_by,
        Objection.decided_user_id,
    ).order_by(Objection.id)
    for round_id, id_, branch_id, text, filed_by, user_id, decision, reason, by, by_id in stream(
        stmt
    ):
        table.setdefault(names.round(round_id), []).append(
            (
                int(id_),
                names.branch(branch_id),
                text,
                filed_by,
                names.user(user_id),
                decision,
                reason,
                by,
                names.user(by_id),
            )
        )
    for key in sorted(set(expected.objections) | set(table), key=str):
        rows = sorted(expected.objections.get(key, {}).items())
        mine = [(*found["values"], found["seq"]) for _, found in rows]
        check_lists(
            f"the objections of {round_name(key)}", "objections", mine, table.get(key, []), COLUMNS
        )
