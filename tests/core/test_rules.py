"""Example tests of the rules engine (CONTRACT sections 2 and 3): every rule and its edges."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import FrozenInstanceError
from decimal import ROUND_HALF_UP, Decimal

import pytest

from primaries.core.rules import (
    Decision,
    LotOrder,
    Outcome,
    Placed,
    Rules,
    competition_ranks,
    decide,
    lot_orders,
    order_candidates,
    percent,
    reaches_threshold,
)


def run(
    votes: Mapping[str, int],
    *,
    round_number: int = 1,
    rules: Rules | None = None,
    invalid: int = 0,
    lots: Sequence[Sequence[str]] = (),
) -> Decision:
    valid = sum(votes.values())
    return decide(
        round_number=round_number,
        rules=rules or Rules(),
        votes=votes,
        valid=valid,
        cast=valid + invalid,
        lots=lots,
    )


def outcome(votes: Mapping[str, int], **kwargs: object) -> Outcome:
    return run(votes, **kwargs).outcome  # type: ignore[arg-type]


def order(votes: Mapping[str, int], **kwargs: object) -> list[str]:
    return [p.code for p in run(votes, **kwargs).candidates]  # type: ignore[arg-type]


def winner(code: str) -> Outcome:
    return Outcome(status="winner", winner=code)


def runoff(*codes: str) -> Outcome:
    return Outcome(status="runoff", qualifiers=codes)


def lot_required(tied: Sequence[str], places: int) -> Outcome:
    return Outcome(status="lot_required", tied=tuple(tied), places=places)


NO_VOTES = Outcome(status="no_votes")


# --- percent -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (2, 3, "66.67"),
        (1, 800, "0.13"),
        (1, 1, "100.00"),
        (0, 5, "0.00"),
        (1, 3, "33.33"),
        (1, 6, "16.67"),
        (5, 6, "83.33"),
        (1, 8, "12.50"),
        (1, 200, "0.50"),
        (1, 20000, "0.01"),  # exactly 0.005: half-up
        (1, 40000, "0.00"),  # 0.0025
        (3, 20000, "0.02"),  # exactly 0.015
        (1, 4000, "0.03"),  # exactly 0.025: half-up, where half-even would give 0.02
        (1, 1600, "0.06"),  # 0.0625
        (3, 2, "150.00"),
        (14203, 43911, "32.34"),
        (10141, 30948, "32.77"),
        (40102, 61234, "65.49"),
        (10**30, 3 * 10**30, "33.33"),
        (2 * 10**40 + 1, 3 * 10**40, "66.67"),
    ],
)
def test_percent(numerator: int, denominator: int, expected: str) -> None:
    assert percent(numerator, denominator) == expected
    exact = (Decimal(numerator) * 100 / Decimal(denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    if numerator < 10**20:
        assert expected == str(exact)


@pytest.mark.parametrize("numerator", [0, 1, 10])
def test_percent_of_zero_is_none(numerator: int) -> None:
    assert percent(numerator, 0) is None


@pytest.mark.parametrize(("numerator", "denominator"), [(-1, 3), (1, -3), (-1, -3)])
def test_percent_refuses_negative_numbers(numerator: int, denominator: int) -> None:
    with pytest.raises(ValueError, match="must be >= 0"):
        percent(numerator, denominator)


@pytest.mark.parametrize(("numerator", "denominator"), [(1.0, 3), (1, 3.0), (True, 3), ("1", 3)])
def test_percent_refuses_non_integers(numerator: object, denominator: object) -> None:
    with pytest.raises(TypeError):
        percent(numerator, denominator)  # type: ignore[arg-type]


# --- Rules -------------------------------------------------------------------------------------


def test_rules_defaults_follow_the_contract() -> None:
    rules = Rules()
    assert rules.threshold_percent == Decimal("40")
    assert isinstance(rules.threshold_percent, Decimal)
    assert rules.threshold_inclusive is True
    assert rules.threshold_basis == "valid"
    assert rules.runoff_size == 2


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("40", Decimal("40")),
        ("33.33", Decimal("33.33")),
        ("0", Decimal("0")),
        ("100", Decimal("100")),
        ("100.00", Decimal("100")),
        ("50.5", Decimal("50.5")),
        (50, Decimal("50")),
        (Decimal("33.33"), Decimal("33.33")),
        (Decimal("40.000"), Decimal("40")),
        (Decimal("1E+1"), Decimal("10")),
    ],
)
def test_rules_threshold_is_coerced_to_decimal(given: object, expected: Decimal) -> None:
    rules = Rules(threshold_percent=given)  # type: ignore[arg-type]
    assert isinstance(rules.threshold_percent, Decimal)
    assert rules.threshold_percent == expected


@pytest.mark.parametrize(
    "given",
    [
        "33.333",
        "100.01",
        "101",
        "-1",
        " 40",
        "4e1",
        "",
        "40.",
        "NaN",
        Decimal("33.333"),
        Decimal("100.01"),
        Decimal("-0.01"),
        Decimal("NaN"),
        Decimal("Infinity"),
        101,
        -1,
    ],
)
def test_rules_refuse_bad_thresholds(given: object) -> None:
    with pytest.raises(ValueError, match="threshold_percent"):
        Rules(threshold_percent=given)  # type: ignore[arg-type]


@pytest.mark.parametrize("given", [40.0, True, None, [40]])
def test_rules_refuse_threshold_types(given: object) -> None:
    with pytest.raises(TypeError, match="threshold_percent"):
        Rules(threshold_percent=given)  # type: ignore[arg-type]


@pytest.mark.parametrize("size", [1, 0, -2])
def test_rules_refuse_runoff_size_below_two(size: int) -> None:
    with pytest.raises(ValueError, match="runoff_size"):
        Rules(runoff_size=size)


@pytest.mark.parametrize("size", [2.0, True, "2"])
def test_rules_refuse_runoff_size_types(size: object) -> None:
    with pytest.raises(TypeError, match="runoff_size"):
        Rules(runoff_size=size)  # type: ignore[arg-type]


def test_rules_refuse_unknown_basis_and_non_bool_inclusive() -> None:
    with pytest.raises(ValueError, match="threshold_basis"):
        Rules(threshold_basis="ballots")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="threshold_inclusive"):
        Rules(threshold_inclusive="yes")  # type: ignore[arg-type]


def test_rules_are_frozen() -> None:
    with pytest.raises(FrozenInstanceError):
        Rules().runoff_size = 3  # type: ignore[misc]


# --- threshold ---------------------------------------------------------------------------------


def reaches(votes: int, valid: int, cast: int | None = None, **rules: object) -> bool:
    return reaches_threshold(
        votes,
        rules=Rules(**rules),  # type: ignore[arg-type]
        valid=valid,
        cast=valid if cast is None else cast,
    )


@pytest.mark.parametrize(
    ("votes", "valid", "rules", "expected"),
    [
        # exactly at the threshold: inclusive wins, exclusive does not
        (40, 100, {}, True),
        (40, 100, {"threshold_inclusive": False}, False),
        (2, 5, {}, True),
        (2, 5, {"threshold_inclusive": False}, False),
        # just below and just above
        (39, 100, {}, False),
        (399, 1000, {}, False),
        (3999999, 10000000, {}, False),
        (4000001, 10000000, {"threshold_inclusive": False}, True),
        (41, 100, {"threshold_inclusive": False}, True),
        # fractional thresholds
        (3333, 10000, {"threshold_percent": "33.33"}, True),
        (3333, 10000, {"threshold_percent": "33.33", "threshold_inclusive": False}, False),
        (3332, 10000, {"threshold_percent": "33.33"}, False),
        (1, 3, {"threshold_percent": "33.33", "threshold_inclusive": False}, True),
        (1, 3, {"threshold_percent": "33.34"}, False),
        (101, 200, {"threshold_percent": "50.5"}, True),
        (100, 200, {"threshold_percent": "50.5"}, False),
        # majority: "50" exclusive
        (50, 100, {"threshold_percent": "50", "threshold_inclusive": False}, False),
        (51, 100, {"threshold_percent": "50", "threshold_inclusive": False}, True),
        (1, 2, {"threshold_percent": "50", "threshold_inclusive": False}, False),
        (3, 5, {"threshold_percent": "50", "threshold_inclusive": False}, True),
        (50, 100, {"threshold_percent": "50"}, True),
        # threshold 0 and 100
        (0, 100, {"threshold_percent": "0"}, True),
        (0, 100, {"threshold_percent": "0", "threshold_inclusive": False}, False),
        (1, 100, {"threshold_percent": "0", "threshold_inclusive": False}, True),
        (100, 100, {"threshold_percent": "100"}, True),
        (99, 100, {"threshold_percent": "100"}, False),
        (100, 100, {"threshold_percent": "100", "threshold_inclusive": False}, False),
        # the Labor 2011 leader: 32.34 % is under 40 %
        (14203, 43911, {}, False),
    ],
)
def test_reaches_threshold(
    votes: int, valid: int, rules: dict[str, object], expected: bool
) -> None:
    assert reaches(votes, valid, **rules) is expected


def test_threshold_basis_cast_counts_invalid_ballots() -> None:
    assert reaches(39, valid=90, cast=100) is True  # 43.3 % of valid
    assert reaches(39, valid=90, cast=100, threshold_basis="cast") is False  # 39 % of cast
    assert reaches(40, valid=95, cast=100, threshold_basis="cast") is True  # exactly 40 % of cast
    assert (
        reaches(40, valid=95, cast=100, threshold_basis="cast", threshold_inclusive=False) is False
    )


def test_threshold_of_nothing_is_not_reached() -> None:
    assert reaches(0, valid=0) is False
    assert reaches(0, valid=0, threshold_percent="0") is False
    assert reaches(0, valid=0, cast=5, threshold_basis="cast", threshold_percent="0") is True


def test_threshold_refuses_impossible_numbers() -> None:
    with pytest.raises(ValueError, match="exceed"):
        reaches(11, valid=10)
    with pytest.raises(ValueError, match="exceed"):
        reaches(10, valid=10, cast=5, threshold_basis="cast")
    with pytest.raises(ValueError, match=">= 0"):
        reaches(-1, valid=10)


# --- order and ranks ---------------------------------------------------------------------------


def test_competition_ranks() -> None:
    assert competition_ranks({"A": 10, "B": 7, "C": 7, "D": 3}) == {
        "A": 1,
        "B": 2,
        "C": 2,
        "D": 4,
    }
    assert competition_ranks({"A": 0, "B": 0}) == {"A": 1, "B": 1}
    assert competition_ranks({"A": 1, "B": 1, "C": 1, "D": 9}) == {
        "A": 2,
        "B": 2,
        "C": 2,
        "D": 1,
    }


def test_order_by_votes_then_code() -> None:
    placed = order_candidates({"D": 3, "C": 7, "B": 7, "A": 10})
    assert placed == (
        Placed("A", 10, 1),
        Placed("B", 7, 2),
        Placed("C", 7, 2),
        Placed("D", 3, 4),
    )


def test_order_by_code_is_string_order() -> None:
    assert [p.code for p in order_candidates({"B9": 1, "B10": 1, "B_1": 1, "B-1": 1})] == [
        "B-1",
        "B10",
        "B9",
        "B_1",
    ]


def test_decision_lists_every_candidate_in_order_with_ranks() -> None:
    decision = run({"MIT": 5244, "HER": 10848, "PER": 13616, "YAC": 14203})
    assert decision.candidates == (
        Placed("YAC", 14203, 1),
        Placed("PER", 13616, 2),
        Placed("HER", 10848, 3),
        Placed("MIT", 5244, 4),
    )


def test_lots_order_equal_votes_even_when_no_lot_is_required() -> None:
    votes = {"A": 50, "B": 30, "C": 10, "D": 10}
    decision = run(votes, lots=[["D", "C"]])
    assert [p.code for p in decision.candidates] == ["A", "B", "D", "C"]
    assert [p.rank for p in decision.candidates] == [1, 2, 3, 3]
    assert decision.outcome == winner("A")


def test_lots_never_change_ranks() -> None:
    votes = {"A": 5, "B": 5, "C": 5}
    assert [p.rank for p in run(votes, lots=[["C", "B", "A"]]).candidates] == [1, 1, 1]
    assert order(votes, lots=[["C", "B", "A"]]) == ["C", "B", "A"]


# --- lots --------------------------------------------------------------------------------------


def test_lot_orders_without_lots_is_code_order() -> None:
    assert lot_orders(["C", "A", "B"]).order == ("A", "B", "C")
    assert lot_orders(["C", "A", "B"]).decides_first(1) is False


def test_lot_orders_a_full_lot() -> None:
    group = lot_orders(["A", "B", "C"], [["C", "A", "B"]])
    assert group.order == ("C", "A", "B")
    assert group.precedes == {
        "C": frozenset({"A", "B"}),
        "A": frozenset({"B"}),
        "B": frozenset(),
    }
    assert all(group.decides_first(k) for k in range(4))


def test_lot_orders_ignores_codes_outside_the_group() -> None:
    group = lot_orders(["A", "B"], [["X", "B", "Y", "A"]])
    assert group.order == ("B", "A")
    assert set(group.precedes) == {"A", "B"}


def test_lot_naming_some_of_the_group_leaves_the_rest_to_code_order() -> None:
    # Only C before A is known; B is free and comes first by code.
    group = lot_orders(["A", "B", "C"], [["C", "A"]])
    assert group.order == ("B", "C", "A")
    assert group.decides_first(1) is False
    assert group.decides_first(2) is False
    assert group.decides_first(3) is True


def test_most_recent_lot_overrides_an_older_one_for_the_same_pair() -> None:
    assert lot_orders(["B", "C"], [["B", "C"], ["C", "B"]]).order == ("C", "B")
    assert lot_orders(["B", "C"], [["C", "B"], ["B", "C"]]).order == ("B", "C")
    assert lot_orders(["B", "C"], [["B", "C"], ["C", "B"], ["B", "C"]]).order == ("B", "C")


def test_newer_lot_overrides_what_older_lots_imply_transitively() -> None:
    # Old: A > B, B > C (so A > C); newest: C > A. The newest holds for C-A; then A > B is
    # taken, and B > C would contradict C > A > B, so it is dropped.
    group = lot_orders(["A", "B", "C"], [["B", "C"], ["A", "B"], ["C", "A"]])
    assert group.order == ("C", "A", "B")
    assert group.decides_first(1)


def test_cyclic_old_lots_do_not_break_anything() -> None:
    # A > B, then B > C, then C > A (newest). Newest first: C > A, B > C; A > B closes a cycle.
    group = lot_orders(["A", "B", "C"], [["A", "B"], ["B", "C"], ["C", "A"]])
    assert group.order == ("B", "C", "A")
    assert group.precedes == {
        "B": frozenset({"A", "C"}),
        "C": frozenset({"A"}),
        "A": frozenset(),
    }
    # A newer full lot settles it completely.
    settled = lot_orders(["A", "B", "C"], [["A", "B"], ["B", "C"], ["C", "A"], ["A", "C", "B"]])
    assert settled.order == ("A", "C", "B")


def test_pairs_within_one_lot_are_taken_in_the_lot_order() -> None:
    # Newest: C > A. Older [A, B, C]: A > B is taken first, then A > C and B > C contradict.
    group = lot_orders(["A", "B", "C"], [["A", "B", "C"], ["C", "A"]])
    assert group.order == ("C", "A", "B")


def test_lot_orders_is_independent_of_the_group_order() -> None:
    lots = [["D", "B"], ["A", "C"], ["C", "D"]]
    orders = {lot_orders(group, lots).order for group in ("ABCD", "DCBA", "BDAC", "CADB")}
    assert len(orders) == 1


def test_decides_first_refuses_k_out_of_range() -> None:
    group = lot_orders(["A", "B"])
    assert group.decides_first(0) is True
    assert group.decides_first(2) is True
    with pytest.raises(ValueError, match="k must be"):
        group.decides_first(3)
    with pytest.raises(ValueError, match="k must be"):
        group.decides_first(-1)


def test_lot_order_is_a_value() -> None:
    assert isinstance(lot_orders(["A"]), LotOrder)
    assert lot_orders(["A"]).order == ("A",)
    assert lot_orders([]).order == ()


def test_lot_applies_only_while_votes_are_equal() -> None:
    lots = [["B", "A"]]
    assert order({"A": 31, "B": 30, "C": 39}, lots=lots) == ["C", "A", "B"]
    assert order({"A": 30, "B": 30, "C": 40}, lots=lots) == ["C", "B", "A"]


def test_lot_across_vote_groups_applies_within_each_group() -> None:
    votes = {"A": 30, "B": 30, "C": 20, "D": 20}
    assert order(votes, lots=[["D", "B", "C", "A"]]) == ["B", "A", "D", "C"]


# --- round 1: the real cases -------------------------------------------------------------------

LABOR_2011 = {"YAC": 14203, "PER": 13616, "HER": 10848, "MIT": 5244}
LABOR_2017 = {
    "PER": 10141,
    "GAB": 8395,
    "HER": 5204,
    "MAR": 4997,
    "BAR": 2147,
    "BZK": 56,
    "KAR": 8,
}


def test_labor_2011_round_one_goes_to_a_runoff() -> None:
    decision = run(LABOR_2011, invalid=169)
    assert decision.outcome == runoff("YAC", "PER")
    assert decision.outcome.as_dict() == {
        "status": "runoff",
        "winner": None,
        "qualifiers": ["YAC", "PER"],
        "tied": [],
        "places": 0,
    }
    assert sum(LABOR_2011.values()) == 43911
    assert percent(LABOR_2011["YAC"], 43911) == "32.34"
    assert decision.extra == {"reaching_threshold": ()}


def test_labor_2011_runoff_yacimovich_wins() -> None:
    decision = run({"YAC": 22299, "PER": 18769}, round_number=2)
    assert decision.outcome == winner("YAC")
    assert decision.outcome.as_dict() == {
        "status": "winner",
        "winner": "YAC",
        "qualifiers": [],
        "tied": [],
        "places": 0,
    }
    assert [p.rank for p in decision.candidates] == [1, 2]


def test_labor_2017_round_one_goes_to_a_runoff() -> None:
    assert sum(LABOR_2017.values()) == 30948
    decision = run(LABOR_2017, invalid=50)
    assert decision.outcome == runoff("PER", "GAB")
    assert [p.code for p in decision.candidates] == list(LABOR_2017)  # listed in vote order
    assert percent(LABOR_2017["PER"], 30948) == "32.77"
    # with all 30,998 ballots as the basis, it is still a runoff
    cast_rules = Rules(threshold_basis="cast")
    assert outcome(LABOR_2017, invalid=50, rules=cast_rules) == runoff("PER", "GAB")


def test_labor_2017_runoff_gabbay_wins() -> None:
    assert outcome({"PER": 14734, "GAB": 16080}, round_number=2) == winner("GAB")


def test_labor_2007_runoff_barak_wins() -> None:
    assert outcome({"BAR": 34542, "AYA": 32117}, round_number=2) == winner("BAR")


def test_labor_2019_above_forty_percent_wins_outright() -> None:
    # Shares as reported (Peretz 46.7 %), scaled to 1,000 votes.
    votes = {"PER": 467, "SHM": 268, "SHA": 265}
    assert percent(467, 1000) == "46.70"
    decision = run(votes)
    assert decision.outcome == winner("PER")
    assert decision.extra == {"reaching_threshold": ("PER",)}


# --- round 1: threshold ------------------------------------------------------------------------


def test_exactly_at_the_threshold_inclusive_wins() -> None:
    assert outcome({"A": 40, "B": 35, "C": 25}) == winner("A")


def test_exactly_at_the_threshold_exclusive_goes_to_a_runoff() -> None:
    rules = Rules(threshold_inclusive=False)
    assert outcome({"A": 40, "B": 35, "C": 25}, rules=rules) == runoff("A", "B")


def test_just_below_the_threshold_goes_to_a_runoff() -> None:
    assert outcome({"A": 399, "B": 351, "C": 250}) == runoff("A", "B")
    assert outcome({"A": 400, "B": 351, "C": 250}) == runoff("A", "B")  # 39.96 %
    assert outcome({"A": 400, "B": 350, "C": 250}) == winner("A")  # 40.00 %


def test_fractional_threshold() -> None:
    rules = Rules(threshold_percent=Decimal("33.33"))
    assert outcome({"A": 3333, "B": 3334, "C": 3333}, rules=rules) == winner("B")
    assert outcome({"A": 3332, "B": 3332, "C": 3336}, rules=rules) == winner("C")
    assert outcome({"A": 3332, "B": 3335, "C": 3333}, rules=rules) == winner("B")
    assert outcome({"A": 3330, "B": 3332, "C": 3332, "D": 6}, rules=rules) == runoff("B", "C")
    assert outcome({"A": 3332, "B": 3332, "C": 3330, "D": 6}, rules=rules) == runoff("A", "B")
    # a third each: 33.333... % reaches 33.33 (all tie at the top) but not 33.34
    thirds = {"A": 1, "B": 1, "C": 1}
    assert outcome(thirds, rules=rules) == lot_required(["A", "B", "C"], 1)
    assert outcome(thirds, rules=Rules(threshold_percent="33.34")) == lot_required(
        ["A", "B", "C"], 2
    )


def test_majority_threshold() -> None:
    rules = Rules(threshold_percent=Decimal("50"), threshold_inclusive=False)
    assert outcome({"A": 50, "B": 30, "C": 20}, rules=rules) == runoff("A", "B")
    assert outcome({"A": 51, "B": 29, "C": 20}, rules=rules) == winner("A")
    assert outcome({"A": 50, "B": 50}, rules=rules) == runoff("A", "B")


def test_basis_cast_changes_the_result() -> None:
    votes = {"A": 39, "B": 35, "C": 20}
    assert outcome(votes, invalid=6) == winner("A")  # 39 / 94 = 41.5 %
    assert outcome(votes, invalid=6, rules=Rules(threshold_basis="cast")) == runoff("A", "B")


def test_percent_shown_is_always_of_valid_votes_but_threshold_may_use_cast() -> None:
    # 40 of 95 valid is 42.11 %; of 100 cast, 40.00 %: inclusive wins, exclusive does not.
    votes = {"A": 40, "B": 35, "C": 20}
    assert percent(40, 95) == "42.11"
    assert outcome(votes, invalid=5, rules=Rules(threshold_basis="cast")) == winner("A")
    rules = Rules(threshold_basis="cast", threshold_inclusive=False)
    assert outcome(votes, invalid=5, rules=rules) == runoff("A", "B")


def test_several_reach_the_threshold_the_most_votes_wins() -> None:
    rules = Rules(threshold_percent=Decimal("30"))
    decision = run({"A": 35, "B": 40, "C": 25}, rules=rules)
    assert decision.outcome == winner("B")
    assert decision.extra == {"reaching_threshold": ("B", "A")}


def test_threshold_zero() -> None:
    inclusive = Rules(threshold_percent=Decimal("0"))
    exclusive = Rules(threshold_percent=Decimal("0"), threshold_inclusive=False)
    votes = {"A": 1, "B": 0, "C": 0}
    assert outcome(votes, rules=inclusive) == winner("A")
    assert outcome(votes, rules=exclusive) == winner("A")
    assert run(votes, rules=inclusive).extra == {"reaching_threshold": ("A", "B", "C")}
    assert run(votes, rules=exclusive).extra == {"reaching_threshold": ("A",)}
    assert outcome({"A": 5, "B": 5, "C": 1}, rules=inclusive) == lot_required(["A", "B"], 1)


def test_threshold_hundred() -> None:
    inclusive = Rules(threshold_percent=Decimal("100"))
    exclusive = Rules(threshold_percent=Decimal("100"), threshold_inclusive=False)
    assert outcome({"A": 10, "B": 0}, rules=inclusive) == winner("A")
    assert outcome({"A": 9, "B": 1}, rules=inclusive) == runoff("A", "B")
    assert outcome({"A": 10, "B": 0}, rules=exclusive) == runoff("A", "B")
    assert outcome({"A": 10, "B": 0, "C": 0}, rules=exclusive) == lot_required(["B", "C"], 1)


# --- round 1: ties -----------------------------------------------------------------------------


def test_tie_at_the_top_among_eligible_winners_needs_a_lot() -> None:
    rules = Rules(threshold_percent=Decimal("30"))
    decision = run({"B": 40, "A": 40, "C": 20}, rules=rules)
    assert decision.outcome == lot_required(["A", "B"], 1)
    assert decision.outcome.as_dict() == {
        "status": "lot_required",
        "winner": None,
        "qualifiers": [],
        "tied": ["A", "B"],
        "places": 1,
    }
    assert [p.code for p in decision.candidates] == ["A", "B", "C"]


def test_lot_decides_the_tie_at_the_top() -> None:
    rules = Rules(threshold_percent=Decimal("30"))
    votes = {"A": 40, "B": 40, "C": 20}
    assert outcome(votes, rules=rules, lots=[["B", "A"]]) == winner("B")
    assert order(votes, rules=rules, lots=[["B", "A"]]) == ["B", "A", "C"]
    assert outcome(votes, rules=rules, lots=[["A", "B"]]) == winner("A")


def test_even_split_at_fifty_percent_inclusive_needs_a_lot() -> None:
    rules = Rules(threshold_percent=Decimal("50"))
    assert outcome({"A": 50, "B": 50}, rules=rules) == lot_required(["A", "B"], 1)


def test_tie_at_the_top_without_the_threshold_sends_both_to_the_runoff() -> None:
    assert outcome({"B": 35, "A": 35, "C": 30}) == runoff("A", "B")
    assert outcome({"B": 35, "A": 35, "C": 30}, lots=[["B", "A"]]) == runoff("B", "A")


def test_two_way_tie_at_the_last_qualifying_place() -> None:
    votes = {"A": 39, "B": 30, "C": 30, "D": 1}
    decision = run(votes)
    assert decision.outcome == lot_required(["B", "C"], 1)
    assert decision.outcome.winner is None
    assert decision.outcome.qualifiers == ()
    assert [p.code for p in decision.candidates] == ["A", "B", "C", "D"]
    assert outcome(votes, lots=[["C", "B"]]) == runoff("A", "C")
    assert outcome(votes, lots=[["B", "C"]]) == runoff("A", "B")


def test_three_way_tie_at_the_last_qualifying_place() -> None:
    votes = {"A": 34, "D": 22, "C": 22, "B": 22}
    assert outcome(votes) == lot_required(["B", "C", "D"], 1)
    assert outcome(votes, lots=[["D", "B", "C"]]) == runoff("A", "D")


def test_three_way_tie_for_both_runoff_places() -> None:
    votes = {"A": 30, "B": 30, "C": 30, "D": 10}
    assert outcome(votes) == lot_required(["A", "B", "C"], 2)
    assert outcome(votes, lots=[["C", "A", "B"]]) == runoff("C", "A")


def test_tie_below_the_qualifying_places_needs_no_lot() -> None:
    assert outcome({"A": 35, "B": 31, "C": 17, "D": 17}) == runoff("A", "B")


def test_lot_partially_deciding_a_tie_is_not_enough() -> None:
    votes = {"A": 34, "B": 22, "C": 22, "D": 22}
    # B before C only: D is still unordered against B.
    assert outcome(votes, lots=[["B", "C"]]) == lot_required(["B", "C", "D"], 1)
    assert order(votes, lots=[["C", "B"]]) == ["A", "C", "B", "D"]


def test_lots_partially_ordering_but_enough_for_the_places() -> None:
    votes = {"A": 34, "B": 22, "C": 22, "D": 22}
    # C before B and C before D: C takes the one place, B-D stays unordered (and irrelevant).
    assert outcome(votes, lots=[["C", "B"], ["C", "D"]]) == runoff("A", "C")
    # Two places among three: B and C both before D; B-C unordered, decided by code.
    rules = Rules(runoff_size=3)
    assert outcome(votes, rules=rules, lots=[["C", "D"], ["B", "D"]]) == runoff("A", "B", "C")
    # Two places among three, only B before C: D is not placed against them.
    assert outcome(votes, rules=rules, lots=[["B", "C"]]) == lot_required(["B", "C", "D"], 2)


def test_most_recent_lot_decides_the_tie() -> None:
    votes = {"A": 39, "B": 30, "C": 30, "D": 1}
    assert outcome(votes, lots=[["B", "C"], ["C", "B"]]) == runoff("A", "C")
    assert outcome(votes, lots=[["C", "B"], ["B", "C"]]) == runoff("A", "B")


def test_cyclic_old_lots_in_a_round() -> None:
    votes = {"A": 22, "B": 22, "C": 22, "D": 34}
    lots = [["A", "B"], ["B", "C"], ["C", "A"]]
    assert outcome(votes, lots=lots) == runoff("D", "B")
    assert order(votes, lots=lots) == ["D", "B", "C", "A"]


def test_lot_recorded_for_an_old_tie_does_not_apply_once_votes_differ() -> None:
    lots = [["C", "B"]]
    assert outcome({"A": 39, "B": 31, "C": 30}, lots=lots) == runoff("A", "B")
    assert outcome({"A": 39, "B": 30, "C": 30, "D": 1}, lots=lots) == runoff("A", "C")


# --- round 1: runoff size and small ballots ----------------------------------------------------


def test_runoff_size_three() -> None:
    rules = Rules(runoff_size=3)
    assert outcome({"A": 30, "B": 25, "C": 24, "D": 21}, rules=rules) == runoff("A", "B", "C")
    assert outcome({"A": 30, "B": 25, "C": 20, "D": 20, "E": 5}, rules=rules) == lot_required(
        ["C", "D"], 1
    )
    assert outcome({"A": 30, "B": 20, "C": 20, "D": 20, "E": 10}, rules=rules) == lot_required(
        ["B", "C", "D"], 2
    )
    assert outcome({"A": 30, "B": 25, "C": 25, "D": 20}, rules=rules) == runoff("A", "B", "C")
    assert outcome({"A": 45, "B": 25, "C": 25, "D": 5}, rules=rules) == winner("A")


def test_fewer_candidates_than_runoff_size_plus_one_all_qualify() -> None:
    rules = Rules(threshold_percent=Decimal("70"))
    assert outcome({"B": 20, "A": 30}, rules=rules) == runoff("A", "B")
    assert outcome({"B": 25, "A": 25}, rules=rules) == runoff("A", "B")
    assert outcome({"B": 25, "A": 25}, rules=rules, lots=[["B", "A"]]) == runoff("B", "A")
    three = Rules(threshold_percent=Decimal("50"), runoff_size=3)
    assert outcome({"A": 1, "B": 1, "C": 1}, rules=three) == runoff("A", "B", "C")
    # two on the ballot with 50 % each reach the threshold: a lot, not a runoff
    assert outcome({"A": 1, "B": 1}, rules=three) == lot_required(["A", "B"], 1)
    majority = Rules(threshold_percent=Decimal("50"), threshold_inclusive=False, runoff_size=3)
    assert outcome({"A": 1, "B": 1}, rules=majority) == runoff("A", "B")


def test_fewer_candidates_the_threshold_still_applies() -> None:
    assert outcome({"A": 60, "B": 40}) == winner("A")
    assert outcome({"A": 3, "B": 1}, rules=Rules(runoff_size=5)) == winner("A")


def test_single_candidate() -> None:
    decision = run({"A": 10})
    assert decision.outcome == winner("A")
    assert decision.candidates == (Placed("A", 10, 1),)
    # With ballots cast as the basis, a lone candidate may miss the threshold: runoff of one.
    rules = Rules(threshold_basis="cast")
    assert outcome({"A": 10}, invalid=90, rules=rules) == runoff("A")
    assert outcome({"A": 10}, rules=Rules(threshold_percent="100", threshold_inclusive=False)) == (
        runoff("A")
    )


def test_zero_votes() -> None:
    decision = run({"B": 0, "A": 0, "C": 0})
    assert decision.outcome == NO_VOTES
    assert decision.outcome.as_dict() == {
        "status": "no_votes",
        "winner": None,
        "qualifiers": [],
        "tied": [],
        "places": 0,
    }
    assert decision.candidates == (Placed("A", 0, 1), Placed("B", 0, 1), Placed("C", 0, 1))
    assert decision.extra == {}


def test_zero_valid_votes_with_invalid_ballots() -> None:
    assert outcome({"A": 0, "B": 0}, invalid=12) == NO_VOTES
    assert outcome({"A": 0, "B": 0}, invalid=12, rules=Rules(threshold_basis="cast")) == NO_VOTES
    assert outcome({"A": 0}) == NO_VOTES


def test_zero_votes_order_still_follows_lots() -> None:
    assert order({"A": 0, "B": 0, "C": 0}, lots=[["C", "A"]]) == ["B", "C", "A"]


# --- runoffs -----------------------------------------------------------------------------------


def test_runoff_has_no_threshold() -> None:
    rules = Rules(runoff_size=3, threshold_percent=Decimal("60"))
    assert outcome({"A": 10, "B": 9, "C": 8}, round_number=2, rules=rules) == winner("A")
    assert run({"A": 10, "B": 9}, round_number=2).extra == {}


def test_runoff_tie_needs_a_lot() -> None:
    votes = {"YAC": 20000, "PER": 20000}
    assert outcome(votes, round_number=2) == lot_required(["PER", "YAC"], 1)
    assert outcome(votes, round_number=2, lots=[["YAC", "PER"]]) == winner("YAC")


def test_runoff_three_way_tie_at_the_top() -> None:
    votes = {"C": 10, "B": 10, "A": 10, "D": 3}
    assert outcome(votes, round_number=2) == lot_required(["A", "B", "C"], 1)
    assert outcome(votes, round_number=2, lots=[["B", "A"]]) == lot_required(["A", "B", "C"], 1)
    assert outcome(votes, round_number=2, lots=[["B", "A"], ["C", "B"]]) == winner("C")
    assert outcome(votes, round_number=2, lots=[["B", "A", "C"]]) == winner("B")
    cyclic = [["A", "B"], ["B", "C"], ["C", "A"]]
    assert outcome(votes, round_number=2, lots=cyclic) == winner("B")


def test_runoff_without_votes() -> None:
    assert outcome({"A": 0, "B": 0}, round_number=2) == NO_VOTES
    assert outcome({"A": 0, "B": 0}, round_number=3, invalid=4) == NO_VOTES


def test_later_rounds_are_runoffs_too() -> None:
    assert outcome({"A": 3, "B": 5}, round_number=3) == winner("B")


def test_tie_below_the_top_of_a_runoff_needs_no_lot() -> None:
    assert outcome({"A": 10, "B": 5, "C": 5}, round_number=2) == winner("A")


# --- validation --------------------------------------------------------------------------------


def test_decide_refuses_an_empty_ballot() -> None:
    with pytest.raises(ValueError, match="empty"):
        decide(round_number=1, rules=Rules(), votes={}, valid=0, cast=0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"votes": {"A": -1, "B": 1}, "valid": 0, "cast": 0}, ">= 0"),
        ({"valid": -1}, ">= 0"),
        ({"cast": -1}, ">= 0"),
        ({"valid": 9, "cast": 10}, "sum of the votes"),
        ({"valid": 10, "cast": 9}, "less than valid"),
        ({"round_number": 0}, "round_number"),
        ({"votes": {"": 10}}, "code"),
        ({"lots": [["A", "X"]]}, "not on the ballot"),
        ({"lots": [["A", "B", "A"]]}, "twice"),
        ({"lots": [["A"]]}, "at least two"),
    ],
)
def test_decide_refuses_inconsistent_input(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {
        "round_number": 1,
        "rules": Rules(),
        "votes": {"A": 6, "B": 4},
        "valid": 10,
        "cast": 10,
        "lots": (),
    }
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=message):
        decide(**arguments)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"votes": {"A": 6.0, "B": 4}},
        {"votes": {"A": True, "B": 4}, "valid": 5},
        {"votes": [("A", 6), ("B", 4)]},
        {"valid": 10.0},
        {"round_number": 1.0},
        {"round_number": True},
        {"rules": {"runoff_size": 2}},
        {"lots": "AB"},
        {"lots": ["AB"]},
        {"lots": [["A", 1]]},
    ],
)
def test_decide_refuses_wrong_types(kwargs: dict[str, object]) -> None:
    arguments: dict[str, object] = {
        "round_number": 1,
        "rules": Rules(),
        "votes": {"A": 6, "B": 4},
        "valid": 10,
        "cast": 10,
    }
    arguments.update(kwargs)
    with pytest.raises(TypeError):
        decide(**arguments)  # type: ignore[arg-type]


def test_decide_accepts_tuples_and_generators_of_codes_as_lots() -> None:
    votes = {"A": 5, "B": 5}
    assert outcome(votes, round_number=2, lots=(("B", "A"),)) == winner("B")
    with pytest.raises(TypeError):
        outcome(votes, round_number=2, lots=[iter(["B", "A"])])


def test_decide_is_keyword_only() -> None:
    with pytest.raises(TypeError):
        decide(1, Rules(), {"A": 1}, 1, 1)  # type: ignore[misc]
