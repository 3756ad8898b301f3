"""The rules engine refuses what it cannot decide, saying exactly which argument and why.

Mutation testing (``make mutants``, docs/mutants.md) found these untested: the refusals were
checked by their type and a word, so a refusal naming the wrong argument (or none) went unseen.
Also here: an unknown code in a lot given to :func:`order_candidates`, and the threshold details
of a round 1 where every candidate goes on to the runoff.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from primaries.core.rules import (
    Rules,
    decide,
    lot_orders,
    order_candidates,
    percent,
    reaches_threshold,
)


def _decide(**kwargs: object) -> object:
    arguments: dict[str, object] = {
        "round_number": 1,
        "rules": Rules(),
        "votes": {"A": 6, "B": 4},
        "valid": 10,
        "cast": 10,
    }
    arguments.update(kwargs)
    return decide(**arguments)  # type: ignore[arg-type]


REFUSALS: list[tuple[Callable[[], object], type[Exception], str]] = [
    (lambda: _decide(round_number="1"), TypeError, "round_number must be an int"),
    (lambda: _decide(rules={"runoff_size": 2}), TypeError, "rules must be a Rules"),
    (
        lambda: _decide(votes=[("A", 6), ("B", 4)]),
        TypeError,
        "votes must be a mapping of code -> votes",
    ),
    (
        lambda: _decide(votes={}, valid=0, cast=0),
        ValueError,
        "the ballot is empty: votes names no candidate",
    ),
    (lambda: _decide(votes={"A": 6.0, "B": 4}), TypeError, "votes['A'] must be an int, not float"),
    (lambda: _decide(valid="10"), TypeError, "valid must be an int, not str"),
    (lambda: _decide(valid=-1), ValueError, "valid must be >= 0, got -1"),
    (lambda: _decide(cast=-1), ValueError, "cast must be >= 0, got -1"),
    (
        lambda: reaches_threshold(-1, rules=Rules(), valid=10, cast=10),
        ValueError,
        "votes must be >= 0, got -1",
    ),
    (
        lambda: reaches_threshold(1, rules=Rules(threshold_basis="cast"), valid=1, cast=-1),
        ValueError,
        "cast must be >= 0, got -1",
    ),
    (lambda: percent(-1, 3), ValueError, "numerator must be >= 0, got -1"),
    (lambda: percent(1, -3), ValueError, "denominator must be >= 0, got -3"),
    (
        lambda: Rules(threshold_percent=40.0),  # type: ignore[arg-type]
        TypeError,
        "threshold_percent must be a Decimal, int or str, not float",
    ),
    (
        lambda: Rules(threshold_inclusive="yes"),  # type: ignore[arg-type]
        TypeError,
        "threshold_inclusive must be a bool",
    ),
    (
        lambda: Rules(runoff_size="2"),  # type: ignore[arg-type]
        TypeError,
        "runoff_size must be an int",
    ),
    (
        lambda: order_candidates({"A": 1, "B": 1}, lots=[["A", "X"]]),
        ValueError,
        "a lot names candidates not on the ballot: ['X']",
    ),
    (
        lambda: order_candidates({"A": 1, "B": 1}, lots=[["A"]]),
        ValueError,
        "a lot must order at least two candidates: ['A']",
    ),
    (
        lambda: lot_orders(["A", "B"], ["AB"]),
        TypeError,
        "a lot must be a sequence of codes, got 'AB'",
    ),
    (
        lambda: lot_orders(["A", "B"], [["A", 1]]),  # type: ignore[list-item]
        TypeError,
        "a lot must name codes as str, got 1",
    ),
    (
        lambda: lot_orders([2, 1]),  # type: ignore[list-item]
        TypeError,
        "a candidate code must be a str, got 1",
    ),
    (
        lambda: lot_orders(["A", "B"], "AB"),
        TypeError,
        "lots must be a sequence of lots, got 'AB'",
    ),
    (
        lambda: order_candidates({"A": 1, "B": 1}, lots=5),  # type: ignore[arg-type]
        TypeError,
        "lots must be a sequence of lots, got 5",
    ),
]


@pytest.mark.parametrize(("call", "error", "message"), REFUSALS)
def test_a_refusal_names_the_argument_and_what_is_wrong(
    call: Callable[[], object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as refused:
        call()
    assert str(refused.value) == message


def test_a_runoff_of_every_candidate_says_none_reached_the_threshold() -> None:
    decision = decide(
        round_number=1,
        rules=Rules(threshold_percent=Decimal("70")),
        votes={"A": 30, "B": 20},
        valid=50,
        cast=50,
    )
    assert decision.outcome.qualifiers == ("A", "B")
    assert decision.extra == {"reaching_threshold": ()}
