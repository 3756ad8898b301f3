"""The row-level writes a sheet's transitions are made of, and reading an entry's numbers back.

Nothing here begins a change or records an audit event: the transitions in this package do, and
they call these. ``Sheet`` holds the current state; every entry, decision and annulment is a new
row that is never changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from sqlalchemy import bindparam, insert, select

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


# Built once: every save runs it.
_INSERT_ENTRY = insert(SheetEntry.__table__).returning(SheetEntry.__table__.c.id)


def add_entry(
    round_: Round,
    branch_id: int,
    numbers: Numbers,
    *,
    kind: EntryKind,
    user_id: int | None = None,
    reason: str | None = None,
) -> int:
    """Record one entry of the sheet (with a row per candidate); it counts only when told to.
    Returns the entry's id."""
    ids = {code: candidate_id for candidate_id, code, _ in ballot_of(round_)}
    db.session.flush()  # what the change wrote before, first (nothing, usually)
    # Straight to the tables, as the votes below: an entry is never changed, nothing in this
    # session reads it back as an object, and the unit of work would only add its bookkeeping
    # to every save.
    entry_id: int = db.session.execute(
        _INSERT_ENTRY,
        {
            "round_id": round_.id,
            "branch_id": branch_id,
            "kind": kind,
            "ballots_cast": numbers.ballots_cast,
            "invalid": numbers.invalid,
            "user_id": user_id,
            "reason": reason,
        },
    ).scalar_one()
    db.session.execute(
        insert(EntryVote.__table__),
        [
            {"entry_id": entry_id, "candidate_id": ids[code], "votes": count}
            for code, count in numbers.votes.items()
        ],
    )
    return entry_id


def set_state(sheet: Sheet, state: SheetState, *, counted_id: int | None = None) -> None:
    """Move the sheet to ``state``; ``counted_id`` is the entry whose numbers count (COUNTED)."""
    sheet.state = state
    sheet.counted_entry_id = counted_id
    touch(sheet)


def make_count(sheet: Sheet, entry_id: int) -> None:
    """The entry becomes the sheet's counted numbers."""
    set_state(sheet, SheetState.COUNTED, counted_id=entry_id)


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
    resolution_id: int | None = None,
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
        resolution_entry_id=resolution_id,
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
    return _in_ballot_order(round_, entry.ballots_cast, entry.invalid, rows)


# Built once: every second entry runs it (building a statement costs more than running it).
_ENTRY_NUMBERS = (
    select(
        SheetEntry.user_id,
        SheetEntry.ballots_cast,
        SheetEntry.invalid,
        EntryVote.candidate_id,
        EntryVote.votes,
    )
    .outerjoin(EntryVote, EntryVote.entry_id == SheetEntry.id)
    .where(SheetEntry.id == bindparam("entry_id"))
)


class MadeEntry(NamedTuple):
    """An entry's numbers and the account that made it."""

    user_id: int | None
    numbers: Numbers


def entry_of(round_: Round, entry_id: int | None) -> MadeEntry | None:
    """Who made an entry of ``round_`` and its numbers, in one query: what a second entry is
    checked and compared against (:func:`numbers_of` reads an entry already loaded). None
    without an entry."""
    if entry_id is None:
        return None
    rows = db.session.execute(_ENTRY_NUMBERS, {"entry_id": entry_id}).all()
    if not rows:
        return None
    votes = [(row[4], row[3]) for row in rows if row[3] is not None]
    user_id, cast, invalid = rows[0][0], rows[0][1], rows[0][2]
    return MadeEntry(user_id, _in_ballot_order(round_, cast, invalid, votes))


def _in_ballot_order(
    round_: Round, cast: int, invalid: int, votes: Iterable[Sequence[int]]
) -> Numbers:
    """An entry's numbers from its rows: ``votes`` as (votes, candidate id) pairs."""
    codes = {candidate_id: code for candidate_id, code, _ in ballot_of(round_)}
    by_code = {codes[candidate_id]: int(count) for count, candidate_id in votes}
    return _numbers(cast, invalid, by_code, codes.values())


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
