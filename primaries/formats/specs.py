"""What the readers return: frozen specs of an election package and of CSV rows.

A spec holds checked values only: a reader returns specs when it found no problem at all, and
raises :class:`~.problems.FormatError` otherwise. Loading them into the database is the
caller's job.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from primaries.core.rules import Rules

Names = Mapping[str, str]
"""Names in other languages (version 1.1): language tag -> name, in the order the package gave."""


@dataclass(frozen=True)
class CandidateSpec:
    code: str
    name: str
    names: Names | None = field(default=None, hash=False)
    """``None``: the package gave no ``names`` (not the same as ``{}``: export writes what load
    read)."""


@dataclass(frozen=True)
class BranchSpec:
    code: str
    name: str
    region: str | None
    eligible: int
    line: int | None = None
    """The CSV line it was read from; ``None`` when it comes from a package."""
    names: Names | None = field(default=None, hash=False)
    """From a package only; a CSV file gives none (``import-branches`` keeps a branch's names)."""


@dataclass(frozen=True)
class SheetSpec:
    """One branch's sheet in one round: counted (numbers given) or annulled (a reason given)."""

    branch: str
    ballots_cast: int | None
    invalid: int | None
    votes: Mapping[str, int] | None
    """Candidate code -> votes, in the order of the round's ballot; ``None`` when annulled."""
    annulled: bool = False
    reason: str | None = None
    line: int | None = None
    """The CSV line it was read from, when it comes from a CSV file."""
    path: str | None = None
    """Its JSON path (``rounds[0].sheets[3]``), when it comes from a package."""


@dataclass(frozen=True)
class LotSpec:
    order: tuple[str, ...]
    note: str | None


@dataclass(frozen=True)
class RoundSpec:
    number: int
    held_on: datetime.date | None
    ballot: tuple[str, ...]
    """The round's candidates in the election's order: round 1 all of them; a later round the
    given ``candidates``, or else the qualifiers of the round before."""
    candidates_given: bool
    lots: tuple[LotSpec, ...]
    sheets: Sequence[SheetSpec]
    """A tuple; for a large package a lazy sequence that decodes each sheet when it is read."""


@dataclass(frozen=True)
class RegionSpec:
    """A region named in other languages (``election.regions``, version 1.1)."""

    name: str
    names: Names = field(hash=False)


@dataclass(frozen=True)
class PackageSpec:
    slug: str
    name: str
    rules: Rules
    candidates: tuple[CandidateSpec, ...]
    branches: tuple[BranchSpec, ...]
    rounds: tuple[RoundSpec, ...]
    double_entry: bool = True
    """``election.rules.double_entry``: an entry setting, which the core's Rules does not hold."""
    names: Names | None = field(default=None, hash=False)
    regions: tuple[RegionSpec, ...] | None = None
    """``election.regions``; ``None`` when the package gave none."""
