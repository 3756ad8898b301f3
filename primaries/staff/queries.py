"""Read-side queries of the staff pages: branch states, lists and per-clerk statistics.

Nothing here writes; sums and counts are done in SQL. A branch's history is in
:mod:`.history`, the audit log's queries in :mod:`primaries.audit.log`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, and_, case, exists, func, literal, or_, select
from sqlalchemy.orm import aliased

from ..core.limits import page_count
from ..core.sheets import (
    STATUS_LABELS,
    SheetState,
    SheetStatus,
    entry_numbers_shown,
    entry_place,
)
from ..extensions import db
from ..models import (
    Branch,
    Election,
    EntryVote,
    Round,
    Sheet,
    SheetEntry,
    User,
)

# The state a branch is in for a round: annulled wins; no sheet row yet means "empty".
EFFECTIVE_STATE = case(
    (Sheet.annulled.is_(True), literal(SheetStatus.ANNULLED.value)),
    (Sheet.state.is_(None), literal(SheetStatus.EMPTY.value)),
    else_=Sheet.state,
)
STATE_ORDER: tuple[str, ...] = tuple(SheetStatus)


def _branches_with_state(round_: Round) -> Select[Any]:
    return (
        select(Branch, EFFECTIVE_STATE.label("state"))
        .outerjoin(Sheet, and_(Sheet.branch_id == Branch.id, Sheet.round_id == round_.id))
        .where(Branch.election_id == round_.election_id)
    )


def state_counts(round_: Round) -> dict[str, int]:
    """How many branches are in each state, every state listed (zero included)."""
    rows = db.session.execute(
        select(EFFECTIVE_STATE, func.count(Branch.id))
        .select_from(Branch)
        .outerjoin(Sheet, and_(Sheet.branch_id == Branch.id, Sheet.round_id == round_.id))
        .where(Branch.election_id == round_.election_id)
        .group_by(EFFECTIVE_STATE)
    ).all()
    counts = dict.fromkeys(STATE_ORDER, 0)
    counts.update({state: int(n) for state, n in rows})
    return counts


R = TypeVar("R")


@dataclass
class BranchPage(Generic[R]):
    """One page of a list of branches, and where it stands in the list."""

    rows: list[R]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return page_count(self.total, self.per_page)


def branch_list(
    round_: Round,
    *,
    state: str | None = None,
    text: str | None = None,
    region: str | None = None,
    page: int = 1,
    per_page: int = 100,
) -> BranchPage[tuple[Branch, str]]:
    """Branches of the round's election with their state, filtered, in code order, paged."""
    stmt = _branches_with_state(round_)
    if state in STATUS_LABELS:
        stmt = stmt.where(EFFECTIVE_STATE.in_([state]))
    if text:
        like = f"%{_escape_like(text.strip().lower())}%"
        stmt = stmt.where(
            or_(
                func.lower(Branch.code).like(like, escape="\\"),
                func.lower(Branch.name).like(like, escape="\\"),
            )
        )
    if region:
        stmt = stmt.where(Branch.region == region)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page = max(1, page)
    rows = db.session.execute(
        stmt.order_by(Branch.code).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return BranchPage([(b, s) for b, s in rows], int(total), page, per_page)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def regions(election: Election) -> list[str]:
    return [
        r
        for r in db.session.scalars(
            select(Branch.region)
            .where(Branch.election_id == election.id, Branch.region.is_not(None))
            .distinct()
            .order_by(Branch.region)
        )
        if r
    ]


def find_branches(election: Election, text: str, limit: int = 20) -> list[Branch]:
    """Branches whose code is ``text`` (any case), else whose code or name contains it."""
    text = text.strip()
    if not text:
        return []
    exact = db.session.scalar(
        select(Branch).where(
            Branch.election_id == election.id, func.lower(Branch.code) == text.lower()
        )
    )
    if exact is not None:
        return [exact]
    like = f"%{_escape_like(text.lower())}%"
    return list(
        db.session.scalars(
            select(Branch)
            .where(
                Branch.election_id == election.id,
                or_(
                    func.lower(Branch.code).like(like, escape="\\"),
                    func.lower(Branch.name).like(like, escape="\\"),
                ),
            )
            .order_by(Branch.code)
            .limit(limit)
        )
    )


def all_branches(election: Election, limit: int = 5000) -> list[tuple[str, str]]:
    """(code, name) of the election's branches, for the chooser's suggestions."""
    return [
        (code, name)
        for code, name in db.session.execute(
            select(Branch.code, Branch.name)
            .where(Branch.election_id == election.id)
            .order_by(Branch.code)
            .limit(limit)
        )
    ]


def my_entries(round_: Round, user: User, limit: int = 100) -> list[dict[str, Any]]:
    """The sheets this account entered in this round, newest first, with their state now.

    The ballots cast it typed are None while the sheet is not settled: blind for everyone."""
    rows = db.session.execute(
        select(
            SheetEntry,
            Branch,
            EFFECTIVE_STATE,
            Sheet.state,
            Sheet.first_entry_id,
            Sheet.second_entry_id,
        )
        .join(Branch, Branch.id == SheetEntry.branch_id)
        .outerjoin(
            Sheet, and_(Sheet.branch_id == SheetEntry.branch_id, Sheet.round_id == round_.id)
        )
        .where(
            SheetEntry.round_id == round_.id,
            SheetEntry.user_id == user.id,
            SheetEntry.kind == "entry",
        )
        .order_by(SheetEntry.id.desc())
        .limit(limit)
    ).all()
    return [
        {
            "entry": entry,
            "branch": branch,
            "state": state,
            "ballots_cast": entry.ballots_cast
            if entry_numbers_shown(stored, entry_place(entry.id, first, second))
            else None,
        }
        for entry, branch, state, stored, first, second in rows
    ]


def awaiting_second_for(round_: Round, user: User, limit: int = 30) -> list[Branch]:
    """Sheets awaiting a second entry that this account may make (its first is not theirs)."""
    return list(
        db.session.scalars(
            select(Branch)
            .join(Sheet, and_(Sheet.branch_id == Branch.id, Sheet.round_id == round_.id))
            .join(SheetEntry, SheetEntry.id == Sheet.first_entry_id)
            .where(
                Sheet.state == SheetState.AWAITING_SECOND,
                Sheet.annulled.is_(False),
                SheetEntry.user_id != user.id,
            )
            .order_by(Branch.code)
            .limit(limit)
        )
    )


def not_entered(round_: Round, limit: int = 30) -> list[Branch]:
    stmt = _branches_with_state(round_).where(EFFECTIVE_STATE.in_([SheetStatus.EMPTY.value]))
    return [b for b, _ in db.session.execute(stmt.order_by(Branch.code).limit(limit))]


def clerk_stats(round_: Round) -> list[dict[str, Any]]:
    """Per account, its typed entries in this round: how many; how many match the numbers that
    count now, how many differ from them (the mismatches that were theirs), how many are not
    settled yet (the sheet does not count, or was sent back)."""
    counted = aliased(SheetEntry)
    mine = aliased(EntryVote)
    theirs = aliased(EntryVote)
    votes_differ = exists(
        select(mine.entry_id)
        .join(
            theirs,
            and_(theirs.entry_id == counted.id, theirs.candidate_id == mine.candidate_id),
        )
        .where(mine.entry_id == SheetEntry.id, mine.votes != theirs.votes)
    )
    differs = or_(
        SheetEntry.ballots_cast != counted.ballots_cast,
        SheetEntry.invalid != counted.invalid,
        votes_differ,
    )
    settled = and_(counted.id.is_not(None), Sheet.annulled.is_(False))
    rows = db.session.execute(
        select(
            User.username,
            User.role,
            func.count(SheetEntry.id),
            func.sum(case((and_(settled, ~differs), 1), else_=0)),
            func.sum(case((and_(settled, differs), 1), else_=0)),
            func.max(SheetEntry.created_at),
        )
        .select_from(SheetEntry)
        .join(User, User.id == SheetEntry.user_id)
        .outerjoin(
            Sheet,
            and_(Sheet.branch_id == SheetEntry.branch_id, Sheet.round_id == SheetEntry.round_id),
        )
        .outerjoin(counted, counted.id == Sheet.counted_entry_id)
        .where(SheetEntry.round_id == round_.id, SheetEntry.kind == "entry")
        .group_by(User.username, User.role)
        .order_by(User.username)
    ).all()
    return [
        {
            "username": username,
            "role": role,
            "entries": int(entries),
            "matched": int(matched or 0),
            "differed": int(differed or 0),
            "unsettled": int(entries) - int(matched or 0) - int(differed or 0),
            "last": last,
        }
        for username, role, entries, matched, differed, last in rows
    ]
