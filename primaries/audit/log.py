"""Reading the audit log: filters, pages, the values the filters offer, and the events as staff
see them (nothing writes).

Double entry is blind for everyone, the audit log included: the numbers of a ``sheet.enter``
event whose entry its sheet still waits on (awaiting the second entry, or in mismatch) are shown
as :data:`~primaries.core.sheets.HIDDEN_NUMBERS` until the sheet is settled
(:func:`~primaries.core.sheets.entry_numbers_shown` decides). Only what is shown is masked: the
stored event and its hashes are untouched, and ``audit verify`` reads the chain itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select

from ..core.sheets import (
    BALLOTS_CAST,
    HIDDEN_NUMBERS,
    INVALID,
    VOTES,
    entry_numbers_shown,
    entry_place,
)
from ..extensions import db
from ..models import AuditEvent, Election, Sheet


@dataclass(frozen=True)
class AuditFilters:
    action: str | None = None
    actor: str | None = None
    election: str | None = None
    branch: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None

    def as_args(self) -> dict[str, str]:
        return {
            key: value.isoformat() if isinstance(value, dt.date) else value
            for key, value in self.__dict__.items()
            if value
        }


def audit_select(filters: AuditFilters) -> Select[AuditEvent]:
    stmt = select(AuditEvent)
    if filters.action:
        stmt = stmt.where(AuditEvent.action == filters.action)
    if filters.actor:
        stmt = stmt.where(AuditEvent.actor == filters.actor)
    if filters.election:
        stmt = stmt.where(AuditEvent.election == filters.election)
    if filters.branch:
        stmt = stmt.where(AuditEvent.branch == filters.branch)
    if filters.since:
        start = dt.datetime.combine(filters.since, dt.time(), tzinfo=dt.UTC)
        stmt = stmt.where(AuditEvent.created_at >= start)
    if filters.until:
        end = dt.datetime.combine(filters.until + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
        stmt = stmt.where(AuditEvent.created_at < end)
    return stmt


def audit_page(
    filters: AuditFilters, page: int, per_page: int = 50
) -> tuple[Sequence[AuditEvent], int]:
    stmt = audit_select(filters)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    events = db.session.scalars(
        stmt.order_by(AuditEvent.seq.desc()).limit(per_page).offset((max(1, page) - 1) * per_page)
    ).all()
    return events, int(total)


def audit_actions() -> list[str]:
    return list(
        db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    )


def election_slugs() -> list[str]:
    return list(db.session.scalars(select(Election.slug).order_by(Election.slug)))


# --------------------------------------------------------------------------- blind double entry

ENTRY_ACTIONS = ("sheet.enter",)
"""Events that carry the numbers of one entry (``after.entry_id``) typed into a sheet."""
NUMBER_KEYS = (BALLOTS_CAST, INVALID, VOTES)


@dataclass(frozen=True)
class ShownEvent:
    """An event as the staff see it: the stored ``event`` (seq, hashes, ...) with its ``before``
    and ``after`` as they may be shown now; ``masked`` when numbers were hidden."""

    event: AuditEvent
    before: Any
    after: Any
    masked: bool = False

    @property
    def brief_after(self) -> Any:
        """``after`` as the page shows it: a bulk change's rows cut to a few (see :func:`brief`)."""
        return brief(self.after)


def shown_events(events: Iterable[AuditEvent]) -> list[ShownEvent]:
    """The events, in the order given, with the numbers no one may see yet hidden."""
    events = list(events)
    hidden = hidden_entries({entry_id for e in events if (entry_id := _entry_id(e)) is not None})
    out = []
    for event in events:
        if event.action in ENTRY_ACTIONS and _has_numbers(event.after):
            entry_id = _entry_id(event)
            # No entry id to judge it by (no event is written so): hidden, never shown by mistake.
            if entry_id is None or entry_id in hidden:
                out.append(ShownEvent(event, event.before, _masked(event.after), masked=True))
                continue
        out.append(ShownEvent(event, event.before, event.after))
    return out


def hidden_entries(entry_ids: Iterable[int]) -> set[int]:
    """Which of these entries' numbers may not be shown now: their sheet still waits on them.

    Read after the events themselves: an entry that is settled stays settled (a send-back sets
    its entries aside for good), so an event is never shown by a state older than itself."""
    ids = set(entry_ids)
    if not ids:
        return set()
    hidden = set()
    for state, first, second in db.session.execute(
        select(Sheet.state, Sheet.first_entry_id, Sheet.second_entry_id).where(
            or_(Sheet.first_entry_id.in_(sorted(ids)), Sheet.second_entry_id.in_(sorted(ids)))
        )
    ):
        for entry_id in (first, second):
            if entry_id is None or entry_id not in ids:
                continue
            if not entry_numbers_shown(state, entry_place(entry_id, first, second)):
                hidden.add(entry_id)
    return hidden


# --------------------------------------------------------------------------- readable pages

BRIEF_ROWS = 3
"""Rows of a bulk change's ``data`` that the log's page shows (the CSV and the chain keep all)."""


def brief(values: Any) -> Any:
    """``values`` with the rows of a load's or an import's ``data`` (:mod:`.records`) cut to
    :data:`BRIEF_ROWS` and a count of the rest: a national load records 12,926 sheets."""
    if not isinstance(values, dict) or not isinstance(values.get("data"), dict):
        return values
    data = dict(values["data"])
    if isinstance(data.get("branches"), list):
        data["branches"] = _brief_rows(data["branches"])
    if isinstance(data.get("rounds"), list):
        data["rounds"] = [
            {key: _brief_rows(v) if key in ("sheets", "annulled") else v for key, v in r.items()}
            if isinstance(r, dict)
            else r
            for r in data["rounds"]
        ]
    shown = {key: _brief_rows(v) if key == "added" else v for key, v in values.items()}
    return {**shown, "data": data}


def _brief_rows(rows: Any) -> Any:
    if not isinstance(rows, list) or len(rows) <= BRIEF_ROWS:
        return rows
    rest = len(rows) - BRIEF_ROWS
    return [*rows[:BRIEF_ROWS], f"... and {rest} more (all of them in the CSV download)"]


def _entry_id(event: AuditEvent) -> int | None:
    if event.action not in ENTRY_ACTIONS or not isinstance(event.after, dict):
        return None
    entry_id = event.after.get("entry_id")
    return entry_id if isinstance(entry_id, int) and not isinstance(entry_id, bool) else None


def _has_numbers(values: Any) -> bool:
    return isinstance(values, dict) and any(key in values for key in NUMBER_KEYS)


def _masked(values: dict[str, Any]) -> dict[str, Any]:
    return {key: HIDDEN_NUMBERS if key in NUMBER_KEYS else value for key, value in values.items()}
