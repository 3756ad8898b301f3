"""The election fingerprint (primaries.core.fingerprint), on boxes worked by hand."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from primaries.core.fingerprint import Fingerprint, fingerprint
from primaries.core.flags import Box


def box(code: str, eligible: int, cast: int, invalid: int, a: int, b: int) -> Box:
    return Box(code, "North", eligible, cast, invalid, {"A": a, "B": b})


def test_a_box_lands_in_the_square_of_its_turnout_and_its_leaders_share() -> None:
    # turnout 50/100 = 50% -> band 10 (50-55); A's share 30/50 = 60% -> band 12 (60-65)
    found = fingerprint([box("B1", 100, 50, 0, 30, 20)], "A")
    assert found.step == 5 and found.bands == 20
    assert len(found.cells) == 20 and all(len(row) == 20 for row in found.cells)
    assert found.cells[10][12] == 1
    assert found.filled() == [(10, 12, 1)]
    assert found.placed == 1 and found.left_out == 0
    assert found.leader == "A"


def test_the_share_is_of_valid_votes_and_the_turnout_of_ballots_cast() -> None:
    # 80 of 100 cast (band 16), 20 invalid: A has 45 of 60 valid = 75% (band 15), not 45/80
    found = fingerprint([box("B1", 100, 80, 20, 45, 15)], "A")
    assert found.filled() == [(16, 15, 1)]
    assert found.median_turnout == Fraction(4, 5)
    assert found.median_share == Fraction(3, 4)


def test_band_edges_belong_to_the_band_above_and_100_percent_to_the_last() -> None:
    boxes = [
        box("B1", 100, 5, 0, 0, 5),  # turnout exactly 5%: band 1; A 0%: band 0
        box("B2", 2000, 99, 0, 99, 0),  # turnout 4.95%: band 0; A 100%: band 19
        box("B3", 40, 40, 0, 2, 38),  # turnout 100%: band 19; A exactly 5%: band 1
        box("B4", 1000, 1000, 0, 49, 951),  # A 4.9%: band 0
    ]
    found = fingerprint(boxes, "A")
    assert found.filled() == [(0, 19, 1), (1, 0, 1), (19, 0, 1), (19, 1, 1)]


def test_the_leader_missing_from_a_box_has_a_share_of_nothing() -> None:
    found = fingerprint([Box("B1", None, 100, 50, 0, {"B": 50})], "A")
    assert found.filled() == [(10, 0, 1)]


def test_boxes_without_members_or_valid_votes_are_left_out_and_counted() -> None:
    boxes = [
        box("B1", 0, 0, 0, 0, 0),  # no eligible member
        box("B2", 100, 10, 10, 0, 0),  # every ballot invalid: no share
        box("B3", 100, 60, 0, 30, 30),
    ]
    found = fingerprint(boxes, "A")
    assert found.placed == 1 and found.left_out == 2
    assert sum(count for row in found.cells for count in row) == 1


def test_the_corner_counts_boxes_at_or_above_both_thresholds() -> None:
    boxes = [
        box("B1", 100, 95, 0, 95, 0),  # exactly 95% and 100%: in
        box("B2", 2000, 1900, 0, 1805, 95),  # 95% and exactly 95%: in
        box("B3", 2000, 1899, 0, 1899, 0),  # turnout 94.95%: out
        box("B4", 2000, 2000, 0, 1899, 101),  # share 94.95%: out
        box("B5", 100, 100, 0, 100, 0),  # 100% and 100%: in
    ]
    found = fingerprint(boxes, "A")
    assert found.corner == 3
    assert (found.corner_turnout, found.corner_share) == (Decimal(95), Decimal(95))
    moved = fingerprint(boxes, "A", corner_turnout=Decimal("94.95"), corner_share=Decimal(90))
    assert moved.corner == 5
    assert fingerprint(boxes, "B").corner == 0


def test_medians_of_an_odd_and_an_even_number_of_boxes() -> None:
    odd = [box("B1", 100, 10, 0, 1, 9), box("B2", 100, 30, 0, 3, 27), box("B3", 100, 90, 0, 9, 81)]
    found = fingerprint(odd, "A")
    assert found.median_turnout == Fraction(3, 10)
    assert found.median_share == Fraction(1, 10)
    even = [*odd, box("B4", 100, 40, 0, 40, 0)]
    found = fingerprint(even, "A")
    assert found.median_turnout == Fraction(7, 20)  # (30% + 40%) / 2
    assert found.median_share == Fraction(1, 10)  # (10% + 10%) / 2
    three_quarters = [box("B1", 100, 10, 0, 5, 5), box("B2", 100, 30, 0, 30, 0)]
    assert fingerprint(three_quarters, "A").median_share == Fraction(3, 4)


def test_an_empty_round_has_an_empty_plot() -> None:
    found = fingerprint([], "A")
    assert found.placed == 0 and found.left_out == 0 and found.corner == 0
    assert found.median_turnout is None and found.median_share is None
    assert found.most == 0 and found.densest() is None and found.filled() == []


def test_the_densest_square_and_the_lowest_on_a_tie() -> None:
    boxes = [
        box("B1", 100, 50, 0, 30, 20),  # (10, 12)
        box("B2", 100, 51, 0, 31, 20),  # (10, 12)
        box("B3", 100, 90, 0, 90, 0),  # (18, 19)
        box("B4", 100, 90, 0, 90, 0),  # (18, 19)
        box("B5", 100, 20, 0, 10, 10),  # (4, 10)
    ]
    found = fingerprint(boxes, "A")
    assert found.most == 2
    assert found.densest() == (10, 12, 2)
    assert found.filled() == [(4, 10, 1), (10, 12, 2), (18, 19, 2)]
    more = fingerprint([*boxes, box("B6", 100, 91, 0, 91, 0)], "A")
    assert more.densest() == (18, 19, 3)


def test_other_steps() -> None:
    found = fingerprint([box("B1", 100, 50, 0, 30, 20)], "A", step=10)
    assert found.bands == 10 and len(found.cells) == 10 and found.filled() == [(5, 6, 1)]
    assert fingerprint([box("B1", 100, 100, 0, 100, 0)], "A", step=1).filled() == [(99, 99, 1)]
    assert fingerprint([box("B1", 100, 100, 0, 100, 0)], "A", step=100).filled() == [(0, 0, 1)]


@pytest.mark.parametrize("step", [0, -5, 3, 7, 101])
def test_a_step_that_does_not_divide_100_is_refused(step: int) -> None:
    with pytest.raises(ValueError, match=f"step must divide 100, not {step}"):
        fingerprint([], "A", step=step)


def test_the_fingerprint_is_a_value() -> None:
    found = fingerprint([box("B1", 100, 50, 0, 30, 20)], "A")
    assert found == fingerprint([box("B1", 100, 50, 0, 30, 20)], "A")
    assert isinstance(found, Fingerprint)
    with pytest.raises(AttributeError):
        found.placed = 2  # type: ignore[misc]
