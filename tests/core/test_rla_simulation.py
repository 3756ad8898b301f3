"""The audit's guarantee, simulated (bench/rla_simulation.py): 1,000 audits of the Labor 2011
runoff whose hand counts equal the sheets all confirm within the estimate (37 draws); 1,000 audits
where the paper says the other candidate won confirm in no more than 5% of runs (measured: none
with the errors spread over the boxes, 4.2% with all of it in the fewest boxes). Fixed seeds: the
figures are the same on every run."""

from __future__ import annotations

import importlib.util
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from primaries.core.rla_risk import estimate

pytestmark = pytest.mark.slow


def _bench() -> object:
    """bench/rla_simulation.py (bench is not a package on the tests' path)."""
    path = Path(__file__).resolve().parents[2] / "bench" / "rla_simulation.py"
    spec = importlib.util.spec_from_file_location("rla_simulation", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["rla_simulation"] = module
    spec.loader.exec_module(module)
    return module


sim: Any = _bench()
ALPHA, runoff_batches, runoff_plan, simulate = (
    sim.ALPHA,
    sim.runoff_batches,
    sim.runoff_plan,
    sim.simulate,
)


def test_correct_outcomes_confirm_within_the_estimate() -> None:
    the_plan = runoff_plan(runoff_batches())
    assert the_plan.total_error_bound is not None
    n = estimate(the_plan.total_error_bound, ALPHA)
    right = simulate(1000, paper_kind="right", cap=n)
    assert right.confirmed == 1000 and right.draws_max <= n


@pytest.mark.parametrize("kind", ["spread", "concentrated"])
def test_wrong_outcomes_confirm_at_most_at_the_risk_limit(kind: str) -> None:
    bad = simulate(1000, paper_kind=kind)
    assert bad.rate <= ALPHA == Fraction(1, 20)
