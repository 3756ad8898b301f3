"""Names in the reader's language (CONTRACT section 5, version 1.1) on the public pages.

An election, its candidates, branches and regions may have names in other languages (``names``:
language tag -> name). :class:`LocalNames` gives each in the reader's language
(:func:`primaries.i18n.lang_tag`: ``he``, ``en-GB``...), falling back to its ``name``. What the
pages cache (results, rows, regions) keeps the fallback names, the same for every reader; the
names are put in when a page is rendered, and the rendered page is kept per language (its ETag
names the locale). The branch search finds a branch by any of its names and its region's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from sqlalchemy import bindparam, select

from ..core.text import local_name
from ..extensions import db
from ..i18n import lang_tag
from ..models import Branch, Candidate, Election
from .cache import cached
from .compare import Comparison
from .rows import BranchRow
from .versions import election_versions

NameMap = Mapping[str, Mapping[str, str]]


def _branch_names(election: Election) -> dict[str, dict[str, str]]:
    """Branch code -> names, of the branches that have any (cached per data version: only a
    load or ``import-branches`` changes them, and both move the versions)."""

    def compute() -> dict[str, dict[str, str]]:
        rows = db.session.execute(
            select(Branch.code, Branch.names).where(
                Branch.election_id == election.id, Branch.names.is_not(None)
            )
        )
        return {code: dict(names) for code, names in rows if names}

    return cached(("branch-names", election.id, election_versions(election)), compute)


# Built once: every entry form asks (building a statement costs more than running it).
_CANDIDATE_NAMES = select(Candidate.code, Candidate.names).where(
    Candidate.election_id == bindparam("election_id"), Candidate.names.is_not(None)
)


@dataclass
class LocalNames:
    """One election's names in one language (``tag``, e.g. ``he``)."""

    election: Election
    tag: str = field(default_factory=lang_tag)
    fallbacks: dict[str, str] = field(default_factory=dict)
    """Branch code -> its own name, of the rows :meth:`rows` gave another name (searched too)."""

    @cached_property
    def candidate_names(self) -> dict[str, Mapping[str, str]]:
        """Candidate code -> names, of the candidates that have any (their codes and names
        only: the candidates' rows are not loaded as objects)."""
        rows = db.session.execute(_CANDIDATE_NAMES, {"election_id": self.election.id})
        return {code: dict(names) for code, names in rows if names}

    @cached_property
    def region_names(self) -> dict[str, Mapping[str, str]]:
        return {
            str(region["name"]): region["names"]
            for region in self.election.regions or ()
            if region.get("names")
        }

    @cached_property
    def branch_names(self) -> dict[str, dict[str, str]]:
        return _branch_names(self.election)

    @property
    def name(self) -> str:
        """The election's name."""
        return local_name(self.election.name, self.election.names, self.tag)

    def candidate(self, code: str, fallback: str) -> str:
        return local_name(fallback, self.candidate_names.get(code), self.tag)

    def branch(self, code: str, fallback: str) -> str:
        return local_name(fallback, self.branch_names.get(code), self.tag)

    def region(self, region: str | None) -> str | None:
        """A region's name (``None``, no region, stays ``None``)."""
        if region is None:
            return None
        return local_name(region, self.region_names.get(region), self.tag)

    def pairs(self, items: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        """(code, name) pairs of candidates, the names in this language."""
        return [(code, self.candidate(code, name)) for code, name in items]

    def mapping(self, names: Mapping[str, str]) -> dict[str, str]:
        """Candidate code -> name, the names in this language."""
        return {code: self.candidate(code, name) for code, name in names.items()}

    def result(self, result: Mapping[str, Any]) -> Mapping[str, Any]:
        """A result JSON with its candidates' names in this language (for the page only: the
        API's result, and the SHA-256 certified, are the contract's, unchanged)."""
        if not self.candidate_names:
            return result
        return {
            **result,
            "candidates": [
                {**c, "name": self.candidate(c["code"], c["name"])} for c in result["candidates"]
            ],
        }

    def rows(self, rows: Sequence[BranchRow]) -> list[BranchRow]:
        """Branch rows with their names in this language (the region stays the region's own
        name: the key of ``?region=``; show it with :meth:`region`)."""
        out = []
        for row in rows:
            name = self.branch(row.code, row.name)
            if name != row.name:
                self.fallbacks[row.code] = row.name
                row = replace(row, name=name)
            out.append(row)
        return out

    def comparison(self, found: Comparison) -> Comparison:
        """A comparison of two rounds with its names in this language."""
        return replace(
            found,
            candidates=self.pairs(found.candidates),
            branches=[
                replace(c, label=self.branch(c.code or "", c.label or "")) for c in found.branches
            ],
            regions=[replace(c, label=self.region(c.label)) for c in found.regions],
        )

    def search_text(self, row: BranchRow) -> str:
        """Every name of the branch and of its region, in every language (what the search reads
        besides the row's code, name and region)."""
        names = [self.fallbacks.get(row.code, ""), *self.branch_names.get(row.code, {}).values()]
        if row.region is not None:
            names.extend(self.region_names.get(row.region, {}).values())
        return "\n".join(names)


def local_names(election: Election) -> LocalNames:
    """``election``'s names in the reader's language."""
    return LocalNames(election)
