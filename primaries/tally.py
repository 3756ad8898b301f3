"""The tally: the database keeps the sums of the sheets that count, the pure core decides.

:func:`round_result` returns the contract's result JSON (section 4) for one round. It reads the
round's running totals (``round_totals`` and ``candidate_totals``, kept by database triggers in
the same transaction as every change of a sheet: migrations 0002 and 0017; read summed over
their slots, :func:`round_totals_summed`), so it runs two small queries
whatever the number of branches (the sums in one statement, so that they come from one snapshot
of the database, and the lots), then hands the sums to :func:`primaries.core.rules.decide`.
:func:`recount_of` sums the same numbers from the sheets themselves (GROUP BY over the counted
sheets): the full recount that the running totals must always agree with.

An election's rules are read from its row here too: :func:`rules_of` for the core's decision,
:func:`rules_dict` for the contract's JSON (section 2: the API, the pages and the package).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import String, and_, bindparam, event, func, select
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Subquery

from .core.rules import Basis, Decision, Rules, decide, percent
from .core.sheets import SheetState
from .database import KEPT_OVER_READ_ROLLBACK
from .extensions import db
from .models import (
    Branch,
    Candidate,
    CandidateTotal,
    Election,
    EntryVote,
    Lot,
    Round,
    RoundCandidate,
    RoundTotal,
    Sheet,
    SheetEntry,
)

COUNTS = and_(Sheet.state == SheetState.COUNTED, Sheet.annulled.is_(False))
"""The sheets that count: counted and not annulled."""


def rules_of(election: Election) -> Rules:
    """The election's rules as the core decides with them."""
    return Rules(
        threshold_percent=Decimal(election.threshold_percent),
        threshold_inclusive=election.threshold_inclusive,
        # The column's CHECK constraint (basis_known) holds it to a Basis; Rules checks again.
        threshold_basis=cast(Basis, election.threshold_basis),
        runoff_size=election.runoff_size,
    )


def rules_dict(election: Election) -> dict[str, Any]:
    """The election's rules as the contract writes them (section 2): the threshold as a string
    without trailing zeros (``"40"``, ``"33.5"``)."""
    return {
        "threshold_percent": format(election.threshold_percent.normalize(), "f"),
        "threshold_inclusive": election.threshold_inclusive,
        "threshold_basis": election.threshold_basis,
        "runoff_size": election.runoff_size,
        "double_entry": election.double_entry,
    }


@dataclass(frozen=True)
class Sums:
    """What the database summed for one round."""

    ballot: list[tuple[int, str, str]]  # (candidate id, code, name) in ballot order
    votes: dict[str, int]
    branches_total: int
    counted: int
    annulled: int
    eligible: int
    ballots_cast: int
    invalid: int
    lots: list[list[str]]

    @property
    def valid(self) -> int:
        return self.ballots_cast - self.invalid

    @property
    def pending(self) -> int:
        return self.branches_total - self.counted - self.annulled


_BALLOTS = "primaries.tally.ballots"
KEPT_OVER_READ_ROLLBACK.add(_BALLOTS)


# Built once (every save asks: building a statement costs more than running it).
_BALLOT = (
    select(Candidate.id, Candidate.code, Candidate.name)
    .join(RoundCandidate, RoundCandidate.candidate_id == Candidate.id)
    .where(RoundCandidate.round_id == bindparam("round_id"))
    .order_by(RoundCandidate.position)
)


def ballot_of(round_: Round) -> list[tuple[int, str, str]]:
    """The round's ballot, (candidate id, code, name) in ballot order.

    A round's ballot is written once, with the round, and never changes; so it is remembered
    for the rest of the session (one request or command; forgotten on rollback, except the
    rollback of a read-only transaction that starts a change), which saves the pages and saves
    that ask for it several times per request a query each time.
    """
    memo: dict[int, tuple[tuple[int, str, str], ...]] = db.session.info.setdefault(_BALLOTS, {})
    known = memo.get(round_.id)
    if known is not None:
        return list(known)
    rows = db.session.execute(_BALLOT, {"round_id": round_.id}).all()
    ballot = [(row[0], row[1], row[2]) for row in rows]
    if ballot:  # an empty ballot is a round still being written: ask again next time
        memo[round_.id] = tuple(ballot)
    return ballot


@event.listens_for(Session, "after_rollback")
@event.listens_for(Session, "after_soft_rollback")
def _forget_ballots(session: Session, *_: Any) -> None:
    # A rolled-back round may give its id to another round with another ballot.
    session.info.pop(_BALLOTS, None)


def _lots_of(round_: Round) -> list[list[str]]:
    return [
        list(codes)
        for codes in db.session.scalars(
            select(Lot.codes).where(Lot.round_id == round_.id).order_by(Lot.id)
        )
    ]


ROUND_TOTALS = ("counted", "annulled", "eligible", "ballots_cast", "invalid")


def round_totals_summed(*where: ColumnElement[bool]) -> Subquery:
    """``round_totals`` as one row per round (its slots summed), for the rounds ``where`` picks."""
    sums = (func.sum(getattr(RoundTotal, column)).label(column) for column in ROUND_TOTALS)
    return (
        select(RoundTotal.round_id, *sums)
        .where(*where)
        .group_by(RoundTotal.round_id)
        .subquery("round_totals_summed")
    )


def candidate_totals_summed(*where: ColumnElement[bool]) -> Subquery:
    """``candidate_totals`` as one row per round and candidate (its slots summed)."""
    return (
        select(
            CandidateTotal.round_id,
            CandidateTotal.candidate_id,
            func.sum(CandidateTotal.votes).label("votes"),
        )
        .where(*where)
        .group_by(CandidateTotal.round_id, CandidateTotal.candidate_id)
        .subquery("candidate_totals_summed")
    )


def sums_of(round_: Round) -> Sums:
    """The round's sums from its running totals, in one statement whatever the number of branches.

    One statement, not one per table: on PostgreSQL (READ COMMITTED) every statement sees the
    changes committed before it began, so a change committed between two statements would pair
    one snapshot's votes with another's totals (valid votes that are not the sum of the votes).
    """
    branches_total = (
        select(func.count(Branch.id))
        .where(Branch.election_id == round_.election_id)
        .scalar_subquery()
    )
    rounds = round_totals_summed(RoundTotal.round_id == round_.id)
    votes = candidate_totals_summed(CandidateTotal.round_id == round_.id)
    rows = db.session.execute(
        select(
            Candidate.id,
            Candidate.code,
            Candidate.name,
            votes.c.votes,
            branches_total,
            *(rounds.c[column] for column in ROUND_TOTALS),
        )
        .select_from(Round)
        .outerjoin(RoundCandidate, RoundCandidate.round_id == Round.id)
        .outerjoin(Candidate, Candidate.id == RoundCandidate.candidate_id)
        .outerjoin(votes, votes.c.candidate_id == Candidate.id)
        .outerjoin(rounds, rounds.c.round_id == Round.id)
        .where(Round.id == round_.id)
        .order_by(RoundCandidate.position)
    ).all()
    total, counted, annulled, eligible, ballots_cast, invalid = (
        int(x or 0) for x in (rows[0][4:] if rows else (0,) * 6)
    )
    ballot = [(row[0], row[1], row[2]) for row in rows if row[0] is not None]
    return Sums(
        ballot=ballot,
        votes={row[1]: int(row[3] or 0) for row in rows if row[0] is not None},
        branches_total=total,
        counted=counted,
        annulled=annulled,
        eligible=eligible,
        ballots_cast=ballots_cast,
        invalid=invalid,
        lots=_lots_of(round_),
    )


def recount_of(round_: Round) -> Sums:
    """The round's sums recounted from the sheets that count (the running totals' check)."""
    ballot = ballot_of(round_)
    code_of = {candidate_id: code for candidate_id, code, _ in ballot}
    votes = {code: 0 for _, code, _ in ballot}
    for candidate_id, total in db.session.execute(
        select(EntryVote.candidate_id, func.sum(EntryVote.votes))
        .join(Sheet, Sheet.counted_entry_id == EntryVote.entry_id)
        .where(Sheet.round_id == round_.id, COUNTS)
        .group_by(EntryVote.candidate_id)
    ):
        votes[code_of[candidate_id]] = int(total or 0)

    counted, eligible, ballots_cast, invalid = db.session.execute(
        select(
            func.count(Sheet.id),
            func.coalesce(func.sum(Branch.eligible), 0),
            func.coalesce(func.sum(SheetEntry.ballots_cast), 0),
            func.coalesce(func.sum(SheetEntry.invalid), 0),
        )
        .select_from(Sheet)
        .join(SheetEntry, SheetEntry.id == Sheet.counted_entry_id)
        .join(Branch, Branch.id == Sheet.branch_id)
        .where(Sheet.round_id == round_.id, COUNTS)
    ).one()
    annulled = db.session.scalar(
        select(func.count(Sheet.id)).where(Sheet.round_id == round_.id, Sheet.annulled.is_(True))
    )
    branches_total = db.session.scalar(
        select(func.count(Branch.id)).where(Branch.election_id == round_.election_id)
    )
    return Sums(
        ballot=ballot,
        votes=votes,
        branches_total=int(branches_total or 0),
        counted=int(counted),
        annulled=int(annulled or 0),
        eligible=int(eligible),
        ballots_cast=int(ballots_cast),
        invalid=int(invalid),
        lots=_lots_of(round_),
    )


def decision_of(round_: Round, sums: Sums) -> Decision:
    return decide(
        round_number=round_.number,
        rules=rules_of(round_.election),
        votes=sums.votes,
        valid=sums.valid,
        cast=sums.ballots_cast,
        lots=sums.lots,
    )


def round_result(round_: Round, sums: Sums | None = None) -> dict[str, Any]:
    """The contract's result JSON for a round, as it stands now (from ``sums`` when given)."""
    sums = sums if sums is not None else sums_of(round_)
    decision = decision_of(round_, sums)
    names = {code: name for _, code, name in sums.ballot}
    return {
        "election": round_.election.slug,
        "round": round_.number,
        "complete": sums.pending == 0,
        "branches": {
            "total": sums.branches_total,
            "counted": sums.counted,
            "annulled": sums.annulled,
            "pending": sums.pending,
        },
        "totals": {
            "eligible": sums.eligible,
            "ballots_cast": sums.ballots_cast,
            "invalid": sums.invalid,
            "valid": sums.valid,
            "turnout_percent": percent(sums.ballots_cast, sums.eligible),
        },
        "candidates": [
            {
                "code": placed.code,
                "name": names[placed.code],
                "votes": placed.votes,
                "percent": percent(placed.votes, sums.valid),
                "rank": placed.rank,
            }
            for placed in decision.candidates
        ],
        "outcome": decision.outcome.as_dict(),
    }


def counted_votes_by_entry(round_: Round) -> dict[int, dict[str, int]]:
    """The votes of every counted, not annulled sheet of the round: entry id -> {code: votes}
    (:func:`counted_votes_in_order` by candidate code)."""
    order = [code for _, code, _ in ballot_of(round_)]
    return {
        entry_id: dict(zip(order, votes, strict=True))
        for entry_id, votes in counted_votes_in_order(round_).items()
    }


def counted_votes_in_order(
    round_: Round, *, branch_ids: Collection[int] | None = None
) -> dict[int, list[int]]:
    """The votes of every counted, not annulled sheet of the round (or of the branches
    ``branch_ids``), as lists in ballot order (0 for a candidate without a row): entry id ->
    votes."""
    texts = counted_vote_texts(round_, branch_ids=branch_ids)
    return {entry_id: list(map(int, votes)) for entry_id, votes in texts.items()}


def counted_vote_texts(
    round_: Round, *, branch_ids: Collection[int] | None = None
) -> dict[int, list[str]]:
    """:func:`counted_votes_in_order` as the database writes the numbers (decimal digits).

    The database joins each sheet's votes into one text, with the candidate ids in the same
    order, so a round's 500,000 votes come as one row per sheet; nothing depends on the order
    the database picks (SQLite's ``group_concat`` has no ``ORDER BY`` before 3.44; on
    PostgreSQL an ``ORDER BY`` in ``string_agg`` costs a sort per sheet). Grouped by
    the sheet's branch first: SQLite then reads the sheets in the order of their unique index
    (round, branch) and needs no temporary B-tree to group.
    """
    ballot_ids = [candidate_id for candidate_id, _, _ in ballot_of(round_)]
    postgres = db.session.get_bind().dialect.name == "postgresql"

    def joined(column: Any) -> ColumnElement[str]:
        # Both texts of a group are joined in the same order: each row steps every aggregate.
        return func.aggregate_strings(sql_cast(column, String) if postgres else column, ",")

    stmt = (
        select(Sheet.counted_entry_id, joined(EntryVote.candidate_id), joined(EntryVote.votes))
        .join(EntryVote, EntryVote.entry_id == Sheet.counted_entry_id)
        .where(Sheet.round_id == round_.id, Sheet.annulled.is_(False))
        .group_by(Sheet.branch_id, Sheet.counted_entry_id)
    )
    if branch_ids is not None:
        stmt = stmt.where(Sheet.branch_id.in_(branch_ids))
    picks: dict[str, Callable[[list[str]], list[str]]] = {}
    out: dict[int, list[str]] = {}
    for entry_id, id_text, vote_text in db.session.execute(stmt):
        pick = picks.get(id_text)
        if pick is None:
            pick = picks[id_text] = _in_ballot_order(id_text, ballot_ids)
        out[int(entry_id or 0)] = pick(vote_text.split(","))
    return out


def _in_ballot_order(id_text: str, ballot_ids: list[int]) -> Callable[[list[str]], list[str]]:
    """Puts votes that come in the order of ``id_text`` (candidate ids) in ballot order."""
    where = {int(candidate_id): i for i, candidate_id in enumerate(id_text.split(","))}
    places = [where.get(candidate_id) for candidate_id in ballot_ids]
    if places == list(range(len(where))):
        return lambda votes: votes
    return lambda votes: ["0" if i is None else votes[i] for i in places]
