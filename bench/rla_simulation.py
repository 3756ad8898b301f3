"""``python -m bench.rla_simulation [RUNS]``: simulated risk-limiting audits of the Labor 2011
runoff (the demo election's 171 boxes, YAC 22,299 against PER 18,769) at a 5% risk limit.

- *Correct outcome*: every hand count equals the reported sheet. Each audit (its own seed) must
  confirm within the estimate's number of draws.
- *Wrong outcome*: the paper says PER won, the sheets say YAC: either in every box 8% of YAC's
  votes (rounded up) were PER's on paper (errors spread over the boxes), or all the error sits in
  the fewest boxes (every YAC vote of the largest boxes was PER's; PER wins by one). Each audit
  draws one box at a time (seed ``SEED,k``), counts it, and stops when the risk is at most 5%
  (a wrong confirmation) or after ``cap`` draws (a full hand count would follow). The rate of
  wrong confirmations must be at most 5%; it is printed with its 95% Wilson interval.

Exact arithmetic throughout (the pure core): each box's factor ``(1 - 1/U) / (1 - t)`` is a
fraction, the risk their running product.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from fractions import Fraction

from primaries.core.rla import Batch, Plan, alpha_of, assertions_for, draw_sequence, plan
from primaries.core.rla_risk import estimate, taint
from primaries.core.rules import Outcome, Rules
from primaries.demo.data import demo_package

ALPHA = alpha_of("5")


def runoff_batches() -> list[Batch]:
    runoff = demo_package(complete=True)["rounds"][1]["sheets"]
    return [Batch(s["branch"], s["ballots_cast"], s["invalid"], s["votes"]) for s in runoff]


def runoff_plan(batches: list[Batch]) -> Plan:
    assertions = assertions_for(2, Rules(), Outcome("winner", "YAC"), ["YAC", "PER"])
    return plan(batches, assertions)


def wrong_paper(batches: list[Batch], share: Fraction = Fraction(8, 100)) -> dict[str, Batch]:
    """The paper if PER won: ``share`` of YAC's votes in every box (rounded up) were PER's."""
    paper = {}
    for b in batches:
        moved = math.ceil(b.votes["YAC"] * share)
        votes = {"YAC": b.votes["YAC"] - moved, "PER": b.votes["PER"] + moved}
        paper[b.code] = Batch(b.code, b.ballots_cast, b.invalid, votes)
    return paper


def concentrated_paper(batches: list[Batch]) -> dict[str, Batch]:
    """The paper if PER won by one vote, all the error in as few boxes as possible: in the
    boxes with most YAC votes, every YAC vote was PER's on paper (the last box only in part)."""
    need = (sum(b.votes["YAC"] for b in batches) - sum(b.votes["PER"] for b in batches)) // 2 + 1
    paper = {b.code: b for b in batches}
    for b in sorted(batches, key=lambda b: (-b.votes["YAC"], b.code)):
        if need <= 0:
            break
        moved = min(need, b.votes["YAC"])
        votes = {"YAC": b.votes["YAC"] - moved, "PER": b.votes["PER"] + moved}
        paper[b.code] = Batch(b.code, b.ballots_cast, b.invalid, votes)
        need -= moved
    return paper


@dataclass(frozen=True)
class Outcomes:
    runs: int
    confirmed: int
    draws_max: int

    @property
    def rate(self) -> Fraction:
        return Fraction(self.confirmed, self.runs)

    def wilson(self, z: float = 1.959964) -> tuple[float, float]:
        """The 95% Wilson score interval of the confirmation rate (a statistic, not a count)."""
        n, p = self.runs, self.confirmed / self.runs
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        return max(0.0, centre - half), min(1.0, centre + half)


def audit(the_plan: Plan, paper: dict[str, Batch], seed: str, cap: int) -> tuple[bool, int]:
    """One sequential audit: (confirmed, draws made)."""
    total = the_plan.total_error_bound
    assert total is not None
    step = 1 - 1 / total
    reported = {b.code: b for b in the_plan.batches}
    factors: dict[str, Fraction | None] = {}
    risk = Fraction(1)
    for k, code in draw_sequence(the_plan, seed, 1, cap):
        if code not in factors:
            t = taint(the_plan, reported[code], paper[code])
            factors[code] = None if t >= 1 else step / (1 - t)
        factor = factors[code]
        if factor is None:
            return False, k  # a taint of 1 or more: the risk is 1 for good
        risk *= factor
        if risk <= ALPHA:
            return True, k
    return False, cap


def simulate(runs: int, *, paper_kind: str, cap: int = 400) -> Outcomes:
    """``paper_kind``: ``right`` (as reported), ``spread`` or ``concentrated`` (PER won)."""
    batches = runoff_batches()
    the_plan = runoff_plan(batches)
    paper = {
        "right": lambda: {b.code: b for b in batches},
        "spread": lambda: wrong_paper(batches),
        "concentrated": lambda: concentrated_paper(batches),
    }[paper_kind]()
    confirmed, most = 0, 0
    for run in range(runs):
        seed = f"{31415926535897932384 + 7919 * run:020d}"
        ok, draws = audit(the_plan, paper, seed, cap)
        confirmed += ok
        most = max(most, draws if ok else 0)
    return Outcomes(runs, confirmed, most)


def main(argv: list[str]) -> int:
    runs = int(argv[0]) if argv else 1000
    the_plan = runoff_plan(runoff_batches())
    total = the_plan.total_error_bound
    assert total is not None
    n = estimate(total, ALPHA)
    print(f"Labor 2011 runoff: U = {float(total):.4f}, estimate {n} draws at 5%")
    right = simulate(runs, paper_kind="right", cap=n)
    print(f"correct outcome: {right.confirmed}/{runs} confirmed, at most {right.draws_max} draws")
    worst = Fraction(0)
    for kind in ("spread", "concentrated"):
        bad = simulate(runs, paper_kind=kind)
        low, high = bad.wilson()
        print(
            f"wrong outcome, errors {kind}: {bad.confirmed}/{runs} confirmed = "
            f"{float(bad.rate):.2%} (95% Wilson interval {low:.2%} to {high:.2%})"
        )
        worst = max(worst, bad.rate)
    return 0 if right.confirmed == runs and worst <= ALPHA else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
