"""The mechanics of a branch's sheet: recording an entry, making one count, reading it back.

Used by imports, by web entry and by the supervisor's decisions; none of these commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import insert, select

from ..extensions import db
from ..models import Branch, EntryVote, Round, Sheet, SheetEntry
from ..tally import ballot_of
from ..types import utcnow


def sheet_of(round_: Round, branch: Branch, *, create: bool = True) -> Sheet | None:
    sheet = db.session.scalar(
        select(Sheet).where(Sheet.round_id == round_.id, Sheet.branch_id == branch.id)
    )
    if sheet is None and create:
        sheet = Sheet(round_id=round_.id, branch_id=branch.id, state="empty", version=1)
        db.session.add(sheet)
        db.session.flush()
    return sheet


def add_entry(
    round_: Round,
    branch: Branch,
    *,
    kind: str,
    ballots_cast: int,
    invalid: int,
    votes: Mapping[str, int],
    user_id: int | None = None,
    reason: str | None = None,
) -> SheetEntry:
    """Record one entry of the sheet (with a row per candidate); it counts only when told to."""
    ids = {code: candidate_id for candidate_id, code, _ in ballot_of(round_)}
    entry = SheetEntry(
        round_id=round_.id,
        branch_id=branch.id,
        kind=kind,
        ballots_cast=ballots_cast,
        invalid=invalid,
        user_id=user_id,
        reason=reason,
    )
    db.session.add(entry)
    db.session.flush()
    # One executemany straight to the table: the rows are plain numbers, nothing in this session
    # holds them, and the unit of work would only add its bookkeeping to every save.
    db.session.execute(
        insert(EntryVote.__table__),
        [
            {"entry_id": entry.id, "candidate_id": ids[code], "votes": count}
            for code, count in votes.items()
        ],
    )
    return entry


def values_of(entry: SheetEntry | None) -> dict[str, Any] | None:
    """An entry's numbers as plain JSON: ``{"ballots_cast", "invalid", "votes": {code: n}}``."""
    if entry is None:
        return None
    rows = db.session.execute(
        select(EntryVote.votes, EntryVote.candidate_id).where(EntryVote.entry_id == entry.id)
    ).all()
    codes = {candidate_id: code for candidate_id, code, _ in ballot_of(entry_round(entry))}
    votes = {codes[candidate_id]: int(count) for count, candidate_id in rows}
    ordered = {code: votes[code] for code in codes.values() if code in votes}
    return {"ballots_cast": entry.ballots_cast, "invalid": entry.invalid, "votes": ordered}


def entry_round(entry: SheetEntry) -> Round:
    return db.session.get_one(Round, entry.round_id)


def same_numbers(a: Mapping[str, Any] | None, b: Mapping[str, Any] | None) -> bool:
    return a is not None and b is not None and dict(a) == dict(b)


def make_count(sheet: Sheet, entry: SheetEntry) -> None:
    """The entry becomes the sheet's counted numbers."""
    sheet.state = "counted"
    sheet.counted_entry_id = entry.id
    touch(sheet)


def touch(sheet: Sheet) -> None:
    sheet.version = (sheet.version or 0) + 1
    sheet.updated_at = utcnow()
