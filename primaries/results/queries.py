"""Read-side queries shared by the public pages and the JSON API."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..elections.rounds import current_certificate
from ..elections.services import rules_dict
from ..extensions import db
from ..models import Branch, Election, EntryVote, Round, Sheet, SheetEntry
from ..tally import ballot_of


def elections_summary() -> list[dict[str, Any]]:
    out = []
    for election in db.session.scalars(select(Election).order_by(Election.created_at.desc())):
        out.append(
            {
                "slug": election.slug,
                "name": election.name,
                "rounds": [round_summary(r) for r in election.rounds],
            }
        )
    return out


def round_summary(round_: Round) -> dict[str, Any]:
    certificate = current_certificate(round_)
    return {
        "number": round_.number,
        "held_on": round_.held_on.isoformat() if round_.held_on else None,
        "status": round_.status,
        "candidates": [code for _, code, _ in ballot_of(round_)],
        "certificate": None
        if certificate is None
        else {
            "certified_at": certificate.created_at.isoformat(),
            "result_sha256": certificate.result_sha256,
            "audit_head": certificate.audit_head,
        },
    }


def election_detail(election: Election) -> dict[str, Any]:
    branches = db.session.scalar(
        select(db.func.count(Branch.id)).where(Branch.election_id == election.id)
    )
    return {
        "slug": election.slug,
        "name": election.name,
        "rules": rules_dict(election),
        "candidates": [{"code": c.code, "name": c.name} for c in election.candidates],
        "branches": int(branches or 0),
        "rounds": [round_summary(r) for r in election.rounds],
    }


def round_branches(round_: Round) -> list[dict[str, Any]]:
    """One object per branch: code, name, region, eligible, status and counted numbers."""
    ballot = ballot_of(round_)
    code_of = {candidate_id: code for candidate_id, code, _ in ballot}
    votes_of: dict[int, dict[str, int]] = {}
    for entry_id, candidate_id, votes in db.session.execute(
        select(EntryVote.entry_id, EntryVote.candidate_id, EntryVote.votes)
        .join(Sheet, Sheet.counted_entry_id == EntryVote.entry_id)
        .where(Sheet.round_id == round_.id, Sheet.annulled.is_(False))
    ):
        votes_of.setdefault(entry_id, {})[code_of[candidate_id]] = int(votes)
    rows = db.session.execute(
        select(Branch, Sheet.state, Sheet.annulled, Sheet.annul_reason, SheetEntry)
        .outerjoin(Sheet, (Sheet.branch_id == Branch.id) & (Sheet.round_id == round_.id))
        .outerjoin(SheetEntry, SheetEntry.id == Sheet.counted_entry_id)
        .where(Branch.election_id == round_.election_id)
        .order_by(Branch.code)
    )
    out = []
    for branch, state, annulled, reason, entry in rows:
        item: dict[str, Any] = {
            "code": branch.code,
            "name": branch.name,
            "region": branch.region,
            "eligible": branch.eligible,
        }
        if annulled:
            item.update(status="annulled", reason=reason)
        elif state == "counted" and entry is not None:
            counted = votes_of.get(entry.id, {})
            item.update(
                status="counted",
                ballots_cast=entry.ballots_cast,
                invalid=entry.invalid,
                votes={code: counted.get(code, 0) for _, code, _ in ballot},
            )
        else:
            item["status"] = "pending"
        out.append(item)
    return out
