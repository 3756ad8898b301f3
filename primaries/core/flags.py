"""Red flags: statistical checks on every counted box of a round, before certification.

Pure functions over plain data (CONTRACT section 9; docs/flags.md explains each check). No Flask,
no database: the read side hands over each box's figures, this module says which checks fire.

Every figure is exact: counts are ints, shares and their comparisons are :class:`Fraction`s, the
settings are :class:`Decimal`s. The "more than chance allows" test compares squares exactly
(``(x - n p)^2 > z^2 * Var``), so no float and no square root is ever taken.

Each box is compared with *the rest of its region* (its region's sums without the box itself:
leave-one-out), so that a big stuffed box cannot hide by pulling its region's figures towards it.
Branches without a region are one region of their own.

Public API: :class:`Box` (one counted box's figures in a round), :class:`FlagSettings` (the
thresholds, with their documented defaults), :class:`Flag` (one check firing on one box, with its
figures and a one-line reason), :func:`find_flags` (every flag of a round, and of its round
before for a runoff) and :data:`CHECKS` (the checks' names, in the order flags are listed).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from .flag_types import Box, Flag, FlagSettings
from .flag_words import MESSAGES, english, where
from .rounds import Words

__all__ = ["CHECKS", "Box", "Flag", "FlagSettings", "find_flags"]

CHECKS = (
    "turnout_above_region",
    "turnout_near_full",
    "cast_equals_eligible",
    "one_candidate_sweep",
    "shares_differ",
    "invalid_high",
    "runoff_turnout_moved",
    "runoff_shares_moved",
)
"""The checks, in the order their flags are listed for a box."""


def _pct(share: Fraction) -> str:
    """A share as a percentage string, two decimals, half-up (as the contract writes them)."""
    hundred = share * 100
    value = Decimal(hundred.numerator) / Decimal(hundred.denominator)
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _share(part: int, whole: int) -> Fraction | None:
    return Fraction(part, whole) if whole > 0 else None


@functools.cache
def _points(value: Decimal) -> Fraction:
    return Fraction(value) / 100


@dataclass
class _Sums:
    eligible: int = 0
    ballots_cast: int = 0
    invalid: int = 0
    votes: dict[str, int] = field(default_factory=dict)

    def add(self, box: Box, sign: int = 1) -> None:
        self.eligible += sign * box.eligible
        self.ballots_cast += sign * box.ballots_cast
        self.invalid += sign * box.invalid
        for code, n in box.votes.items():
            self.votes[code] = self.votes.get(code, 0) + sign * n

    def without(self, box: Box) -> _Sums:
        rest = _Sums(self.eligible, self.ballots_cast, self.invalid, dict(self.votes))
        rest.add(box, -1)
        return rest

    @property
    def valid(self) -> int:
        return self.ballots_cast - self.invalid


def _region_sums(boxes: Iterable[Box]) -> dict[str | None, _Sums]:
    sums: dict[str | None, _Sums] = {}
    for box in boxes:
        sums.setdefault(box.region, _Sums()).add(box)
    return sums


def _beyond_chance(x: int, n: int, r: int, total: int, settings: FlagSettings) -> bool:
    """Whether ``x`` of ``n`` is more than ``z`` standard deviations from ``n p`` (``p`` is
    ``r / total``, ``total > 0``) under a beta-binomial with the settings' over-dispersion rho:
    ``(x - n p)^2 > z^2 n p (1 - p) (1 + (n - 1) rho)``, multiplied out in integers (exact: the
    squares are compared, no root is taken)."""
    rho, z = settings.overdispersion, Fraction(settings.z)
    gap = x * total - n * r  # (x - n p) * total
    spread = n * r * (total - r) * (rho.denominator + (n - 1) * rho.numerator)
    if spread == 0:
        return gap != 0
    return gap * gap * rho.denominator * z.denominator**2 > z.numerator**2 * spread


def _turnout_beyond_chance(box: Box, expected: Fraction, settings: FlagSettings) -> bool:
    """Whether the box's runoff ballots are beyond chance of its ``eligible`` members voting at
    the ``expected`` turnout (its round-1 turnout moved as its region's moved), under the same
    beta-binomial as the shares: a box of 40 members moving 20 points is noise, one of 600 is
    not. An expected turnout outside 0..100% is taken at its bound (then any gap is beyond)."""
    p = min(max(expected, Fraction(0)), Fraction(1))
    return _beyond_chance(box.ballots_cast, box.eligible, p.numerator, p.denominator, settings)


def _flag(code: str, check: str, values: dict[str, Any], figures: Mapping[str, str | int]) -> Flag:
    words: Words = (MESSAGES[check], values)
    return Flag(code, check, english(words), figures, words)


def _turnout_checks(box: Box, rest: _Sums, settings: FlagSettings) -> list[Flag]:
    if box.eligible < settings.min_eligible:
        return []
    turnout = Fraction(box.ballots_cast, box.eligible)
    flags = []
    figures: dict[str, str | int] = {
        "eligible": box.eligible,
        "ballots_cast": box.ballots_cast,
        "turnout_percent": _pct(turnout),
    }
    if box.ballots_cast == box.eligible:
        flags.append(
            _flag(
                box.code,
                "cast_equals_eligible",
                {"cast": box.ballots_cast, "eligible": box.eligible},
                figures,
            )
        )
    elif turnout >= _points(settings.full_turnout_percent):
        flags.append(
            _flag(
                box.code,
                "turnout_near_full",
                {
                    "turnout": _pct(turnout),
                    "cast": box.ballots_cast,
                    "eligible": box.eligible,
                    "threshold": str(settings.full_turnout_percent),
                },
                figures,
            )
        )
    region_turnout = _share(rest.ballots_cast, rest.eligible)
    if region_turnout is not None and turnout - region_turnout >= _points(settings.turnout_points):
        flags.append(
            _flag(
                box.code,
                "turnout_above_region",
                {
                    "turnout": _pct(turnout),
                    "points": _pct(turnout - region_turnout),
                    "where": where(box.region),
                    "region_turnout": _pct(region_turnout),
                },
                {**figures, "region_turnout_percent": _pct(region_turnout)},
            )
        )
    return flags


def _sweep_check(box: Box, rest: _Sums, settings: FlagSettings) -> list[Flag]:
    if box.valid < settings.min_valid or rest.valid < settings.region_min_valid:
        return []
    top_code, top = max(box.votes.items(), key=lambda item: item[1], default=("", 0))
    share = Fraction(top, box.valid)
    region_top = max(rest.votes.values(), default=0)
    region_share = Fraction(region_top, rest.valid)
    if share < _points(settings.sweep_percent) or region_share > _points(settings.split_percent):
        return []
    region_of_top = Fraction(rest.votes.get(top_code, 0), rest.valid)
    return [
        _flag(
            box.code,
            "one_candidate_sweep",
            {
                "code": top_code,
                "votes": top,
                "valid": box.valid,
                "share": _pct(share),
                "where": where(box.region),
                "region_share": _pct(region_of_top),
                "leader": _pct(region_share),
            },
            {
                "candidate": top_code,
                "votes": top,
                "valid": box.valid,
                "percent": _pct(share),
                "region_percent": _pct(region_of_top),
            },
        )
    ]


def _shares_check(box: Box, rest: _Sums, settings: FlagSettings) -> list[Flag]:
    if box.valid < settings.min_valid or rest.valid < settings.region_min_valid:
        return []
    worst: tuple[Fraction, str] | None = None
    n, total = box.valid, rest.valid
    limit = _points(settings.share_points)  # quick test in integers first: |x/n - r/total|
    least, scale = limit.numerator * n * total, limit.denominator
    for code in sorted(set(box.votes) | set(rest.votes)):
        x, r = box.votes.get(code, 0), rest.votes.get(code, 0)
        if abs(x * total - r * n) * scale < least:
            continue
        gap = abs(Fraction(x, n) - Fraction(r, total))
        if (worst is None or gap > worst[0]) and _beyond_chance(x, n, r, total, settings):
            worst = (gap, code)
    if worst is None:
        return []
    code = worst[1]
    share = Fraction(box.votes.get(code, 0), box.valid)
    region = Fraction(rest.votes.get(code, 0), rest.valid)
    return [
        _flag(
            box.code,
            "shares_differ",
            {
                "code": code,
                "share": _pct(share),
                "region_share": _pct(region),
                "where": where(box.region),
                "valid": box.valid,
            },
            {"candidate": code, "percent": _pct(share), "region_percent": _pct(region)},
        )
    ]


def _invalid_check(box: Box, rest: _Sums, settings: FlagSettings) -> list[Flag]:
    if box.ballots_cast < settings.min_valid or rest.ballots_cast < settings.region_min_valid:
        return []
    share = Fraction(box.invalid, box.ballots_cast)
    p = Fraction(rest.invalid, rest.ballots_cast)
    if share - p < _points(settings.invalid_points):
        return []
    if not _beyond_chance(box.invalid, box.ballots_cast, rest.invalid, rest.ballots_cast, settings):
        return []
    return [
        _flag(
            box.code,
            "invalid_high",
            {
                "invalid": box.invalid,
                "cast": box.ballots_cast,
                "share": _pct(share),
                "region_share": _pct(p),
                "where": where(box.region),
            },
            {
                "invalid": box.invalid,
                "ballots_cast": box.ballots_cast,
                "percent": _pct(share),
                "region_percent": _pct(p),
            },
        )
    ]


def _moved_checks(
    box: Box, before: Box, rest: _Sums, rest_before: _Sums, settings: FlagSettings
) -> list[Flag]:
    flags = []
    sizes = (box.eligible, before.eligible, rest.eligible, rest_before.eligible)
    if box.eligible >= settings.min_eligible and min(sizes) > 0:
        now_t = Fraction(box.ballots_cast, box.eligible)
        then_t = Fraction(before.ballots_cast, before.eligible)
        region_now = Fraction(rest.ballots_cast, rest.eligible)
        region_then = Fraction(rest_before.ballots_cast, rest_before.eligible)
        moved, region_moved = now_t - then_t, region_now - region_then
        far = abs(moved - region_moved) >= _points(settings.moved_turnout_points)
        if far and _turnout_beyond_chance(box, then_t + region_moved, settings):
            flags.append(
                _flag(
                    box.code,
                    "runoff_turnout_moved",
                    {
                        "before": _pct(then_t),
                        "now": _pct(now_t),
                        "where": where(box.region),
                        "region_before": _pct(region_then),
                        "region_now": _pct(region_now),
                    },
                    {"turnout_before": _pct(then_t), "turnout_now": _pct(now_t)},
                )
            )
    valid_ok = min(box.valid, before.valid) >= settings.min_valid
    region_ok = min(rest.valid, rest_before.valid) >= settings.region_min_valid
    if not (valid_ok and region_ok):
        return flags
    worst: tuple[Fraction, str, Fraction, Fraction] | None = None
    n2, n1, r2, r1 = box.valid, before.valid, rest.valid, rest_before.valid
    limit = _points(settings.moved_share_points)  # quick test in integers first
    least, scale = limit.numerator * n1 * n2 * r1 * r2, limit.denominator
    for code in sorted(set(box.votes) & set(before.votes)):
        x2, x1 = box.votes[code], before.votes[code]
        y2, y1 = rest.votes.get(code, 0), rest_before.votes.get(code, 0)
        if abs((x2 * n1 - x1 * n2) * r1 * r2 - (y2 * r1 - y1 * r2) * n1 * n2) * scale < least:
            continue
        now_s = Fraction(box.votes[code], box.valid)
        then_s = Fraction(before.votes[code], before.valid)
        region_moved = Fraction(rest.votes.get(code, 0), rest.valid) - Fraction(
            rest_before.votes.get(code, 0), rest_before.valid
        )
        gap = abs(now_s - then_s - region_moved)
        if gap >= _points(settings.moved_share_points) and (worst is None or gap > worst[0]):
            worst = (gap, code, then_s, now_s)
    if worst is not None:
        _, code, then_s, now_s = worst
        flags.append(
            _flag(
                box.code,
                "runoff_shares_moved",
                {
                    "code": code,
                    "before": _pct(then_s),
                    "now": _pct(now_s),
                    "points": _pct(worst[0]),
                    "where": where(box.region),
                },
                {"candidate": code, "percent_before": _pct(then_s), "percent_now": _pct(now_s)},
            )
        )
    return flags


def find_flags(
    boxes: Sequence[Box],
    settings: FlagSettings | None = None,
    *,
    before: Sequence[Box] = (),
) -> list[Flag]:
    """Every check that fires on every box, in the boxes' order then :data:`CHECKS` order.

    ``before`` is the round before (for a runoff): the runoff checks compare each box found in
    both rounds with the rest of its region's boxes found in both.
    """
    settings = settings or FlagSettings()
    regions = _region_sums(boxes)
    previous = {box.code: box for box in before}
    both = [box for box in boxes if box.code in previous]
    regions_now = _region_sums(both)
    # Each box under its region of this round (a branch may have moved between rounds).
    regions_then = _region_sums(replace(previous[box.code], region=box.region) for box in both)
    order = {name: i for i, name in enumerate(CHECKS)}
    found: list[Flag] = []
    for box in boxes:
        rest = regions[box.region].without(box)
        flags = [
            *_turnout_checks(box, rest, settings),
            *_sweep_check(box, rest, settings),
            *_shares_check(box, rest, settings),
            *_invalid_check(box, rest, settings),
        ]
        if box.code in previous:
            then = previous[box.code]
            flags += _moved_checks(
                box,
                then,
                regions_now[box.region].without(box),
                regions_then[box.region].without(then),
                settings,
            )
        found += sorted(flags, key=lambda flag: order[flag.check])
    return found
