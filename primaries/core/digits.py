"""Region-level digit tests of vote counts: indicators with their p-values, not accusations.

- :func:`last_digit_test`: are the last digits of a region's vote counts (counts of 10 or more)
  uniform, as they are for honest counts (Beber and Scacco)? Invented numbers often are not.
- :func:`second_digit_test`: do the second digits follow Benford's second-digit law (Mebane's
  2BL test)? Honest counts often deviate from it for innocent reasons (few boxes, similar box
  sizes), so it is shown as an indicator only.

The chi-square statistic of the last-digit test is an exact :class:`Fraction`; the second-digit
law's expected shares are logarithms, and both p-values are floats: statistics, never a count.
The p-value is the chi-square distribution's tail with 9 degrees of freedom, in closed form.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

__all__ = ["DigitTest", "chi_square_tail_9", "last_digit_test", "second_digit_test"]

MIN_COUNT = 10
"""Counts below this have no second digit and a last digit that is their whole value: skipped."""

BENFORD_SECOND = tuple(
    sum(math.log10(1 + 1 / (10 * k + d)) for k in range(1, 10)) for d in range(10)
)
"""Benford's law for the second digit: the expected share of each digit 0-9."""


@dataclass(frozen=True)
class DigitTest:
    """One digit test of one region: the digits seen, the statistic and its p-value."""

    test: str
    counts: int
    digits: tuple[int, ...]
    chi_square: Fraction | float
    p_value: float

    def as_dict(self) -> dict[str, object]:
        return {
            "test": self.test,
            "counts": self.counts,
            "digits": list(self.digits),
            "chi_square": f"{float(self.chi_square):.2f}",
            "p_value": f"{self.p_value:.4f}",
        }


def chi_square_tail_9(x: float) -> float:
    """P(X >= x) for X chi-square with 9 degrees of freedom (odd: erfc and four terms)."""
    if x <= 0:
        return 1.0
    terms = 1 + x / 3 + x**2 / 15 + x**3 / 105
    tail = math.erfc(math.sqrt(x / 2)) + math.sqrt(2 * x / math.pi) * math.exp(-x / 2) * terms
    return min(1.0, max(0.0, tail))


def _digits(values: Iterable[int], position: int) -> tuple[int, ...]:
    seen = [0] * 10
    for value in values:
        if value >= MIN_COUNT:
            text = str(value)
            seen[int(text[position])] += 1
    return tuple(seen)


def last_digit_test(values: Iterable[int]) -> DigitTest | None:
    """The last-digit uniformity test over the counts of 10 or more; None with fewer than 50."""
    digits = _digits(values, -1)
    n = sum(digits)
    if n < 50:
        return None
    chi = Fraction(10 * sum(o * o for o in digits), n) - n  # sum (o - n/10)^2 / (n/10), exact
    return DigitTest("last_digit", n, digits, chi, chi_square_tail_9(float(chi)))


def second_digit_test(values: Iterable[int]) -> DigitTest | None:
    """Benford's second-digit test over the counts of 10 or more; None with fewer than 50."""
    digits = _digits(values, 1)
    n = sum(digits)
    if n < 50:
        return None
    chi = sum((o - n * p) ** 2 / (n * p) for o, p in zip(digits, BENFORD_SECOND, strict=True))
    return DigitTest("second_digit", n, digits, chi, chi_square_tail_9(chi))
