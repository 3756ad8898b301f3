"""The tally: the database sums the sheets that count, the pure core decides.

:func:`round_result` returns the contract's result JSON (section 4) for one round. It runs a
fixed number of aggregate queries whatever the number of branches (GROUP BY over the counted
sheets), then hands the sums to :func:`primaries.core.rules.decide`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, select

from .core.rules import Decision, Rules, decide, percent
from .extensions import db
from .models import (
    Branch,
    Candidate,
    Election,
    EntryVote,
    Lot,
    Round,
    RoundCandidate,
    Sheet,
    SheetEntry,
)

COUNTS = and_(Sheet.state == "counted", Sheet.annulled.is_(False))


def rules_of(election: Election) -> Rules:
    return Rules(
        threshold_percent=Decimal(election.threshold_percent),
        threshold_inclusive=election.threshold_inclusive,
        threshold_basis=election.threshold_basis,  # type: ignore[arg-type]
        runoff_size=election.runoff_size,
    )


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


def ballot_of(round_: Round) -> list[tuple[int, str, str]]:
    rows = db.session.execute(
        select(Candidate.id, Candidate.code, Candidate.name)
        .join(RoundCandidate, RoundCandidate.candidate_id == Candidate.id)
        .where(RoundCandidate.round_id == round_.id)
        .order_by(RoundCandidate.position)
    ).all()
    return [(row[0], row[1], row[2]) for row in rows]


def sums_of(round_: Round) -> Sums:
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
    lots = [
        list(codes)
        for codes in db.session.scalars(
            select(Lot.codes).where(Lot.round_id == round_.id).order_by(Lot.id)
        )
    ]
    return Sums(
        ballot=ballot,
        votes=votes,
        branches_total=int(branches_total or 0),
        counted=int(counted),
        annulled=int(annulled or 0),
        eligible=int(eligible),
        ballots_cast=int(ballots_cast),
        invalid=int(invalid),
        lots=lots,
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


def round_result(round_: Round) -> dict[str, Any]:
    """The contract's result JSON for a round, as it stands now."""
    sums = sums_of(round_)
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
