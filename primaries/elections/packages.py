"""Loading an election package (CONTRACT section 5) as one audited change.

The package is validated whole before anything is written (:mod:`primaries.formats`); then the
election, its candidates, branches and rounds are inserted, and its sheets through
:mod:`primaries.sheets.bulk`, in chunks so that a national package streams through bounded memory.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select

from ..audit.chain import record
from ..audit.records import DataLog
from ..changes import Actor
from ..core.rounds import RoundAction, RoundStatus
from ..core.words import N_, Said, about, literal
from ..database import begin_change
from ..errors import Refused
from ..extensions import db
from ..formats import PackageSpec, SheetSpec, parse_package
from ..formats.specs import BranchSpec
from ..models import Branch, Candidate, Election, EntryKind, Lot, Round, RoundCandidate, RoundEvent
from ..sheets.bulk import AnnulledRow, CountedRow, next_ids, write_annulled, write_counted
from ..tally import rules_dict

_CHUNK = 2000
_LOAD_CHUNK = 5000  # sheets of a package written at a time


@dataclass(frozen=True)
class LoadSummary:
    slug: str
    sha256: str
    candidates: int
    branches: int
    rounds: int
    sheets: int


def load_package(raw: bytes, *, actor: Actor) -> LoadSummary:
    """Load an election package (CONTRACT section 5) as one audited change."""
    spec = parse_package(raw)
    begin_change()
    if db.session.scalar(select(Election.id).where(Election.slug == spec.slug)):
        exists = Said(N_("an election %(slug)s already exists"), slug=repr(spec.slug))
        raise Refused(about(literal("election.slug"), exists))
    return _insert_package(spec, hashlib.sha256(raw).hexdigest(), actor=actor)


def _insert_package(spec: PackageSpec, digest: str, *, actor: Actor) -> LoadSummary:
    rules = spec.rules
    election = Election(
        slug=spec.slug,
        name=spec.name,
        threshold_percent=rules.threshold_percent,
        threshold_inclusive=rules.threshold_inclusive,
        threshold_basis=rules.threshold_basis,
        runoff_size=rules.runoff_size,
        double_entry=spec.double_entry,
        names=stored_names(spec.names),
        regions=stored_regions(spec),
    )
    db.session.add(election)
    db.session.flush()
    # Every row's values go into the chain too, as they are written (audit.records).
    log = DataLog(
        "election.load",
        actor=actor.name,
        object_type="election",
        object_id=spec.slug,
        election=spec.slug,
    )
    # Names in other languages (version 1.1) only where the package gave them: a fifth value
    # of a branch's row, a third of a candidate's, ``names`` and ``regions`` in ``data``.
    log.add_branches(branch_row(b) for b in spec.branches)
    candidate_ids: dict[str, int] = {}
    for position, candidate in enumerate(spec.candidates):
        row = Candidate(
            election_id=election.id,
            code=candidate.code,
            name=candidate.name,
            names=stored_names(candidate.names),
            position=position,
        )
        db.session.add(row)
        db.session.flush()
        candidate_ids[candidate.code] = row.id
    ids = next_ids(db.session.connection(), "branches", len(spec.branches))
    branch_ids = {
        branch.code: branch_id for branch, branch_id in zip(spec.branches, ids, strict=True)
    }
    for start in range(0, len(spec.branches), _CHUNK):
        db.session.execute(
            insert(Branch),
            [
                {
                    "id": branch_ids[branch.code],
                    "election_id": election.id,
                    "code": branch.code,
                    "name": branch.name,
                    "region": branch.region,
                    "eligible": branch.eligible,
                    "names": stored_names(branch.names),
                }
                for branch in spec.branches[start : start + _CHUNK]
            ],
        )

    sheets = 0
    for index, round_spec in enumerate(spec.rounds):
        last = index == len(spec.rounds) - 1
        round_ = Round(
            election_id=election.id,
            number=round_spec.number,
            held_on=round_spec.held_on,
            status=RoundStatus.OPEN if last else RoundStatus.CLOSED,
            data_version=1,
        )
        db.session.add(round_)
        db.session.flush()
        order = {code: i for i, code in enumerate(c.code for c in spec.candidates)}
        ballot = sorted(round_spec.ballot, key=order.__getitem__)
        for position, code in enumerate(ballot):
            db.session.add(
                RoundCandidate(
                    round_id=round_.id, candidate_id=candidate_ids[code], position=position
                )
            )
        for lot in round_spec.lots:
            db.session.add(Lot(round_id=round_.id, codes=list(lot.order), note=lot.note))
        db.session.flush()
        log.round_fields(
            round_.number,
            ballot,
            status=round_.status,
            held_on=round_spec.held_on.isoformat() if round_spec.held_on else None,
            lots=[{"order": list(lot.order), "note": lot.note} for lot in round_spec.lots],
        )
        # In chunks: a large package's sheets are decoded as they are read (bounded memory).
        counted: list[CountedRow] = []
        codes: list[str] = []
        annulled: list[SheetSpec] = []
        for sheet in round_spec.sheets:
            if sheet.annulled:
                annulled.append(sheet)
                continue
            counted.append(
                CountedRow(
                    branch_id=branch_ids[sheet.branch],
                    ballots_cast=sheet.ballots_cast or 0,
                    invalid=sheet.invalid or 0,
                    votes={candidate_ids[c]: v for c, v in (sheet.votes or {}).items()},
                )
            )
            codes.append(sheet.branch)
            if len(counted) == _LOAD_CHUNK:
                _write_counted(round_, counted, codes, ballot, candidate_ids, log)
                counted, codes = [], []
        _write_counted(round_, counted, codes, ballot, candidate_ids, log)
        write_annulled(
            round_, (AnnulledRow(branch_ids[s.branch], s.reason or "") for s in annulled)
        )
        log.add_annulled(round_.number, ballot, ([s.branch, s.reason or ""] for s in annulled))
        db.session.add(RoundEvent(round_id=round_.id, action=RoundAction.OPEN))
        db.session.flush()
        sheets += len(round_spec.sheets)

    summary = LoadSummary(
        slug=spec.slug,
        sha256=digest,
        candidates=len(spec.candidates),
        branches=len(spec.branches),
        rounds=len(spec.rounds),
        sheets=sheets,
    )
    record(
        "election.load",
        actor=actor.name,
        object_type="election",
        object_id=spec.slug,
        election=spec.slug,
        after={
            "sha256": digest,
            "name": spec.name,
            "candidates": summary.candidates,
            "branches": summary.branches,
            "rounds": summary.rounds,
            "sheets": summary.sheets,
            "parts": log.parts,
            "data": {**definition_data(election, spec), **log.rest()},
        },
    )
    return summary


def definition_data(election: Election, spec: PackageSpec) -> dict[str, Any]:
    """What ``election.load`` and ``election.define`` record of the election itself (the replay
    reads both alike): its rules, four eyes and candidates, and its names in other languages
    (version 1.1) only where the package gave them."""
    return {
        "rules": rules_dict(election),
        "four_eyes": election.four_eyes,
        "candidates": [[c.code, c.name, *given_names(c.names)] for c in spec.candidates],
        **({} if spec.names is None else {"names": election.names}),
        **({} if spec.regions is None else {"regions": election.regions}),
    }


def branch_row(branch: BranchSpec) -> list[Any]:
    """A branch as the chain records it: a fifth value only where the package gave names."""
    return [branch.code, branch.name, branch.region, branch.eligible, *given_names(branch.names)]


def stored_regions(spec: PackageSpec) -> list[dict[str, Any]] | None:
    """The package's ``regions`` as the elections table keeps them (None: none given)."""
    if spec.regions is None:
        return None
    return [{"name": r.name, "names": dict(r.names)} for r in spec.regions]


def stored_names(names: Mapping[str, str] | None) -> dict[str, str] | None:
    return None if names is None else dict(names)


def given_names(names: Mapping[str, str] | None) -> list[dict[str, str]]:
    """``[names]`` when the package gave them, else nothing (a row as version 1 recorded it)."""
    return [] if names is None else [dict(names)]


def _write_counted(
    round_: Round,
    rows: list[CountedRow],
    codes: list[str],
    ballot: list[str],
    candidate_ids: dict[str, int],
    log: DataLog,
) -> None:
    """Write a chunk of counted sheets, and give their rows (with the new entries' ids) to the
    chain's record of the load."""
    entry_ids = write_counted(round_, rows, kind=EntryKind.PACKAGE)
    ids = [candidate_ids[code] for code in ballot]
    log.add_sheets(
        round_.number,
        ballot,
        (
            [code, entry_id, row.ballots_cast, row.invalid, *(row.votes[i] for i in ids)]
            for code, entry_id, row in zip(codes, entry_ids, rows, strict=True)
        ),
    )
