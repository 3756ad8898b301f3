"""Entering count sheets on the web, and the supervisor's decisions about them.

Blind double entry (CONTRACT section 2, ``double_entry``): the first entry of a sheet puts it in
``awaiting_second`` and does not count; the second must come from a different account, whatever
its role, and is typed without seeing the first. Identical entries make the sheet count; different
ones put it in ``mismatch``, where neither counts until a supervisor picks, field by field, entry
1's value, entry 2's value or the number on the paper (a ``resolution`` entry, which counts), or
sends the sheet back to be keyed again (entries kept). With ``double_entry`` off one entry counts.

Every function here is a service: it starts with :func:`begin_change`, checks the sheet's
``version`` against the one the form was shown with (a stale save raises :class:`StaleSheet` and
changes nothing), validates everything before writing, records its audit event in the same
transaction and never commits. Numbers are exact ints; problems name the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, select

from ..audit.chain import record
from ..core.limits import BRANCH_CODE_RE, MAX_INT, SLUG_RE
from ..database import begin_change
from ..elections.lookup import (
    MAX_ROUND_NUMBER,
    bump_version,
    ensure_changeable,
    get_branch,
    get_election,
    get_round,
)
from ..elections.services import annul, correct_sheet, reinstate
from ..elections.sheets import add_entry, make_count, same_numbers, sheet_of, touch, values_of
from ..errors import Refused, StaleSheet
from ..extensions import db
from ..models import Branch, Election, Round, Sheet, SheetEntry, User
from ..tally import ballot_of

STATE_LABELS = {
    "empty": "not entered",
    "awaiting_second": "awaiting second entry",
    "mismatch": "mismatch",
    "counted": "counted",
    "annulled": "annulled",
}
CHOICES = ("1", "2", "paper")


def vote_field(code: str) -> str:
    """The form field (and problem key) of a candidate's votes."""
    return f"votes_{code}"


@dataclass(frozen=True)
class Numbers:
    """The numbers of one count sheet."""

    ballots_cast: int
    invalid: int
    votes: Mapping[str, int]

    def as_dict(self) -> dict[str, Any]:
        """The shape of :func:`primaries.elections.sheets.values_of`."""
        return {
            "ballots_cast": self.ballots_cast,
            "invalid": self.invalid,
            "votes": dict(self.votes),
        }

    def fields(self) -> dict[str, int]:
        """Flat, by form field: ``ballots_cast``, ``invalid``, ``votes_CODE``..."""
        return flatten(self.as_dict())


def flatten(values: Mapping[str, Any]) -> dict[str, int]:
    flat = {"ballots_cast": int(values["ballots_cast"]), "invalid": int(values["invalid"])}
    flat.update({vote_field(code): int(n) for code, n in values["votes"].items()})
    return flat


class NumbersRefused(Refused):
    """The numbers of a sheet break a rule; ``by_field`` maps each form field to its problems."""

    def __init__(self, by_field: Mapping[str, list[str]], labels: Mapping[str, str]) -> None:
        self.by_field = {key: list(problems) for key, problems in by_field.items()}
        super().__init__(
            f"{labels.get(key, key)}: {problem}" if key else problem
            for key, problems in self.by_field.items()
            for problem in problems
        )


@dataclass(frozen=True)
class SheetPlace:
    """Where a sheet is: its election, round, branch and (if it has one) its current row."""

    election: Election
    round: Round
    branch: Branch
    sheet: Sheet | None

    @property
    def version(self) -> int:
        return self.sheet.version if self.sheet else 0

    @property
    def state(self) -> str:
        if self.sheet is None:
            return "empty"
        return "annulled" if self.sheet.annulled else self.sheet.state

    @property
    def name(self) -> str:
        return f"branch {self.branch.code} in round {self.round.number}"

    def labels(self) -> dict[str, str]:
        """Form field -> what the paper calls it."""
        labels = {"ballots_cast": "Ballots cast", "invalid": "Invalid ballots"}
        labels.update({vote_field(code): name for _, code, name in ballot_of(self.round)})
        return labels


def locate(slug: str, round_number: int, branch_code: str) -> SheetPlace:
    """Find a sheet by its public names (raises :class:`NotFound`).

    One joined query (every entry form and every save asks, twice for a save: once for the form
    and once inside the write transaction); when it finds nothing, the step-by-step lookups say
    which of the names is unknown.
    """
    names_ok = SLUG_RE.match(slug) and BRANCH_CODE_RE.match(branch_code)
    if names_ok and 1 <= round_number <= MAX_ROUND_NUMBER:
        params = {"slug": slug, "number": round_number, "code": branch_code}
        row = db.session.execute(_LOCATE, params).first()
        if row is not None:
            return SheetPlace(*row)
    election = get_election(slug)
    round_ = get_round(election, round_number)
    branch = get_branch(election, branch_code)
    return SheetPlace(election, round_, branch, sheet_of(round_, branch, create=False))


def _locate_statement() -> Select[Any]:
    return (
        select(Election, Round, Branch, Sheet)
        .join(Round, Round.election_id == Election.id)
        .join(Branch, Branch.election_id == Election.id)
        .outerjoin(Sheet, (Sheet.round_id == Round.id) & (Sheet.branch_id == Branch.id))
        .where(
            Election.slug == bindparam("slug"),
            Round.number == bindparam("number"),
            Branch.code == bindparam("code"),
        )
    )


# Built once (building a statement costs more than running it; see primaries.results.queries).
_LOCATE = _locate_statement()


def check_numbers(place: SheetPlace, numbers: Numbers) -> dict[str, list[str]]:
    """The rules of a valid sheet (CONTRACT section 1), stated in its numbers, by field."""
    problems: dict[str, list[str]] = {}
    codes = [code for _, code, _ in ballot_of(place.round)]
    if sorted(numbers.votes) != sorted(codes):
        problems[""] = [f"the votes must name exactly the candidates {', '.join(codes)}"]
        return problems
    for key, value in numbers.fields().items():
        if not 0 <= value <= MAX_INT:
            problems.setdefault(key, []).append(f"must be a whole number from 0 to {MAX_INT}")
    if problems:
        return problems
    votes = sum(numbers.votes.values())
    if votes + numbers.invalid != numbers.ballots_cast:
        problems.setdefault("ballots_cast", []).append(
            f"votes {votes} + invalid {numbers.invalid} = {votes + numbers.invalid}, "
            f"but ballots cast is {numbers.ballots_cast}"
        )
    if numbers.ballots_cast > place.branch.eligible:
        problems.setdefault("ballots_cast", []).append(
            f"ballots cast {numbers.ballots_cast} is more than the {place.branch.eligible} "
            f"eligible members of branch {place.branch.code}"
        )
    return problems


def _begin(slug: str, round_number: int, branch_code: str, version: int) -> SheetPlace:
    begin_change()
    place = locate(slug, round_number, branch_code)
    if version != place.version:
        raise StaleSheet(
            "this sheet changed while you were editing it: nothing was saved. It is now "
            f"{STATE_LABELS[place.state]}; check the page and save again if it still applies."
        )
    return place


def _validate(place: SheetPlace, numbers: Numbers) -> None:
    problems = check_numbers(place, numbers)
    if problems:
        raise NumbersRefused(problems, place.labels())


def _object_id(place: SheetPlace) -> str:
    return f"{place.election.slug}/{place.round.number}/{place.branch.code}"


def _record(action: str, place: SheetPlace, actor: str, **kwargs: Any) -> None:
    record(
        action,
        actor=actor,
        object_type="sheet",
        object_id=_object_id(place),
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

    def message(self, place_name: str) -> str:
        if self.which == "first":
            return (
                f"Saved the first entry of {place_name}. It counts once a different account "
                "enters the same numbers."
            )
        if self.state == "counted":
            if self.which == "single":
                return f"Saved {place_name}: it counts."
            return f"Saved the second entry of {place_name}: both entries agree, it counts."
        return (
            f"Saved the second entry of {place_name}: it differs from the first entry, so the "
            "sheet is in mismatch and a supervisor will compare both with the paper."
        )


def enter_sheet(
    slug: str, round_number: int, branch_code: str, numbers: Numbers, *, version: int, user: User
) -> EntryResult:
    """A clerk's entry of a sheet: the first or second of a blind pair, or the only one."""
    # Read before the write transaction begins: beginning it expires what the session holds.
    user_id, actor = user.id, user.username
    place = _begin(slug, round_number, branch_code, version)
    ensure_changeable(place.round, entry=True)
    sheet, state = place.sheet, place.state
    double = place.election.double_entry
    if state == "annulled":
        raise Refused(
            f"{place.name} is annulled: a supervisor must reinstate it before it is entered"
        )
    if state == "counted":
        raise Refused(f"{place.name} is already counted: only a supervisor may correct it")
    if state == "mismatch":
        raise Refused(
            f"{place.name} has two entries that differ: a supervisor resolves it or sends it back"
        )
    first = sheet.first_entry if sheet is not None else None
    if double and state == "awaiting_second" and first is not None and first.user_id == user_id:
        raise Refused(
            f"you made the first entry of {place.name}: the second entry must come from a "
            "different account"
        )
    _validate(place, numbers)
    second = double and state == "awaiting_second"
    agrees = second and same_numbers(values_of(first), numbers.as_dict())

    entry = add_entry(
        place.round,
        place.branch,
        kind="entry",
        ballots_cast=numbers.ballots_cast,
        invalid=numbers.invalid,
        votes=numbers.votes,
        user_id=user_id,
    )
    if sheet is None:  # written once, below, with its first entry (one INSERT, no UPDATE)
        sheet = Sheet(round_id=place.round.id, branch_id=place.branch.id, state="empty", version=1)
        db.session.add(sheet)
    if not second:
        which = "single" if not double else "first"
        sheet.first_entry_id, sheet.second_entry_id = entry.id, None
        if double:
            sheet.state = "awaiting_second"
            touch(sheet)
        else:
            make_count(sheet, entry)
    else:
        which = "second"
        sheet.second_entry_id = entry.id
        if agrees:
            make_count(sheet, entry)
        else:
            sheet.state = "mismatch"
            touch(sheet)
    if sheet.state == "counted":
        bump_version(place.round)
    db.session.flush()
    _record(
        "sheet.enter",
        place,
        actor,
        before={"state": state},
        after={"entry": which, "entry_id": entry.id, "state": sheet.state, **numbers.as_dict()},
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
    if (
        sheet is None
        or sheet.state != "mismatch"
        or not sheet.first_entry
        or not sheet.second_entry
    ):
        return None
    first, second = values_of(sheet.first_entry), values_of(sheet.second_entry)
    assert first is not None and second is not None
    return Mismatch(sheet.first_entry, sheet.second_entry, flatten(first), flatten(second))


def resolve_mismatch(
    slug: str,
    round_number: int,
    branch_code: str,
    choices: Mapping[str, tuple[str | None, int | None]],
    *,
    version: int,
    user: User,
) -> Numbers:
    """A supervisor's decision, field by field: ``choices[field] = (choice, number on paper)``
    with choice ``"1"``, ``"2"`` or ``"paper"``; fields where both entries agree need none.
    The decided numbers become a ``resolution`` entry, which counts."""
    place = _begin(slug, round_number, branch_code, version)
    ensure_changeable(place.round)
    mismatch = mismatch_of(place)
    if mismatch is None or place.state != "mismatch":
        raise Refused(f"{place.name} is {STATE_LABELS[place.state]}, not in mismatch")
    labels = place.labels()
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
        raise NumbersRefused(problems, labels)
    codes = [code for _, code, _ in ballot_of(place.round)]
    numbers = Numbers(
        ballots_cast=decided["ballots_cast"],
        invalid=decided["invalid"],
        votes={code: decided[vote_field(code)] for code in codes},
    )
    sum_problems = check_numbers(place, numbers)
    if sum_problems:
        raise NumbersRefused(
            {
                key: [f"the numbers decided do not agree: {p}" for p in found]
                for key, found in sum_problems.items()
            },
            labels,
        )
    sheet = place.sheet
    assert sheet is not None
    entry = add_entry(
        place.round,
        place.branch,
        kind="resolution",
        ballots_cast=numbers.ballots_cast,
        invalid=numbers.invalid,
        votes=numbers.votes,
        user_id=user.id,
    )
    make_count(sheet, entry)
    bump_version(place.round)
    _record(
        "sheet.resolve",
        place,
        user.username,
        before={
            "entry_1": {"id": mismatch.first.id, **(values_of(mismatch.first) or {})},
            "entry_2": {"id": mismatch.second.id, **(values_of(mismatch.second) or {})},
        },
        after={"entry_id": entry.id, "state": "counted", "decided": how, **numbers.as_dict()},
    )
    return numbers


def send_back(
    slug: str, round_number: int, branch_code: str, *, version: int, user: User, reason: str = ""
) -> None:
    """Send a sheet awaiting its second entry or in mismatch back to be keyed again (twice).

    The entries made so far stay in its history; they no longer take part in the sheet's state.
    """
    place = _begin(slug, round_number, branch_code, version)
    ensure_changeable(place.round)
    if place.state not in ("awaiting_second", "mismatch"):
        raise Refused(
            f"{place.name} is {STATE_LABELS[place.state]}: only a sheet awaiting its second "
            "entry or in mismatch can be sent back"
        )
    sheet = place.sheet
    assert sheet is not None
    entries = [i for i in (sheet.first_entry_id, sheet.second_entry_id) if i is not None]
    sheet.state = "empty"
    sheet.first_entry_id = sheet.second_entry_id = None
    touch(sheet)
    db.session.flush()
    _record(
        "sheet.send_back",
        place,
        user.username,
        before={"state": place.state, "entry_ids": entries},
        after={"state": "empty", "reason": reason.strip() or None},
    )


def correct(
    slug: str,
    round_number: int,
    branch_code: str,
    numbers: Numbers,
    *,
    version: int,
    user: User,
    reason: str,
) -> None:
    """A supervisor's correction of a counted sheet (a recount), with a reason."""
    place = _begin(slug, round_number, branch_code, version)
    ensure_changeable(place.round)
    if place.state != "counted" or place.sheet is None:
        raise Refused(
            f"{place.name} is {STATE_LABELS[place.state]}: only a counted sheet is corrected"
        )
    if not reason.strip():
        raise NumbersRefused({"reason": ["a correction needs a reason"]}, {"reason": "Reason"})
    _validate(place, numbers)
    if same_numbers(values_of(place.sheet.counted_entry), numbers.as_dict()):
        raise Refused("these are the numbers that count already: nothing to correct")
    correct_sheet(
        place.round,
        place.branch,
        place.sheet,
        ballots_cast=numbers.ballots_cast,
        invalid=numbers.invalid,
        votes=numbers.votes,
        reason=reason.strip(),
        actor=user.username,
        user=user,
    )


def annul_sheet(
    slug: str, round_number: int, branch_code: str, reason: str, *, version: int, user: User
) -> None:
    """Annul the branch's sheet for the round (its numbers, if any, stop counting)."""
    place = _begin(slug, round_number, branch_code, version)
    annul(place.election, round_number, branch_code, reason, actor=user.username, user=user)


def reinstate_sheet(
    slug: str, round_number: int, branch_code: str, reason: str, *, version: int, user: User
) -> None:
    """Reverse an annulment: the sheet's counted numbers, if any, count again."""
    place = _begin(slug, round_number, branch_code, version)
    reinstate(place.election, round_number, branch_code, reason, actor=user.username, user=user)
