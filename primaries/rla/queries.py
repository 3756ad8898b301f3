"""Reading an audit: the round's reported counts as batches, the audit's rows, its JSON.

The reported counts are the sheets that count in the round now; while the audit is in progress
no correction, annulment or lot can change them (:func:`primaries.elections.lookup.lock_reason`),
so they are the counts the audit started from.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from sqlalchemy import select

from ..core.rla import (
    Assertion,
    Batch,
    Plan,
    alpha_of,
    assertions_for,
    fixed,
    partial_plan,
    plan,
)
from ..core.rla_risk import Measure, measure
from ..core.words import N_
from ..extensions import db
from ..models import Branch, EntryVote, Round, Sheet, SheetEntry
from ..models.rla import RlaAudit, RlaCount, RlaDraw
from ..tally import (
    COUNTS,
    Sums,
    ballot_of,
    counted_votes_by_entry,
    decision_of,
    rules_of,
    sums_of,
)

IN_PROGRESS = ("in_progress", "escalate")
"""The statuses of an audit that is still running: its round's count may not change."""


def reported_batches(round_: Round, only: Collection[str] | None = None) -> list[Batch]:
    """One batch per branch whose sheet counts in the round (or those of the branches ``only``
    names), in branch-code order."""
    codes = [code for _, code, _ in ballot_of(round_)]
    stmt = (
        select(Branch.code, SheetEntry.id, SheetEntry.ballots_cast, SheetEntry.invalid)
        .select_from(Sheet)
        .join(SheetEntry, SheetEntry.id == Sheet.counted_entry_id)
        .join(Branch, Branch.id == Sheet.branch_id)
        .where(Sheet.round_id == round_.id, COUNTS)
    )
    if only is not None:
        stmt = stmt.where(Branch.code.in_(sorted(only)))
    rows = db.session.execute(stmt).all()
    votes = (
        _votes_of(round_, [int(row[1]) for row in rows])
        if only is not None
        else (counted_votes_by_entry(round_))
    )
    batches = [
        Batch(
            code,
            int(cast),
            int(invalid),
            {c: votes.get(entry_id, {}).get(c, 0) for c in codes},
        )
        for code, entry_id, cast, invalid in rows
    ]
    return sorted(batches, key=lambda b: b.code)


def _votes_of(round_: Round, entry_ids: list[int]) -> dict[int, dict[str, int]]:
    code_of = {candidate_id: code for candidate_id, code, _ in ballot_of(round_)}
    votes: dict[int, dict[str, int]] = {}
    if not entry_ids:
        return votes
    for entry_id, candidate_id, count in db.session.execute(
        select(EntryVote.entry_id, EntryVote.candidate_id, EntryVote.votes).where(
            EntryVote.entry_id.in_(entry_ids)
        )
    ):
        votes.setdefault(int(entry_id), {})[code_of[candidate_id]] = int(count)
    return votes


def _assertions(round_: Round, sums: Sums) -> list[Assertion] | None:
    outcome = decision_of(round_, sums).outcome
    codes = [code for _, code, _ in sums.ballot]
    return assertions_for(round_.number, rules_of(round_.election), outcome, codes)


def round_plan(round_: Round) -> Plan:
    """The audit's plan from the round's reported counts and outcome (every batch: to draw)."""
    return plan(reported_batches(round_), _assertions(round_, sums_of(round_)))


def measuring_plan(round_: Round, audit: RlaAudit, drawn: Collection[str]) -> Plan:
    """Enough of the plan to measure the risk: the drawn batches only, the margins from the
    round's running totals and U as the audit started with it (fast at national scale)."""
    if audit.exact_error_bound is None:
        return round_plan(round_)
    sums = sums_of(round_)
    assertions = _assertions(round_, sums)
    if assertions is None:
        return round_plan(round_)
    totals = Batch("", sums.ballots_cast, sums.invalid, sums.votes)
    batches = reported_batches(round_, drawn)
    return partial_plan(batches, assertions, totals, Fraction(audit.exact_error_bound))


def audit_of(round_: Round) -> RlaAudit | None:
    return db.session.scalar(select(RlaAudit).where(RlaAudit.round_id == round_.id))


def audit_in_progress(round_: Round) -> bool:
    """Whether an audit of the round is running (the round's count may not change)."""
    found = db.session.scalar(
        select(RlaAudit.id).where(RlaAudit.round_id == round_.id, RlaAudit.status.in_(IN_PROGRESS))
    )
    return found is not None


def draws_of(audit: RlaAudit) -> list[tuple[int, str]]:
    """(k, branch code) in draw order."""
    rows = db.session.execute(
        select(RlaDraw.k, Branch.code)
        .join(Branch, Branch.id == RlaDraw.branch_id)
        .where(RlaDraw.audit_id == audit.id)
        .order_by(RlaDraw.k)
    )
    return [(int(k), str(code)) for k, code in rows]


def audited_counts(audit: RlaAudit) -> dict[str, Batch]:
    """Each audited branch's count now (its latest row: a correction replaces the count)."""
    rows = db.session.execute(
        select(Branch.code, RlaCount.ballots_cast, RlaCount.invalid, RlaCount.votes)
        .join(Branch, Branch.id == RlaCount.branch_id)
        .where(RlaCount.audit_id == audit.id)
        .order_by(RlaCount.id)
    )
    return {
        code: Batch(code, int(cast), int(invalid), {c: int(v) for c, v in votes.items()})
        for code, cast, invalid, votes in rows
    }


@dataclass(frozen=True)
class State:
    """An audit as it stands: its plan, draws, audited counts and measure."""

    audit: RlaAudit
    plan: Plan
    draws: list[tuple[int, str]]
    audited: dict[str, Batch]
    measure: Measure


def state_of(round_: Round, audit: RlaAudit, *, the_plan: Plan | None = None) -> State:
    draws = draws_of(audit)
    if the_plan is None:
        the_plan = measuring_plan(round_, audit, {code for _, code in draws})
    audited = audited_counts(audit)
    found = measure(the_plan, [code for _, code in draws], audited, alpha_of(audit.risk_limit))
    return State(audit, the_plan, draws, audited, found)


def risk_text(risk: Fraction | None) -> str | None:
    return None if risk is None else fixed(risk, 6)


def bound_text(the_plan: Plan) -> str | None:
    total = the_plan.total_error_bound
    return None if total is None else fixed(total, 10)


def audit_document(round_: Round, state: State) -> dict[str, Any]:
    """The contract's JSON of an audit (section 8)."""
    audit, found = state.audit, state.measure
    return {
        "election": round_.election.slug,
        "round": round_.number,
        "risk_limit": audit.risk_limit,
        "seed": audit.seed,
        "total_error_bound": audit.total_error_bound,
        "estimate": audit.estimate,
        "draws": [{"draw": k, "branch": code} for k, code in state.draws],
        "audited": found.audited,
        "discrepancies": [
            {"branch": reported.code, "reported": reported.numbers(), "audited": audited.numbers()}
            for reported, audited in found.discrepancies
        ],
        "risk": risk_text(found.risk),
        "status": found.status,
    }


@dataclass(frozen=True)
class Retrieval:
    """A box to bring from the warehouse: its code, name, region and how often it was drawn."""

    code: str
    name: str
    region: str | None
    times: int
    audited: bool


def retrieval_list(round_: Round, state: State) -> list[Retrieval]:
    """The drawn boxes in branch-code order, each once, with how many times it was drawn."""
    times: dict[str, int] = {}
    for _, code in state.draws:
        times[code] = times.get(code, 0) + 1
    rows = db.session.execute(
        select(Branch.code, Branch.name, Branch.region).where(
            Branch.election_id == round_.election_id, Branch.code.in_(list(times))
        )
    )
    found = [
        Retrieval(code, name, region, times[code], code in state.audited)
        for code, name, region in rows
    ]
    return sorted(found, key=lambda r: r.code)


def next_step(status: str) -> str:
    """What the committee does next, in words (marked here, translated where it is shown)."""
    return {
        "in_progress": N_("Count the drawn boxes by hand and enter the counts."),
        "confirmed": N_("The outcome is confirmed at the risk limit: the audit is over."),
        "escalate": N_("The risk is above the limit: draw more boxes, or count every box by hand."),
        "full_hand_count": N_(
            "This outcome cannot be confirmed by sampling: count every box by hand."
        ),
    }[status]


def status_word(status: str) -> str:
    """The audit's status in words (marked here, translated where it is shown); the JSON keeps
    the contract's code."""
    return {
        "in_progress": N_("in progress"),
        "confirmed": N_("confirmed"),
        "escalate": N_("escalate: more boxes needed"),
        "full_hand_count": N_("full hand count"),
    }[status]
