"""The red-flag checks (primaries.core.flags): each fires on a constructed stuffed box, none
fires on ordinary boxes, small boxes are not flagged for noise, and the thresholds are honoured."""

from __future__ import annotations

import random
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from primaries.core.flags import CHECKS, Box, Flag, FlagSettings, find_flags


def box(
    code: str,
    eligible: int,
    cast: int,
    votes: dict[str, int],
    invalid: int = 0,
    region: str | None = "North",
) -> Box:
    assert sum(votes.values()) + invalid == cast
    return Box(code, region, eligible, cast, invalid, votes)


def split_region(n: int = 20, seed: int = 7) -> list[Box]:
    """An ordinary, split region: turnout 55-70%, A 40-50%, B 30-40%, the rest C, 1-3% invalid."""
    rng = random.Random(seed)
    boxes = []
    for i in range(n):
        eligible = rng.randint(200, 600)
        cast = eligible * rng.randint(55, 70) // 100
        invalid = cast * rng.randint(1, 3) // 100
        valid = cast - invalid
        a = valid * rng.randint(40, 50) // 100
        b = valid * rng.randint(30, 40) // 100
        boxes.append(
            box(f"N{i:02d}", eligible, cast, {"A": a, "B": b, "C": valid - a - b}, invalid)
        )
    return boxes


def checks(flags: list[Flag], code: str) -> set[str]:
    return {flag.check for flag in flags if flag.branch == code}


def test_ordinary_boxes_raise_no_flag() -> None:
    assert find_flags(split_region()) == []


def test_several_ordinary_regions_raise_no_flag() -> None:
    boxes = [replace(b, region=f"R{seed}") for seed in range(10) for b in split_region(15, seed)]
    assert find_flags(boxes) == []


def test_the_stuffed_box_fires_its_checks() -> None:
    # 150 of 153 eligible voting, 149 for one candidate, in a split region.
    stuffed = box("X1", 153, 150, {"A": 1, "B": 149, "C": 0})
    flags = find_flags([*split_region(), stuffed])
    assert checks(flags, "X1") == {
        "turnout_near_full",
        "turnout_above_region",
        "one_candidate_sweep",
        "shares_differ",
    }
    assert all(flag.branch == "X1" for flag in flags)
    sweep = next(f for f in flags if f.check == "one_candidate_sweep")
    assert sweep.figures["candidate"] == "B"
    assert sweep.figures["percent"] == "99.33"
    assert "B has 149 of 150 valid votes (99.33%)" in sweep.message
    assert "region North is split" in sweep.message


def test_flags_are_listed_in_check_order_with_contract_keys() -> None:
    stuffed = box("X1", 153, 150, {"A": 1, "B": 149, "C": 0})
    flags = find_flags([*split_region(), stuffed])
    names = [f.check for f in flags]
    assert names == sorted(names, key=CHECKS.index)
    assert set(flags[0].as_dict()) >= {"branch", "check", "message"}


def test_cast_equal_to_eligible_fires_alone_not_near_full() -> None:
    full = box("F", 300, 300, {"A": 140, "B": 110, "C": 44}, invalid=6)
    flags = find_flags([*split_region(), full])
    assert "cast_equals_eligible" in checks(flags, "F")
    assert "turnout_near_full" not in checks(flags, "F")
    assert "every member voted" in next(
        f.message for f in flags if f.check == "cast_equals_eligible"
    )


def test_a_tiny_box_all_voting_is_ordinary() -> None:
    tiny = box("T", 5, 5, {"A": 3, "B": 2, "C": 0})
    assert find_flags([*split_region(), tiny]) == []


def test_small_boxes_are_not_flagged_for_noise() -> None:
    # 40 valid votes, A at 65% where the region gives A about 45%: ordinary for 40 votes.
    small = box("S", 70, 41, {"A": 26, "B": 10, "C": 4}, invalid=1)
    assert "shares_differ" not in checks(find_flags([*split_region(), small]), "S")
    # The same shares in a box of 1,000 valid votes are far beyond chance... only with no
    # over-dispersion; with the default the share gap alone (20 points) is not enough either.
    big = box("S", 1700, 1000, {"A": 650, "B": 250, "C": 100})
    no_rho = FlagSettings(overdispersion=Fraction(0))
    assert "shares_differ" in checks(find_flags([*split_region(), big], no_rho), "S")
    assert "shares_differ" not in checks(find_flags([*split_region(), big]), "S")


def test_a_minor_candidate_suddenly_at_60_percent_is_flagged() -> None:
    odd = box("M", 600, 400, {"A": 80, "B": 76, "C": 240}, invalid=4)
    flags = find_flags([*split_region(), odd])
    assert "shares_differ" in checks(flags, "M")
    differ = next(f for f in flags if f.check == "shares_differ")
    assert differ.figures["candidate"] == "C"
    assert "far more than chance allows for 396 valid votes" in differ.message


def test_the_overall_loser_at_97_percent_is_flagged() -> None:
    odd = box("L", 600, 400, {"A": 6, "B": 6, "C": 388})
    assert {"one_candidate_sweep", "shares_differ"} <= checks(
        find_flags([*split_region(), odd]), "L"
    )


def test_a_sweep_where_the_region_sweeps_too_is_not_a_sweep_flag() -> None:
    region = [box(f"K{i}", 400, 250, {"A": 245, "B": 5}) for i in range(5)]
    region.append(box("K9", 400, 250, {"A": 249, "B": 1}))
    assert find_flags(region) == []


def test_turnout_far_above_region() -> None:
    high = box("H", 400, 360, {"A": 160, "B": 130, "C": 66}, invalid=4)  # 90%
    flags = find_flags([*split_region(), high])
    assert checks(flags, "H") == {"turnout_above_region"}
    assert "turnout 90.00% is" in flags[0].message


def test_invalid_ballots_unusual() -> None:
    spoiled = box("I", 500, 320, {"A": 110, "B": 80, "C": 30}, invalid=100)
    flags = find_flags([*split_region(), spoiled])
    assert checks(flags, "I") == {"invalid_high"}
    assert flags[0].figures["invalid"] == 100


def test_thresholds_are_honoured() -> None:
    high = box("H", 400, 360, {"A": 160, "B": 130, "C": 66}, invalid=4)
    strict = FlagSettings(turnout_points=Decimal(40))
    assert find_flags([*split_region(), high], strict) == []
    spoiled = box("I", 500, 320, {"A": 110, "B": 80, "C": 30}, invalid=100)
    assert find_flags([*split_region(), spoiled], FlagSettings(invalid_points=Decimal(50))) == []
    full = box("F", 300, 300, {"A": 140, "B": 110, "C": 50})
    assert checks(find_flags([*split_region(), full], FlagSettings(min_eligible=301)), "F") == set()
    near = box("N", 300, 280, {"A": 130, "B": 100, "C": 50})
    assert "turnout_near_full" not in checks(
        find_flags([*split_region(), near], FlagSettings(full_turnout_percent=Decimal(99))), "N"
    )
    stuffed = box("X1", 153, 150, {"A": 1, "B": 149, "C": 0})
    loose = FlagSettings(sweep_percent=Decimal(100))
    assert "one_candidate_sweep" not in checks(find_flags([*split_region(), stuffed], loose), "X1")


def test_leave_one_out_a_big_box_cannot_hide_in_a_small_region() -> None:
    region = split_region(3)
    huge = box("BIG", 5000, 4000, {"A": 200, "B": 3700, "C": 100})
    assert "shares_differ" in checks(find_flags([*region, huge]), "BIG")


def test_regions_are_compared_separately_and_none_is_a_region() -> None:
    south = [
        replace(
            b,
            code=f"S{b.code}",
            region=None,
            votes={"A": b.votes["B"], "B": b.votes["A"], "C": b.votes["C"]},
        )
        for b in split_region(10, 3)
    ]
    assert find_flags([*split_region(), *south]) == []
    odd = box("Z", 600, 400, {"A": 80, "B": 76, "C": 244}, region=None)
    flags = find_flags([*split_region(), *south, odd])
    assert checks(flags, "Z") == {"shares_differ"}
    assert "the boxes without a region" in flags[0].message


def runoff(boxes: list[Box], seed: int = 11) -> list[Box]:
    """The same boxes in a runoff of A and B: turnout a little lower, C's voters split."""
    rng = random.Random(seed)
    out = []
    for b in boxes:
        cast = b.ballots_cast * rng.randint(85, 95) // 100
        valid = cast - b.invalid // 2
        a = valid * rng.randint(50, 58) // 100
        out.append(
            box(b.code, b.eligible, cast, {"A": a, "B": valid - a}, b.invalid // 2, b.region)
        )
    return out


def test_an_ordinary_runoff_raises_no_flag() -> None:
    first = split_region()
    assert find_flags(runoff(first), before=first) == []


def test_a_box_whose_runoff_turnout_jumped() -> None:
    first = split_region()
    second = runoff(first)
    b = first[0]
    cast = b.eligible * 93 // 100
    second[0] = box(b.code, b.eligible, cast, {"A": cast * 55 // 100, "B": cast - cast * 55 // 100})
    flags = find_flags(second, before=first)
    assert "runoff_turnout_moved" in checks(flags, b.code)
    assert "since the round before" in next(
        f.message for f in flags if f.check == "runoff_turnout_moved"
    )


def test_a_runoff_turnout_move_must_be_beyond_chance_for_the_box_size() -> None:
    """The same 30-point jump against a region that did not move: noise in a box of 40
    members (12 more ballots), beyond chance in one of 600 (180 more)."""

    def region(size: int) -> tuple[list[Box], list[Box]]:
        first = [box(f"B{i}", 1000, 500, {"A": 250, "B": 240}, 10, "R") for i in range(1, 11)] + [
            box("S", size, size // 2, {"A": size // 4, "B": size // 2 - size // 4}, 0, "R")
        ]
        jumped = box("S", size, size * 8 // 10, {"A": size * 4 // 10, "B": size * 4 // 10}, 0, "R")
        return first, [*first[:-1], jumped]

    first, second = region(40)
    assert "runoff_turnout_moved" not in checks(find_flags(second, before=first), "S")
    first, second = region(600)
    assert "runoff_turnout_moved" in checks(find_flags(second, before=first), "S")
    # A big box must still move by the points: within moved_turnout_points, no flag.
    lenient = FlagSettings(moved_turnout_points=Decimal(31))
    assert "runoff_turnout_moved" not in checks(find_flags(second, lenient, before=first), "S")


def test_a_box_whose_runoff_shares_flipped() -> None:
    first = split_region()
    second = runoff(first)
    b = second[4]
    second[4] = box(
        b.code,
        b.eligible,
        b.ballots_cast,
        {"A": b.valid // 10, "B": b.valid - b.valid // 10},
        b.invalid,
    )
    flags = find_flags(second, before=first)
    moved = [f for f in flags if f.check == "runoff_shares_moved"]
    assert [f.branch for f in moved] == [b.code]
    assert moved[0].figures["candidate"] in {"A", "B"}


def test_runoff_checks_need_the_round_before() -> None:
    first = split_region()
    second = runoff(first)
    b = first[0]
    cast = b.eligible * 93 // 100
    second[0] = box(b.code, b.eligible, cast, {"A": cast * 55 // 100, "B": cast - cast * 55 // 100})
    assert "runoff_turnout_moved" not in checks(find_flags(second), b.code)


def test_empty_round_and_empty_boxes() -> None:
    assert find_flags([]) == []
    empty = box("E", 0, 0, {"A": 0, "B": 0})
    assert find_flags([*split_region(), empty]) == []


@pytest.mark.parametrize("seed", range(20))
def test_labor_2011_like_variation_raises_at_most_a_few_flags(seed: int) -> None:
    """Labor 2011-like: about 100 branches in 5 regions, four candidates, shares varying by
    neighbourhood (region means differ, boxes vary around them with over-dispersion)."""
    rng = random.Random(seed)
    boxes = []
    for r in range(5):
        mean = [rng.uniform(0.2, 0.4) for _ in range(4)]
        for i in range(20):
            eligible = rng.randint(50, 1500)
            cast = int(eligible * rng.uniform(0.5, 0.75))
            invalid = int(cast * rng.uniform(0.0, 0.03))
            valid = cast - invalid
            weights = [max(0.01, m + rng.gauss(0, 0.04)) for m in mean]
            total = sum(weights)
            a, b, c = (int(valid * w / total) for w in weights[:3])
            boxes.append(
                box(
                    f"R{r}B{i}",
                    eligible,
                    cast,
                    {"A": a, "B": b, "C": c, "D": valid - a - b - c},
                    invalid,
                    f"R{r}",
                )
            )
    flagged = {f.branch for f in find_flags(boxes)}
    assert len(flagged) <= len(boxes) * 5 // 100


def test_minimum_sizes_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        FlagSettings(min_valid=0)


@st.composite
def boxes(draw: st.DrawFn) -> Box:
    eligible = draw(st.integers(0, 2000))
    cast = draw(st.integers(0, eligible))
    invalid = draw(st.integers(0, cast))
    a = draw(st.integers(0, cast - invalid))
    region = draw(st.sampled_from(["N", "S", None]))
    return Box(
        draw(st.text("AB", min_size=1, max_size=3)),
        region,
        eligible,
        cast,
        invalid,
        {"A": a, "B": cast - invalid - a},
    )


@settings(max_examples=200, deadline=None)
@given(
    st.lists(boxes(), max_size=12, unique_by=lambda b: b.code),
    st.lists(boxes(), max_size=12, unique_by=lambda b: b.code),
    st.integers(1, 50),
)
def test_any_valid_round_gives_well_formed_flags(
    now: list[Box], before: list[Box], least: int
) -> None:
    limits = FlagSettings(min_eligible=least, min_valid=least, region_min_valid=least)
    codes = {b.code for b in now}
    for flag in find_flags(now, limits, before=before):
        assert flag.branch in codes and flag.check in CHECKS and flag.message
