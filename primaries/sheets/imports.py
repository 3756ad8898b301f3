"""Counted sheets imported from a file (CONTRACT section 6, ``import-sheets``): an Excel workbook
or a CSV file (:mod:`primaries.formats.spreadsheets`), candidates' columns headed by code or name.

All or nothing: every line is checked before anything is written, and every problem of the file
is listed at once, by line (those of its numbers and those against the election together). An
identical sheet is a no-op; a different one is refused unless the import is a correction with a
reason, which is then recorded sheet by sheet as a supervisor's correction. A
sheet with entries typed by staff that is not settled (awaiting its second entry, or in mismatch)
is never overwritten either: its line is refused unless the import is a correction with a reason.

Four eyes (:mod:`primaries.core.approvals`): a staff account's import corrects nothing at once
while the election's four eyes is on. The web import hands its corrections back unapplied
(``defer_corrections``), and :mod:`primaries.approvals` files one request per sheet; approving
one applies it through :func:`correct_as_imported`. The command line corrects at once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy import select

from ..audit.chain import record
from ..audit.records import DataLog, sheet_row
from ..changes import Actor
from ..core.approvals import Approval
from ..core.rounds import RoundStatus
from ..core.sheets import (
    STATUS_LABELS,
    UNSETTLED,
    Numbers,
    SheetState,
    SheetStatus,
    eligible_words,
)
from ..core.words import N_, Said, Words, about, on_line
from ..database import begin_change
from ..elections.lookup import ensure_changeable, get_election, get_round
from ..elections.versions import bump_version
from ..errors import Refused
from ..extensions import db
from ..formats.csvfiles import read_sheets
from ..formats.problems import FormatError, by_line
from ..models import Branch, EntryKind, Sheet
from ..tally import ballot_of
from .bulk import CountedRow, write_counted
from .decisions import apply_correction, ensure_direct, storable_reason
from .entry import validate
from .place import SheetPlace, SheetRef, begin_on
from .rows import counted_numbers, numbers_of


@dataclass(frozen=True)
class DeferredCorrection:
    """A line of a file that would correct a sheet, left for a second pair of eyes."""

    branch: str
    version: int
    numbers: Numbers


@dataclass
class ImportSummary:
    """What an import of a file did, by code; ``deferred``: the corrections not applied."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    corrected: list[str] = field(default_factory=list)
    unchanged: int = 0
    deferred: list[DeferredCorrection] = field(default_factory=list)
    sha256: str = ""

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.corrected)


def import_sheets(
    slug: str,
    round_number: int,
    raw: bytes,
    *,
    actor: Actor,
    correct: bool = False,
    reason: str | None = None,
    defer_corrections: bool = False,
    correct_hint: str = "give --correct --reason TEXT to record a correction",
) -> ImportSummary:
    """Import counted sheets for a round (CSV); identical sheets are no-ops, different ones
    need ``correct`` with a ``reason`` (``correct_hint`` says how, in the caller's words). With
    ``defer_corrections`` the corrections are checked and handed back in the summary instead of
    being made."""
    begin_change()
    election = get_election(slug)
    round_ = get_round(election, round_number)
    ballot = ballot_of(round_)
    parsed = read_sheets(
        raw, [code for _, code, _ in ballot], names={code: name for _, code, name in ballot}
    )
    specs = parsed.specs
    if correct:
        reason = storable_reason(reason, N_("a correction"))
    ensure_changeable(round_)
    branches = {
        b.code: b
        for b in db.session.scalars(select(Branch).where(Branch.election_id == election.id))
    }
    sheets = {
        s.branch_id: s for s in db.session.scalars(select(Sheet).where(Sheet.round_id == round_.id))
    }
    candidate_id = {code: cid for cid, code, _ in ballot}
    counted = counted_numbers(round_)  # compared with the file's numbers all at once
    problems: list[str] = list(parsed.problems)
    new_rows: list[CountedRow] = []
    new_numbers: list[Numbers] = []
    corrections: list[tuple[Branch, Sheet, Numbers]] = []
    summary = ImportSummary(sha256=hashlib.sha256(raw).hexdigest())
    for spec in specs:
        where = on_line(spec.line or 0)
        branch = branches.get(spec.branch)
        if branch is None:
            none = Said(
                N_("no branch %(code)s in %(slug)s"), code=repr(spec.branch), slug=election.slug
            )
            problems.append(about(where, about(N_("branch"), none)))
            continue
        numbers = Numbers(
            spec.ballots_cast or 0,
            spec.invalid or 0,
            {code: (spec.votes or {})[code] for _, code, _ in ballot},
        )
        if numbers.ballots_cast > branch.eligible:
            too_many = eligible_words(
                numbers.ballots_cast, branch.eligible, branch.code, cast_word="ballots_cast"
            )
            problems.append(about(where, Said(too_many)))
            continue
        sheet = sheets.get(branch.id)
        if sheet is not None and sheet.annulled:
            annulled = N_(
                "branch %(code)s is annulled in round %(number)s: reinstate it before importing "
                "its sheet"
            )
            problems.append(about(where, Said(annulled, code=branch.code, number=round_.number)))
            continue
        if sheet is not None and sheet.state in UNSETTLED:
            # Entries typed by staff are never overwritten by a file, nor compared with it (that
            # would tell their numbers): only a correction, with its reason, replaces them.
            if correct:
                corrections.append((branch, sheet, numbers))
            else:
                unsettled = N_(
                    "branch %(code)s: %(state)s in round %(number)s; an import does not "
                    "overwrite entries typed by staff (let the double entry finish, or import "
                    "the line as a correction with a reason to replace them)"
                )
                state: Words = (_unsettled_words(sheet.state), {})
                said = Said(unsettled, code=branch.code, state=state, number=round_.number)
                problems.append(about(where, said))
            continue
        if sheet is not None and sheet.state == SheetState.COUNTED:
            if counted.get(branch.id) == numbers:
                summary.unchanged += 1
            elif correct:
                corrections.append((branch, sheet, numbers))
            else:
                different = N_(
                    "branch %(code)s already has a different counted sheet in round "
                    "%(number)s (%(hint)s)"
                )
                said = Said(different, code=branch.code, number=round_.number, hint=correct_hint)
                problems.append(about(where, said))
            continue
        if round_.status == RoundStatus.CLOSED:
            closed = N_("round %(number)s is closed: new sheets are not accepted (reopen it first)")
            problems.append(about(where, Said(closed, number=round_.number)))
            continue
        new_rows.append(
            CountedRow(
                branch_id=branch.id,
                ballots_cast=numbers.ballots_cast,
                invalid=numbers.invalid,
                votes={candidate_id[c]: v for c, v in numbers.votes.items()},
                sheet=sheet,
            )
        )
        new_numbers.append(numbers)
        summary.added.append(branch.code)
    if problems:
        raise FormatError(by_line(problems))
    if defer_corrections:
        summary.deferred = [
            DeferredCorrection(branch.code, sheet.version, numbers)
            for branch, sheet, numbers in corrections
        ]
        corrections = []
    entry_ids = write_counted(round_, new_rows, kind=EntryKind.IMPORT, user_id=actor.user_id)
    for branch, sheet, numbers in corrections:
        place = SheetPlace(election, round_, branch, sheet)
        note = ensure_direct(place, actor, None)
        apply_correction(place, sheet, numbers, reason=reason or "", actor=actor, note=note)
        summary.corrected.append(branch.code)
    if summary.added:
        bump_version(round_)
        object_id = f"{election.slug}/{round_.number}"
        # The numbers of the sheets added, with their entries' ids (audit.records).
        log = DataLog(
            "sheets.import",
            actor=actor.name,
            object_type="round",
            object_id=object_id,
            election=election.slug,
            round_number=round_.number,
        )
        codes = [code for _, code, _ in ballot]
        log.add_sheets(
            round_.number,
            codes,
            (
                sheet_row(code, entry_id, numbers, codes)
                for code, entry_id, numbers in zip(
                    summary.added, entry_ids, new_numbers, strict=True
                )
            ),
        )
        record(
            "sheets.import",
            actor=actor.name,
            object_type="round",
            object_id=object_id,
            election=election.slug,
            round_number=round_.number,
            after={
                "sha256": summary.sha256,
                "added": summary.added,
                "unchanged": summary.unchanged,
                "parts": log.parts,
                "data": log.rest(),
            },
        )
    return summary


def correct_as_imported(
    ref: SheetRef,
    numbers: Numbers,
    *,
    reason: str,
    actor: Actor,
    version: int,
    approval: Approval | None = None,
) -> None:
    """One line of an imported file taken as a correction (a request approved): the sheet, as
    it was when the file was imported, counted or awaiting its entries, corrected."""
    place = begin_on(ref, version)
    sheet = place.sheet
    if sheet is None or place.state not in (SheetStatus.COUNTED, *UNSETTLED):
        raise Refused(
            Said(
                N_(
                    "%(sheet)s is %(status)s: an imported line corrects only a counted sheet or "
                    "one whose entries are not settled"
                ),
                sheet=place.name,
                status=(STATUS_LABELS[place.state], {}),
            )
        )
    reason = storable_reason(reason, N_("a correction"))
    validate(place, numbers)
    if place.state == SheetStatus.COUNTED and numbers_of(sheet.counted_entry) == numbers:
        raise Refused(Said(N_("these are the numbers that count already: nothing to correct")))
    note = ensure_direct(place, actor, approval)
    apply_correction(place, sheet, numbers, reason=reason, actor=actor, note=note)


def _unsettled_words(state: str) -> str:
    if state == SheetState.AWAITING_SECOND:
        return N_("its sheet has a first entry awaiting the second")
    return N_("its sheet has two entries that differ (mismatch) awaiting a supervisor")
