"""The rules that decide a round: ordering, ranks, threshold, winner, runoff, lots, percentages.

Pure functions over plain data (CONTRACT section 3). No Flask, no database: the database sums,
this module decides. Every number is an exact int or Decimal, never a float.

Public API:

- :class:`Rules`: an election's rules (CONTRACT section 2), validated on construction.
- :func:`decide`: the outcome of one round, with the full order of its candidates.
- :func:`order_candidates`: the order and competition ranks alone (section 3, "Order").
- :func:`competition_ranks`: rank on votes alone (1, 2, 2, 4).
- :func:`lot_orders`: how the recorded lots order one group of candidates with equal votes.
- :func:`reaches_threshold`: the exact threshold comparison of round 1.
- :func:`percent`: a two-decimal, half-up percentage string from exact integers.

How lots order candidates with equal votes is :mod:`primaries.core.lots`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from .limits import is_int
from .lots import LotOrder, check_lots, lot_orders

__all__ = [
    "Basis",
    "Decision",
    "LotOrder",
    "Outcome",
    "Placed",
    "Rules",
    "Status",
    "competition_ranks",
    "decide",
    "lot_orders",
    "order_candidates",
    "percent",
    "reaches_threshold",
]

Status = Literal["winner", "runoff", "lot_required", "no_votes"]
Basis = Literal["valid", "cast"]

_THRESHOLD_TEXT = re.compile(r"\d{1,3}(?:\.\d{1,2})?")
_HUNDREDTH = Decimal("0.01")


def _check_count(name: str, value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return value


def _threshold(value: object) -> Decimal:
    """Coerce and check a threshold: Decimal, int or decimal string; 0-100, up to 2 decimals."""
    if isinstance(value, Decimal):
        t = value
    elif isinstance(value, int) and not isinstance(value, bool):
        t = Decimal(value)
    elif isinstance(value, str):
        if not _THRESHOLD_TEXT.fullmatch(value):
            raise ValueError(
                f"threshold_percent must be a decimal string with up to 2 decimals, got {value!r}"
            )
        t = Decimal(value)
    else:
        raise TypeError(
            f"threshold_percent must be a Decimal, int or str, not {type(value).__name__}"
        )
    if not t.is_finite():
        raise ValueError(f"threshold_percent must be finite, got {value!r}")
    if not Decimal(0) <= t <= Decimal(100):
        raise ValueError(f"threshold_percent must be between 0 and 100, got {value!r}")
    if t != t.quantize(_HUNDREDTH):
        raise ValueError(f"threshold_percent has more than 2 decimals: {value!r}")
    return t


@dataclass(frozen=True)
class Rules:
    """An election's rules (CONTRACT section 2).

    ``threshold_percent`` may be given as a Decimal, an int or a decimal string (``"33.33"``);
    it is stored as a Decimal. Invalid rules raise ``ValueError`` (bad value) or ``TypeError``
    (bad type, e.g. a float threshold).
    """

    threshold_percent: Decimal = Decimal("40")
    threshold_inclusive: bool = True
    threshold_basis: Basis = "valid"
    runoff_size: int = 2

    def __post_init__(self) -> None:
        object.__setattr__(self, "threshold_percent", _threshold(self.threshold_percent))
        if not isinstance(self.threshold_inclusive, bool):
            raise TypeError("threshold_inclusive must be a bool")
        if self.threshold_basis not in ("valid", "cast"):
            raise ValueError(
                f"threshold_basis must be 'valid' or 'cast', got {self.threshold_basis!r}"
            )
        if not is_int(self.runoff_size):
            raise TypeError("runoff_size must be an int")
        if self.runoff_size < 2:
            raise ValueError(f"runoff_size must be >= 2, got {self.runoff_size}")


@dataclass(frozen=True)
class Outcome:
    """The outcome of a round (CONTRACT section 4, ``outcome``).

    - ``winner``: ``winner`` is the code; everything else empty.
    - ``runoff``: ``qualifiers`` is the ordered tuple of codes going on.
    - ``lot_required``: ``tied`` (by code) are the candidates a lot must order, ``places`` how
      many of them win or qualify.
    - ``no_votes``: everything empty.
    """

    status: Status
    winner: str | None = None
    qualifiers: tuple[str, ...] = ()
    tied: tuple[str, ...] = ()
    places: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "status": self.status,
            "winner": self.winner,
            "qualifiers": list(self.qualifiers),
            "tied": list(self.tied),
            "places": self.places,
        }


@dataclass(frozen=True)
class Placed:
    """A candidate in the round's order, with competition rank on votes alone."""

    code: str
    votes: int
    rank: int


@dataclass(frozen=True)
class Decision:
    """The decided round: every candidate in order (with rank) and the outcome.

    ``extra`` carries informative details; for round 1 with valid votes it has
    ``"reaching_threshold"``: the codes (in order) whose share reaches the threshold.
    """

    candidates: tuple[Placed, ...]
    outcome: Outcome
    extra: dict[str, object] = field(default_factory=dict)


def _check_votes(votes: object) -> dict[str, int]:
    if not isinstance(votes, Mapping):
        raise TypeError("votes must be a mapping of code -> votes")
    if not votes:
        raise ValueError("the ballot is empty: votes names no candidate")
    checked: dict[str, int] = {}
    for code, count in votes.items():
        if not isinstance(code, str) or not code:
            raise ValueError(f"a candidate code must be a non-empty str, got {code!r}")
        checked[code] = _check_count(f"votes[{code!r}]", count)
    return checked


def competition_ranks(votes: Mapping[str, int]) -> dict[str, int]:
    """Competition ranking on votes alone: 1 + how many candidates have more votes (1, 2, 2, 4)."""
    checked = _check_votes(votes)
    ordered = sorted(checked.values(), reverse=True)
    first_at: dict[int, int] = {}
    for index, count in enumerate(ordered):
        first_at.setdefault(count, index + 1)
    return {code: first_at[count] for code, count in checked.items()}


def _groups(votes: dict[str, int], lots: tuple[tuple[str, ...], ...]) -> list[tuple[int, LotOrder]]:
    by_votes: dict[int, list[str]] = {}
    for code, count in votes.items():
        by_votes.setdefault(count, []).append(code)
    return [(count, lot_orders(by_votes[count], lots)) for count in sorted(by_votes, reverse=True)]


def _placed(groups: list[tuple[int, LotOrder]]) -> tuple[Placed, ...]:
    placed: list[Placed] = []
    for count, group in groups:
        rank = len(placed) + 1
        placed.extend(Placed(code=code, votes=count, rank=rank) for code in group.order)
    return tuple(placed)


def order_candidates(
    votes: Mapping[str, int], lots: Sequence[Sequence[str]] = ()
) -> tuple[Placed, ...]:
    """Every candidate in the round's order: votes descending, equal votes by lots then code."""
    checked = _check_votes(votes)
    return _placed(_groups(checked, check_lots(lots, checked)))


def reaches_threshold(votes: int, *, rules: Rules, valid: int, cast: int) -> bool:
    """Whether ``votes`` reach the round-1 threshold of ``rules`` (exact arithmetic).

    With basis total B (``valid`` or ``cast``) and threshold T: inclusive ``v * 100 >= T * B``,
    exclusive ``v * 100 > T * B``. A share of nothing (B == 0) reaches no threshold.
    """
    _check_count("votes", votes)
    basis_total = _check_count(
        rules.threshold_basis, valid if rules.threshold_basis == "valid" else cast
    )
    if votes > basis_total:
        raise ValueError(
            f"votes ({votes}) exceed the {rules.threshold_basis} total ({basis_total})"
        )
    if basis_total == 0:
        return False
    numerator, denominator = rules.threshold_percent.as_integer_ratio()
    share = votes * 100 * denominator
    needed = numerator * basis_total
    return share >= needed if rules.threshold_inclusive else share > needed


def _top(group: LotOrder) -> Outcome:
    """The outcome when the top of ``group`` (the most votes) wins."""
    if group.decides_first(1):
        return Outcome(status="winner", winner=group.order[0])
    return Outcome(status="lot_required", tied=tuple(sorted(group.order)), places=1)


def decide(
    *,
    round_number: int,
    rules: Rules,
    votes: Mapping[str, int],
    valid: int,
    cast: int,
    lots: Sequence[Sequence[str]] = (),
) -> Decision:
    """Decide a round. ``votes``: code -> votes for every candidate on the round's ballot.

    ``lots``: the recorded lots of this round, oldest first, each an ordering of codes.
    ``valid`` must equal the sum of ``votes`` and ``cast`` must be at least ``valid``.
    Raises ``ValueError`` (or ``TypeError`` for wrong types) on inconsistent input: an empty
    ballot, negative numbers, a round number below 1, a lot naming a code twice, fewer than two
    codes or a code not on the ballot.
    """
    if not is_int(round_number):
        raise TypeError("round_number must be an int")
    if round_number < 1:
        raise ValueError(f"round_number must be >= 1, got {round_number}")
    if not isinstance(rules, Rules):
        raise TypeError("rules must be a Rules")
    checked = _check_votes(votes)
    _check_count("valid", valid)
    _check_count("cast", cast)
    if valid != sum(checked.values()):
        raise ValueError(f"valid ({valid}) is not the sum of the votes ({sum(checked.values())})")
    if cast < valid:
        raise ValueError(f"cast ({cast}) is less than valid ({valid})")
    groups = _groups(checked, check_lots(lots, checked))
    candidates = _placed(groups)

    if valid == 0:
        return Decision(candidates=candidates, outcome=Outcome(status="no_votes"))
    if round_number > 1:
        return Decision(candidates=candidates, outcome=_top(groups[0][1]))

    reaching = tuple(
        p.code
        for p in candidates
        if reaches_threshold(p.votes, rules=rules, valid=valid, cast=cast)
    )
    extra: dict[str, object] = {"reaching_threshold": reaching}
    if reaching:
        # Reaching is monotone in votes: the top group reaches it, and holds the most votes.
        return Decision(candidates=candidates, outcome=_top(groups[0][1]), extra=extra)

    size = rules.runoff_size
    if len(candidates) <= size:
        outcome = Outcome(status="runoff", qualifiers=tuple(p.code for p in candidates))
        return Decision(candidates=candidates, outcome=outcome, extra=extra)

    last_votes = candidates[size - 1].votes
    start = next(i for i, p in enumerate(candidates) if p.votes == last_votes)
    group = next(g for count, g in groups if count == last_votes)
    inside = size - start
    if not group.decides_first(inside):
        outcome = Outcome(status="lot_required", tied=tuple(sorted(group.order)), places=inside)
    else:
        outcome = Outcome(status="runoff", qualifiers=tuple(p.code for p in candidates[:size]))
    return Decision(candidates=candidates, outcome=outcome, extra=extra)


def percent(numerator: int, denominator: int) -> str | None:
    """``numerator / denominator`` as a percentage string with two decimals, rounded half-up.

    Exact integer arithmetic: ``percent(2, 3) == "66.67"``, ``percent(1, 800) == "0.13"``.
    A zero denominator gives ``None``. Negative numbers raise ``ValueError``.
    """
    _check_count("numerator", numerator)
    _check_count("denominator", denominator)
    if denominator == 0:
        return None
    hundredths = (numerator * 20000 + denominator) // (2 * denominator)
    return f"{hundredths // 100}.{hundredths % 100:02d}"
