"""The row-level writes a sheet's transitions are made of, and reading an entry's numbers back.

Nothing here begins a change or records an audit event: the transitions in this package do, and
they call these. ``Sheet`` holds the current state; every entry, decision and annulment is a new
row that is never changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import insert, select

from ..core.sheets import Numbers, SheetState
from ..extensions import db
from ..models import (
    Annulment,
    DecisionKind,
    EntryKind,
    EntryVote,
    Round,
    Sheet,
    SheetDecision,
    SheetEntry,
)
from ..tally import ballot_of, counted_votes_by_entry
from ..timestamps import utcnow


def sheet_of(round_id: int, branch_id: int) -> Sheet | None:
    return db.session.scalar(
        select(Sheet).where(Sheet.round_id == round_id, Sheet.branch_id == branch_id)
    )


def new_sheet(round_id: int, branch_id: int, *, flush: bool = False) -> Sheet:
    """A sheet with no entries yet (written with the first thing done to it)."""
    sheet = Sheet(round_id=round_id, branch_id=branch_id, state=SheetState.EMPTY, version=1)
    db.session.add(sheet)
    if flush:
        db.session.flush()
    return sheet


def add_entry(
    round_: Round,
    branch_id: int,
    numbers: Numbers,
    *,
    kind: EntryKind,
    user_id: int | None = None,
    reason: str | None = None,
) -> SheetEntry:
    """Record one entry of the sheet (with a row per candidate); it counts only when told to."""
    ids = {code: candidate_id for candidate_id, code, _ in ballot_of(round_)}
    entry = SheetEntry(
        round_id=round_.id,
        branch_id=branch_id,
        kind=kind,
        ballots_cast=numbers.ballots_cast,
        invalid=numbers.invalid,
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
            for code, count in numbers.votes.items()
        ],
    )
    return entry


def set_state(sheet: Sheet, state: SheetState, *, counted_id: int | None = None) -> None:
    """Move the sheet to ``state``; ``counted_id`` is the entry whose numbers count (COUNTED)."""
    sheet.state = state
    sheet.counted_entry_id = counted_id
    touch(sheet)


def make_count(sheet: Sheet, entry: SheetEntry) -> None:
    """The entry becomes the sheet's counted numbers."""
    set_state(sheet, SheetState.COUNTED, counted_id=entry.id)


def set_annulled(sheet: Sheet, annulled: bool, reason: str | None) -> None:
    sheet.annulled = annulled
    sheet.annul_reason = reason if annulled else None
    touch(sheet)


def touch(sheet: Sheet) -> None:
    """A new version of the sheet: a form shown before it is refused as stale."""
    sheet.version = (sheet.version or 0) + 1
    sheet.updated_at = utcnow()


def add_annulment(
    round_id: int, branch_id: int, *, annulled: bool, reason: str, user_id: int | None
) -> None:
    db.session.add(
        Annulment(
            round_id=round_id,
            branch_id=branch_id,
            action="annul" if annulled else "reinstate",
            reason=reason,
            user_id=user_id,
        )
    )


def add_decision(
    sheet: Sheet,
    kind: DecisionKind,
    *,
    user_id: int | None,
    resolution: SheetEntry | None = None,
    choices: Mapping[str, str] | None = None,
    reason: str | None = None,
) -> SheetDecision:
    """A supervisor's decision about the sheet's current entries (before they change)."""
    decision = SheetDecision(
        round_id=sheet.round_id,
        branch_id=sheet.branch_id,
        kind=kind,
        first_entry_id=sheet.first_entry_id,
        second_entry_id=sheet.second_entry_id,
        resolution_entry_id=resolution.id if resolution is not None else None,
        choices=dict(choices) if choices is not None else None,
        reason=reason,
        user_id=user_id,
    )
    db.session.add(decision)
    return decision


def numbers_of(entry: SheetEntry | None) -> Numbers | None:
    """An entry's numbers, votes in ballot order."""
    if entry is None:
        return None
    rows = db.session.execute(
        select(EntryVote.votes, EntryVote.candidate_id).where(EntryVote.entry_id == entry.id)
    ).all()
    round_ = db.session.get(Round, entry.round_id)
    assert round_ is not None  # an entry's round exists (foreign key)
    codes = {candidate_id: code for candidate_id, code, _ in ballot_of(round_)}
    votes = {codes[candidate_id]: int(count) for count, candidate_id in rows}
    return _numbers(entry.ballots_cast, entry.invalid, votes, codes.values())


def _numbers(cast: int, invalid: int, votes: Mapping[str, int], codes: Iterable[str]) -> Numbers:
    """A sheet's numbers, its votes in ballot order (``codes``)."""
    ordered = {code: votes[code] for code in codes if code in votes}
    return Numbers(int(cast), int(invalid), ordered)


def counted_numbers(round_: Round) -> dict[int, Numbers]:
    """The numbers of every counted, not annulled sheet of the round, by branch id, in two
    queries (an import compares a whole file with them; :func:`numbers_of` is one entry's)."""
    votes = counted_votes_by_entry(round_)
    codes = [code for _, code, _ in ballot_of(round_)]
    rows = db.session.execute(
        select(Sheet.branch_id, SheetEntry.id, SheetEntry.ballots_cast, SheetEntry.invalid)
        .join(SheetEntry, SheetEntry.id == Sheet.counted_entry_id)
        .where(Sheet.round_id == round_.id, Sheet.annulled.is_(False))
    )
    numbers = {}
    for branch_id, entry_id, cast, invalid in rows:
        numbers[int(branch_id)] = _numbers(cast, invalid, votes.get(entry_id, {}), codes)
    return numbers
