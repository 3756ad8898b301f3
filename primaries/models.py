"""The data model: elections, their candidates, branches and rounds; sheets and their history;
annulments, lots, the life of a round; accounts; and the audit chain.

Nothing that records what somebody did is updated or deleted: every entry of a sheet is a new
``SheetEntry`` row, every annulment and reinstatement a new ``Annulment`` row, every close,
certification and decertification a new ``RoundEvent`` row. ``Sheet`` is the current state of
one branch in one round and points at the entries that made it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Any

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
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .core.roles import ROLES
from .core.rounds import RoundAction, RoundStatus
from .core.sheets import SheetState
from .extensions import Base
from .timestamps import UTCDateTime, utcnow

ROUND_STATUSES: tuple[str, ...] = tuple(RoundStatus)
SHEET_STATES: tuple[str, ...] = tuple(SheetState)
ROUND_ACTIONS: tuple[str, ...] = tuple(RoundAction)


class EntryKind(StrEnum):
    """How an entry of a sheet came to be."""

    PACKAGE = "package"  # loaded with the election package
    IMPORT = "import"  # imported from a sheets file
    ENTRY = "entry"  # typed by a clerk (one of a blind pair, or the only one)
    RESOLUTION = "resolution"  # a supervisor's decision on a mismatch, field by field
    CORRECTION = "correction"  # a supervisor's correction (recount) of a counted sheet


class DecisionKind(StrEnum):
    """A supervisor's decision about a sheet's entries that is not itself an entry."""

    RESOLVE = "resolve"  # a mismatch decided field by field (the resolution entry counts)
    SEND_BACK = "send_back"  # the entries set aside, the sheet to be keyed again


ENTRY_KINDS: tuple[str, ...] = tuple(EntryKind)
DECISION_KINDS: tuple[str, ...] = tuple(DecisionKind)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role_known"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped on sign-out everywhere, password reset and disabling: old sessions stop working.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    # Flask-Login protocol
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_epoch}"

    def __repr__(self) -> str:
        return f"<User {self.username} ({self.role})>"


class Election(Base):
    __tablename__ = "elections"
    __table_args__ = (
        CheckConstraint(
            "threshold_percent >= 0 AND threshold_percent <= 100", name="threshold_range"
        ),
        CheckConstraint(_in("threshold_basis", ("valid", "cast")), name="basis_known"),
        CheckConstraint("runoff_size >= 2", name="runoff_size_min"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(Text)
    threshold_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2, asdecimal=True))
    threshold_inclusive: Mapped[bool] = mapped_column(Boolean)
    threshold_basis: Mapped[str] = mapped_column(String(8))
    runoff_size: Mapped[int] = mapped_column(Integer)
    double_entry: Mapped[bool] = mapped_column(Boolean)
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


class Round(Base):
    __tablename__ = "rounds"
    __table_args__ = (
        UniqueConstraint("election_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint(_in("status", ROUND_STATUSES), name="status_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"))
    number: Mapped[int] = mapped_column(Integer)
    held_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")
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


class SheetEntry(Base):
    """One typing, import, decision or correction of a branch's count sheet. Never changed."""

    __tablename__ = "sheet_entries"
    __table_args__ = (
        CheckConstraint("ballots_cast >= 0", name="ballots_cast_nonnegative"),
        CheckConstraint("invalid >= 0", name="invalid_nonnegative"),
        CheckConstraint("invalid <= ballots_cast", name="invalid_within_cast"),
        CheckConstraint(_in("kind", ENTRY_KINDS), name="kind_known"),
        Index("ix_sheet_entries_round_branch", "round_id", "branch_id"),
        Index("ix_sheet_entries_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    kind: Mapped[str] = mapped_column(String(16))
    ballots_cast: Mapped[int] = mapped_column(BigInteger)
    invalid: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    votes: Mapped[list[EntryVote]] = relationship(order_by="EntryVote.candidate_id")
    user: Mapped[User | None] = relationship()


class EntryVote(Base):
    """One candidate's count on one sheet entry."""

    __tablename__ = "entry_votes"
    __table_args__ = (CheckConstraint("votes >= 0", name="votes_nonnegative"),)

    entry_id: Mapped[int] = mapped_column(ForeignKey("sheet_entries.id"), primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), primary_key=True)
    votes: Mapped[int] = mapped_column(BigInteger)

    candidate: Mapped[Candidate] = relationship()


class Sheet(Base):
    """The current state of one branch's sheet in one round: at most one per branch and round.

    It counts when ``state == 'counted'`` and it is not annulled; ``counted_entry`` then holds
    the numbers. ``version`` rises with every change, so a form saved from a stale page is refused.
    """

    __tablename__ = "sheets"
    __table_args__ = (
        UniqueConstraint("round_id", "branch_id"),
        CheckConstraint(_in("state", SHEET_STATES), name="state_known"),
        CheckConstraint(
            "(state = 'counted') = (counted_entry_id IS NOT NULL)", name="counted_has_entry"
        ),
        Index("ix_sheets_round_state", "round_id", "state", "annulled"),
        # The running totals' triggers find the sheets that count an entry through this index.
        Index("ix_sheets_counted_entry", "counted_entry_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    state: Mapped[str] = mapped_column(String(16), default="empty")
    first_entry_id: Mapped[int | None] = mapped_column(ForeignKey("sheet_entries.id"))
    second_entry_id: Mapped[int | None] = mapped_column(ForeignKey("sheet_entries.id"))
    counted_entry_id: Mapped[int | None] = mapped_column(ForeignKey("sheet_entries.id"))
    annulled: Mapped[bool] = mapped_column(Boolean, default=False)
    annul_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    branch: Mapped[Branch] = relationship()
    round: Mapped[Round] = relationship()
    first_entry: Mapped[SheetEntry | None] = relationship(foreign_keys=[first_entry_id])
    second_entry: Mapped[SheetEntry | None] = relationship(foreign_keys=[second_entry_id])
    counted_entry: Mapped[SheetEntry | None] = relationship(foreign_keys=[counted_entry_id])

    @property
    def counts(self) -> bool:
        return self.state == "counted" and not self.annulled


class SheetDecision(Base):
    """A supervisor's decision about a sheet's two entries: resolved or sent back. Never changed.

    ``first_entry_id`` and ``second_entry_id`` are the entries decided about (a send-back of a
    sheet awaiting its second entry has no second); a resolution's ``resolution_entry_id`` is the
    entry it made and ``choices`` says, per differing field, where the number came from
    (``entry 1``, ``entry 2`` or ``paper``).
    """

    __tablename__ = "sheet_decisions"
    __table_args__ = (
        CheckConstraint(_in("kind", DECISION_KINDS), name="kind_known"),
        CheckConstraint(
            "(kind = 'resolve') = (resolution_entry_id IS NOT NULL)", name="resolution_has_entry"
        ),
        Index("ix_sheet_decisions_round_branch", "round_id", "branch_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    kind: Mapped[str] = mapped_column(String(16))
    first_entry_id: Mapped[int | None] = mapped_column(ForeignKey("sheet_entries.id"))
    second_entry_id: Mapped[int | None] = mapped_column(ForeignKey("sheet_entries.id"))
    resolution_entry_id: Mapped[int | None] = mapped_column(ForeignKey("sheet_entries.id"))
    choices: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User | None] = relationship()


class RoundTotal(Base):
    """The running totals of a round's counted sheets: what the tally would sum, kept current.

    Maintained by database triggers (migration 0002) in the same transaction as every change of
    a sheet, an entry's votes or a branch's eligible members, whatever code makes the change:
    ``counted``, ``eligible``, ``ballots_cast`` and ``invalid`` over the sheets that count
    (counted and not annulled), ``annulled`` over annulled sheets. Derived data: a full recount
    (:func:`primaries.tally.recount_of`) must always agree with it.
    """

    __tablename__ = "round_totals"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True
    )
    counted: Mapped[int] = mapped_column(BigInteger)
    annulled: Mapped[int] = mapped_column(BigInteger)
    eligible: Mapped[int] = mapped_column(BigInteger)
    ballots_cast: Mapped[int] = mapped_column(BigInteger)
    invalid: Mapped[int] = mapped_column(BigInteger)


class CandidateTotal(Base):
    """A candidate's running total of votes in a round (see :class:`RoundTotal`)."""

    __tablename__ = "candidate_totals"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True
    )
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), primary_key=True
    )
    votes: Mapped[int] = mapped_column(BigInteger)


class Annulment(Base):
    """An annulment of a branch's sheet for a round, or its reversal (``action='reinstate'``)."""

    __tablename__ = "annulments"
    __table_args__ = (
        CheckConstraint(_in("action", ("annul", "reinstate")), name="action_known"),
        Index("ix_annulments_round_branch", "round_id", "branch_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    action: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
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


class RoundEvent(Base):
    """A step in a round's life: opened, closed, reopened, certified, decertified."""

    __tablename__ = "round_events"
    __table_args__ = (
        CheckConstraint(_in("action", ROUND_ACTIONS), name="action_known"),
        Index("ix_round_events_round", "round_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    action: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    result_sha256: Mapped[str | None] = mapped_column(String(64))
    audit_head: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User | None] = relationship()


class AuditEvent(Base):
    """One link of the tamper-evident audit chain.

    ``hash`` is SHA-256 over the canonical serialisation of the event and ``prev_hash``; the
    unique constraint on ``prev_hash`` makes a fork (two events after the same one) impossible.
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
