"""The region-level digit tests (primaries.core.digits): the chi-square tail is right, uniform
last digits and Benford second digits pass, invented numbers do not, small samples are skipped."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

from primaries.core.digits import (
    BENFORD_SECOND,
    chi_square_tail_9,
    last_digit_test,
    second_digit_test,
)


@pytest.mark.parametrize(
    ("x", "p"), [(0.0, 1.0), (8.343, 0.5), (16.919, 0.05), (21.666, 0.01), (27.877, 0.001)]
)
def test_the_chi_square_tail_matches_the_tables(x: float, p: float) -> None:
    assert chi_square_tail_9(x) == pytest.approx(p, rel=1e-3)


def test_benford_second_digit_shares_sum_to_one() -> None:
    assert sum(BENFORD_SECOND) == pytest.approx(1.0)
    assert BENFORD_SECOND[0] == pytest.approx(0.1197, abs=1e-4)


def test_honest_counts_pass_and_the_statistic_is_exact() -> None:
    rng = random.Random(3)
    counts = [int(rng.lognormvariate(5, 1)) + 10 for _ in range(2000)]
    last = last_digit_test(counts)
    assert last is not None and last.counts == 2000
    assert isinstance(last.chi_square, Fraction)
    assert last.p_value > 0.001
    second = second_digit_test(counts)
    assert second is not None and second.p_value > 0.001


def test_invented_counts_fail_the_last_digit_test() -> None:
    counts = [100 + 5 * i for i in range(200)]  # every count ends in 0 or 5
    last = last_digit_test(counts)
    assert last is not None and last.p_value < 1e-6
    assert last.digits[0] == 100 and last.digits[5] == 100
    assert last.as_dict()["test"] == "last_digit"


def test_small_counts_and_small_samples_are_skipped() -> None:
    assert last_digit_test([5] * 1000) is None
    assert last_digit_test(list(range(10, 59))) is None  # 49 counts
    assert second_digit_test(list(range(10, 60))) is not None
