"""Could the boxes held for review change the outcome? Worked by hand on small rounds: the held
boxes counting nothing, or every eligible member of them voting for one candidate in turn."""

from __future__ import annotations

from primaries.core.review import NONE_COUNTED, HeldNumbers, Reach, could_change
from primaries.core.rules import Outcome, Rules

LABOR = Rules()  # 40% of valid votes, inclusive, runoff of two


def reach(
    votes: dict[str, int],
    held: list[HeldNumbers],
    *,
    invalid: int = 0,
    rules: Rules = LABOR,
    round_number: int = 1,
) -> Reach:
    valid = sum(votes.values())
    return could_change(
        round_number=round_number,
        rules=rules,
        votes=votes,
        valid=valid,
        cast=valid + invalid,
        held=held,
    )


def test_a_wide_margin_cannot_change() -> None:
    # A 600, B 300, C 100: A wins with 60%. The held box: 20 eligible, 10 for A, 5 for B.
    found = reach({"A": 600, "B": 300, "C": 100}, [HeldNumbers("X", 20, 15, 0, {"A": 10, "B": 5})])
    assert found.outcome == Outcome("winner", winner="A")
    assert not found.changes and found.cases == {}


def test_every_eligible_member_for_one_candidate_changes_a_close_win() -> None:
    # A 41, B 39, C 20 of 100 valid: A wins at 41% (>= 40). Held: 10 eligible, all 10 for A.
    held = [HeldNumbers("X", 10, 10, 0, {"A": 10, "B": 0, "C": 0})]
    found = reach({"A": 41, "B": 39, "C": 20}, held)
    assert found.outcome == Outcome("winner", winner="A")
    # Without the box: A 31, B 39, C 20 of 90: B 43.3% wins outright.
    assert found.cases[NONE_COUNTED] == Outcome("winner", winner="B")
    # All 10 for B instead: A 31, B 49 of 100: B wins.
    assert found.cases["B"] == Outcome("winner", winner="B")
    # All 10 for C: A 31, B 39, C 30 of 100: nobody reaches 40: runoff B, A.
    assert found.cases["C"] == Outcome("runoff", qualifiers=("B", "A"))
    assert "A" not in found.cases  # all for A: A 41 of 100 wins, as now
    assert found.changes


def test_the_threshold_is_exact_at_its_boundary() -> None:
    # A 40, B 35, C 25 of 100: A wins at exactly 40% (inclusive). Held: 5 eligible, 5 for C.
    held = [HeldNumbers("X", 5, 5, 0, {"A": 0, "B": 0, "C": 5})]
    found = reach({"A": 40, "B": 35, "C": 25}, held)
    # Without the box: 40 of 95 = 42.1%: A still wins. All for B: B 40, A 40 of 100: both
    # reach 40%, tied at the top: a lot.
    assert NONE_COUNTED not in found.cases
    assert found.cases["B"] == Outcome("lot_required", tied=("A", "B"), places=1)
    # Exclusive: 40% is not enough, so A does not win now; the box's case for A makes A 45.
    strict = Rules(threshold_inclusive=False)
    found = reach({"A": 40, "B": 35, "C": 25}, held, rules=strict)
    assert found.outcome == Outcome("runoff", qualifiers=("A", "B"))
    assert found.cases["A"] == Outcome("winner", winner="A")


def test_invalid_ballots_and_several_boxes_add_up() -> None:
    # Two held boxes of 6 and 4 eligible: 10 more votes in each worst case. Cast basis:
    # A 44 of 110 cast (40% of cast, inclusive) wins now.
    rules = Rules(threshold_basis="cast")
    held = [
        HeldNumbers("X", 6, 6, 2, {"A": 4, "B": 0}),
        HeldNumbers("Y", 4, 4, 0, {"A": 0, "B": 4}),
    ]
    found = reach({"A": 44, "B": 56}, held, invalid=10, rules=rules)
    # B has more votes but the first round's rule is the threshold: both reach 40% of 110,
    # and B leads: B wins.
    assert found.outcome == Outcome("winner", winner="B")
    # Without the boxes: A 40, B 52 of 100 cast: B wins still.
    assert NONE_COUNTED not in found.cases
    # All 10 eligible for A: A 50, B 52, 110 cast: B still leads.
    assert "A" not in found.cases


def test_a_runoff_is_decided_by_the_majority() -> None:
    # Round 2: A 51, B 49. Held box: 3 eligible, 3 for A. Without it: A 48, B 49: B wins.
    held = [HeldNumbers("X", 3, 3, 0, {"A": 3, "B": 0})]
    found = reach({"A": 51, "B": 49}, held, round_number=2)
    assert found.outcome == Outcome("winner", winner="A")
    assert found.cases[NONE_COUNTED] == Outcome("winner", winner="B")
    assert found.cases["B"] == Outcome("winner", winner="B")
