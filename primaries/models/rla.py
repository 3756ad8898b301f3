"""Risk-limiting audits of rounds (CONTRACT section 8): the audit, its draws and the audited
(hand) counts of the drawn boxes.

Written only by :mod:`primaries.rla.service`, each change with its audit event; ``primaries
audit verify`` compares every column with the chain (:mod:`primaries.audit.rla`). An audited
count is never updated: a correction is a new row with its reason, and the latest row of a
branch is its count.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..core.rla_risk import STATUSES
from ..extensions import Base
from ..timestamps import UTCDateTime, utcnow
from .columns import one_of


class RlaAudit(Base):
    """The audit of one round: its risk limit and public seed, and where it stands."""

    __tablename__ = "rla_audits"
    __table_args__ = (
        UniqueConstraint("round_id", name="uq_rla_audits_round"),
        CheckConstraint(one_of("status", STATUSES), name="rla_status_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    risk_limit: Mapped[str] = mapped_column(String(8))
    seed: Mapped[str] = mapped_column(String(64))
    total_error_bound: Mapped[str | None] = mapped_column(String(64))
    # U exactly, as "numerator/denominator": status and counts measure the risk from it
    exact_error_bound: Mapped[str | None] = mapped_column(Text)
    estimate: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    risk: Mapped[str | None] = mapped_column(String(16))
    started_by: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class RlaDraw(Base):
    """Draw ``k`` of an audit: the box it picked."""

    __tablename__ = "rla_draws"
    __table_args__ = (UniqueConstraint("audit_id", "k", name="uq_rla_draws_k"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("rla_audits.id"))
    k: Mapped[int] = mapped_column(Integer)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))


class RlaCount(Base):
    """An audited (hand) count of a drawn box; a correction is a later row with a reason."""

    __tablename__ = "rla_counts"
    __table_args__ = (Index("ix_rla_counts_audit", "audit_id", "branch_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("rla_audits.id"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    ballots_cast: Mapped[int] = mapped_column(Integer)
    invalid: Mapped[int] = mapped_column(Integer)
    votes: Mapped[dict[str, int]] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class RlaEntry(Base):
    """One of the two blind entries of a box's hand count typed on the web (double entry).

    ``attempt`` is how many counts the box had when it was typed: the entries of the current
    attempt are the box's open pair. Two that agree make the count; two that differ are a
    mismatch a supervisor decides (a count with a reason).
    """

    __tablename__ = "rla_entries"
    __table_args__ = (Index("ix_rla_entries_audit", "audit_id", "branch_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("rla_audits.id"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    attempt: Mapped[int] = mapped_column(Integer)
    ballots_cast: Mapped[int] = mapped_column(Integer)
    invalid: Mapped[int] = mapped_column(Integer)
    votes: Mapped[dict[str, int]] = mapped_column(JSON)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
