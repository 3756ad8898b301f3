"""Could the boxes held for review change a round's outcome? (issue 13, quarantine)

A box a red flag holds for review still counts as its sheet says; the supervisor's question is
whether it matters. :func:`could_change` answers it exactly, in integers, with the worst cases a
committee would argue about: the held boxes count nothing at all (annulled), or every eligible
member of every held box voted, validly, for one candidate (each candidate in turn). The outcome
of each case is decided by :func:`primaries.core.rules.decide`, the same rule as the round's, and
compared with the round's outcome as it stands.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .rules import Outcome, Rules, decide

NONE_COUNTED = "none"
"""The case where the held boxes count nothing (as if annulled)."""


@dataclass(frozen=True)
class HeldNumbers:
    """A held box's numbers: its eligible members and its counted sheet."""

    code: str
    eligible: int
    cast: int
    invalid: int
    votes: Mapping[str, int]


@dataclass(frozen=True)
class Reach:
    """The round's outcome, and each worst case whose outcome differs from it: ``cases`` maps
    :data:`NONE_COUNTED` or a candidate's code (all eligible members for that candidate) to the
    outcome that case gives."""

    outcome: Outcome
    cases: Mapping[str, Outcome]

    @property
    def changes(self) -> bool:
        return bool(self.cases)


def could_change(
    *,
    round_number: int,
    rules: Rules,
    votes: Mapping[str, int],
    valid: int,
    cast: int,
    held: Sequence[HeldNumbers],
    lots: Sequence[Sequence[str]] = (),
) -> Reach:
    """Whether the boxes ``held`` could change the outcome of the round whose totals (held boxes
    included) are ``votes``, ``valid`` and ``cast``."""

    def outcome_of(case_votes: Mapping[str, int], case_valid: int, case_cast: int) -> Outcome:
        return decide(
            round_number=round_number,
            rules=rules,
            votes=case_votes,
            valid=case_valid,
            cast=case_cast,
            lots=lots,
        ).outcome

    outcome = outcome_of(votes, valid, cast)
    rest = dict(votes)
    rest_valid, rest_cast, eligible = valid, cast, 0
    for box in held:
        for code, count in box.votes.items():
            rest[code] -= count
        rest_valid -= box.cast - box.invalid
        rest_cast -= box.cast
        eligible += box.eligible
    found = {NONE_COUNTED: outcome_of(rest, rest_valid, rest_cast)}
    for code in votes:
        everyone = {**rest, code: rest[code] + eligible}
        found[code] = outcome_of(everyone, rest_valid + eligible, rest_cast + eligible)
    cases = {label: case for label, case in found.items() if case != outcome}
    return Reach(outcome, cases)
