"""A supervisor's decisions about a counted or annulled sheet: corrections and annulments.

- a correction (a recount) makes a new ``correction`` entry count instead of the one before;
- an annulment makes the sheet count towards completeness while adding nothing; a reinstatement
  reverses it, and its counted numbers, if any, count again.

Each needs a reason, is refused in a round that accepts no change, and is audited. With the
election's four eyes on (:mod:`primaries.core.approvals`), a staff account's decision takes effect
only as the approval of a request (:mod:`primaries.approvals`), given here as ``approval``: the
audit event then names who asked and who approved. The command line acts at once, and its event
says four eyes was bypassed. The ``check_*`` functions are what a request is checked against
when it is asked for; the decision checks them again when it is made.
"""

from __future__ import annotations

from typing import Any

from ..changes import Actor
from ..core.approvals import Approval, direct_change_problem, four_eyes_note
from ..core.sheets import STATUS_LABELS, Numbers, SheetState, SheetStatus
from ..core.text import storable_problem
from ..core.words import N_, Said
from ..elections.versions import bump_version
from ..errors import NumbersRefused, Refused
from ..extensions import db
from ..models import EntryKind, Sheet
from .entry import record_sheet_event, validate
from .place import SheetPlace, SheetRef, begin_on
from .rows import add_annulment, add_entry, make_count, new_sheet, numbers_of, set_annulled


def storable_reason(reason: str | None, what: str) -> str:
    """The reason, stripped, or Refused: a decision (``what``, marked with ``N_``) needs one
    that a database can store."""
    text = (reason or "").strip()
    if not text:
        missing = Said(N_("%(what)s needs a reason"), what=(what, {}))
        raise NumbersRefused({"reason": [missing]}, {"reason": "reason"})
    problem = storable_problem(text)
    if problem:
        raise NumbersRefused({"reason": [problem]}, {"reason": "reason"})
    return text


def ensure_direct(place: SheetPlace, actor: Actor, approval: Approval | None) -> dict[str, Any]:
    """Refuse a staff account's decision while four eyes is on, unless it is an approval;
    return what the audit event records about four eyes."""
    four_eyes = place.election.four_eyes
    problem = direct_change_problem(four_eyes, staff=actor.user_id is not None, approval=approval)
    if problem:
        raise Refused(Said(N_("%(sheet)s: %(problem)s"), sheet=place.name, problem=problem))
    return four_eyes_note(four_eyes, approval)


def check_correction(place: SheetPlace, numbers: Numbers, reason: str) -> str:
    """Refuse a correction that cannot be made now; return its reason as it is stored."""
    if place.state != SheetStatus.COUNTED or place.sheet is None:
        raise Refused(
            Said(
                N_("%(sheet)s is %(status)s: only a counted sheet is corrected"),
                sheet=place.name,
                status=(STATUS_LABELS[place.state], {}),
            )
        )
    reason = storable_reason(reason, N_("a correction"))
    validate(place, numbers)
    if numbers_of(place.sheet.counted_entry) == numbers:
        raise Refused(Said(N_("these are the numbers that count already: nothing to correct")))
    return reason


def correct(
    ref: SheetRef,
    numbers: Numbers,
    *,
    reason: str,
    actor: Actor,
    version: int | None = None,
    approval: Approval | None = None,
) -> None:
    """A supervisor's correction of a counted sheet (a recount), with a reason."""
    place = begin_on(ref, version)
    reason = check_correction(place, numbers, reason)
    note = ensure_direct(place, actor, approval)
    assert place.sheet is not None  # a counted sheet
    apply_correction(place, place.sheet, numbers, reason=reason, actor=actor, note=note)


def apply_correction(
    place: SheetPlace,
    sheet: Sheet,
    numbers: Numbers,
    *,
    reason: str,
    actor: Actor,
    note: dict[str, Any],
) -> None:
    """Write a correction the caller has checked (inside its change): the entry, the count,
    the round's new version and the audit event, with ``note`` (:func:`ensure_direct`). A sheet
    that did not count yet (an import's correction of entries not settled) records its state and
    entries as the ``before``."""
    counted = numbers_of(sheet.counted_entry)
    before: dict[str, Any] | None = counted.as_dict() if counted else None
    if before is None and sheet.state != SheetState.COUNTED:
        entries = [i for i in (sheet.first_entry_id, sheet.second_entry_id) if i is not None]
        before = {"state": sheet.state, "entry_ids": entries}
    entry_id = add_entry(
        place.round,
        place.branch.id,
        numbers,
        kind=EntryKind.CORRECTION,
        user_id=actor.user_id,
        reason=reason,
    )
    make_count(sheet, entry_id)
    bump_version(place.round)
    record_sheet_event(
        "sheet.correct",
        place,
        actor,
        before=before,
        after={"entry_id": entry_id, **numbers.as_dict(), "reason": reason, **note},
    )


def annul(
    ref: SheetRef,
    reason: str,
    *,
    actor: Actor,
    version: int | None = None,
    approval: Approval | None = None,
) -> None:
    """Annul a branch's sheet for a round: it counts towards completeness, adds nothing."""
    _set_annulled(ref, reason, annulled=True, actor=actor, version=version, approval=approval)


def reinstate(
    ref: SheetRef,
    reason: str,
    *,
    actor: Actor,
    version: int | None = None,
    approval: Approval | None = None,
) -> None:
    """Reverse an annulment (with a reason): the sheet's counted numbers, if any, count again."""
    _set_annulled(ref, reason, annulled=False, actor=actor, version=version, approval=approval)


def check_annulment(place: SheetPlace, reason: str, *, annulled: bool) -> str:
    """Refuse an annulment (``annulled``) or its reversal that cannot be made now; return its
    reason as it is stored."""
    what = N_("an annulment") if annulled else N_("reversing an annulment")
    reason = storable_reason(reason, what)
    is_annulled = place.state == SheetStatus.ANNULLED
    if annulled and is_annulled:
        raise Refused(
            Said(
                N_("branch %(code)s is already annulled in round %(number)s"),
                code=place.branch.code,
                number=place.round.number,
            )
        )
    if not annulled and not is_annulled:
        raise Refused(
            Said(
                N_("branch %(code)s is not annulled in round %(number)s"),
                code=place.branch.code,
                number=place.round.number,
            )
        )
    return reason


def _set_annulled(
    ref: SheetRef,
    reason: str,
    *,
    annulled: bool,
    actor: Actor,
    version: int | None,
    approval: Approval | None,
) -> None:
    place = begin_on(ref, version)
    reason = check_annulment(place, reason, annulled=annulled)
    note = ensure_direct(place, actor, approval)
    sheet = place.sheet
    if sheet is None:
        sheet = new_sheet(place.round.id, place.branch.id, flush=True)
    if annulled:
        counted = numbers_of(sheet.counted_entry)
        before: dict[str, object] = {
            "state": sheet.state,
            "counted": counted.as_dict() if counted else None,
        }
    else:
        before = {"annulled": True}
    set_annulled(sheet, annulled, reason)
    add_annulment(
        place.round.id, place.branch.id, annulled=annulled, reason=reason, user_id=actor.user_id
    )
    bump_version(place.round)
    db.session.flush()
    after: dict[str, object] = {"annulled": annulled, "reason": reason, **note}
    if not annulled:
        after["state"] = sheet.state
    record_sheet_event(
        "sheet.annul" if annulled else "sheet.reinstate", place, actor, before=before, after=after
    )
