"""The risk-limiting audit's arithmetic (CONTRACT section 8), against figures worked by hand and
against a second, naive implementation of the contract's formulas in plain fractions."""

from __future__ import annotations

import hashlib
import math
import random
from fractions import Fraction

import pytest

from primaries.core.rla import (
    Batch,
    alpha_of,
    assertions_for,
    draw_sequence,
    draw_value,
    fixed,
    normal_risk_limit,
    partial_plan,
    plan,
    risk_limit_problem,
    seed_problem,
)
from primaries.core.rla_risk import estimate, measure, risk_after_each_draw, taint
from primaries.core.rules import Outcome, Rules, decide

SEED = "31415926535897932384"
ALPHA = Fraction(1, 20)


def runoff_ab() -> tuple[list[Batch], list]:
    """A runoff worked by hand: A 105, B 75 over two boxes, M = 30.

    u(P1) = (m + b) / M = (20 + 100) / 30 = 4; u(P2) = (10 + 80) / 30 = 3; U = 7.
    """
    batches = [
        Batch("P2", 80, 0, {"A": 45, "B": 35}),
        Batch("P1", 100, 0, {"A": 60, "B": 40}),
    ]
    assertions = assertions_for(2, Rules(), Outcome("winner", "A"), ["A", "B"])
    assert assertions is not None
    return batches, assertions


def test_the_hand_worked_runoff() -> None:
    batches, assertions = runoff_ab()
    the_plan = plan(batches, assertions)
    assert [b.code for b in the_plan.batches] == ["P1", "P2"]  # ascending code
    assert the_plan.margins == {"A beat B": 30}
    assert the_plan.bound(0) == 4 and the_plan.bound(1) == 3
    assert the_plan.total_error_bound == 7
    assert fixed(Fraction(7), 10) == "7.0000000000"
    # (6/7)^19 = 0.0535 > 0.05 >= (6/7)^20 = 0.0458
    assert estimate(Fraction(7), ALPHA) == 20


def test_draws_follow_the_sha256_of_seed_comma_k() -> None:
    batches, assertions = runoff_ab()
    the_plan = plan(batches, assertions)
    draws = draw_sequence(the_plan, SEED, 1, 30)
    assert [k for k, _ in draws] == list(range(1, 31))
    for k, code in draws:
        x = int(hashlib.sha256(f"{SEED},{k}".encode("ascii")).hexdigest(), 16)
        assert x == draw_value(SEED, k)
        # P1 holds running sum 4, P2 7: P1 when 4 * 2^256 > x * 7
        assert code == ("P1" if x * 7 < 4 * 2**256 else "P2")
    # k continues: draws 5..7 are the same as in the first call
    assert draw_sequence(the_plan, SEED, 5, 3) == draws[4:7]


def test_a_box_with_no_ballots_is_never_drawn() -> None:
    batches, assertions = runoff_ab()
    empty = Batch("P0", 0, 0, {"A": 0, "B": 0})
    the_plan = plan([*batches, empty], assertions)
    assert the_plan.bound(0) == 0 and the_plan.total_error_bound == 7
    assert "P0" not in {code for _, code in draw_sequence(the_plan, SEED, 1, 200)}


def test_risk_after_clean_draws_confirms_at_the_estimate() -> None:
    batches, assertions = runoff_ab()
    the_plan = plan(batches, assertions)
    draws = [code for _, code in draw_sequence(the_plan, SEED, 1, 20)]
    audited = {b.code: b for b in batches}
    found = measure(the_plan, draws, audited, ALPHA)
    assert found.risk == Fraction(6, 7) ** 20
    assert fixed(found.risk, 6) == "0.045821"
    assert found.status == "confirmed" and found.discrepancies == ()
    assert found.audited == len(set(draws))
    nineteen = measure(the_plan, draws[:19], audited, ALPHA)
    assert nineteen.status == "escalate" and nineteen.risk == Fraction(6, 7) ** 19


def test_risk_is_null_until_every_draw_is_audited() -> None:
    batches, assertions = runoff_ab()
    the_plan = plan(batches, assertions)
    found = measure(the_plan, ["P1", "P2", "P1"], {"P1": batches[1]}, ALPHA)
    assert found.risk is None and found.status == "in_progress" and found.audited == 1


def test_a_discrepancy_raises_the_risk() -> None:
    """Two votes moved from A to B in P1: e = (20 - 16) / 30 = 2/15, t = e / u = 1/30."""
    batches, assertions = runoff_ab()
    the_plan = plan(batches, assertions)
    audited_p1 = Batch("P1", 100, 0, {"A": 58, "B": 42})
    assert taint(the_plan, batches[1], audited_p1) == Fraction(1, 30)
    found = measure(the_plan, ["P1", "P2", "P1"], {"P1": audited_p1, "P2": batches[0]}, ALPHA)
    step = Fraction(6, 7)
    assert found.risk == step * step * step / (1 - Fraction(1, 30)) ** 2
    assert found.risk > step**3
    assert [(r.code, a.code) for r, a in found.discrepancies] == [("P1", "P1")]
    # A discrepancy in the winner's favour does not lower the risk below the clean one.
    kind = Batch("P1", 100, 0, {"A": 62, "B": 38})
    assert taint(the_plan, batches[1], kind) == 0


def test_a_taint_of_one_or_more_makes_the_risk_one() -> None:
    batches, assertions = runoff_ab()
    the_plan = plan(batches, assertions)
    flipped = Batch("P1", 100, 0, {"A": 0, "B": 100})  # e = (20 + 100) / 30 = 4 = u
    assert taint(the_plan, batches[1], flipped) == 1
    found = measure(the_plan, ["P2", "P1"], {"P1": flipped, "P2": batches[0]}, ALPHA)
    assert found.risk == 1 and found.status == "escalate"
    assert fixed(found.risk, 6) == "1.000000"


def test_the_risk_is_capped_at_one() -> None:
    batches, assertions = runoff_ab()
    the_plan = plan(batches, assertions)
    close = Batch("P1", 100, 0, {"A": 41, "B": 59})  # t = (20 + 18) / 30 / 4 = 19/60
    found = measure(the_plan, ["P1"], {"P1": close}, ALPHA)
    assert found.risk == 1  # 6/7 / (41/60) > 1


def test_round_one_runoff_with_four_candidates() -> None:
    """The 2011 Labor shape: nobody reaches 40%, the top two qualify (the test package)."""
    batches = [
        Batch("B1", 300, 4, {"AAA": 100, "BBB": 90, "CCC": 60, "DDD": 46}),
        Batch("B2", 500, 5, {"AAA": 150, "BBB": 160, "CCC": 120, "DDD": 65}),
        Batch("B3", 120, 0, {"AAA": 30, "BBB": 46, "CCC": 10, "DDD": 34}),
        Batch("B4", 100, 1, {"AAA": 40, "BBB": 20, "CCC": 20, "DDD": 19}),
    ]
    ballot = ["AAA", "BBB", "CCC", "DDD"]
    outcome = Outcome("runoff", qualifiers=("AAA", "BBB"))
    assertions = assertions_for(1, Rules(), outcome, ballot)
    assert assertions is not None
    the_plan = plan(batches, assertions)
    assert the_plan.margins == {
        "AAA beat CCC": 110,
        "AAA beat DDD": 156,
        "BBB beat CCC": 106,
        "BBB beat DDD": 152,
        # 40% of 1010 valid votes = 404
        "AAA did not reach the threshold": 84,
        "BBB did not reach the threshold": 88,
        "CCC did not reach the threshold": 194,
        "DDD did not reach the threshold": 240,
    }
    # B3 by hand: "AAA did not reach": m = 0.4 * 120 - 30 = 18, k_min = 0.4 - 1 = -0.6,
    # u = (18 + 0.6 * 120) / 84 = 90/84; "BBB beat CCC": (36 + 120) / 106 = 156/106 (the largest)
    index = the_plan.index_of("B3")
    assert the_plan.bound(index) == Fraction(156, 106)
    assert the_plan.total_error_bound == naive_total(batches, assertions)


def test_the_runoff_winner() -> None:
    outcome = Outcome("winner", "AAA")
    assertions = assertions_for(2, Rules(), outcome, ["AAA", "BBB"])
    assert assertions is not None and [a.name for a in assertions] == ["AAA beat BBB"]


def test_round_one_winner_asserts_the_threshold_too() -> None:
    assertions = assertions_for(1, Rules(), Outcome("winner", "A"), ["A", "B", "C"])
    assert assertions is not None
    assert [a.name for a in assertions] == ["A reached the threshold", "A beat B", "A beat C"]


@pytest.mark.parametrize(
    ("basis", "margin", "total"),
    [
        # valid: m = 50 - 0.45 * 60 = 23; k_min = -0.45; u = (23 + 45) / 23; beat: 140/40 larger
        ("valid", Fraction(23), Fraction(7, 2)),
        # cast: m = 50 - 0.45 * 100 = 5; invalid also -0.45; u = (5 + 45) / 5 = 10
        ("cast", Fraction(5), Fraction(10)),
    ],
)
def test_threshold_basis_changes_the_margin_and_bound(
    basis: str, margin: Fraction, total: Fraction
) -> None:
    rules = Rules(threshold_percent="45", threshold_basis=basis)  # type: ignore[arg-type]
    batch = Batch("P", 100, 40, {"A": 50, "B": 10})
    assertions = assertions_for(1, rules, Outcome("winner", "A"), ["A", "B"])
    the_plan = plan([batch], assertions)
    assert the_plan.margins["A reached the threshold"] == margin
    assert the_plan.total_error_bound == total


def test_lot_required_and_no_votes_need_a_full_hand_count() -> None:
    rules = Rules()
    for outcome in (Outcome("lot_required", tied=("A", "B"), places=1), Outcome("no_votes")):
        assert assertions_for(1, rules, outcome, ["A", "B"]) is None
        the_plan = plan([Batch("P", 10, 0, {"A": 5, "B": 5})], None)
        assert not the_plan.sampling and the_plan.total_error_bound is None
        found = measure(the_plan, [], {}, ALPHA)
        assert found.status == "full_hand_count" and found.risk is None
        with pytest.raises(ValueError, match="full hand count"):
            draw_sequence(the_plan, SEED, 1, 1)


def test_a_tie_decided_by_lot_has_no_margin() -> None:
    """A and B tied, a lot gave A the win: M = 0, so only a full hand count confirms it."""
    votes = {"A": 50, "B": 50}
    decision = decide(
        round_number=2, rules=Rules(), votes=votes, valid=100, cast=100, lots=[["A", "B"]]
    )
    assert decision.outcome == Outcome("winner", "A")
    assertions = assertions_for(2, Rules(), decision.outcome, ["A", "B"])
    the_plan = plan([Batch("P", 100, 0, votes)], assertions)
    assert the_plan.margins == {"A beat B": 0} and not the_plan.sampling
    assert measure(the_plan, [], {}, ALPHA).status == "full_hand_count"


@pytest.mark.parametrize(
    ("total", "alpha", "n"),
    [
        (Fraction(5, 4), Fraction(1, 125), 3),  # floats say 3.0000000000000004 -> 4
        (Fraction(3, 2), Fraction(1, 243), 5),  # floats say 4.999999999999999
        (Fraction(2), Fraction(1, 8), 3),
        (Fraction(2), Fraction(1, 8) + Fraction(1, 10**40), 3),
        (Fraction(2), Fraction(1, 8) - Fraction(1, 10**40), 4),
        (Fraction(7), ALPHA, 20),
        (Fraction(1), ALPHA, 1),
    ],
)
def test_estimate_is_exact_at_integer_boundaries(total: Fraction, alpha: Fraction, n: int) -> None:
    assert estimate(total, alpha) == n


def test_estimate_is_the_smallest_n_with_the_risk_at_most_alpha() -> None:
    rng = random.Random(12)
    for _ in range(300):
        total = Fraction(rng.randint(11, 5000), 10)
        alpha = Fraction(rng.randint(1, 499), 1000)
        n = estimate(total, alpha)
        step = 1 - 1 / total
        assert step**n <= alpha < step ** (n - 1)
        assert (
            n == math.ceil(math.log(alpha) / math.log(step))
            or abs(math.log(alpha) / math.log(step) - round(math.log(alpha) / math.log(step)))
            < 1e-9
        )


def test_decimal_strings_round_half_up() -> None:
    assert fixed(Fraction(1, 2 * 10**6), 6) == "0.000001"
    assert fixed(Fraction(1, 3 * 10**6), 6) == "0.000000"
    assert fixed(Fraction(126343498854, 10**10), 10) == "12.6343498854"
    assert fixed(Fraction(5, 10**11), 10) == "0.0000000001"
    assert fixed(Fraction(1), 6) == "1.000000"


def test_risk_limits_and_seeds() -> None:
    assert risk_limit_problem("5") is None and risk_limit_problem("2.5") is None
    for bad in ("0", "50", "50.5", "-1", "5%", "1e1", "", "abc", "0.0"):
        assert risk_limit_problem(bad) is not None, bad
    assert normal_risk_limit("5.0") == "5" and normal_risk_limit("2.50") == "2.5"
    assert alpha_of("5") == Fraction(1, 20)
    assert seed_problem("1" * 20) is None and seed_problem("9" * 64) is None
    for bad in ("1" * 19, "1" * 65, "1234567890123456789a", " " + "1" * 20, "١" * 20):
        assert seed_problem(bad) is not None, bad


def naive_total(batches: list[Batch], assertions: list) -> Fraction:
    """U by the contract's words, in plain fractions, for the comparison."""
    total = Fraction(0)
    margins = {a.name: sum((a.margin(b) for b in batches), Fraction(0)) for a in assertions}
    for batch in batches:
        total += max(
            (a.margin(batch) - a.k_min * batch.ballots_cast) / margins[a.name] for a in assertions
        )
    return total


def test_the_plan_agrees_with_the_naive_formulas_on_random_elections() -> None:
    rng = random.Random(2011)
    for _ in range(40):
        ballot = [f"C{i}" for i in range(rng.randint(2, 6))]
        batches = []
        for index in range(rng.randint(1, 12)):
            votes = {c: rng.randint(0, 60) for c in ballot}
            invalid = rng.randint(0, 5)
            batches.append(Batch(f"B{index:02d}", sum(votes.values()) + invalid, invalid, votes))
        rules = Rules(
            threshold_percent=rng.choice(["40", "33.33", "25", "50"]),
            threshold_basis=rng.choice(["valid", "cast"]),
        )
        totals = {c: sum(b.votes[c] for b in batches) for c in ballot}
        valid = sum(totals.values())
        cast = sum(b.ballots_cast for b in batches)
        if valid == 0:
            continue
        number = rng.choice([1, 2])
        decision = decide(round_number=number, rules=rules, votes=totals, valid=valid, cast=cast)
        assertions = assertions_for(number, rules, decision.outcome, ballot)
        the_plan = plan(batches, assertions)
        if not the_plan.sampling:
            continue
        assert assertions is not None
        assert the_plan.total_error_bound == naive_total(batches, assertions)
        assert sum(the_plan.bound(i) for i in range(len(batches))) == the_plan.total_error_bound


def test_the_risk_after_each_draw() -> None:
    batches, assertions = runoff_ab()
    the_plan = plan(batches, assertions)
    clean = {b.code: b for b in batches}
    step = Fraction(6, 7)
    assert risk_after_each_draw(the_plan, ["P1", "P2", "P1"], clean) == [step, step**2, step**3]
    flipped = dict(clean, P2=Batch("P2", 80, 0, {"A": 0, "B": 80}))  # t >= 1
    assert risk_after_each_draw(the_plan, ["P1", "P2", "P1"], flipped) == [step, 1, 1]
    assert risk_after_each_draw(the_plan, ["P1", "P2"], {"P2": clean["P2"]}) == [None, None]
    final = measure(the_plan, ["P1", "P2", "P1"], flipped, ALPHA)
    assert final.risk == 1


def test_arlo_macro_contest_a_error_bounds() -> None:
    """Rebuilt from VotingWorks Arlo's MACRO tests (server/tests/audit_math/test_macro.py,
    ``test_max_error``, Contest A): 200 batches of 400 ballots (winner 200, loser 180) and 200
    of 200 (100, 90); winner 60,000, loser 54,000. Arlo expects maximum overstatements of 0.0700
    and 0.035 (to 0.001): here exactly 420/6000 and 210/6000, so U = 21. (Arlo's
    ``test_compute_risk`` combines three contests in one p-value, which a one-outcome audit does
    not model; its Contest A draw that finds 190 to 190 has taint 20/420 = 1/U here, so it leaves
    the risk where it was.)"""
    batches = []
    for i in range(200):
        batches.append(Batch(f"B{i:03d}", 400, 20, {"W": 200, "L": 180}))
        batches.append(Batch(f"B{i:03d}AV", 200, 10, {"W": 100, "L": 90}))
    assertions = assertions_for(2, Rules(), Outcome("winner", "W"), ["W", "L"])
    the_plan = plan(batches, assertions)
    assert the_plan.margins == {"W beat L": 6000}
    assert the_plan.bound(the_plan.index_of("B000")) == Fraction(7, 100)
    assert the_plan.bound(the_plan.index_of("B000AV")) == Fraction(35, 1000)
    assert the_plan.total_error_bound == 21
    tied = Batch("B100", 400, 20, {"W": 190, "L": 190})
    assert taint(the_plan, the_plan.batches[the_plan.index_of("B100")], tied) == Fraction(1, 21)
    audited = {b.code: b for b in the_plan.batches}
    clean = measure(the_plan, ["B000", "B001"], audited, Fraction(1, 4))
    with_tie = measure(the_plan, ["B000", "B001", "B100"], dict(audited, B100=tied), Fraction(1, 4))
    assert clean.risk == with_tie.risk == Fraction(20, 21) ** 2


def test_a_partial_plan_measures_as_the_whole_plan() -> None:
    """Status and hand counts measure the risk from the drawn batches, the round's totals and U
    as the audit started with it: the same risk as from every batch."""
    rng = random.Random(7)
    ballot = ["A", "B", "C"]
    batches = []
    for index in range(30):
        votes = {"A": rng.randint(30, 60), "B": rng.randint(10, 40), "C": rng.randint(0, 20)}
        batches.append(Batch(f"P{index:02d}", sum(votes.values()) + 2, 2, votes))
    totals_votes = {c: sum(b.votes[c] for b in batches) for c in ballot}
    totals = Batch("", sum(b.ballots_cast for b in batches), 60, totals_votes)
    for number, outcome in ((1, Outcome("winner", "A")), (2, Outcome("winner", "A"))):
        assertions = assertions_for(number, Rules(), outcome, ballot)
        assert assertions is not None
        whole = plan(batches, assertions)
        assert whole.total_error_bound is not None
        draws = [code for _, code in draw_sequence(whole, SEED, 1, 12)]
        drawn = [b for b in batches if b.code in set(draws)]
        part = partial_plan(drawn, assertions, totals, whole.total_error_bound)
        audited = {b.code: b for b in drawn}
        first = drawn[0]
        audited[first.code] = Batch(
            first.code,
            first.ballots_cast,
            2,
            dict(first.votes, A=first.votes["A"] - 3, C=first.votes["C"] + 3),
        )
        assert measure(part, draws, audited, ALPHA) == measure(whole, draws, audited, ALPHA)
        assert part.margins == whole.margins
        with pytest.raises(ValueError):
            draw_sequence(part, SEED, 1, 1)
