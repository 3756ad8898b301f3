"""Names in other languages, changed after the election is set up (CONTRACT section 5, version
1.1: ``names`` on the election, each candidate and each branch; the election's ``regions``).

Names are what readers see, never what is counted: they may change at any time, even after
certification, by an admin, each change an ``election.names`` event in the audit chain (replayed
by ``primaries audit verify``: :mod:`primaries.audit.names`). Only the languages a change gives
are touched; a name in a language it does not give is kept, and an empty one is taken away.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from ..audit.chain import record
from ..changes import Actor
from ..core.limits import LANGUAGE_TAG_RE
from ..core.text import name_problem
from ..core.words import N_, Said, about
from ..database import begin_change
from ..errors import Refused
from ..extensions import db
from ..models import Branch, Candidate, Election
from .lookup import get_election
from .versions import bump_election_versions

Typed = Mapping[str, str]
"""A language tag -> the name typed for it ("" takes the name in that language away)."""


@dataclass(frozen=True)
class NameChanges:
    """What a change gives: for the election, candidates (by code), regions (by name) and
    branches (by code), the names typed per language."""

    election: Typed | None = None
    candidates: Mapping[str, Typed] = field(default_factory=dict)
    regions: Mapping[str, Typed] = field(default_factory=dict)
    branches: Mapping[str, Typed] = field(default_factory=dict)


def merged(old: Mapping[str, str] | None, typed: Typed) -> dict[str, str] | None:
    """``old`` with ``typed`` over it: a name typed replaces, an empty one takes the language
    away; None when no name is left and there were none before (``{}`` stays ``{}``)."""
    names = dict(old or {})
    for tag, text in typed.items():
        if text.strip():
            names[tag] = text.strip()
        else:
            names.pop(tag, None)
    if not names and old is None:
        return None
    return names


def _problems(where: str, typed: Typed) -> list[str]:
    found: list[str] = []
    for tag, text in typed.items():
        if not LANGUAGE_TAG_RE.match(tag):
            found.append(Said(N_("%(where)s: %(tag)s is not a language tag"), where=where, tag=tag))
        elif text.strip() and (problem := name_problem(text.strip())) is not None:
            found.append(
                Said(N_("%(where)s (%(tag)s): %(problem)s"), where=where, tag=tag, problem=problem)
            )
    return found


def set_names(slug: str, changes: NameChanges, *, actor: Actor) -> None:
    """Change names in other languages. Refused, with
    every problem and nothing changed, for an unknown candidate, region or branch, a language
    tag that is not one, or a name a name may not be; and when nothing would change."""
    begin_change()
    election = get_election(slug)
    candidates = {
        c.code: c
        for c in db.session.scalars(select(Candidate).where(Candidate.election_id == election.id))
    }
    wanted = set(changes.branches)
    branches = {
        b.code: b
        for b in db.session.scalars(
            select(Branch).where(Branch.election_id == election.id, Branch.code.in_(wanted))
        )
    }
    regions = regions_of(election)
    problems = _problems(election.slug, changes.election or {})
    for kind, typed_by, known in (
        (N_("candidate"), changes.candidates, candidates),
        (N_("region"), changes.regions, regions),
        (N_("branch"), changes.branches, branches),
    ):
        for key, typed in typed_by.items():
            if key not in known:
                problems.append(about(kind, Said(N_("there is no %(key)s"), key=repr(key))))
            else:
                problems += _problems(key, typed)
    if problems:
        raise Refused(problems)

    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    if changes.election is not None:
        new = merged(election.names, changes.election)
        if new != election.names:
            before["names"], after["names"] = election.names, new
            election.names = new
    for kind, typed_by, rows in (
        ("candidates", changes.candidates, candidates),
        ("branches", changes.branches, branches),
    ):
        for code, typed in typed_by.items():
            row = rows[code]
            new = merged(row.names, typed)
            if new != row.names:
                before.setdefault(kind, {})[code] = row.names
                after.setdefault(kind, {})[code] = new
                row.names = new
    new_regions = _new_regions(election.regions, regions, changes.regions)
    if new_regions != election.regions:
        before["regions"], after["regions"] = election.regions, new_regions
        election.regions = new_regions
    if not after:
        raise Refused(Said(N_("these are the names already: nothing changes")))
    bump_election_versions(election)  # every page and answer that names them is stale
    record(
        "election.names",
        actor=actor.name,
        object_type="election",
        object_id=slug,
        election=slug,
        before=before,
        after=after,
    )


def regions_of(election: Election) -> dict[str, dict[str, str] | None]:
    """Every region of the election (its branches' and those the election names), in name
    order, with the names it has in other languages (None: none)."""
    found: dict[str, dict[str, str] | None] = {
        str(name): None
        for name in db.session.scalars(
            select(Branch.region)
            .where(Branch.election_id == election.id, Branch.region.is_not(None))
            .distinct()
        )
    }
    for item in election.regions or []:
        found[str(item["name"])] = dict(item.get("names") or {})
    return dict(sorted(found.items()))


def _new_regions(
    stored: list[dict[str, Any]] | None,
    regions: Mapping[str, dict[str, str] | None],
    typed_by: Mapping[str, Typed],
) -> list[dict[str, Any]] | None:
    """The election's ``regions`` after the change: each region keeps its place, a region named
    for the first time comes last, and one left without names is dropped."""
    if not typed_by:
        return stored
    order = [str(item["name"]) for item in stored or []]
    order += sorted(name for name in typed_by if name not in order)
    kept = []
    for name in order:
        names = merged(regions.get(name), typed_by.get(name, {}))
        if names:
            kept.append({"name": name, "names": names})
    return kept or (None if stored is None else [])
