"""The election package (CONTRACT section 5): the whole election in one JSON document.

Loading an exported package into an empty database gives the same tallies: every branch, every
round with its ballot (for runoffs), its lots and every counted or annulled sheet. The package is
a read of the election as it stands; the pages' download and ``primaries export`` both write it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..core.sheets import SheetState
from ..extensions import db
from ..formats import FORMAT
from ..models import Branch, Election, Lot, Round, Sheet, SheetEntry
from ..tally import ballot_of, counted_votes_by_entry, rules_dict


def export_package(election: Election) -> dict[str, Any]:
    """The election package of CONTRACT section 5: loading it elsewhere gives the same tallies."""
    branches = db.session.scalars(
        select(Branch).where(Branch.election_id == election.id).order_by(Branch.id)
    ).all()
    code_of_branch = {b.id: b.code for b in branches}
    rounds = [
        _round(round_, code_of_branch)
        for round_ in db.session.scalars(
            select(Round).where(Round.election_id == election.id).order_by(Round.number)
        )
    ]
    # Names in other languages (version 1.1) exactly as loaded; no key where none were given.
    head: dict[str, Any] = {"slug": election.slug, "name": election.name}
    if election.names is not None:
        head["names"] = election.names
    head["rules"] = rules_dict(election)
    if election.regions is not None:
        head["regions"] = election.regions
    return {
        "format": FORMAT,
        "election": {
            **head,
            "candidates": [
                {"code": c.code, "name": c.name, **_names(c.names)} for c in election.candidates
            ],
            "branches": [
                {
                    "code": b.code,
                    "name": b.name,
                    **_names(b.names),
                    "region": b.region,
                    "eligible": b.eligible,
                }
                for b in branches
            ],
        },
        "rounds": rounds,
    }


def _names(names: dict[str, str] | None) -> dict[str, Any]:
    return {} if names is None else {"names": names}


def _round(round_: Round, code_of_branch: dict[int, str]) -> dict[str, Any]:
    """One round of the package: number, date, ballot (after round 1), lots and sheets."""
    ballot = ballot_of(round_)
    votes_of = counted_votes_by_entry(round_)
    sheets: list[dict[str, Any]] = []
    for sheet, entry in db.session.execute(
        select(Sheet, SheetEntry)
        .outerjoin(SheetEntry, SheetEntry.id == Sheet.counted_entry_id)
        .where(Sheet.round_id == round_.id)
        .order_by(Sheet.branch_id)
    ):
        code = code_of_branch[sheet.branch_id]
        if sheet.annulled:
            sheets.append({"branch": code, "annulled": True, "reason": sheet.annul_reason})
        elif sheet.state == SheetState.COUNTED and entry is not None:
            counted = votes_of.get(entry.id, {})
            sheets.append(
                {
                    "branch": code,
                    "ballots_cast": entry.ballots_cast,
                    "invalid": entry.invalid,
                    "votes": {c: counted.get(c, 0) for _, c, _ in ballot},
                }
            )
    round_dict: dict[str, Any] = {"number": round_.number}
    if round_.held_on:
        round_dict["held_on"] = round_.held_on.isoformat()
    if round_.number > 1:
        round_dict["candidates"] = [code for _, code, _ in ballot]
    lots = db.session.execute(
        select(Lot.codes, Lot.note).where(Lot.round_id == round_.id).order_by(Lot.id)
    ).all()
    if lots:
        round_dict["lots"] = [
            {"order": list(codes), **({"note": note} if note else {})} for codes, note in lots
        ]
    round_dict["sheets"] = sheets
    return round_dict
