"""The audit chain's table: one row per link (see :mod:`primaries.audit.chain`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Base
from ..timestamps import UTCDateTime


class AuditEvent(Base):
    """One link of the tamper-evident audit chain.

    ``hash`` is SHA-256 over the canonical serialisation of the event and ``prev_hash``; the
    unique constraint on ``prev_hash`` makes a fork (two events after the same one) impossible.
    ``signature`` is the Ed25519 signature of ``hash`` (hex) by the key ``key_id`` names, kept
    outside the database; both are empty for events recorded before signing began.
    On PostgreSQL a trigger refuses UPDATE, DELETE and TRUNCATE of this table.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_action", "action"),
        Index("ix_audit_events_actor", "actor"),
        Index("ix_audit_events_election_branch", "election", "branch"),
        Index("ix_audit_events_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(Text)
    election: Mapped[str | None] = mapped_column(String(64))
    round_number: Mapped[int | None] = mapped_column(Integer)
    branch: Mapped[str | None] = mapped_column(String(32))
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_id: Mapped[str | None] = mapped_column(String(16))
    signature: Mapped[str | None] = mapped_column(String(128))
