"""The running totals of each round, kept by database triggers (migrations 0002 and 0017).

A round's totals are the sum of its rows over ``slot``: each transaction adds into a slot no
other transaction is using at the same time, so changes of different sheets never wait for each
other's totals (migration 0017). Read them summed (:mod:`primaries.tally`), never one row.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, SmallInteger
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Base


class RoundTotal(Base):
    """The running totals of a round's counted sheets: what the tally would sum, kept current.

    Maintained by database triggers (migrations 0002, 0017) in the same transaction as every
    change of a sheet, an entry's votes or a branch's eligible members, whatever code makes it:
    ``counted``, ``eligible``, ``ballots_cast`` and ``invalid`` over the sheets that count
    (counted and not annulled), ``annulled`` over annulled sheets. Derived data: a full recount
    (:func:`primaries.tally.recount_of`) must always agree with it.
    """

    __tablename__ = "round_totals"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True
    )
    slot: Mapped[int] = mapped_column(SmallInteger, primary_key=True, server_default="0")
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
    slot: Mapped[int] = mapped_column(SmallInteger, primary_key=True, server_default="0")
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), primary_key=True
    )
    votes: Mapped[int] = mapped_column(BigInteger)
