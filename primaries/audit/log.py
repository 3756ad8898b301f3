"""Reading the audit log: filters, pages, and the values the filters offer (nothing writes)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, func, select

from ..extensions import db
from ..models import AuditEvent, Election


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
