"""A branch's history, round by round: every entry, decision, correction and annulment, who
made it and when, read from the rows that record them (nothing here writes).

Double entry is blind for everyone: the numbers of an entry the sheet still waits on (awaiting its
second entry, or in mismatch) are neither read nor shown until the sheet is settled
(:func:`primaries.core.sheets.entry_numbers_shown`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from ..core.sheets import (
    NUMBER_LABELS,
    SheetStatus,
    entry_numbers_shown,
    entry_place,
    field_labels,
    status_of,
)
from ..core.words import N_
from ..extensions import db
from ..models import (
    Annulment,
    Branch,
    DecisionKind,
    Election,
    EntryKind,
    EntryVote,
    Round,
    Sheet,
    SheetDecision,
    SheetEntry,
    User,
)
from ..tally import ballot_of


@dataclass
class HistoryItem:
    at: dt.datetime
    what: str
    who: str | None
    numbers: dict[str, Any] | None = None
    reason: str | None = None
    counts: bool = False
    hidden: bool = False  # an entry whose numbers are not shown until the sheet is settled
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class RoundHistory:
    round: Round
    state: str
    ballot: list[tuple[int, str, str]]
    items: list[HistoryItem]


ENTRY_WHAT: dict[str, str] = {
    EntryKind.PACKAGE: N_("loaded with the election package"),
    EntryKind.IMPORT: N_("imported from a sheets file"),
    EntryKind.ENTRY: N_("entered"),
    EntryKind.RESOLUTION: N_("mismatch resolved by a supervisor"),
    EntryKind.CORRECTION: N_("corrected"),
}


def sheet_history(election: Election, branch: Branch) -> list[RoundHistory]:
    """Every entry, decision, correction and annulment of the branch's sheet, round by round."""
    out = []
    for round_ in election.rounds:
        ballot = ballot_of(round_)
        code_of = {cid: code for cid, code, _ in ballot}
        sheet = db.session.scalar(
            select(Sheet).where(Sheet.round_id == round_.id, Sheet.branch_id == branch.id)
        )
        entries = db.session.scalars(
            select(SheetEntry)
            .where(SheetEntry.round_id == round_.id, SheetEntry.branch_id == branch.id)
            .order_by(SheetEntry.id)
        ).all()
        shown = {e.id for e in entries if _shown(sheet, e.id)}
        votes: dict[int, dict[str, int]] = {}
        if shown:
            for entry_id, candidate_id, n in db.session.execute(
                select(EntryVote.entry_id, EntryVote.candidate_id, EntryVote.votes).where(
                    EntryVote.entry_id.in_(sorted(shown))
                )
            ):
                votes.setdefault(entry_id, {})[code_of[candidate_id]] = int(n)
        names = {
            uid: name
            for uid, name in db.session.execute(select(User.id, User.username))
            if uid in {e.user_id for e in entries}
        }
        items = [
            HistoryItem(
                at=e.created_at,
                what=_(ENTRY_WHAT[e.kind]) if e.kind in ENTRY_WHAT else e.kind,
                who=names.get(e.user_id) if e.user_id else None,
                numbers={
                    "ballots_cast": e.ballots_cast,
                    "invalid": e.invalid,
                    "votes": votes.get(e.id, {}),
                }
                if e.id in shown
                else None,
                reason=e.reason,
                counts=sheet is not None and sheet.counted_entry_id == e.id,
                hidden=e.id not in shown,
                details={"entry_id": e.id, "kind": e.kind},
            )
            for e in entries
        ]
        for annulment, username in db.session.execute(
            select(Annulment, User.username)
            .outerjoin(User, User.id == Annulment.user_id)
            .where(Annulment.round_id == round_.id, Annulment.branch_id == branch.id)
        ):
            items.append(
                HistoryItem(
                    at=annulment.created_at,
                    what=_("annulled") if annulment.action == "annul" else _("annulment reversed"),
                    who=username,
                    reason=annulment.reason,
                )
            )
        labels = field_labels((code, name) for _, code, name in ballot)
        the_paper = _("the paper")
        for decision, username in db.session.execute(
            select(SheetDecision, User.username)
            .outerjoin(User, User.id == SheetDecision.user_id)
            .where(SheetDecision.round_id == round_.id, SheetDecision.branch_id == branch.id)
        ):
            if decision.kind == DecisionKind.SEND_BACK:
                items.append(
                    HistoryItem(
                        at=decision.created_at,
                        what=_("sent back to be keyed again"),
                        who=username,
                        reason=decision.reason,
                    )
                )
                continue
            items.append(
                HistoryItem(
                    at=decision.created_at,
                    what=_("decision on the mismatch, field by field"),
                    who=username,
                    reason="; ".join(
                        f"{_(labels[k]) if k in NUMBER_LABELS else labels.get(k, k)}: "
                        f"{the_paper if v == 'paper' else v}"
                        for k, v in (decision.choices or {}).items()
                    )
                    or None,
                )
            )
        items.sort(key=lambda item: item.at)
        state = status_of(sheet.state, sheet.annulled) if sheet else SheetStatus.EMPTY
        out.append(RoundHistory(round_, state, ballot, items))
    return out


def _shown(sheet: Sheet | None, entry_id: int) -> bool:
    """May the numbers of this entry of the sheet be shown now (blind double entry)?"""
    if sheet is None:
        return True
    place = entry_place(entry_id, sheet.first_entry_id, sheet.second_entry_id)
    return entry_numbers_shown(sheet.state, place)
