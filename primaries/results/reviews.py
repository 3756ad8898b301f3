"""Which boxes red flags hold for review (issue 13, quarantine), and whether they could change
the outcome: read by the dashboard, the public round page and certification.

With the election's ``hold_for_review`` setting on (the default, :mod:`primaries.core.flags`), a
counted box a red flag fires on is held until a supervisor or admin clears it with a reason
(:mod:`primaries.elections.reviews`, the only writer of clearances). A clearance holds for the
counted entry it cleared and the checks that fired then: a corrected sheet, or a new check
firing, holds the box again. A held box's numbers count as its sheet says meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..core.flag_settings import settings_from
from ..core.flags import Flag
from ..core.review import HeldNumbers, Reach, could_change
from ..extensions import db
from ..models import Branch, FlagReview, Round, Sheet
from ..tally import rules_of, sums_of
from .flags import boxes_of, round_flags


@dataclass(frozen=True)
class Held:
    """A box held for review: its code and the flags that hold it."""

    code: str
    entry_id: int
    flags: tuple[Flag, ...]

    @property
    def checks(self) -> tuple[str, ...]:
        return tuple(sorted({flag.check for flag in self.flags}))


def holds(round_: Round) -> bool:
    """Whether the round's election holds flagged boxes for review."""
    return settings_from(round_.election.flag_settings).hold_for_review == 1


def held_boxes(round_: Round) -> list[Held]:
    """The round's boxes held for review, in branch code order (none when the election does not
    hold flagged boxes)."""
    if not holds(round_):
        return []
    flagged: dict[str, list[Flag]] = {}
    for flag in round_flags(round_):
        flagged.setdefault(flag.branch, []).append(flag)
    if not flagged:
        return []
    counted = db.session.execute(
        select(Branch.code, Sheet.counted_entry_id)
        .join(Sheet, Sheet.branch_id == Branch.id)
        .where(Sheet.round_id == round_.id, Branch.code.in_(flagged))
    )
    entries: dict[str, int | None] = {str(code): entry for code, entry in counted}
    cleared: dict[str, tuple[int, set[str]]] = {}
    for code, cleared_entry, checks in db.session.execute(
        select(Branch.code, FlagReview.entry_id, FlagReview.checks)
        .join(FlagReview, FlagReview.branch_id == Branch.id)
        .where(FlagReview.round_id == round_.id, Branch.code.in_(flagged))
        .order_by(FlagReview.id)
    ):
        cleared[code] = (int(cleared_entry), set(checks))
    held = []
    for code in sorted(flagged):
        entry_id = entries.get(code)
        if entry_id is None:
            continue
        box = Held(code, int(entry_id), tuple(flagged[code]))
        done = cleared.get(code)
        if done is not None and done[0] == box.entry_id and set(box.checks) <= done[1]:
            continue
        held.append(box)
    return held


def reach_of(round_: Round, held: list[Held]) -> Reach:
    """Whether the held boxes could change the round's outcome (the worst cases of
    :func:`primaries.core.review.could_change`)."""
    sums = sums_of(round_)
    codes = {box.code for box in held}
    numbers = [
        HeldNumbers(box.code, box.eligible, box.ballots_cast, box.invalid, box.votes)
        for box in boxes_of(round_)
        if box.code in codes
    ]
    return could_change(
        round_number=round_.number,
        rules=rules_of(round_.election),
        votes=sums.votes,
        valid=sums.valid,
        cast=sums.ballots_cast,
        held=numbers,
        lots=sums.lots,
    )
