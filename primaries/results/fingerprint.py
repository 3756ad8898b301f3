"""A round's election fingerprint (:mod:`primaries.core.fingerprint`), read and laid out as SVG.

The boxes are those the red flags read (:func:`primaries.results.flags.boxes_of`); the leader is
the round's first place; the dashed corner uses the election's red-flag thresholds for a full
turnout and a sweep, so the plot and the flags speak of the same boxes. The geometry is computed
here in whole pixels and drawn by ``templates/_fingerprint.html`` with SVG attributes only (the
Content-Security-Policy forbids inline styles), as :mod:`.chart` does for the bars. Turnout runs
left to right and the leader's share bottom to top on every page, right-to-left ones included,
as plots are read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..core.fingerprint import Fingerprint, fingerprint
from ..core.flag_settings import settings_from
from ..core.rules import percent
from ..models import Round
from .cache import cached
from .flags import boxes_of
from .overview import RoundView

PLOT = 400
LEFT = 64  # room for the share axis' numbers and title
TOP = 12
BOTTOM = 52  # room for the turnout axis' numbers and title
RIGHT = 24
TICKS = (0, 20, 40, 60, 80, 100)
SHADES = ("#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08306b")
"""Light to dark: a square's shade says how many boxes it holds (five steps of the most)."""


def leader_of(result: Mapping[str, Any]) -> str | None:
    """The round's first place in a result document (None before any vote is counted)."""
    candidates = result.get("candidates") or []
    if not candidates or not any(c["votes"] for c in candidates):
        return None
    return str(candidates[0]["code"])


def round_fingerprint(round_: Round, result: Mapping[str, Any]) -> Fingerprint | None:
    """The round's fingerprint for its leader in ``result`` (the round's result document), kept
    until the round's numbers or its election's settings change (both bump ``data_version``);
    None while no vote is counted."""
    leader = leader_of(result)
    if leader is None:
        return None
    key = ("fingerprint", round_.id, int(round_.data_version), leader)
    settings = settings_from(round_.election.flag_settings)
    return cached(
        key,
        lambda: fingerprint(
            boxes_of(round_),
            leader,
            corner_turnout=settings.full_turnout_percent,
            corner_share=settings.sweep_percent,
        ),
    )


@dataclass(frozen=True)
class Square:
    x: int
    y: int
    size: int
    fill: str
    boxes: int
    turnout_from: int
    turnout_to: int
    share_from: int
    share_to: int


@dataclass(frozen=True)
class Shade:
    fill: str
    least: int
    most: int


@dataclass(frozen=True)
class Tick:
    value: int
    x: int
    y: int


@dataclass(frozen=True)
class FingerprintChart:
    """Everything the template draws, and the figures its text summary says."""

    width: int
    height: int
    plot_x: int
    plot_y: int
    plot: int
    squares: list[Square]
    shades: list[Shade]
    ticks: list[Tick]
    corner_x: int
    corner_y: int
    corner_width: int
    corner_height: int
    densest: Square | None
    median_turnout: str | None
    median_share: str | None
    figure: Fingerprint


def _shade(boxes: int, most: int) -> int:
    """0 to 4: which of the five shades, by the square's boxes as a fraction of the most."""
    return -(-boxes * len(SHADES) // most) - 1


def _shades(most: int) -> list[Shade]:
    """The legend: the boxes per square each shade stands for (a shade for none left out)."""
    steps = len(SHADES)
    found = []
    for level, fill in enumerate(SHADES):
        least, top = level * most // steps + 1, (level + 1) * most // steps
        if least <= top:
            found.append(Shade(fill, least, top))
    return found


def _percent(value: Any) -> str | None:
    return None if value is None else percent(value.numerator, value.denominator)


def fingerprint_chart(found: Fingerprint) -> FingerprintChart:
    """The plot of ``found``: a square per band pair holding a box, axes every 20 points, the
    dashed corner of full turnout and sweep."""
    size = PLOT // found.bands
    most = found.most

    def square(t: int, s: int, boxes: int) -> Square:
        return Square(
            x=LEFT + t * size,
            y=TOP + (found.bands - 1 - s) * size,
            size=size,
            fill=SHADES[_shade(boxes, most)],
            boxes=boxes,
            turnout_from=t * found.step,
            turnout_to=(t + 1) * found.step,
            share_from=s * found.step,
            share_to=(s + 1) * found.step,
        )

    densest = found.densest()
    corner_x = LEFT + int(found.corner_turnout * PLOT // 100)
    corner_y = TOP + PLOT - int(found.corner_share * PLOT // 100)
    return FingerprintChart(
        width=LEFT + PLOT + RIGHT,
        height=TOP + PLOT + BOTTOM,
        plot_x=LEFT,
        plot_y=TOP,
        plot=PLOT,
        squares=[square(t, s, boxes) for t, s, boxes in found.filled()],
        shades=_shades(most) if most else [],
        ticks=[Tick(v, LEFT + v * PLOT // 100, TOP + PLOT - v * PLOT // 100) for v in TICKS],
        corner_x=corner_x,
        corner_y=TOP,
        corner_width=LEFT + PLOT - corner_x,
        corner_height=corner_y - TOP,
        densest=square(*densest) if densest else None,
        median_turnout=_percent(found.median_turnout),
        median_share=_percent(found.median_share),
        figure=found,
    )


def public_fingerprint(view: RoundView) -> FingerprintChart | None:
    """The public round page's fingerprint: once the round is certified (before, the staff see
    it alone, with the red flags)."""
    found = round_fingerprint(view.round, view.result) if view.certified else None
    return fingerprint_chart(found) if found else None
