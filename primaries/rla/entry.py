"""Blind double entry of a drawn box's hand count on the web (the staff pages).

A clerk types the count; a second account types it again without seeing the first. Two entries
that agree make the box's audited count (:func:`primaries.rla.service.write_counts`); two that
differ are a mismatch, which a supervisor decides by recording the count with a reason
(:func:`primaries.rla.service.record_specs`). The command line records one count directly.
Each entry is an ``rla.enter`` event carrying its numbers.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import func, select

from ..audit.chain import record
from ..changes import Actor
from ..core.words import N_, Said
from ..database import begin_change
from ..elections.lookup import get_election, get_round
from ..errors import Refused
from ..extensions import db
from ..formats import SheetSpec
from ..models import Branch
from ..models.rla import RlaAudit, RlaCount, RlaEntry
from .queries import state_of
from .service import SpecCheck, branch_ids, branch_where, running_audit, write_counts


class EntryOutcome(StrEnum):
    AWAITING_SECOND = "awaiting_second"
    COUNTED = "counted"
    MISMATCH = "mismatch"


def open_entries(audit: RlaAudit) -> dict[str, list[RlaEntry]]:
    """Per box without a count now: the entries of its current attempt, in order."""
    counts = dict(
        db.session.execute(
            select(RlaCount.branch_id, func.count(RlaCount.id))
            .where(RlaCount.audit_id == audit.id)
            .group_by(RlaCount.branch_id)
        ).all()
    )
    found: dict[str, list[RlaEntry]] = {}
    rows = db.session.execute(
        select(RlaEntry, Branch.code)
        .join(Branch, Branch.id == RlaEntry.branch_id)
        .where(RlaEntry.audit_id == audit.id)
        .order_by(RlaEntry.id)
    ).all()
    for entry, code in rows:
        if not counts.get(entry.branch_id):  # a box with a count has no open entries
            found.setdefault(str(code), []).append(entry)
    return found


def entry_states(audit: RlaAudit) -> dict[str, EntryOutcome]:
    """Boxes awaiting their second entry or in mismatch."""
    return {
        code: EntryOutcome.AWAITING_SECOND if len(entries) == 1 else EntryOutcome.MISMATCH
        for code, entries in open_entries(audit).items()
    }


def enter_count(slug: str, round_number: int, spec: SheetSpec, *, actor: Actor) -> EntryOutcome:
    """One blind entry of a drawn box's hand count."""
    begin_change()
    round_ = get_round(get_election(slug), round_number)
    audit = running_audit(round_)
    state = state_of(round_, audit)
    problems: list[str] = []
    batch = SpecCheck.of(round_, state).batch(spec, branch_where(spec.branch), problems)
    if batch is None:
        raise Refused(problems)
    if batch.code in state.audited:
        audited = N_(
            "branch %(code)s already has an audited count: a supervisor corrects it, with a reason"
        )
        raise Refused(Said(audited, code=batch.code))
    pair = open_entries(audit).get(batch.code, [])
    if len(pair) >= 2:
        differ = N_(
            "branch %(code)s: the two entries differ: a supervisor decides the count (with a "
            "reason)"
        )
        raise Refused(Said(differ, code=batch.code))
    if pair and actor.user_id is not None and pair[0].user_id == actor.user_id:
        blind = N_(
            "branch %(code)s: the second entry must be typed by another account (blind double "
            "entry)"
        )
        raise Refused(Said(blind, code=batch.code))
    ids = branch_ids(round_)
    entry = RlaEntry(
        audit_id=audit.id,
        branch_id=ids[batch.code],
        attempt=0,
        ballots_cast=batch.ballots_cast,
        invalid=batch.invalid,
        votes=dict(batch.votes),
        user_id=actor.user_id,
    )
    db.session.add(entry)
    db.session.flush()
    if not pair:
        outcome = EntryOutcome.AWAITING_SECOND
    else:
        first = pair[0]
        same = (first.ballots_cast, first.invalid, dict(first.votes)) == (
            batch.ballots_cast,
            batch.invalid,
            dict(batch.votes),
        )
        outcome = EntryOutcome.COUNTED if same else EntryOutcome.MISMATCH
    record(
        "rla.enter",
        actor=actor.name,
        object_type="round",
        object_id=f"{slug}/{round_.number}",
        election=slug,
        round_number=round_.number,
        branch=batch.code,
        after={
            "entry_id": entry.id,
            "attempt": entry.attempt,
            "ballots_cast": batch.ballots_cast,
            "invalid": batch.invalid,
            "votes": dict(batch.votes),
            "outcome": outcome.value,
        },
    )
    if outcome == EntryOutcome.COUNTED:
        write_counts(round_, audit, [(batch, None)], ids, actor)
    return outcome
