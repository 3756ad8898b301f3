"""Changing an election's definition until the first thing is recorded for it (issue 15: set-up
in the browser).

An election is created by loading its package (:func:`primaries.elections.packages
.load_package`, the same for the command line and the web's set-up page). Until anything is
recorded for it (a sheet entered, paper received, an objection, a request, a lot, a round closed
or a runoff opened), :func:`define_election` replaces its definition (names, rules, candidates in
ballot order, branches and round 1's date) with a new package, checked exactly as ``load`` checks
one (:func:`primaries.formats.parse_package`: the same problems, the same words). It changes the
rows in place: the election, its round 1 (with its life, its publishing choice and its events),
four eyes and the red-flag settings stay; candidates and branches are matched by code, so an
unchanged one keeps its row.

One ``election.define`` event records the whole new definition, as ``election.load`` records a
package's (:meth:`primaries.audit.replay.Replay.define` replays it); :func:`setup_lock_words`
is the one place that says when the definition can no longer change.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, exists, select

from ..audit.chain import record
from ..changes import Actor
from ..core.rounds import RoundStatus, Words
from ..core.words import N_, Said, about, literal
from ..database import begin_change
from ..errors import Refused
from ..extensions import db
from ..formats import PackageSpec, parse_package
from ..models import (
    Branch,
    Candidate,
    CandidateTotal,
    ChangeRequest,
    Election,
    Lot,
    Objection,
    PaperReceipt,
    Round,
    RoundCandidate,
    Sheet,
    SheetPhoto,
)
from .lookup import get_election
from .packages import branch_row, definition_data, stored_names, stored_regions
from .versions import bump_election_versions


@dataclass(frozen=True)
class DefineSummary:
    slug: str
    sha256: str
    candidates: int
    branches: int
    added: list[str]
    removed: list[str]


def setup_lock_words(election: Election) -> Words | None:
    """Why the election's definition can no longer change, or None while it can: the one place
    that says so (the set-up page asks it before offering its form, the service before saving)."""
    rounds = list(election.rounds)
    if len(rounds) > 1:
        return N_("round %(number)s has been opened: the election is under way"), {
            "number": rounds[-1].number
        }
    first = rounds[0]
    if first.status != RoundStatus.OPEN:
        return N_("round 1 has been closed: the election is under way"), {}
    recorded: tuple[tuple[Any, str], ...] = (
        (Sheet, N_("a sheet has been entered for branch %(branch)s")),
        (PaperReceipt, N_("the paper sheet of branch %(branch)s has been received")),
        (SheetPhoto, N_("a photo of branch %(branch)s's sheet has been kept")),
        (Objection, N_("an objection about branch %(branch)s has been filed")),
    )
    for model, words in recorded:
        branch = db.session.scalar(
            select(Branch.code)
            .join(model, model.branch_id == Branch.id)
            .where(model.round_id == first.id)
            .limit(1)
        )
        if branch is not None:
            return words, {"branch": branch}
    if db.session.scalar(select(exists().where(Lot.round_id == first.id))):
        return N_("a lot has been drawn in round 1"), {}
    if db.session.scalar(select(exists().where(ChangeRequest.election_id == election.id))):
        return N_("a change has been asked for in this election"), {}
    return None


def define_election(slug: str, raw: bytes, *, actor: Actor) -> DefineSummary:
    """Replace the definition of election ``slug`` with the package ``raw`` (one round, no sheets
    and no lots), while nothing is recorded for it. Refused, changing nothing, with every problem
    of the package (``path: message``, as ``load`` says them) or the reason it is too late."""
    spec = parse_package(raw)
    problems: list[str] = []
    if spec.slug != slug:
        stay = N_("must stay %(slug)s (it is in every address of the election), not %(value)s")
        said = Said(stay, slug=repr(slug), value=repr(spec.slug))
        problems.append(about(literal("election.slug"), said))
    if len(spec.rounds) != 1:
        alone = Said(N_("must be round 1 alone: a runoff is opened when round 1 ends"))
        problems.append(about(literal("rounds"), alone))
    elif spec.rounds[0].sheets or spec.rounds[0].lots:
        empty = Said(N_("must hold no sheets and no lots: they are entered, not set up"))
        problems.append(about(literal("rounds[0]"), empty))
    if problems:
        raise Refused(problems)
    begin_change()
    election = get_election(slug)
    too_late = setup_lock_words(election)
    if too_late is not None:
        late = N_("the election %(slug)s can no longer be changed: %(reason)s")
        raise Refused(Said(late, slug=repr(slug), reason=too_late))
    first = election.rounds[0]
    added, removed = _branches(election, spec)
    ballot = _candidates(election, first, spec)
    election.name = spec.name
    election.names = stored_names(spec.names)
    election.regions = stored_regions(spec)
    election.threshold_percent = spec.rules.threshold_percent
    election.threshold_inclusive = spec.rules.threshold_inclusive
    election.threshold_basis = spec.rules.threshold_basis
    election.runoff_size = spec.rules.runoff_size
    election.double_entry = spec.double_entry
    first.held_on = spec.rounds[0].held_on
    db.session.flush()
    bump_election_versions(election)
    digest = hashlib.sha256(raw).hexdigest()
    record(
        "election.define",
        actor=actor.name,
        object_type="election",
        object_id=slug,
        election=slug,
        after={
            "sha256": digest,
            "name": spec.name,
            "candidates": len(spec.candidates),
            "branches": len(spec.branches),
            "added": added,
            "removed": removed,
            "data": _data(election, spec, first, ballot),
        },
    )
    return DefineSummary(slug, digest, len(spec.candidates), len(spec.branches), added, removed)


def _candidates(election: Election, first: Round, spec: PackageSpec) -> list[str]:
    """Match the candidates by code (a kept one keeps its row); round 1's ballot is all of them,
    in the new order. Returns the ballot's codes."""
    db.session.execute(delete(RoundCandidate).where(RoundCandidate.round_id == first.id))
    old = {c.code: c for c in election.candidates}
    new_codes = {c.code for c in spec.candidates}
    gone = [row.id for code, row in old.items() if code not in new_codes]
    if gone:
        db.session.execute(delete(CandidateTotal).where(CandidateTotal.candidate_id.in_(gone)))
        db.session.execute(delete(Candidate).where(Candidate.id.in_(gone)))
    db.session.expire(election, ["candidates"])
    ballot = []
    for position, given in enumerate(spec.candidates):
        row = old.get(given.code)
        if row is None:
            row = Candidate(election_id=election.id, code=given.code, position=position)
            db.session.add(row)
        row.name, row.position = given.name, position
        row.names = stored_names(given.names)
        db.session.flush()
        db.session.add(RoundCandidate(round_id=first.id, candidate_id=row.id, position=position))
        ballot.append(given.code)
    return ballot


def _branches(election: Election, spec: PackageSpec) -> tuple[list[str], list[str]]:
    """Match the branches by code: update the kept, delete the gone, add the new. Returns the
    codes added and removed."""
    old = {
        b.code: b
        for b in db.session.scalars(select(Branch).where(Branch.election_id == election.id))
    }
    new_codes = {b.code for b in spec.branches}
    removed = sorted(code for code in old if code not in new_codes)
    if removed:
        db.session.execute(delete(Branch).where(Branch.id.in_([old[code].id for code in removed])))
    added = []
    for given in spec.branches:
        row = old.get(given.code)
        if row is None:
            row = Branch(election_id=election.id, code=given.code)
            db.session.add(row)
            added.append(given.code)
        row.name, row.region, row.eligible = given.name, given.region, given.eligible
        row.names = stored_names(given.names)
    db.session.flush()
    return added, removed


def _data(
    election: Election, spec: PackageSpec, first: Round, ballot: list[str]
) -> dict[str, object]:
    """The new definition as ``election.load`` records a package's ``data`` (the replay reads
    both alike): names in other languages only where the package gave them."""
    data: dict[str, object] = definition_data(election, spec)
    data["branches"] = [branch_row(b) for b in spec.branches]
    data["rounds"] = [
        {
            "number": 1,
            "ballot": ballot,
            "status": first.status,
            "held_on": first.held_on.isoformat() if first.held_on else None,
            "lots": [],
        }
    ]
    return data
