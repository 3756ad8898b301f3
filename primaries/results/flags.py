"""A round's red flags (CONTRACT section 9): each counted box's figures read, the core decides.

Reads the counted, not annulled sheets of the round (and of the round before, for a runoff) in
two queries each: the boxes' figures (sheet, counted entry, branch) and their votes; hands them
to :func:`primaries.core.flags.find_flags`. Nothing is summed in Python here: the core's
leave-one-out region sums need each box anyway.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..core.digits import last_digit_test, second_digit_test
from ..core.flag_settings import settings_from
from ..core.flags import Box, Flag, FlagSettings, find_flags
from ..extensions import db
from ..models import Branch, Round, Sheet, SheetEntry
from ..tally import COUNTS, counted_votes_by_entry
from .cache import cached


def boxes_of(round_: Round) -> list[Box]:
    """The round's counted boxes, in branch code order."""
    votes = counted_votes_by_entry(round_)
    rows = db.session.execute(
        select(
            Branch.code,
            Branch.region,
            Branch.eligible,
            SheetEntry.id,
            SheetEntry.ballots_cast,
            SheetEntry.invalid,
        )
        .select_from(Sheet)
        .join(SheetEntry, SheetEntry.id == Sheet.counted_entry_id)
        .join(Branch, Branch.id == Sheet.branch_id)
        .where(Sheet.round_id == round_.id, COUNTS)
        .order_by(Branch.code)
    ).all()
    return [
        Box(code, region, int(eligible), int(cast), int(invalid), votes.get(entry_id, {}))
        for code, region, eligible, entry_id, cast, invalid in rows
    ]


def round_before(round_: Round) -> Round | None:
    """The round before this one in the same election (None for round 1)."""
    return db.session.scalar(
        select(Round).where(
            Round.election_id == round_.election_id, Round.number == round_.number - 1
        )
    )


def flags_of(
    round_: Round, settings: FlagSettings | None = None, boxes: list[Box] | None = None
) -> list[Flag]:
    """Every red flag of the round, as :func:`~primaries.core.flags.find_flags` lists them
    (from ``boxes``, the round's :func:`boxes_of`, when given), with the election's settings
    unless ``settings`` are given."""
    before = round_before(round_)
    return find_flags(
        boxes if boxes is not None else boxes_of(round_),
        settings if settings is not None else settings_from(round_.election.flag_settings),
        before=boxes_of(before) if before is not None else (),
    )


def round_flags(round_: Round) -> list[Flag]:
    """:func:`flags_of` with the election's settings, kept until the round's numbers (or those
    of the round before it, which a runoff's checks compare with) or the settings change (both
    bump ``data_version``): for the staff pages."""
    before = round_before(round_)
    key = (
        "flags",
        round_.id,
        int(round_.data_version),
        int(before.data_version) if before is not None else 0,
    )
    return cached(key, lambda: flags_of(round_))


def indicators_of(boxes: list[Box]) -> list[dict[str, object]]:
    """The region-level digit tests (:mod:`primaries.core.digits`) of every region with enough
    vote counts: indicators with their p-values, not flags."""
    regions: dict[str | None, list[int]] = {}
    for box in boxes:
        regions.setdefault(box.region, []).extend(box.votes.values())
    found = []
    for region in sorted(regions, key=lambda r: (r is None, r or "")):
        for test in (last_digit_test, second_digit_test):
            result = test(regions[region])
            if result is not None:
                found.append({"region": region, **result.as_dict()})
    return found


def flags_document(round_: Round, settings: FlagSettings | None = None) -> dict[str, Any]:
    """The contract's flags JSON (section 9), with the region-level digit tests as
    ``indicators`` (a key of our own: the contract allows more)."""
    boxes = boxes_of(round_)
    flags = flags_of(round_, settings, boxes)
    region_of = {box.code: box.region for box in boxes}
    return {
        "election": round_.election.slug,
        "round": round_.number,
        "flags": [{**flag.as_dict(), "region": region_of[flag.branch]} for flag in flags],
        "indicators": indicators_of(boxes),
    }
