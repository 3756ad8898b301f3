"""Read-side queries of the staff pages: branch states, lists, per-clerk statistics, a branch's
history and the audit log's filters. Nothing here writes; sums and counts are done in SQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, and_, case, exists, func, literal, or_, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import (
    Annulment,
    AuditEvent,
    Branch,
    Election,
    EntryVote,
    Round,
    Sheet,
    SheetEntry,
    User,
)
from ..tally import ballot_of
from .entry import STATE_LABELS, vote_field

# The state a branch is in for a round: annulled wins; no sheet row yet means "empty".
EFFECTIVE_STATE = case(
    (Sheet.annulled.is_(True), literal("annulled")),
    (Sheet.state.is_(None), literal("empty")),
    else_=Sheet.state,
)
STATE_ORDER = ("empty", "awaiting_second", "mismatch", "counted", "annulled")


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


@dataclass
class BranchPage:
    rows: list[tuple[Branch, str]]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def branch_list(
    round_: Round,
    *,
    state: str | None = None,
    text: str | None = None,
    region: str | None = None,
    page: int = 1,
    per_page: int = 100,
) -> BranchPage:
    """Branches of the round's election with their state, filtered, in code order, paged."""
    stmt = _branches_with_state(round_)
    if state in STATE_LABELS:
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
    """The sheets this account entered in this round, newest first, with their state now."""
    rows = db.session.execute(
        select(SheetEntry, Branch, EFFECTIVE_STATE)
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
        {"entry": entry, "branch": branch, "state": state, "ballots_cast": entry.ballots_cast}
        for entry, branch, state in rows
    ]


def awaiting_second_for(round_: Round, user: User, limit: int = 30) -> list[Branch]:
    """Sheets awaiting a second entry that this account may make (its first is not theirs)."""
    return list(
        db.session.scalars(
            select(Branch)
            .join(Sheet, and_(Sheet.branch_id == Branch.id, Sheet.round_id == round_.id))
            .join(SheetEntry, SheetEntry.id == Sheet.first_entry_id)
            .where(
                Sheet.state == "awaiting_second",
                Sheet.annulled.is_(False),
                SheetEntry.user_id != user.id,
            )
            .order_by(Branch.code)
            .limit(limit)
        )
    )


def not_entered(round_: Round, limit: int = 30) -> list[Branch]:
    stmt = _branches_with_state(round_).where(EFFECTIVE_STATE == "empty")
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


# --------------------------------------------------------------------------------------------
# A branch's history


@dataclass
class HistoryItem:
    at: dt.datetime
    what: str
    who: str | None
    numbers: dict[str, Any] | None = None
    reason: str | None = None
    counts: bool = False
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class RoundHistory:
    round: Round
    state: str
    ballot: list[tuple[int, str, str]]
    items: list[HistoryItem]


ENTRY_WHAT = {
    "package": "loaded with the election package",
    "import": "imported from a sheets file",
    "entry": "entered",
    "resolution": "mismatch resolved by a supervisor",
    "correction": "corrected",
}


def branch_history(election: Election, branch: Branch) -> list[RoundHistory]:
    """Every entry, decision, correction and annulment of the branch's sheet, round by round."""
    out = []
    for round_ in election.rounds:
        ballot = ballot_of(round_)
        code_of = {cid: code for cid, code, _ in ballot}
        sheet = db.session.scalar(
            select(Sheet).where(Sheet.round_id == round_.id, Sheet.branch_id == branch.id)
        )
        entries = db.session.scalars(
            select(SheetEntry)
            .where(SheetEntry.round_id == round_.id, SheetEntry.branch_id == branch.id)
            .order_by(SheetEntry.id)
        ).all()
        votes: dict[int, dict[str, int]] = {}
        if entries:
            for entry_id, candidate_id, n in db.session.execute(
                select(EntryVote.entry_id, EntryVote.candidate_id, EntryVote.votes).where(
                    EntryVote.entry_id.in_([e.id for e in entries])
                )
            ):
                votes.setdefault(entry_id, {})[code_of[candidate_id]] = int(n)
        names = {
            uid: name
            for uid, name in db.session.execute(select(User.id, User.username))
            if uid in {e.user_id for e in entries}
        }
        items = [
            HistoryItem(
                at=e.created_at,
                what=ENTRY_WHAT.get(e.kind, e.kind),
                who=names.get(e.user_id) if e.user_id else None,
                numbers={
                    "ballots_cast": e.ballots_cast,
                    "invalid": e.invalid,
                    "votes": votes.get(e.id, {}),
                },
                reason=e.reason,
                counts=sheet is not None and sheet.counted_entry_id == e.id,
                details={"entry_id": e.id, "kind": e.kind},
            )
            for e in entries
        ]
        for annulment, username in db.session.execute(
            select(Annulment, User.username)
            .outerjoin(User, User.id == Annulment.user_id)
            .where(Annulment.round_id == round_.id, Annulment.branch_id == branch.id)
        ):
            items.append(
                HistoryItem(
                    at=annulment.created_at,
                    what="annulled" if annulment.action == "annul" else "annulment reversed",
                    who=username,
                    reason=annulment.reason,
                )
            )
        for event in db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.election == election.slug,
                AuditEvent.round_number == round_.number,
                AuditEvent.branch == branch.code,
                AuditEvent.action.in_(("sheet.send_back", "sheet.resolve")),
            )
        ):
            after = event.after or {}
            if event.action == "sheet.send_back":
                items.append(
                    HistoryItem(
                        at=event.created_at,
                        what="sent back to be keyed again",
                        who=event.actor,
                        reason=after.get("reason"),
                    )
                )
            else:
                decided = after.get("decided") or {}
                labels = {"ballots_cast": "Ballots cast", "invalid": "Invalid ballots"}
                labels.update({vote_field(code): name for _, code, name in ballot})
                items.append(
                    HistoryItem(
                        at=event.created_at,
                        what="decision on the mismatch, field by field",
                        who=event.actor,
                        reason="; ".join(
                            f"{labels.get(k, k)}: {'the paper' if v == 'paper' else v}"
                            for k, v in decided.items()
                        )
                        or None,
                    )
                )
        items.sort(key=lambda item: item.at)
        state = "empty" if sheet is None else "annulled" if sheet.annulled else sheet.state
        out.append(RoundHistory(round_, state, ballot, items))
    return out


# --------------------------------------------------------------------------------------------
# The audit log


@dataclass(frozen=True)
class AuditFilters:
    action: str | None = None
    actor: str | None = None
    election: str | None = None
    branch: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None

    def as_args(self) -> dict[str, str]:
        return {
            key: value.isoformat() if isinstance(value, dt.date) else value
            for key, value in self.__dict__.items()
            if value
        }


def audit_select(filters: AuditFilters) -> Select[AuditEvent]:
    stmt = select(AuditEvent)
    if filters.action:
        stmt = stmt.where(AuditEvent.action == filters.action)
    if filters.actor:
        stmt = stmt.where(AuditEvent.actor == filters.actor)
    if filters.election:
        stmt = stmt.where(AuditEvent.election == filters.election)
    if filters.branch:
        stmt = stmt.where(AuditEvent.branch == filters.branch)
    if filters.since:
        start = dt.datetime.combine(filters.since, dt.time(), tzinfo=dt.UTC)
        stmt = stmt.where(AuditEvent.created_at >= start)
    if filters.until:
        end = dt.datetime.combine(filters.until + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
        stmt = stmt.where(AuditEvent.created_at < end)
    return stmt


def audit_page(
    filters: AuditFilters, page: int, per_page: int = 50
) -> tuple[Sequence[AuditEvent], int]:
    stmt = audit_select(filters)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    events = db.session.scalars(
        stmt.order_by(AuditEvent.seq.desc()).limit(per_page).offset((max(1, page) - 1) * per_page)
    ).all()
    return events, int(total)


def audit_actions() -> list[str]:
    return list(
        db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    )


def election_slugs() -> list[str]:
    return list(db.session.scalars(select(Election.slug).order_by(Election.slug)))
