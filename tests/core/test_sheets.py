"""The rules of a count sheet (core.sheets): every problem, by field, in the words shown.

The entry form, the supervisor's decisions, package files and CSV files all show these words
(tests elsewhere check them through each of those). Here they are checked at their source,
exactly, with the edges of each rule; ``make mutants`` (docs/mutants.md) found them unchecked.
"""

from __future__ import annotations

import pytest

from primaries.core.limits import MAX_INT
from primaries.core.sheets import (
    Numbers,
    eligible_problem,
    number_problem,
    sheet_problems,
    sum_problems,
)

NOT_A_COUNT = f"must be a whole number from 0 to {MAX_INT}"


@pytest.mark.parametrize(("value", "problem"), [(0, None), (MAX_INT, None)])
def test_a_count_is_a_whole_number_from_zero_to_the_limit(value: int, problem: None) -> None:
    assert number_problem(value) is problem


@pytest.mark.parametrize("value", [-1, MAX_INT + 1])
def test_a_number_beyond_the_limits_is_no_count(value: int) -> None:
    assert number_problem(value) == NOT_A_COUNT


def test_ballots_cast_beyond_the_eligible_members_name_the_branch() -> None:
    assert eligible_problem(500, 500, "B1") is None
    assert eligible_problem(501, 500, "B1") == (
        "ballots cast 501 is more than the 500 eligible members of branch B1"
    )
    assert (
        eligible_problem(501, 500, None) == "ballots cast 501 is more than the 500 eligible members"
    )
    assert eligible_problem(501, 500, "", cast_word="ballots_cast") == (
        "ballots_cast 501 is more than the 500 eligible members"
    )


def test_the_sum_rule_shows_the_numbers_added_up() -> None:
    numbers = Numbers(ballots_cast=12, invalid=1, votes={"A": 6, "B": 4})
    assert sum_problems(numbers) == ["votes 10 + invalid 1 = 11, but ballots cast is 12"]
    assert sum_problems(Numbers(11, 1, {"A": 6, "B": 4})) == []


def test_a_valid_sheet_has_no_problem() -> None:
    numbers = Numbers(ballots_cast=11, invalid=1, votes={"A": 6, "B": 4})
    assert sheet_problems(numbers, ["A", "B"], eligible=11, branch="B1") == {}


def test_votes_for_other_candidates_are_a_problem_of_the_whole_sheet() -> None:
    numbers = Numbers(ballots_cast=11, invalid=1, votes={"A": 6, "C": 4})
    assert sheet_problems(numbers, ["A", "B"], eligible=100, branch="B1") == {
        "": ["the votes must name exactly the candidates A, B"]
    }


def test_numbers_that_are_no_counts_are_named_by_field_before_any_sum() -> None:
    numbers = Numbers(ballots_cast=-1, invalid=0, votes={"A": MAX_INT + 1, "B": 4})
    assert sheet_problems(numbers, ["A", "B"], eligible=100, branch="B1") == {
        "ballots_cast": [NOT_A_COUNT],
        "votes_A": [NOT_A_COUNT],
    }


def test_the_sum_and_eligible_rules_are_problems_of_ballots_cast() -> None:
    numbers = Numbers(ballots_cast=12, invalid=1, votes={"A": 6, "B": 4})
    assert sheet_problems(numbers, ["A", "B"], eligible=11, branch="B1") == {
        "ballots_cast": [
            "votes 10 + invalid 1 = 11, but ballots cast is 12",
            "ballots cast 12 is more than the 11 eligible members of branch B1",
        ]
    }
