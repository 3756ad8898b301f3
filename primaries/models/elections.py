"""Elections, their candidates, branches and rounds; a round's ballot, its life (events) and
the committee's lots.

Names in other languages (CONTRACT section 5, version 1.1) are a ``names`` JSON column on the
election, each candidate and each branch (language tag -> name, as the package gave it; NULL when
it gave none), and the election's ``regions`` (``[{"name", "names"}]``). Columns rather than a
table of (kind, owner, language, name): they are always read with their row, never queried by
SQL (the public search runs over the cached rows), and so keep exactly what ``load`` read (the
order, ``{}`` apart from nothing) for ``export``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.rounds import Publishing, RoundAction, RoundStatus
from ..extensions import Base
from ..timestamps import UTCDateTime, utcnow
from .columns import one_of

if TYPE_CHECKING:
    from .accounts import User

NAMES = JSON(none_as_null=True)
"""Names in other languages: SQL NULL when none were given (not JSON ``null``)."""


class Election(Base):
    __tablename__ = "elections"
    __table_args__ = (
        CheckConstraint(
            "threshold_percent >= 0 AND threshold_percent <= 100", name="threshold_range"
        ),
        CheckConstraint(one_of("threshold_basis", ("valid", "cast")), name="basis_known"),
        CheckConstraint("runoff_size >= 2", name="runoff_size_min"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(Text)
    names: Mapped[dict[str, str] | None] = mapped_column(NAMES)
    regions: Mapped[list[dict[str, Any]] | None] = mapped_column(NAMES)
    threshold_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2, asdecimal=True))
    threshold_inclusive: Mapped[bool] = mapped_column(Boolean)
    threshold_basis: Mapped[str] = mapped_column(String(8))
    runoff_size: Mapped[int] = mapped_column(Integer)
    double_entry: Mapped[bool] = mapped_column(Boolean)
    # Four eyes (primaries.core.approvals): corrections, annulments, reinstatements, a web
    # import's corrections and decertifying need a second supervisor's approval. Not one of the
    # package's rules (CONTRACT section 5): set by an admin or `primaries four-eyes`, audited.
    four_eyes: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # The red-flag thresholds the election changed from their defaults (primaries.core
    # .flag_settings; None: every default). Set by `primaries flags --set`, audited.
    flag_settings: Mapped[dict[str, str] | None] = mapped_column(NAMES)
    # Whether the photos of a certified round's signed sheets are on the public branch pages
    # (issue 13). Set by an admin, audited (``election.photos_public``).
    photos_public: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    candidates: Mapped[list[Candidate]] = relationship(
        back_populates="election", order_by="Candidate.position"
    )
    rounds: Mapped[list[Round]] = relationship(back_populates="election", order_by="Round.number")

    def __repr__(self) -> str:
        return f"<Election {self.slug}>"


class Candidate(Base):
    __tablename__ = "candidates"
    __table_args__ = (UniqueConstraint("election_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"))
    code: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(Text)
    names: Mapped[dict[str, str] | None] = mapped_column(NAMES)
    position: Mapped[int] = mapped_column(Integer)

    election: Mapped[Election] = relationship(back_populates="candidates")


class Branch(Base):
    __tablename__ = "branches"
    __table_args__ = (
        UniqueConstraint("election_id", "code"),
        CheckConstraint("eligible >= 0", name="eligible_nonnegative"),
        Index("ix_branches_election_region", "election_id", "region"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(Text)
    region: Mapped[str | None] = mapped_column(Text)
    eligible: Mapped[int] = mapped_column(BigInteger)
    names: Mapped[dict[str, str] | None] = mapped_column(NAMES)


class Round(Base):
    __tablename__ = "rounds"
    __table_args__ = (
        UniqueConstraint("election_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint(one_of("status", tuple(RoundStatus)), name="status_known"),
        CheckConstraint(one_of("publish", tuple(Publishing)), name="publish_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"))
    number: Mapped[int] = mapped_column(Integer)
    held_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=RoundStatus.OPEN.value)
    # When its results go public (primaries.core.rounds.Publishing): set by elections.rounds
    publish: Mapped[str] = mapped_column(
        String(16), default=Publishing.LIVE.value, server_default=Publishing.LIVE.value
    )
    # Bumped by every change that can change this round's result: the key of caches and ETags.
    data_version: Mapped[int] = mapped_column(BigInteger, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    election: Mapped[Election] = relationship(back_populates="rounds")
    ballot: Mapped[list[RoundCandidate]] = relationship(order_by="RoundCandidate.position")


class RoundCandidate(Base):
    """A candidate on a round's ballot."""

    __tablename__ = "round_candidates"

    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)

    candidate: Mapped[Candidate] = relationship()


class RoundEvent(Base):
    """A step in a round's life: opened, closed, reopened, certified, decertified.

    A certification carries the result's SHA-256, the audit chain's head and whether four eyes
    was on: the round's certificate."""

    __tablename__ = "round_events"
    __table_args__ = (
        CheckConstraint(one_of("action", tuple(RoundAction)), name="action_known"),
        Index("ix_round_events_round", "round_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    action: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    result_sha256: Mapped[str | None] = mapped_column(String(64))
    audit_head: Mapped[str | None] = mapped_column(String(64))
    # A certificate says whether four eyes was on when the round was certified.
    four_eyes: Mapped[bool | None] = mapped_column(Boolean)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User | None] = relationship()


class Lot(Base):
    """A lot drawn by the committee: the order of tied candidates' codes, most recent holds."""

    __tablename__ = "lots"
    __table_args__ = (Index("ix_lots_round", "round_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    codes: Mapped[list[str]] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
