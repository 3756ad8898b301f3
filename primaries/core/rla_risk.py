"""The estimate and the risk of a batch-comparison audit (CONTRACT section 8, Estimate, Risk).

Pure, exact: the plan comes from :mod:`primaries.core.rla`.

- :func:`estimate`: n = ceil(ln(alpha) / ln(1 - 1/U)), the smallest n with (1 - 1/U)^n <= alpha,
  found with 80-digit logarithms and checked exactly (fractions) when the quotient is near an
  integer, so that no rounding error moves n across an integer boundary.
- :func:`taint`: t = e(p) / u(p) of one audited batch.
- :func:`measure`: the risk after the draws so far, and the status.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Context, Decimal
from fractions import Fraction
from typing import Literal

from .rla import Batch, Plan

__all__ = [
    "STATUSES",
    "Measure",
    "Status",
    "estimate",
    "measure",
    "risk_after_each_draw",
    "taint",
]

Status = Literal["in_progress", "confirmed", "escalate", "full_hand_count"]
STATUSES: tuple[Status, ...] = ("in_progress", "confirmed", "escalate", "full_hand_count")

_CONTEXT = Context(prec=80)


def _decimal(value: Fraction) -> Decimal:
    return _CONTEXT.divide(Decimal(value.numerator), Decimal(value.denominator))


def _at_most(ratio: Fraction, n: int, alpha: Fraction) -> bool:
    """Exactly: ratio^n <= alpha (integer powers, no rounding)."""
    left: int = pow(ratio.numerator, n) * alpha.denominator
    right: int = alpha.numerator * pow(ratio.denominator, n)
    return left <= right


def estimate(total_error_bound: Fraction, alpha: Fraction) -> int:
    """n = ceil(ln(alpha) / ln(1 - 1/U)) for U > 1, 0 < alpha < 1.

    U == 1 (one ballot kind bounds everything: a draw without discrepancy leaves no risk) gives 1.
    """
    if not 0 < alpha < 1:
        raise ValueError("alpha must be between 0 and 1")
    if total_error_bound < 1:
        raise ValueError("U must be at least 1")
    if total_error_bound == 1:
        return 1
    ratio = 1 - 1 / total_error_bound
    quotient = _CONTEXT.divide(_decimal(alpha).ln(_CONTEXT), _decimal(ratio).ln(_CONTEXT))
    guess = math.ceil(quotient)
    if abs(quotient - round(quotient)) > Decimal("1e-30"):
        return guess
    # Near an integer: decide exactly. n is the smallest with ratio^n <= alpha.
    n = max(guess - 1, 0)
    while not _at_most(ratio, n, alpha):
        n += 1
    while n > 0 and _at_most(ratio, n - 1, alpha):
        n -= 1
    return n


def taint(the_plan: Plan, reported: Batch, audited: Batch) -> Fraction:
    """t = e(p) / u(p): e(p) the largest (m(a,p) reported - m(a,p) audited) / M(a), or 0."""
    worst = Fraction(0)
    for assertion in the_plan.assertions:
        difference = assertion.margin(reported) - assertion.margin(audited)
        worst = max(worst, difference / the_plan.margins[assertion.name])
    if worst == 0:
        return Fraction(0)
    bound = the_plan.bound(the_plan.index_of(reported.code))
    if bound == 0:  # an empty box that held ballots: nothing bounds it
        return Fraction(1)
    return worst / bound


@dataclass(frozen=True)
class Measure:
    """Where the audit stands: risk (None until every draw is audited), status, the discrepant
    batches (reported, audited) in branch-code order, and how many drawn branches are audited."""

    risk: Fraction | None
    status: Status
    audited: int
    discrepancies: tuple[tuple[Batch, Batch], ...]


def measure(
    the_plan: Plan,
    draws: Sequence[str],
    audited: Mapping[str, Batch],
    alpha: Fraction,
) -> Measure:
    """The risk after ``draws`` (branch codes, in draw order) given the ``audited`` counts."""
    reported = {b.code: b for b in the_plan.batches}
    drawn = sorted(set(draws))
    counted = [code for code in drawn if code in audited]
    discrepancies = tuple(
        (reported[code], audited[code])
        for code in counted
        if not reported[code].same_count(audited[code])
    )
    if not the_plan.sampling:
        return Measure(None, "full_hand_count", len(counted), discrepancies)
    if len(counted) < len(drawn):
        return Measure(None, "in_progress", len(counted), discrepancies)
    total = the_plan.total_error_bound
    assert total is not None
    step = 1 - 1 / total
    taints = {code: taint(the_plan, reported[code], audited[code]) for code in counted}
    risk = Fraction(1)
    if any(taints[code] >= 1 for code in draws):
        risk = Fraction(1)
    else:
        for code in draws:
            risk *= step / (1 - taints[code])
        risk = min(risk, Fraction(1))
    status: Status = "confirmed" if risk <= alpha else "escalate"
    return Measure(risk, status, len(counted), discrepancies)


def risk_after_each_draw(
    the_plan: Plan, draws: Sequence[str], audited: Mapping[str, Batch]
) -> list[Fraction | None]:
    """P after draws 1..k for each k (capped at 1), None from the first draw not yet audited."""
    if not the_plan.sampling:
        return [None for _ in draws]
    total = the_plan.total_error_bound
    assert total is not None
    step = 1 - 1 / total
    reported = {b.code: b for b in the_plan.batches}
    steps: list[Fraction | None] = []
    risk: Fraction | None = Fraction(1)
    pinned = False  # some taint >= 1: the risk is 1 from then on
    for code in draws:
        if risk is None or code not in audited:
            risk = None
        else:
            t = taint(the_plan, reported[code], audited[code])
            pinned = pinned or t >= 1
            risk = Fraction(1) if pinned else risk * step / (1 - t)
        steps.append(None if risk is None else min(risk, Fraction(1)))
    return steps
