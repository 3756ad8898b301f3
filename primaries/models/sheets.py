"""A branch's count sheet in a round and its history: entries (each with its votes), the current
state, the supervisor's decisions and annulments. Only :mod:`primaries.sheets` writes these."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.sheets import DecisionKind, EntryKind, SheetState
from ..extensions import Base
from ..timestamps import UTCDateTime, utcnow
from .columns import one_of

if TYPE_CHECKING:
    from .accounts import User
    from .elections import Branch, Candidate, Round


class SheetEntry(Base):
    """One typing, import, decision or correction of a branch's count sheet. Never changed."""

    __tablename__ = "sheet_entries"
    __table_args__ = (
        CheckConstraint("ballots_cast >= 0", name="ballots_cast_nonnegative"),
        CheckConstraint("invalid >= 0", name="invalid_nonnegative"),
        CheckConstraint("invalid <= ballots_cast", name="invalid_within_cast"),
        CheckConstraint(one_of("kind", tuple(EntryKind)), name="kind_known"),
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
        CheckConstraint(one_of("state", tuple(SheetState)), name="state_known"),
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
    state: Mapped[str] = mapped_column(String(16), default=SheetState.EMPTY.value)
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


class SheetDecision(Base):
    """A supervisor's decision about a sheet's two entries: resolved or sent back. Never changed.

    ``first_entry_id`` and ``second_entry_id`` are the entries decided about (a send-back of a
    sheet awaiting its second entry has no second); a resolution's ``resolution_entry_id`` is the
    entry it made and ``choices`` says, per differing field, where the number came from
    (``entry 1``, ``entry 2`` or ``paper``).
    """

    __tablename__ = "sheet_decisions"
    __table_args__ = (
        CheckConstraint(one_of("kind", tuple(DecisionKind)), name="kind_known"),
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


class Annulment(Base):
    """An annulment of a branch's sheet for a round, or its reversal (``action='reinstate'``)."""

    __tablename__ = "annulments"
    __table_args__ = (
        CheckConstraint(one_of("action", ("annul", "reinstate")), name="action_known"),
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
