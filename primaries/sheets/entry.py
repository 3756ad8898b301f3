"""Blind double entry of a sheet, and the supervisor's decisions about its two entries.

CONTRACT section 2, ``double_entry``: the first entry of a sheet puts it in ``awaiting_second``
and does not count; the second must come from a different account, whatever its role, and is typed
without seeing the first. Identical entries make the sheet count; different ones put it in
``mismatch``, where neither counts until a supervisor picks, field by field, entry 1's value,
entry 2's value or the number on the paper (a ``resolution`` entry, which counts), or sends the
sheet back to be keyed again (the entries stay in its history). With ``double_entry`` off one
entry counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..audit.chain import record
from ..changes import Actor
from ..core.sheets import (
    STATUS_LABELS,
    UNSETTLED,
    Numbers,
    SheetState,
    SheetStatus,
    flatten,
    resolver_problem,
    sheet_problems,
    vote_field,
)
from ..core.words import N_, Said
from ..elections.versions import bump_version
from ..errors import NumbersRefused, Refused
from ..extensions import db
from ..models import DecisionKind, EntryKind, SheetEntry
from .place import SheetPlace, SheetRef, begin_on
from .rows import (
    add_decision,
    add_entry,
    entry_of,
    make_count,
    new_sheet,
    numbers_of,
    set_state,
)

CHOICES = ("1", "2", "paper")


def validate(place: SheetPlace, numbers: Numbers, *, decided: bool = False) -> None:
    """Refuse numbers that break a rule of a valid sheet, problems by field."""
    problems = sheet_problems(
        numbers, place.codes(), eligible=place.branch.eligible, branch=place.branch.code
    )
    if decided:  # a supervisor's picks, each from a valid entry, that do not add up together
        problems = {
            k: [f"the numbers decided do not agree: {p}" for p in v] for k, v in problems.items()
        }
    if problems:
        raise NumbersRefused(problems, place.labels())


def record_sheet_event(action: str, place: SheetPlace, actor: Actor, **kwargs: Any) -> None:
    """The audit event of a change to one sheet."""
    record(
        action,
        actor=actor.name,
        object_type="sheet",
        object_id=place.object_id,
        election=place.election.slug,
        round_number=place.round.number,
        branch=place.branch.code,
        **kwargs,
    )


@dataclass(frozen=True)
class EntryResult:
    """What an entry did: ``which`` is first, second or single; ``state`` is the sheet's now."""

    which: str
    state: str

    def message_template(self) -> str:
        """What the entry did, with ``%(sheet)s`` for the sheet's name (translated where shown)."""
        if self.which == "first":
            return N_(
                "Saved the first entry of %(sheet)s. It counts once a different account "
                "enters the same numbers."
            )
        if self.state == SheetState.COUNTED:
            if self.which == "single":
                return N_("Saved %(sheet)s: it counts.")
            return N_("Saved the second entry of %(sheet)s: both entries agree, it counts.")
        return N_(
            "Saved the second entry of %(sheet)s: it differs from the first entry, so the "
            "sheet is in mismatch and a supervisor will compare both with the paper."
        )

    def message(self, place_name: str) -> str:
        return self.message_template() % {"sheet": place_name}


def enter(ref: SheetRef, numbers: Numbers, *, version: int, actor: Actor) -> EntryResult:
    """A clerk's entry of a sheet: the first or second of a blind pair, or the only one."""
    place = begin_on(ref, version, entry=True)
    sheet, state = place.sheet, place.state
    double = place.election.double_entry
    if state == SheetStatus.ANNULLED:
        raise Refused(
            Said(
                N_("%(sheet)s is annulled: a supervisor must reinstate it before it is entered"),
                sheet=place.name,
            )
        )
    if state == SheetStatus.COUNTED:
        raise Refused(
            Said(
                N_("%(sheet)s is already counted: only a supervisor may correct it"),
                sheet=place.name,
            )
        )
    if state == SheetStatus.MISMATCH:
        raise Refused(
            Said(
                N_(
                    "%(sheet)s has two entries that differ: a supervisor resolves it or sends it "
                    "back"
                ),
                sheet=place.name,
            )
        )
    second = double and state == SheetStatus.AWAITING_SECOND
    # Who made the first entry and its numbers, in one query (only a second entry needs them).
    first = entry_of(place.round, sheet.first_entry_id) if second and sheet is not None else None
    if first is not None and first.user_id == actor.user_id:
        raise Refused(
            Said(
                N_(
                    "you made the first entry of %(sheet)s: the second entry must come from a "
                    "different account"
                ),
                sheet=place.name,
            )
        )
    validate(place, numbers)
    agrees = first is not None and first.numbers == numbers

    entry_id = add_entry(
        place.round, place.branch.id, numbers, kind=EntryKind.ENTRY, user_id=actor.user_id
    )
    if sheet is None:  # written once, below, with its first entry (one INSERT, no UPDATE)
        sheet = new_sheet(place.round.id, place.branch.id)
    if not second:
        which = "first" if double else "single"
        sheet.first_entry_id, sheet.second_entry_id = entry_id, None
        if double:
            set_state(sheet, SheetState.AWAITING_SECOND)
        else:
            make_count(sheet, entry_id)
    else:
        which = "second"
        sheet.second_entry_id = entry_id
        if agrees:
            make_count(sheet, entry_id)
        else:
            set_state(sheet, SheetState.MISMATCH)
    if sheet.state == SheetState.COUNTED:
        bump_version(place.round)
    db.session.flush()
    record_sheet_event(
        "sheet.enter",
        place,
        actor,
        before={"state": state.value},
        after={"entry": which, "entry_id": entry_id, "state": sheet.state, **numbers.as_dict()},
    )
    return EntryResult(which, sheet.state)


@dataclass(frozen=True)
class Mismatch:
    """The two entries of a sheet in mismatch, flat by field, and the fields that differ."""

    first: SheetEntry
    second: SheetEntry
    first_values: dict[str, int]
    second_values: dict[str, int]

    @property
    def differing(self) -> list[str]:
        return [key for key, value in self.first_values.items() if self.second_values[key] != value]


def mismatch_of(place: SheetPlace) -> Mismatch | None:
    sheet = place.sheet
    if place.state != SheetStatus.MISMATCH or sheet is None:
        return None
    first, second = sheet.first_entry, sheet.second_entry
    first_numbers, second_numbers = numbers_of(first), numbers_of(second)
    if first is None or second is None or first_numbers is None or second_numbers is None:
        return None
    return Mismatch(first, second, first_numbers.fields(), second_numbers.fields())


def resolve(
    ref: SheetRef,
    choices: Mapping[str, tuple[str | None, int | None]],
    *,
    version: int,
    actor: Actor,
) -> Numbers:
    """A supervisor's decision, field by field: ``choices[field] = (choice, number on paper)``
    with choice ``"1"``, ``"2"`` or ``"paper"``; fields where both entries agree need none.
    The decided numbers become a ``resolution`` entry, which counts. The resolver made neither
    entry (the two entries are blind to their entrants, and each entrant is a party to the
    mismatch)."""
    place = begin_on(ref, version)
    mismatch = mismatch_of(place)
    if mismatch is None:
        raise Refused(
            Said(
                N_("%(sheet)s is %(status)s, not in mismatch"),
                sheet=place.name,
                status=(STATUS_LABELS[place.state], {}),
            )
        )
    entrants = (mismatch.first.user_id, mismatch.second.user_id)
    not_yours = resolver_problem(actor.user_id, entrants)
    if not_yours:
        raise Refused(
            Said(
                N_("%(sheet)s cannot be resolved by you: %(problem)s"),
                sheet=place.name,
                problem=not_yours,
            )
        )
    problems: dict[str, list[str]] = {}
    decided: dict[str, int] = {}
    how: dict[str, str] = {}
    for key, first in mismatch.first_values.items():
        second = mismatch.second_values[key]
        if first == second:
            decided[key] = first
            continue
        choice, paper = choices.get(key, (None, None))
        if choice == "1":
            decided[key], how[key] = first, "entry 1"
        elif choice == "2":
            decided[key], how[key] = second, "entry 2"
        elif choice == "paper" and paper is not None:
            decided[key], how[key] = paper, "paper"
        elif choice == "paper":
            problems[key] = ["type the number on the paper sheet"]
        else:
            problems[key] = ["choose entry 1, entry 2, or type the number on the paper sheet"]
    if problems:
        raise NumbersRefused(problems, place.labels())
    numbers = Numbers(
        ballots_cast=decided["ballots_cast"],
        invalid=decided["invalid"],
        votes={code: decided[vote_field(code)] for code in place.codes()},
    )
    validate(place, numbers, decided=True)
    sheet = place.sheet
    assert sheet is not None  # a mismatch has a sheet
    entry_id = add_entry(
        place.round, place.branch.id, numbers, kind=EntryKind.RESOLUTION, user_id=actor.user_id
    )
    add_decision(
        sheet, DecisionKind.RESOLVE, user_id=actor.user_id, resolution_id=entry_id, choices=how
    )
    make_count(sheet, entry_id)
    bump_version(place.round)
    record_sheet_event(
        "sheet.resolve",
        place,
        actor,
        before={
            "entry_1": {"id": mismatch.first.id, **_numbers_dict(mismatch.first_values)},
            "entry_2": {"id": mismatch.second.id, **_numbers_dict(mismatch.second_values)},
        },
        after={"entry_id": entry_id, "state": sheet.state, "decided": how, **numbers.as_dict()},
    )
    return numbers


def _numbers_dict(flat: Mapping[str, int]) -> dict[str, Any]:
    """Flat fields back to the shape of :meth:`Numbers.as_dict`."""
    prefix = vote_field("")
    return {
        "ballots_cast": flat["ballots_cast"],
        "invalid": flat["invalid"],
        "votes": {k[len(prefix) :]: v for k, v in flat.items() if k.startswith(prefix)},
    }


def send_back(ref: SheetRef, *, version: int, actor: Actor, reason: str = "") -> None:
    """Send a sheet awaiting its second entry or in mismatch back to be keyed again (twice).

    The entries made so far stay in its history; they no longer take part in the sheet's state.
    """
    place = begin_on(ref, version)
    state = place.state  # read now: the place reads its sheet's state, which changes below
    if state not in UNSETTLED:
        raise Refused(
            Said(
                N_(
                    "%(sheet)s is %(status)s: only a sheet awaiting its second entry or in "
                    "mismatch can be sent back"
                ),
                sheet=place.name,
                status=(STATUS_LABELS[state], {}),
            )
        )
    sheet = place.sheet
    assert sheet is not None  # it has entries
    entries = [i for i in (sheet.first_entry_id, sheet.second_entry_id) if i is not None]
    reason = reason.strip()
    add_decision(sheet, DecisionKind.SEND_BACK, user_id=actor.user_id, reason=reason or None)
    set_state(sheet, SheetState.EMPTY)
    sheet.first_entry_id = sheet.second_entry_id = None
    db.session.flush()
    record_sheet_event(
        "sheet.send_back",
        place,
        actor,
        before={"state": state.value, "entry_ids": entries},
        after={"state": sheet.state, "reason": reason or None},
    )


__all__ = ["CHOICES", "EntryResult", "Mismatch", "enter", "flatten", "mismatch_of", "resolve"]
