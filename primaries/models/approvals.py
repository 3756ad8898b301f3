"""Requests for a second pair of eyes: a change one person asked for, and what became of it.

Written only by :mod:`primaries.approvals`. A request is never deleted: it is pending until a
second supervisor or admin approves or refuses it, or the one who asked withdraws it.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.approvals import RequestKind, RequestStatus
from ..extensions import Base
from ..timestamps import UTCDateTime, utcnow
from .columns import one_of

if TYPE_CHECKING:
    from .accounts import User
    from .elections import Branch, Election, Round


class ChangeRequest(Base):
    """A change asked for by one account that takes effect when a second one approves it.

    ``round_id`` and ``branch_id`` say what it is about (a sheet: both; a decertification: the
    round; turning four eyes off: neither). ``version`` is the version of that thing when it was
    asked (the sheet's ``version``, the round's ``data_version``): a request whose sheet or round
    changed since is stale and cannot be approved. ``proposal`` holds the numbers a correction
    would make count (``{"ballots_cast", "invalid", "votes"}``) and, for an imported file, its
    SHA-256.
    """

    __tablename__ = "change_requests"
    __table_args__ = (
        CheckConstraint(one_of("kind", tuple(RequestKind)), name="kind_known"),
        CheckConstraint(one_of("status", tuple(RequestStatus)), name="status_known"),
        CheckConstraint(
            "(status = 'pending') = (decided_at IS NULL)", name="decided_unless_pending"
        ),
        Index("ix_change_requests_status", "status"),
        Index("ix_change_requests_round_branch", "round_id", "branch_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=RequestStatus.PENDING.value)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id"))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"))
    version: Mapped[int] = mapped_column(Integer)
    proposal: Mapped[Any] = mapped_column(JSON, nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)

    election: Mapped[Election] = relationship()
    round: Mapped[Round | None] = relationship()
    branch: Mapped[Branch | None] = relationship()
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
