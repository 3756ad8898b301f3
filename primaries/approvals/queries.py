"""Requests as the staff pages show them: who asked for what and why, when, what became of it,
and what the account reading the page may do about each (reads only).

A correction's proposed numbers are the ones typed or imported for it, not an entry's, so they
are shown; beside them, the numbers that count now when the sheet counts (a settled sheet, see
:func:`~primaries.core.sheets.entry_numbers_shown`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..core.approvals import (
    KIND_LABELS,
    NUMBER_KINDS,
    REQUEST_STATUS_LABELS,
    SHEET_KINDS,
    RequestKind,
    RequestStatus,
    decider_problem,
    stale_problem,
)
from ..core.sheets import SheetStatus
from ..extensions import db
from ..models import ChangeRequest, SheetEntry
from ..sheets.place import locate
from ..sheets.rows import numbers_of


def entrants_of(request: ChangeRequest) -> set[int | None]:
    """Every account with an entry of the sheet a request is about (none for the others)."""
    if request.kind not in SHEET_KINDS or request.round_id is None or request.branch_id is None:
        return set()
    return set(
        db.session.scalars(
            select(SheetEntry.user_id)
            .where(
                SheetEntry.round_id == request.round_id,
                SheetEntry.branch_id == request.branch_id,
                SheetEntry.user_id.is_not(None),
            )
            .distinct()
        )
    )


def version_now(request: ChangeRequest) -> int:
    """The version, now, of what the request changes (compared with the one it was asked on)."""
    if request.kind in SHEET_KINDS and request.round is not None and request.branch is not None:
        return locate(request.election.slug, request.round.number, request.branch.code).version
    if request.kind == RequestKind.DECERTIFY and request.round is not None:
        return request.round.data_version
    return 0


@dataclass(frozen=True)
class RequestView:
    """One request as a page shows it, for the account reading the page."""

    id: int
    kind: str
    status: str
    election: str
    election_name: str
    round: int | None
    branch: str | None
    branch_name: str | None
    reason: str
    requested_by: str
    requested_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_note: str | None
    numbers: dict[str, Any] | None  # what a correction would make count
    numbers_now: dict[str, Any] | None  # what counts now (a counted sheet only)
    sha256: str | None  # an imported file's
    stale: str | None  # why it can no longer be approved (pending only)
    not_yours: str | None  # why the reader may not approve or refuse it (None: they may)
    may_withdraw: bool

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def status_label(self) -> str:
        return REQUEST_STATUS_LABELS[self.status]

    @property
    def pending(self) -> bool:
        return self.status == RequestStatus.PENDING

    @property
    def may_decide(self) -> bool:
        return self.pending and self.not_yours is None


def request_views(
    user_id: int | None,
    role: str | None,
    *,
    pending: bool = True,
    election_id: int | None = None,
    round_id: int | None = None,
    branch_id: int | None = None,
    limit: int = 200,
) -> list[RequestView]:
    """Pending requests (oldest first), or decided ones (newest first), for this reader."""
    stmt = select(ChangeRequest).options(
        selectinload(ChangeRequest.election),
        selectinload(ChangeRequest.round),
        selectinload(ChangeRequest.branch),
        selectinload(ChangeRequest.requested_by),
        selectinload(ChangeRequest.decided_by),
    )
    if pending:
        stmt = stmt.where(ChangeRequest.status == RequestStatus.PENDING)
        stmt = stmt.order_by(ChangeRequest.id)
    else:
        stmt = stmt.where(ChangeRequest.status != RequestStatus.PENDING)
        stmt = stmt.order_by(ChangeRequest.id.desc())
    if election_id is not None:
        stmt = stmt.where(ChangeRequest.election_id == election_id)
    if round_id is not None:
        stmt = stmt.where(ChangeRequest.round_id == round_id)
    if branch_id is not None:
        stmt = stmt.where(ChangeRequest.branch_id == branch_id)
    return [_view(r, user_id, role) for r in db.session.scalars(stmt.limit(limit))]


def pending_count() -> int:
    stmt = select(func.count(ChangeRequest.id)).where(ChangeRequest.status == RequestStatus.PENDING)
    return int(db.session.scalar(stmt) or 0)


def _view(request: ChangeRequest, user_id: int | None, role: str | None) -> RequestView:
    pending = request.status == RequestStatus.PENDING
    proposal = request.proposal or {}
    not_yours = stale = None
    numbers_now = None
    if pending:
        stale = stale_problem(request.kind, request.version, version_now(request))
        not_yours = decider_problem(
            role, user_id, requested_by=request.requested_by_id, entrants=entrants_of(request)
        )
        if request.kind in NUMBER_KINDS:
            numbers_now = _counted_now(request)
    round_, branch = request.round, request.branch
    return RequestView(
        id=request.id,
        kind=request.kind,
        status=request.status,
        election=request.election.slug,
        election_name=request.election.name,
        round=round_.number if round_ else None,
        branch=branch.code if branch else None,
        branch_name=branch.name if branch else None,
        reason=request.reason,
        requested_by=request.requested_by.username,
        requested_at=request.requested_at,
        decided_by=request.decided_by.username if request.decided_by else None,
        decided_at=request.decided_at,
        decision_note=request.decision_note,
        numbers=proposal.get("numbers"),
        numbers_now=numbers_now,
        sha256=proposal.get("sha256"),
        stale=stale,
        not_yours=not_yours,
        may_withdraw=pending and user_id is not None and user_id == request.requested_by_id,
    )


def _counted_now(request: ChangeRequest) -> dict[str, Any] | None:
    """The numbers that count now for the request's sheet, if it counts (settled: shown)."""
    assert request.round is not None and request.branch is not None
    place = locate(request.election.slug, request.round.number, request.branch.code)
    if place.state != SheetStatus.COUNTED or place.sheet is None:
        return None
    numbers = numbers_of(place.sheet.counted_entry)
    return numbers.as_dict() if numbers else None
