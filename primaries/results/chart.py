"""Geometry of the server-rendered bar chart of a round (the template draws it as SVG).

One horizontal bar per candidate, in the result's order, its length the candidate's share of
valid votes; in round 1 a dashed line marks the threshold. Coordinates are computed here with
exact decimals and handed to the ``chart`` macro of ``templates/results/_macros.html`` as
attribute strings (SVG attributes, never ``style``: the Content-Security-Policy forbids inline
styles). For a right-to-left page the chart is mirrored: bars grow from the right.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

WIDTH = 600
ROW = 56  # name line + bar + gap
BAR = 24
NAME_Y = 18
TOP = 8
BOTTOM = 24
VALUE_ROOM = 96  # room at the end of the longest bar for its value
# Colours with at least 4.5:1 contrast against white (bars are labelled in text anyway).
PALETTE = ("#0b5394", "#a61c00", "#38761d", "#7f4f00", "#674ea7", "#0e6b6b", "#85200c", "#444")


def _fmt(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Bar:
    code: str
    name: str
    votes: int
    percent: str | None
    bar_x: str
    bar_y: str
    bar_width: str
    name_x: str
    name_y: str
    value_x: str
    value_y: str
    value_anchor: str
    colour: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    threshold_x: str | None
    threshold_label_x: str | None
    threshold_anchor: str
    axis_y: str
    rtl: bool


def bar_chart(
    result: Mapping[str, Any], *, threshold: Decimal | None, basis: str, rtl: bool
) -> Chart:
    """The chart of a result (contract JSON); ``threshold`` only for round 1.

    With ``basis == "cast"`` the threshold is a share of ballots cast; it is drawn where that
    share falls on the chart's scale of valid votes (``T * cast / valid``).
    """
    candidates = result["candidates"]
    valid = int(result["totals"]["valid"])
    cast = int(result["totals"]["ballots_cast"])
    shares = [
        (Decimal(c["votes"]) * 100 / Decimal(valid)) if valid else Decimal(0) for c in candidates
    ]
    line: Decimal | None = None
    if threshold is not None:
        line = Decimal(threshold)
        if basis == "cast" and valid:
            line = line * Decimal(cast) / Decimal(valid)
    top = max([*shares, line or Decimal(0), Decimal(10)])
    # The scale ends at a round ten above the longest bar or the threshold (at most 100).
    scale = min(Decimal(100), ((top / 10).to_integral_value(rounding="ROUND_CEILING")) * 10)
    if line is not None and line >= scale:
        scale = min(Decimal(100), scale + 10)
    plot = Decimal(WIDTH - VALUE_ROOM)

    def x_of(share: Decimal) -> Decimal:
        return plot * min(share, scale) / scale

    bars = []
    for index, (candidate, share) in enumerate(zip(candidates, shares, strict=True)):
        length = x_of(share)
        y = Decimal(TOP + index * ROW)
        bar_x = Decimal(WIDTH) - length if rtl else Decimal(0)
        value_x = (Decimal(WIDTH) - length - 6) if rtl else (length + 6)
        bars.append(
            Bar(
                code=candidate["code"],
                name=candidate["name"],
                votes=int(candidate["votes"]),
                percent=candidate["percent"],
                bar_x=_fmt(bar_x),
                bar_y=_fmt(y + NAME_Y + 6),
                bar_width=_fmt(length),
                name_x=str(WIDTH) if rtl else "0",
                name_y=_fmt(y + NAME_Y),
                value_x=_fmt(value_x),
                value_y=_fmt(y + NAME_Y + 6 + BAR - 6),
                value_anchor="end" if rtl else "start",
                colour=PALETTE[index % len(PALETTE)],
            )
        )
    height = TOP + ROW * len(candidates) + BOTTOM
    threshold_x = label_x = None
    if line is not None:
        position = x_of(line)
        at = Decimal(WIDTH) - position if rtl else position
        threshold_x = _fmt(at)
        label_x = _fmt(at - 4 if rtl else at + 4)
    return Chart(
        width=WIDTH,
        height=height,
        bars=bars,
        threshold_x=threshold_x,
        threshold_label_x=label_x,
        threshold_anchor="start",  # with the svg's direction, "start" is the right edge in RTL
        axis_y=str(height - 6),
        rtl=rtl,
    )
