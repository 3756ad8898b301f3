"""The election fingerprint: how a round's counted boxes spread over turnout and the leader's share.

Klimek, Yegorov, Hanel and Thurner (PNAS 2012) plot every polling station of an election by its
turnout and the winner's share of its valid votes. A fair count gives one cloud, round or
smeared; ballot stuffing and invented turnout pull boxes towards the corner where nearly every
member voted and nearly all for one candidate. This module counts the boxes of each square of
that plot. Pure functions over plain data (the :class:`~primaries.core.flags.Box` figures the
red flags read); every share is an exact :class:`Fraction`, no float is ever made.

Public API:

- :class:`Fingerprint`: the squares' box counts, the medians and the corner's count.
- :func:`fingerprint`: a round's fingerprint from its counted boxes and its leader.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from .flags import Box

__all__ = ["Fingerprint", "fingerprint"]

STEP = 5
"""Percentage points per square on both axes by default: 20 x 20 squares."""


@dataclass(frozen=True)
class Fingerprint:
    """Boxes counted per square. ``cells[t][s]``: boxes whose turnout is in the ``t``-th band and
    whose leader's share is in the ``s``-th band, each band ``step`` points wide from 0 (100% is
    in the last band)."""

    leader: str
    step: int
    cells: tuple[tuple[int, ...], ...]
    placed: int
    """Boxes in the plot."""
    left_out: int
    """Counted boxes left out: no eligible member, or no valid vote (no share to plot)."""
    median_turnout: Fraction | None
    median_share: Fraction | None
    corner: int
    """Boxes with turnout at least ``corner_turnout`` and the leader at least ``corner_share``."""
    corner_turnout: Decimal
    corner_share: Decimal

    @property
    def bands(self) -> int:
        return 100 // self.step

    @property
    def most(self) -> int:
        """The most boxes in one square (0 for an empty plot)."""
        return max((count for row in self.cells for count in row), default=0)

    def densest(self) -> tuple[int, int, int] | None:
        """(turnout band, share band, boxes) of the square with the most boxes (the lowest bands
        first on a tie); None for an empty plot."""
        best: tuple[int, int, int] | None = None
        for t, row in enumerate(self.cells):
            for s, count in enumerate(row):
                if count and (best is None or count > best[2]):
                    best = (t, s, count)
        return best

    def filled(self) -> list[tuple[int, int, int]]:
        """(turnout band, share band, boxes) of every square with a box, by turnout then share."""
        return [
            (t, s, count)
            for t, row in enumerate(self.cells)
            for s, count in enumerate(row)
            if count
        ]


def _band(share: Fraction, step: int) -> int:
    """The band of a share (0 to 1): ``step``-point bands from 0; 100% in the last one."""
    return min(int(share * 100 // step), 100 // step - 1)


def _median(values: list[Fraction]) -> Fraction | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def fingerprint(
    boxes: Sequence[Box],
    leader: str,
    *,
    step: int = STEP,
    corner_turnout: Decimal = Decimal(95),
    corner_share: Decimal = Decimal(95),
) -> Fingerprint:
    """The fingerprint of a round's counted ``boxes`` for the candidate ``leader`` (the round's
    first place). ``step`` must divide 100; the corner's thresholds are percentages (the red
    flags' ``full_turnout_percent`` and ``sweep_percent`` by default)."""
    if step <= 0 or 100 % step:
        raise ValueError(f"step must divide 100, not {step}")
    bands = 100 // step
    cells = [[0] * bands for _ in range(bands)]
    turnouts: list[Fraction] = []
    shares: list[Fraction] = []
    corner = 0
    turnout_floor, share_floor = Fraction(corner_turnout) / 100, Fraction(corner_share) / 100
    for box in boxes:
        if box.eligible <= 0 or box.valid <= 0:
            continue
        turnout = Fraction(box.ballots_cast, box.eligible)
        share = Fraction(box.votes.get(leader, 0), box.valid)
        cells[_band(turnout, step)][_band(share, step)] += 1
        turnouts.append(turnout)
        shares.append(share)
        if turnout >= turnout_floor and share >= share_floor:
            corner += 1
    return Fingerprint(
        leader=leader,
        step=step,
        cells=tuple(tuple(row) for row in cells),
        placed=len(turnouts),
        left_out=len(boxes) - len(turnouts),
        median_turnout=_median(turnouts),
        median_share=_median(shares),
        corner=corner,
        corner_turnout=corner_turnout,
        corner_share=corner_share,
    )
