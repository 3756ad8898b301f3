"""Package loading: a runoff ballot that leaves out a qualifier (the case mutation testing found
untested).

The test names, in its docstring, the one-line change of ``primaries/elections/formats.py``
(the mutant) that it kills; it was seen failing with that change applied and passing without it.
The package is the suite's small election (round 1 ends in a runoff between AAA and BBB) with a
round 2 whose ``candidates`` are given.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient, FlaskCliRunner

from primaries.formats import FormatError, parse_package
from tests.conftest import small_package


def with_round_2(candidates: list[str]) -> dict[str, Any]:
    package = small_package()
    package["rounds"].append(
        {"number": 2, "held_on": "2024-03-08", "candidates": candidates, "sheets": []}
    )
    return package


def test_the_runoff_ballot_of_the_qualifiers_is_accepted() -> None:
    """The control: the qualifiers, in any order, are round 2's ballot."""
    spec = parse_package(json.dumps(with_round_2(["BBB", "AAA"])))
    assert spec.rounds[1].ballot == ("AAA", "BBB")


@pytest.mark.parametrize(("given", "missing"), [(["AAA"], "BBB"), (["BBB"], "AAA")])
def test_a_runoff_ballot_leaving_out_a_qualifier_is_refused(given: list[str], missing: str) -> None:
    """Kills: ``round_ballot`` refusing only a round-2 ballot that adds a candidate who did not
    qualify (``given != set(qualifiers)`` weakened to ``given - set(qualifiers)``, or to
    ``not given <= set(qualifiers)``): one that leaves a qualifier out and adds nobody must be
    refused as well, naming the one missing."""
    with pytest.raises(FormatError) as caught:
        parse_package(json.dumps(with_round_2(given)))
    assert caught.value.problems == [
        f"rounds[1].candidates: must be the qualifiers of round 1: AAA, BBB; missing: {missing}"
    ]


def test_primaries_load_refuses_a_runoff_ballot_leaving_out_a_qualifier(
    runner: FlaskCliRunner, client: FlaskClient, write_json: Callable[[Any], Path]
) -> None:
    """Kills the same mutant through ``primaries load``: refused, nothing loaded."""
    result = runner.invoke(args=["load", str(write_json(with_round_2(["AAA"])))])
    assert result.exit_code == 1, result.output
    assert "rounds[1].candidates: must be the qualifiers of round 1: AAA, BBB" in result.stderr
    assert "missing: BBB" in result.stderr
    assert "Traceback" not in result.output
    assert client.get("/api/v1/elections").get_json() == {"elections": []}
