"""The batch-comparison risk-limiting audit of a round (CONTRACT section 8; MACRO, Stark 2008-9).

Pure functions over plain data, in exact rational arithmetic: no Flask, no database, no floats.

- :func:`assertions_for`: the assertions that together say the reported outcome holds.
- :func:`plan`: batches + assertions -> margins M(a), error bounds u(p), their total U.
- :func:`draw_sequence`: the draws (PPEB, with replacement) from the public seed.
- :func:`estimate`: n = ceil(ln(alpha) / ln(1 - 1/U)), exactly.
- :func:`measure`: the risk P after the draws audited so far and the audit's status.

An assertion is held as one coefficient per ballot kind (each candidate of the round's ballot,
and ``invalid``), scaled by a common integer so that every coefficient is an integer: its margin
in batch p is ``m(p) = sum(coefficient * ballots of that kind) / scale``. Every bound u(a,p) is
then ``N(a,p) / Mi(a)`` with integers N (``m(p)`` scaled, minus ``k_min * b(p)`` scaled) and Mi
(``M`` scaled), so the plan of a national round needs integer sums, not millions of fractions.
The draws and risk are in :mod:`primaries.core.rla_risk`.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from .rules import Outcome, Rules
from .words import N_, Said

__all__ = [
    "Assertion",
    "Batch",
    "Plan",
    "assertions_for",
    "draw_sequence",
    "draw_value",
    "fixed",
    "fraction_text",
    "normal_risk_limit",
    "partial_plan",
    "plan",
    "risk_limit_problem",
    "seed_problem",
]

INVALID = "\0invalid"
"""The ballot kind of an invalid (or blank) ballot, beside the candidate codes."""


@dataclass(frozen=True)
class Batch:
    """One box's reported (or audited) count: ballots cast, invalid, votes per candidate."""

    code: str
    ballots_cast: int
    invalid: int
    votes: Mapping[str, int]

    def count_of(self, kind: str) -> int:
        return self.invalid if kind == INVALID else self.votes.get(kind, 0)

    def numbers(self) -> dict[str, object]:
        """The count as the contract's JSON writes it."""
        return {
            "ballots_cast": self.ballots_cast,
            "invalid": self.invalid,
            "votes": dict(self.votes),
        }

    def same_count(self, other: Batch) -> bool:
        return (
            self.ballots_cast == other.ballots_cast
            and self.invalid == other.invalid
            and dict(self.votes) == dict(other.votes)
        )


@dataclass(frozen=True)
class Assertion:
    """``name`` (e.g. ``YAC beat PER``) and its integer coefficients per ballot kind over
    ``scale``: m(p) = sum(coefficients[kind] * count of kind in p) / scale.

    The margin is computed in a sparse form: the coefficient most candidates share, times the
    valid votes, plus the few that differ (one or two), plus the invalid ballots' coefficient.
    """

    name: str
    coefficients: Mapping[str, int]
    scale: int
    _common: int = field(init=False, repr=False, compare=False)
    _extra: tuple[tuple[str, int], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        candidates = [c for kind, c in self.coefficients.items() if kind != INVALID]
        common = max(set(candidates), key=candidates.count) if candidates else 0
        extra = tuple(
            (kind, c - common)
            for kind, c in self.coefficients.items()
            if kind != INVALID and c != common
        )
        object.__setattr__(self, "_common", common)
        object.__setattr__(self, "_extra", extra)

    def scaled_margin(self, batch: Batch, valid: int | None = None) -> int:
        """m(p) * scale, an integer (``valid``: the batch's valid votes, when known)."""
        votes = batch.votes
        if valid is None:
            valid = sum(votes.values())
        margin = self._common * valid + self.coefficients.get(INVALID, 0) * batch.invalid
        for kind, c in self._extra:
            margin += c * votes.get(kind, 0)
        return margin

    def margin(self, batch: Batch) -> Fraction:
        return Fraction(self.scaled_margin(batch), self.scale)

    @property
    def k_min(self) -> Fraction:
        """The smallest coefficient over the ballot's candidates and ``invalid``."""
        return Fraction(min(self.coefficients.values()), self.scale)


def _beat(winner: str, loser: str, ballot: Sequence[str]) -> Assertion:
    coefficients = dict.fromkeys((*ballot, INVALID), 0)
    coefficients[winner], coefficients[loser] = 1, -1
    return Assertion(f"{winner} beat {loser}", coefficients, 1)


def _threshold(code: str, rules: Rules, ballot: Sequence[str], *, reached: bool) -> Assertion:
    """``code`` reached the threshold (m = v - f*B) or did not (m = f*B - v), f = T/100."""
    f = Fraction(rules.threshold_percent) / 100
    scale = f.denominator
    f_scaled = f.numerator  # f * scale
    sign = 1 if reached else -1
    coefficients = {kind: sign * ((scale if kind == code else 0) - f_scaled) for kind in ballot}
    coefficients[INVALID] = -sign * f_scaled if rules.threshold_basis == "cast" else 0
    name = f"{code} reached the threshold" if reached else f"{code} did not reach the threshold"
    return Assertion(name, coefficients, scale)


def assertions_for(
    round_number: int, rules: Rules, outcome: Outcome, ballot: Sequence[str]
) -> list[Assertion] | None:
    """The assertions of the reported ``outcome`` (section 8, Assertions), or None when the
    outcome cannot be confirmed by sampling (``lot_required``, ``no_votes``).

    ``ballot``: the codes of the round's candidates, in ballot order.
    """
    ballot = tuple(ballot)
    if outcome.status == "winner" and outcome.winner is not None:
        winner = outcome.winner
        beats = [_beat(winner, loser, ballot) for loser in ballot if loser != winner]
        if round_number > 1:
            return beats
        return [_threshold(winner, rules, ballot, reached=True), *beats]
    if outcome.status == "runoff" and round_number == 1:
        losers = [code for code in ballot if code not in outcome.qualifiers]
        beats = [_beat(q, loser, ballot) for q in outcome.qualifiers for loser in losers]
        return beats + [_threshold(code, rules, ballot, reached=False) for code in ballot]
    return None


@dataclass(frozen=True)
class Plan:
    """The audit's arithmetic fixed at its start.

    ``margins`` (M(a), by assertion name) and, when every M > 0, the error bounds:
    ``bound_numerators[i] / bound_denominator`` = u(p) of ``batches[i]`` (batches in ascending
    branch code by code points), with the common denominator ``bound_denominator``;
    ``total_numerator / bound_denominator`` = U. ``sampling`` is False when the outcome needs a
    full hand count (no assertions, or some M <= 0).
    """

    batches: tuple[Batch, ...]
    assertions: tuple[Assertion, ...]
    margins: Mapping[str, Fraction]
    sampling: bool
    bound_numerators: tuple[int, ...] = ()
    bound_denominator: int = 1
    cumulative: tuple[int, ...] = ()
    known_total: Fraction | None = None  # U of a partial plan (:func:`partial_plan`)

    @property
    def total_numerator(self) -> int:
        return self.cumulative[-1] if self.cumulative else 0

    @property
    def total_error_bound(self) -> Fraction | None:
        """U, or None when the outcome cannot be sampled."""
        if not self.sampling:
            return None
        if self.known_total is not None:
            return self.known_total
        return Fraction(self.total_numerator, self.bound_denominator)

    def bound(self, index: int) -> Fraction:
        """u(p) of ``batches[index]``."""
        return Fraction(self.bound_numerators[index], self.bound_denominator)

    def index_of(self, code: str) -> int:
        """The position of the batch of branch ``code`` (KeyError when it is not a batch)."""
        index: dict[str, int] | None = self.__dict__.get("_index")
        if index is None:
            index = {b.code: i for i, b in enumerate(self.batches)}
            object.__setattr__(self, "_index", index)
        return index[code]


def plan(batches: Sequence[Batch], assertions: Sequence[Assertion] | None) -> Plan:
    """The margins M(a) and error bounds u(p), U of an audit (section 8, Error bounds)."""
    ordered = tuple(sorted(batches, key=lambda b: b.code))
    chosen = tuple(assertions or ())
    valids = [sum(b.votes.values()) for b in ordered]
    scaled_totals = [
        sum(a.scaled_margin(b, v) for b, v in zip(ordered, valids, strict=True)) for a in chosen
    ]
    margins = {a.name: Fraction(t, a.scale) for a, t in zip(chosen, scaled_totals, strict=True)}
    if not chosen or any(t <= 0 for t in scaled_totals):
        return Plan(ordered, chosen, margins, sampling=False)
    # u(a,p) = (m(p) - k_min b(p)) / M = N(a,p) / Mi(a), N and Mi integers (both scaled).
    k_mins = [min(a.coefficients.values()) for a in chosen]
    best: list[tuple[int, int]] = []  # per batch: (N, index of the assertion giving the max)
    for batch in ordered:
        top_n, top_i = 0, 0
        valid = sum(batch.votes.values())
        for i, assertion in enumerate(chosen):
            n = assertion.scaled_margin(batch, valid) - k_mins[i] * batch.ballots_cast
            if n * scaled_totals[top_i] > top_n * scaled_totals[i]:
                top_n, top_i = n, i
        best.append((top_n, top_i))
    denominator = math.lcm(*{scaled_totals[i] for _, i in best})
    numerators = tuple(n * (denominator // scaled_totals[i]) for n, i in best)
    cumulative, running = [], 0
    for n in numerators:
        running += n
        cumulative.append(running)
    return Plan(
        ordered,
        chosen,
        margins,
        sampling=True,
        bound_numerators=numerators,
        bound_denominator=denominator,
        cumulative=tuple(cumulative),
    )


def partial_plan(
    batches: Sequence[Batch],
    assertions: Sequence[Assertion],
    totals: Batch,
    total_error_bound: Fraction,
) -> Plan:
    """The plan restricted to some ``batches`` (the drawn ones), enough to measure the risk:
    the margins M(a) from the round's ``totals`` (a margin is a sum over the batches), u(p) of
    these batches, and U as computed when the audit started. It draws nothing."""
    ordered = tuple(sorted(batches, key=lambda b: b.code))
    chosen = tuple(assertions)
    scaled_totals = [a.scaled_margin(totals) for a in chosen]
    margins = {a.name: Fraction(t, a.scale) for a, t in zip(chosen, scaled_totals, strict=True)}
    if not chosen or any(t <= 0 for t in scaled_totals):
        return Plan(ordered, chosen, margins, sampling=False)
    bounds = [
        max(
            Fraction(a.scaled_margin(b) - min(a.coefficients.values()) * b.ballots_cast, t)
            for a, t in zip(chosen, scaled_totals, strict=True)
        )
        for b in ordered
    ]
    denominator = math.lcm(*(u.denominator for u in bounds)) if bounds else 1
    numerators = tuple(u.numerator * (denominator // u.denominator) for u in bounds)
    return Plan(
        ordered,
        chosen,
        margins,
        sampling=True,
        bound_numerators=numerators,
        bound_denominator=denominator,
        known_total=total_error_bound,
    )


def fraction_text(value: Fraction) -> str:
    """An exact fraction as text: ``"1234/97"`` (``"7"`` for a whole number)."""
    return str(value)


TWO_256 = 2**256


def draw_value(seed: str, k: int) -> int:
    """x(k): SHA-256 of the ASCII text ``SEED,k`` as a 256-bit big-endian integer."""
    return int.from_bytes(hashlib.sha256(f"{seed},{k}".encode("ascii")).digest(), "big")


def draw_sequence(the_plan: Plan, seed: str, first: int, count: int) -> list[tuple[int, str]]:
    """Draws ``first`` .. ``first + count - 1``: (k, branch code). Draw k picks the first batch
    (ascending code) whose running sum S of u(p) satisfies S * 2^256 > x(k) * U."""
    if not the_plan.sampling or the_plan.known_total is not None or the_plan.total_numerator <= 0:
        raise ValueError("this audit draws nothing: its outcome needs a full hand count")
    total = the_plan.total_numerator
    cumulative = the_plan.cumulative
    draws = []
    for k in range(first, first + count):
        target = draw_value(seed, k) * total
        low, high = 0, len(cumulative) - 1
        while low < high:  # the first i with cumulative[i] * 2^256 > target
            middle = (low + high) // 2
            if cumulative[middle] * TWO_256 > target:
                high = middle
            else:
                low = middle + 1
        draws.append((k, the_plan.batches[low].code))
    return draws


def fixed(value: Fraction, places: int) -> str:
    """``value`` (>= 0) as a decimal string with ``places`` decimals, rounded half-up."""
    if value < 0:
        raise ValueError("fixed() takes a value >= 0")
    scaled = math.floor(value * 10**places + Fraction(1, 2))
    whole, part = divmod(scaled, 10**places)
    return f"{whole}.{part:0{places}d}" if places else str(whole)


def alpha_of(risk_limit: Decimal | str) -> Fraction:
    """The risk limit as a fraction: ``"5"`` -> 1/20."""
    return Fraction(Decimal(risk_limit)) / 100


_RISK_LIMIT = re.compile(r"\d{1,2}(?:\.\d{1,4})?")
_SEED = re.compile(r"[0-9]{20,64}")


def risk_limit_problem(text: str) -> Said | None:
    """Why ``text`` is not a risk limit (a decimal string, 0 < PCT < 50), or None."""
    if not _RISK_LIMIT.fullmatch(text or ""):
        return Said(
            N_("risk limit %(value)s is not a percentage such as 5 or 2.5"), value=repr(text)
        )
    if not 0 < Decimal(text) < 50:
        return Said(
            N_("risk limit %(value)s must be more than 0 and less than 50 (percent)"), value=text
        )
    return None


def normal_risk_limit(text: str) -> str:
    """A valid risk limit as the audit writes it: ``"5.0"`` -> ``"5"``, ``"2.50"`` -> ``"2.5"``."""
    return format(Decimal(text).normalize(), "f")


def seed_problem(text: str) -> Said | None:
    """Why ``text`` is not a seed (20 to 64 decimal digits, as rolled), or None."""
    if not _SEED.fullmatch(text or ""):
        return Said(
            N_("the seed must be 20 to 64 decimal digits (0-9), got %(count)s characters"),
            count=len(text or ""),
        )
    return None
