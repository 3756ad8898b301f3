"""The rules of a count sheet, in one place: its states, its numbers and what they must satisfy.

A sheet is the count of one branch in one round (CONTRACT section 1): ``ballots_cast``,
``invalid`` and ``votes`` per candidate of the round. It is valid only if every number is a whole
number from 0 to :data:`~primaries.core.limits.MAX_INT`, ``sum(votes) + invalid ==
ballots_cast``, ``ballots_cast <= eligible`` and ``votes`` names exactly the round's candidates.
Package files, CSV files, the entry form and the supervisor's decisions all ask
:func:`sheet_problems`; the browser's live sum check shows the wording the page gives it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .limits import MAX_INT
from .roles import COUNT
from .words import N_, Said, Words, spelled


class SheetState(StrEnum):
    """Where a sheet stands in its double entry (stored in ``sheets.state``)."""

    EMPTY = "empty"
    AWAITING_SECOND = "awaiting_second"
    MISMATCH = "mismatch"
    COUNTED = "counted"


class EntryKind(StrEnum):
    """How an entry of a sheet came to be."""

    PACKAGE = "package"  # loaded with the election package
    IMPORT = "import"  # imported from a sheets file
    ENTRY = "entry"  # typed by a clerk (one of a blind pair, or the only one)
    RESOLUTION = "resolution"  # a supervisor's decision on a mismatch, field by field
    CORRECTION = "correction"  # a supervisor's correction (recount) of a counted sheet


class DecisionKind(StrEnum):
    """A supervisor's decision about a sheet's entries that is not itself an entry."""

    RESOLVE = "resolve"  # a mismatch decided field by field (the resolution entry counts)
    SEND_BACK = "send_back"  # the entries set aside, the sheet to be keyed again


class SheetStatus(StrEnum):
    """What staff pages show: the state, or ``annulled`` when the sheet is annulled."""

    EMPTY = "empty"
    AWAITING_SECOND = "awaiting_second"
    MISMATCH = "mismatch"
    COUNTED = "counted"
    ANNULLED = "annulled"


class PublicStatus(StrEnum):
    """What the public results and the API show of a branch (CONTRACT section 7)."""

    COUNTED = "counted"
    ANNULLED = "annulled"
    PENDING = "pending"


UNSETTLED: tuple[str, ...] = (SheetState.AWAITING_SECOND, SheetState.MISMATCH)
"""States in which a sheet has entries but does not count: they block a round's certification."""

STATUS_LABELS: dict[str, str] = {
    SheetStatus.EMPTY: N_("not entered"),
    SheetStatus.AWAITING_SECOND: N_("awaiting second entry"),
    SheetStatus.MISMATCH: N_("mismatch"),
    SheetStatus.COUNTED: N_("counted"),
    SheetStatus.ANNULLED: N_("annulled"),
}


def status_of(state: str | None, annulled: bool) -> SheetStatus:
    """The staff status of a sheet row (``state`` None: no row yet)."""
    if annulled:
        return SheetStatus.ANNULLED
    return SheetStatus(state or SheetState.EMPTY)


def public_status(state: str | None, annulled: bool) -> PublicStatus:
    if annulled:
        return PublicStatus.ANNULLED
    return PublicStatus.COUNTED if state == SheetState.COUNTED else PublicStatus.PENDING


# --------------------------------------------------------------------------- blind for everyone


class EntryPlace(StrEnum):
    """An entry's place in its sheet now: one of the pair the sheet's state is about, or not."""

    FIRST = "first"  # the sheet's current first entry
    SECOND = "second"  # the sheet's current second entry
    OTHER = "other"  # any other: set aside by a send-back, a resolution, an import, a correction


def entry_place(
    entry_id: int, first_entry_id: int | None, second_entry_id: int | None
) -> EntryPlace:
    """Where the entry ``entry_id`` stands in a sheet whose current pair is the two ids given."""
    if entry_id == first_entry_id:
        return EntryPlace.FIRST
    if entry_id == second_entry_id:
        return EntryPlace.SECOND
    return EntryPlace.OTHER


HIDDEN_NUMBERS = N_("hidden until the sheet is settled")
"""What stands in place of the numbers of an entry that may not be shown yet."""


def entry_numbers_shown(state: str | None, place: EntryPlace, *, resolver: bool = False) -> bool:
    """May the numbers of an entry be shown now, to anyone, whatever the role?

    ``state`` is the sheet's stored state (``sheets.state``, whether or not it is annulled) and
    ``place`` the entry's place in it. Double entry is blind for everyone: while a sheet awaits
    its second entry, or is in mismatch, the numbers of its current entries are shown to no one,
    on no page, download or audit view. They are shown once the sheet is settled (counted, or its
    entries set aside by a send-back). The one exception is the resolve page of a mismatch, shown
    to its ``resolver`` (a supervisor or admin who made neither entry, see :func:`may_resolve`).
    """
    if place == EntryPlace.OTHER or state not in UNSETTLED:
        return True
    return resolver and state == SheetState.MISMATCH


def resolver_problem(user_id: int | None, entrants: Iterable[int | None]) -> Said | None:
    """Why this account may not resolve a mismatch whose entries ``entrants`` made, or None."""
    if user_id is not None and user_id in set(entrants):
        return Said(
            N_(
                "you made one of its two entries: a supervisor or admin who made neither "
                "resolves it"
            )
        )
    return None


def may_resolve(role: str | None, user_id: int | None, entrants: Iterable[int | None]) -> bool:
    """A supervisor or admin who made neither entry of the mismatch (who sees both to decide)."""
    return role in COUNT and resolver_problem(user_id, entrants) is None


# --------------------------------------------------------------------------- the numbers

BALLOTS_CAST = "ballots_cast"
INVALID = "invalid"
VOTES = "votes"  # the key of problems about the candidates named, not one candidate's number


def vote_field(code: str) -> str:
    """The field (form field and problem key) of a candidate's votes."""
    return f"votes_{code}"


NUMBER_LABELS: dict[str, str] = {BALLOTS_CAST: N_("Ballots cast"), INVALID: N_("Invalid ballots")}
"""What the paper sheet calls the numbers that are not a candidate's votes."""


def field_labels(ballot: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Field -> what the paper sheet calls it, for a ballot of ``(code, name)`` in order."""
    labels = dict(NUMBER_LABELS)
    labels.update({vote_field(code): name for code, name in ballot})
    return labels


@dataclass(frozen=True)
class Numbers:
    """The numbers of one count sheet."""

    ballots_cast: int
    invalid: int
    votes: Mapping[str, int]

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON: ``{"ballots_cast", "invalid", "votes": {code: n}}`` (audit events)."""
        return {BALLOTS_CAST: self.ballots_cast, INVALID: self.invalid, VOTES: dict(self.votes)}

    def fields(self) -> dict[str, int]:
        """Flat, by field: ``ballots_cast``, ``invalid``, ``votes_CODE``..."""
        return flatten(self.as_dict())

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> Numbers:
        """The numbers as an event records them (``as_dict``): replay and approvals read them."""
        return cls(int(values[BALLOTS_CAST]), int(values[INVALID]), dict(values[VOTES]))


def flatten(values: Mapping[str, Any]) -> dict[str, int]:
    flat = {BALLOTS_CAST: int(values[BALLOTS_CAST]), INVALID: int(values[INVALID])}
    flat.update({vote_field(code): int(n) for code, n in values[VOTES].items()})
    return flat


def number_problem(value: int) -> str | None:
    """Why ``value`` is not a count (a whole number from 0 to MAX_INT), or None."""
    if 0 <= value <= MAX_INT:
        return None
    return f"must be a whole number from 0 to {MAX_INT}"


CAST_WORD: Words = (N_("ballots cast"), {})
"""Ballots cast as the form calls them (files call the column ``ballots_cast``)."""


def sum_words(
    numbers: Numbers,
    *,
    eligible: int | None = None,
    branch: str | None = None,
    cast_word: str | Words = CAST_WORD,
) -> list[Words]:
    """The sum rule and the eligible rule stated in the sheet's numbers, as sentences to translate
    where they are shown; ``[]`` when they hold. ``cast_word`` names ballots cast as the reader
    knows it: ``ballots_cast`` in files (the column), ``ballots cast`` on the form (the label)."""
    found: list[Words] = []
    votes = sum(numbers.votes.values())
    if votes + numbers.invalid != numbers.ballots_cast:
        text = N_(
            "votes %(votes)s + invalid %(invalid)s = %(total)s, but %(cast_word)s is %(cast)s"
        )
        values = {"votes": votes, "invalid": numbers.invalid, "total": votes + numbers.invalid}
        found.append((text, {**values, "cast_word": cast_word, "cast": numbers.ballots_cast}))
    if eligible is not None and numbers.ballots_cast > eligible:
        found.append(eligible_words(numbers.ballots_cast, eligible, branch, cast_word=cast_word))
    return found


def sum_problems(
    numbers: Numbers,
    *,
    eligible: int | None = None,
    branch: str | None = None,
    cast_word: str = "ballots cast",
) -> list[str]:
    """:func:`sum_words` in English (files, the command line, the services' refusals)."""
    found = sum_words(numbers, eligible=eligible, branch=branch, cast_word=cast_word)
    return [str(spelled(words)) for words in found]


def eligible_words(
    ballots_cast: int, eligible: int, branch: str | None, *, cast_word: str | Words = CAST_WORD
) -> Words:
    """Ballots cast above the branch's eligible members, as a sentence to translate."""
    values = {"cast_word": cast_word, "cast": ballots_cast, "eligible": eligible}
    if branch:
        text = N_(
            "%(cast_word)s %(cast)s is more than the %(eligible)s eligible members of branch "
            "%(branch)s"
        )
        return text, {**values, "branch": branch}
    return N_("%(cast_word)s %(cast)s is more than the %(eligible)s eligible members"), values


def eligible_problem(
    ballots_cast: int, eligible: int, branch: str | None, *, cast_word: str = "ballots cast"
) -> str | None:
    """Ballots cast must stay within the branch's eligible members; None when they do."""
    if ballots_cast <= eligible:
        return None
    return spelled(eligible_words(ballots_cast, eligible, branch, cast_word=cast_word))


def sheet_problems(
    numbers: Numbers, codes: Iterable[str], *, eligible: int, branch: str
) -> dict[str, list[str]]:
    """Every rule of a valid sheet, by field (``""`` for the sheet as a whole); empty when valid."""
    codes = list(codes)
    if sorted(numbers.votes) != sorted(codes):
        return {"": [f"the votes must name exactly the candidates {', '.join(codes)}"]}
    problems: dict[str, list[str]] = {}
    for key, value in numbers.fields().items():
        problem = number_problem(value)
        if problem:
            problems.setdefault(key, []).append(problem)
    if problems:
        return problems
    found = sum_problems(numbers, eligible=eligible, branch=branch)
    if found:
        problems[BALLOTS_CAST] = found
    return problems
