"""A round's sums per region: one :class:`RegionRow` per region, summed by the database.

Like the tally, the sums are SQL GROUP BY queries over the sheets that count
(:data:`primaries.tally.COUNTS`), never a loop over branches in Python; computed once per data
version. Branches without a region are one row of their own (``region`` None), after the named
regions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, select

from ..core.rules import percent
from ..extensions import db
from ..models import Branch, EntryVote, Round, Sheet, SheetEntry
from ..tally import COUNTS, ballot_of
from .cache import cached
from .rows import leader_of
from .versions import round_key


@dataclass(frozen=True)
class RegionRow:
    """A region's sums in a round (over its counted branches; ``None`` is "no region")."""

    region: str | None
    branches: int
    counted: int
    annulled: int
    eligible: int
    ballots_cast: int
    invalid: int
    votes: Mapping[str, int]
    leader: str | None
    tied: bool

    @property
    def pending(self) -> int:
        return self.branches - self.counted - self.annulled

    @property
    def reported(self) -> int:
        return self.counted + self.annulled

    @property
    def valid(self) -> int:
        return self.ballots_cast - self.invalid

    @property
    def turnout(self) -> str | None:
        return percent(self.ballots_cast, self.eligible)

    def percent_of(self, code: str) -> str | None:
        return percent(self.votes.get(code, 0), self.valid)


def region_rows(round_: Round) -> list[RegionRow]:
    """One row per region (named regions by name, then branches without a region).

    Sums by SQL GROUP BY over the counted sheets, like the tally; computed once per version.
    """
    return cached(round_key("regions", round_), lambda: _region_rows(round_))


def _region_rows(round_: Round) -> list[RegionRow]:
    ballot = ballot_of(round_)
    order = [code for _, code, _ in ballot]
    code_of = {cid: code for cid, code, _ in ballot}
    branches = dict(
        db.session.execute(
            select(Branch.region, func.count(Branch.id))
            .where(Branch.election_id == round_.election_id)
            .group_by(Branch.region)
        ).all()
    )
    sums = {
        region: (int(n), int(e or 0), int(c or 0), int(i or 0))
        for region, n, e, c, i in db.session.execute(
            select(
                Branch.region,
                func.count(Sheet.id),
                func.sum(Branch.eligible),
                func.sum(SheetEntry.ballots_cast),
                func.sum(SheetEntry.invalid),
            )
            .select_from(Sheet)
            .join(SheetEntry, SheetEntry.id == Sheet.counted_entry_id)
            .join(Branch, Branch.id == Sheet.branch_id)
            .where(Sheet.round_id == round_.id, COUNTS)
            .group_by(Branch.region)
        )
    }
    annulled = dict(
        db.session.execute(
            select(Branch.region, func.count(Sheet.id))
            .join(Branch, Branch.id == Sheet.branch_id)
            .where(Sheet.round_id == round_.id, Sheet.annulled.is_(True))
            .group_by(Branch.region)
        ).all()
    )
    votes: dict[str | None, dict[str, int]] = {}
    for region, candidate_id, total in db.session.execute(
        select(Branch.region, EntryVote.candidate_id, func.sum(EntryVote.votes))
        .select_from(EntryVote)
        .join(Sheet, Sheet.counted_entry_id == EntryVote.entry_id)
        .join(Branch, Branch.id == Sheet.branch_id)
        .where(Sheet.round_id == round_.id, COUNTS)
        .group_by(Branch.region, EntryVote.candidate_id)
    ):
        votes.setdefault(region, {})[code_of[candidate_id]] = int(total or 0)
    rows = []
    for region in sorted(branches, key=lambda r: (r is None, r or "")):
        counted, eligible, cast, invalid = sums.get(region, (0, 0, 0, 0))
        region_votes = {code: votes.get(region, {}).get(code, 0) for code in order}
        leader, tied = leader_of(region_votes, order)
        rows.append(
            RegionRow(
                region=region,
                branches=int(branches[region]),
                counted=counted,
                annulled=int(annulled.get(region, 0)),
                eligible=eligible,
                ballots_cast=cast,
                invalid=invalid,
                votes=region_votes,
                leader=leader,
                tied=tied,
            )
        )
    return rows
