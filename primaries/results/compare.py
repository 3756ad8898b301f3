"""Rounds side by side: one branch across every round, and a runoff against the round before.

:func:`branch_history` gives a branch's row in each round (a branch's page);
:func:`compare_rounds` compares two rounds over the branches counted in both, branch by branch,
per region and in total (a runoff's comparison page). Both are arranged from the cached rows of
each round's data version (:mod:`.rows`); changes of turnout are exact percentage points.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from ..core.rules import percent
from .overview import RoundView
from .rows import BranchRow, ballot, branch_row, branch_rows, points_change


@dataclass(frozen=True)
class BranchRound:
    round: RoundView
    row: BranchRow


@dataclass(frozen=True)
class BranchHistory:
    """A branch in every round, and every candidate who was on any of its ballots."""

    rounds: list[BranchRound]
    candidates: list[tuple[str, str]]  # (code, name), round 1's ballot order first

    @property
    def names(self) -> dict[str, str]:
        return dict(self.candidates)


def branch_history(views: Sequence[RoundView], code: str) -> BranchHistory:
    rounds: list[BranchRound] = []
    candidates: dict[str, str] = {}
    for view in views:
        row = branch_row(view.round, code)
        for candidate_code, name in ballot(view.round):
            candidates.setdefault(candidate_code, name)
        if row is not None:
            rounds.append(BranchRound(view, row))
    return BranchHistory(rounds, list(candidates.items()))


@dataclass(frozen=True)
class Change:
    """One unit (a branch, a region or everything) compared between two rounds."""

    label: str | None
    code: str | None
    units: int  # branches compared (counted in both rounds)
    eligible: int
    cast_before: int
    cast_after: int
    votes_before: Mapping[str, int]
    votes_after: Mapping[str, int]

    @property
    def turnout_before(self) -> str | None:
        return percent(self.cast_before, self.eligible)

    @property
    def turnout_after(self) -> str | None:
        return percent(self.cast_after, self.eligible)

    @property
    def turnout_change(self) -> Decimal | None:
        return points_change((self.cast_before, self.eligible), (self.cast_after, self.eligible))

    def vote_change(self, code: str) -> int:
        return self.votes_after.get(code, 0) - self.votes_before.get(code, 0)


@dataclass(frozen=True)
class Comparison:
    earlier: RoundView
    later: RoundView
    candidates: list[tuple[str, str]]  # the later round's ballot (code, name)
    branches: list[Change]
    regions: list[Change]
    total: Change
    not_compared: int  # branches not counted in both rounds


def _sum_changes(label: str | None, items: Iterable[Change]) -> Change:
    items = list(items)
    codes = {code for item in items for code in item.votes_after} | {
        code for item in items for code in item.votes_before
    }
    return Change(
        label=label,
        code=None,
        units=sum(i.units for i in items),
        eligible=sum(i.eligible for i in items),
        cast_before=sum(i.cast_before for i in items),
        cast_after=sum(i.cast_after for i in items),
        votes_before={c: sum(i.votes_before.get(c, 0) for i in items) for c in codes},
        votes_after={c: sum(i.votes_after.get(c, 0) for i in items) for c in codes},
    )


def compare_rounds(earlier: RoundView, later: RoundView) -> Comparison:
    """The later round against the earlier one, over the branches counted in both."""
    before = {row.code: row for row in branch_rows(earlier.round)}
    codes = [code for code, _ in ballot(later.round)]
    names = later.names
    changes: list[Change] = []
    not_compared = 0
    for row in branch_rows(later.round):
        old = before.get(row.code)
        if not (row.counted and old is not None and old.counted):
            not_compared += 1
            continue
        changes.append(
            Change(
                label=row.name,
                code=row.code,
                units=1,
                eligible=row.eligible,
                cast_before=old.ballots_cast or 0,
                cast_after=row.ballots_cast or 0,
                votes_before={c: old.votes.get(c, 0) for c in codes},
                votes_after={c: row.votes.get(c, 0) for c in codes},
            )
        )
    region_of = {row.code: row.region for row in branch_rows(later.round)}
    grouped: dict[str | None, list[Change]] = {}
    for change in changes:
        grouped.setdefault(region_of[change.code or ""], []).append(change)
    regions = [
        _sum_changes(region, grouped[region])
        for region in sorted(grouped, key=lambda r: (r is None, r or ""))
    ]
    return Comparison(
        earlier=earlier,
        later=later,
        candidates=[(code, names.get(code, code)) for code in codes],
        branches=changes,
        regions=regions,
        total=_sum_changes(None, changes),
        not_compared=not_compared,
    )
