"""A round's branches as the pages show them: one :class:`BranchRow` per branch.

Rows are made from the API's per-branch objects (:func:`.documents.branches_of`) and cached per
data version, with what people read off a table: valid votes, turnout, each candidate's share and
the branch's leader. Counted things stay exact integers; percentages are the contract's strings,
and percentage-point changes (:func:`points_change`) exact ``Decimal``s rounded half-up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from ..core.rules import percent
from ..core.sheets import PublicStatus
from ..models import Round
from ..tally import ballot_of
from .cache import cached
from .documents import branch_codes, branches_of, round_branches
from .versions import round_key


def ballot(round_: Round) -> list[tuple[str, str]]:
    """The round's ballot in ballot order: (code, name) pairs."""
    return cached(
        round_key("ballot", round_), lambda: [(code, name) for _, code, name in ballot_of(round_)]
    )


def points_change(before: tuple[int, int], after: tuple[int, int]) -> Decimal | None:
    """``after - before`` of two shares (numerator, denominator) in percentage points.

    Exact fractions, rounded half-up (away from zero) to two decimals; None if either
    denominator is zero.
    """
    if before[1] == 0 or after[1] == 0:
        return None
    exact = (Fraction(after[0], after[1]) - Fraction(before[0], before[1])) * 100
    value = Decimal(exact.numerator) / Decimal(exact.denominator)
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def leader_of(votes: Mapping[str, int], order: Sequence[str]) -> tuple[str | None, bool]:
    """The candidate with most votes (``order`` breaks nothing: a shared top is a tie).

    Returns ``(code, False)``, ``(None, True)`` for a tie at the top, ``(None, False)`` when
    nobody has a vote.
    """
    if not votes:
        return None, False
    top = max(votes.values())
    if top == 0:
        return None, False
    leaders = [code for code in order if votes.get(code, 0) == top]
    if len(leaders) > 1:
        return None, True
    return leaders[0], False


@dataclass(frozen=True)
class BranchRow:
    """A branch in a round, as the tables show it."""

    code: str
    name: str
    region: str | None
    eligible: int
    status: PublicStatus
    reason: str | None = None
    ballots_cast: int | None = None
    invalid: int | None = None
    votes: Mapping[str, int] = field(default_factory=dict)
    leader: str | None = None
    tied: bool = False

    @property
    def counted(self) -> bool:
        return self.status == PublicStatus.COUNTED

    @property
    def annulled(self) -> bool:
        return self.status == PublicStatus.ANNULLED

    @property
    def valid(self) -> int | None:
        if self.ballots_cast is None or self.invalid is None:
            return None
        return self.ballots_cast - self.invalid

    @property
    def turnout(self) -> str | None:
        return None if self.ballots_cast is None else percent(self.ballots_cast, self.eligible)

    @property
    def turnout_fraction(self) -> Fraction | None:
        if self.ballots_cast is None or not self.eligible:
            return None
        return Fraction(self.ballots_cast, self.eligible)

    def percent_of(self, code: str) -> str | None:
        valid = self.valid
        return None if valid is None else percent(self.votes.get(code, 0), valid)

    def turnout_change_from(self, earlier: BranchRow) -> Decimal | None:
        """Turnout now minus turnout in ``earlier`` (same branch), in percentage points."""
        if self.ballots_cast is None or earlier.ballots_cast is None:
            return None
        return points_change(
            (earlier.ballots_cast, earlier.eligible), (self.ballots_cast, self.eligible)
        )


def branch_rows(round_: Round) -> list[BranchRow]:
    """Every branch of the election in this round (by code), computed once per data version."""

    def compute() -> list[BranchRow]:
        order = [code for _, code, _ in ballot_of(round_)]
        return [_branch_row(item, order) for item in branches_of(round_)]

    return cached(round_key("rows", round_), compute)


def table_rows(round_: Round, sort: str) -> list[BranchRow]:
    """Every branch, enough to search, filter and sort the branch table by ``sort``.

    The full rows (:func:`branch_rows`) for a sort by leader or by a candidate's votes; else rows
    without votes (``votes`` empty, no leader), which read no vote: 12,926 rows instead of
    500,000 votes at national scale. Show the rows of a page with :func:`page_rows`.
    """
    if sort == "leader" or sort.startswith("votes-"):
        return branch_rows(round_)
    return cached(
        round_key("table-rows", round_),
        lambda: [_branch_row(item, ()) for item in round_branches(round_, votes=False)],
    )


def code_rows(round_: Round) -> list[BranchRow]:
    """Every branch as its code alone (the rest empty: name the code, status pending), in the
    order :func:`table_rows` has them: what a view of the table in code order needs."""
    return cached(
        round_key("code-rows", round_),
        lambda: [
            BranchRow(code=code, name=code, region=None, eligible=0, status=PublicStatus.PENDING)
            for code in branch_codes(round_)
        ],
    )


def page_rows(round_: Round, rows: Sequence[BranchRow]) -> list[BranchRow]:
    """The full rows of ``rows``' branches (a page of the table), in their order: read for these
    branches only."""
    order = [c for _, c, _ in ballot_of(round_)]
    found = {
        item["code"]: _branch_row(item, order)
        for item in round_branches(round_, codes=[row.code for row in rows])
    }
    return [found[row.code] for row in rows if row.code in found]


def branch_row(round_: Round, code: str) -> BranchRow | None:
    """One branch in this round (None: no such branch), without computing every other branch."""

    def compute() -> BranchRow | None:
        order = [c for _, c, _ in ballot_of(round_)]
        items = round_branches(round_, code=code)
        return _branch_row(items[0], order) if items else None

    return cached((*round_key("row", round_), code), compute)


def _branch_row(item: Mapping[str, Any], order: Sequence[str]) -> BranchRow:
    votes = dict(item.get("votes") or {})
    leader, tied = leader_of(votes, order)
    return BranchRow(
        code=item["code"],
        name=item["name"],
        region=item["region"],
        eligible=int(item["eligible"]),
        status=PublicStatus(item["status"]),
        reason=item.get("reason"),
        ballots_cast=item.get("ballots_cast"),
        invalid=item.get("invalid"),
        votes=votes,
        leader=leader,
        tied=tied,
    )
