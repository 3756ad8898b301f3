"""Every write of a risk-limiting audit, each with its audit event in the same transaction.

- :func:`start_audit`: the audit of a round (one per round): its risk limit, seed, U, estimate
  and first draws; an open round is closed first (the round-close service).
- :func:`draw_more`: K more draws (k continues).
- :func:`record_counts`: audited (hand) counts of drawn boxes from a sheets file; a correction
  needs a reason and adds a row.

Each event carries every number its change wrote (the replay of ``primaries audit verify``
rebuilds the tables from them: :mod:`primaries.audit.rla`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select

from ..audit.chain import record
from ..changes import Actor
from ..core.rla import (
    Batch,
    Plan,
    alpha_of,
    draw_sequence,
    fraction_text,
    normal_risk_limit,
    risk_limit_problem,
    seed_problem,
)
from ..core.rla_risk import estimate
from ..core.rounds import RoundStatus
from ..core.sheets import Numbers, sum_words
from ..core.text import storable_problem
from ..core.words import N_, Said, about, on_line
from ..database import begin_change
from ..elections.lookup import get_election, get_round
from ..elections.rounds import close_round
from ..elections.versions import bump_version
from ..errors import Refused
from ..extensions import db
from ..formats import SheetSpec, parse_sheets_csv
from ..models import Branch, Round
from ..models.rla import RlaAudit, RlaCount, RlaDraw
from ..tally import ballot_of, sums_of
from .queries import State, audit_of, bound_text, risk_text, round_plan, state_of


def _where(round_: Round) -> dict[str, object]:
    slug = round_.election.slug
    return {
        "object_type": "round",
        "object_id": f"{slug}/{round_.number}",
        "election": slug,
        "round_number": round_.number,
    }


def branch_ids(round_: Round) -> dict[str, int]:
    return {
        code: int(i)
        for i, code in db.session.execute(
            select(Branch.id, Branch.code).where(Branch.election_id == round_.election_id)
        )
    }


def _settle(round_: Round, audit: RlaAudit, the_plan: Plan | None = None) -> State:
    """Recompute the audit's state and keep its status and risk on its row; the round's pages
    show the audit's conclusion, so its version moves (caches and ETags)."""
    state = state_of(round_, audit, the_plan=the_plan)
    bump_version(round_)
    audit.status = state.measure.status
    audit.risk = risk_text(state.measure.risk)
    return state


def _add_draws(round_: Round, audit: RlaAudit, the_plan: Plan, count: int) -> list[list[object]]:
    """Draws k+1 .. k+count (k: the audit's last draw so far), as ``[k, branch]`` pairs."""
    last = db.session.scalar(select(func.max(RlaDraw.k)).where(RlaDraw.audit_id == audit.id))
    ids = branch_ids(round_)
    draws = draw_sequence(the_plan, audit.seed, (last or 0) + 1, count) if count else []
    for k, code in draws:
        db.session.add(RlaDraw(audit_id=audit.id, k=k, branch_id=ids[code]))
    db.session.flush()
    return [[k, code] for k, code in draws]


def start_audit(
    slug: str,
    round_number: int,
    *,
    risk_limit: str,
    seed: str,
    draws: int | None = None,
    actor: Actor,
) -> RlaAudit:
    """Start the audit of a round with no pending branches (one audit per round)."""
    begin_change()
    election = get_election(slug)
    round_ = get_round(election, round_number)
    problems: list[str] = [p for p in (risk_limit_problem(risk_limit), seed_problem(seed)) if p]
    if draws is not None and draws < 0:
        problems.append(Said(N_("draws must be 0 or more, got %(count)s"), count=draws))
    if problems:
        raise Refused(problems)
    if audit_of(round_) is not None:
        raise Refused(
            Said(
                N_("round %(number)s of %(slug)s already has a risk-limiting audit"),
                number=round_.number,
                slug=slug,
            )
        )
    sums = sums_of(round_)
    if sums.pending:
        pending = N_(
            "round %(number)s has %(pending)s pending branches (neither counted nor annulled): "
            "an audit starts when every branch is counted or annulled"
        )
        raise Refused(Said(pending, number=round_.number, pending=sums.pending))
    if round_.status == RoundStatus.OPEN:
        close_round(round_, actor=actor, reason="risk-limiting audit")
    the_plan = round_plan(round_)
    total = the_plan.total_error_bound
    limit = normal_risk_limit(risk_limit)
    n = estimate(total, alpha_of(limit)) if total is not None else None
    audit = RlaAudit(
        round_id=round_.id,
        risk_limit=limit,
        seed=seed,
        total_error_bound=bound_text(the_plan),
        exact_error_bound=None if total is None else fraction_text(total),
        estimate=n,
        status="in_progress",
        started_by=actor.name,
        user_id=actor.user_id,
    )
    db.session.add(audit)
    db.session.flush()
    count = (n or 0) if draws is None else draws
    made = _add_draws(round_, audit, the_plan, count) if the_plan.sampling else []
    state = _settle(round_, audit, the_plan)
    record(
        "rla.start",
        actor=actor.name,
        **_where(round_),  # type: ignore[arg-type]
        after={
            "risk_limit": audit.risk_limit,
            "seed": audit.seed,
            "total_error_bound": audit.total_error_bound,
            "exact_error_bound": audit.exact_error_bound,
            "estimate": audit.estimate,
            "margins": {name: str(m) for name, m in state.plan.margins.items()},
            "draws": made,
            "status": audit.status,
            "risk": audit.risk,
        },
    )
    return audit


def running_audit(round_: Round) -> RlaAudit:
    audit = audit_of(round_)
    if audit is None:
        raise Refused(
            Said(
                N_("round %(number)s of %(slug)s has no risk-limiting audit"),
                number=round_.number,
                slug=round_.election.slug,
            )
        )
    return audit


def draw_more(slug: str, round_number: int, count: int, *, actor: Actor) -> RlaAudit:
    """Add ``count`` draws to the round's audit (k continues)."""
    begin_change()
    round_ = get_round(get_election(slug), round_number)
    audit = running_audit(round_)
    if count < 1:
        raise Refused(Said(N_("draws must be 1 or more, got %(count)s"), count=count))
    if audit.status == "full_hand_count":
        by_hand = N_(
            "the outcome of round %(number)s cannot be confirmed by sampling: count every box "
            "by hand"
        )
        raise Refused(Said(by_hand, number=round_.number))
    if audit.status == "confirmed":
        confirmed = N_("the audit of round %(number)s has confirmed the outcome already")
        raise Refused(Said(confirmed, number=round_.number))
    the_plan = round_plan(round_)
    made = _add_draws(round_, audit, the_plan, count)
    _settle(round_, audit, the_plan)
    record(
        "rla.draw",
        actor=actor.name,
        **_where(round_),  # type: ignore[arg-type]
        after={"draws": made, "status": audit.status, "risk": audit.risk},
    )
    return audit


@dataclass(frozen=True)
class SpecCheck:
    """The checks of an audited count, as of a sheet (CONTRACT section 1), for a drawn box."""

    slug: str
    number: int
    codes: list[str]
    drawn: set[str]
    eligible: dict[str, int]

    @classmethod
    def of(cls, round_: Round, state: State) -> SpecCheck:
        eligible = {
            code: int(e)
            for code, e in db.session.execute(
                select(Branch.code, Branch.eligible).where(Branch.election_id == round_.election_id)
            )
        }
        codes = [code for _, code, _ in ballot_of(round_)]
        drawn = {code for _, code in state.draws}
        return cls(round_.election.slug, round_.number, codes, drawn, eligible)

    def batch(self, spec: SheetSpec, where: str, problems: list[str]) -> Batch | None:
        """The count as a batch, or None with its problems added."""
        if spec.branch not in self.eligible:
            none = Said(
                N_("no branch %(code)s in %(slug)s"), code=repr(spec.branch), slug=self.slug
            )
            problems.append(about(where, about(N_("branch"), none)))
            return None
        if spec.branch not in self.drawn:
            not_drawn = N_(
                "branch %(code)s was not drawn in the audit of round %(number)s: only drawn "
                "boxes are counted"
            )
            problems.append(about(where, Said(not_drawn, code=spec.branch, number=self.number)))
            return None
        votes = dict(spec.votes or {})
        if set(votes) != set(self.codes):
            exactly = N_("votes must name exactly %(codes)s")
            problems.append(about(where, Said(exactly, codes=", ".join(self.codes))))
            return None
        batch = Batch(spec.branch, spec.ballots_cast or 0, spec.invalid or 0, votes)
        wrong = sum_words(
            Numbers(batch.ballots_cast, batch.invalid, votes),
            eligible=self.eligible[spec.branch],
            branch=spec.branch,
            cast_word="ballots_cast",
        )
        if wrong:
            problems.extend(about(where, Said(words)) for words in wrong)
            return None
        return batch


@dataclass
class Recorded:
    """What a file of audited counts did, by branch code."""

    added: list[str] = field(default_factory=list)
    corrected: list[str] = field(default_factory=list)
    unchanged: int = 0


def record_counts(
    slug: str,
    round_number: int,
    raw: bytes,
    *,
    actor: Actor,
    correct: bool = False,
    reason: str | None = None,
) -> Recorded:
    """Record audited counts of drawn boxes from a sheets file (all or nothing)."""
    begin_change()
    round_ = get_round(get_election(slug), round_number)
    ballot = ballot_of(round_)
    # The sheets' reader: CSV (UTF-8, UTF-16, Windows-1255; commas, semicolons, tabs) or an
    # Excel workbook; a candidate's column headed by its code or its exact name.
    specs = parse_sheets_csv(
        raw, [code for _, code, _ in ballot], names={code: name for _, code, name in ballot}
    )
    return record_specs(slug, round_number, specs, actor=actor, correct=correct, reason=reason)


def record_specs(
    slug: str,
    round_number: int,
    specs: Sequence[SheetSpec],
    *,
    actor: Actor,
    correct: bool = False,
    reason: str | None = None,
) -> Recorded:
    """Record audited counts of drawn boxes (from a file's lines, or the web form's one)."""
    begin_change()
    round_ = get_round(get_election(slug), round_number)
    audit = running_audit(round_)
    if correct:
        reason = (reason or "").strip()
        problem = storable_problem(reason) if reason else Said(N_("a correction needs a reason"))
        if problem:
            raise Refused(about(N_("reason"), problem))
    state = state_of(round_, audit)
    check = SpecCheck.of(round_, state)
    ids = branch_ids(round_)
    problems: list[str] = []
    rows: list[tuple[Batch, str | None]] = []
    done = Recorded()
    seen: set[str] = set()
    for spec in specs:
        where = on_line(spec.line) if spec.line else branch_where(spec.branch)
        if spec.branch in seen:
            twice = Said(N_("branch %(code)s is counted twice"), code=spec.branch)
            problems.append(about(where, twice))
            continue
        seen.add(spec.branch)
        batch = check.batch(spec, where, problems)
        if batch is None:
            continue
        before = state.audited.get(spec.branch)
        if before is None:  # a supervisor's decision on a mismatch keeps its reason
            rows.append((batch, reason if correct else None))
            done.added.append(spec.branch)
        elif before.same_count(batch):
            done.unchanged += 1
        elif correct:
            rows.append((batch, reason))
            done.corrected.append(spec.branch)
        else:
            differs = N_(
                "branch %(code)s already has an audited count that differs: a correction needs "
                "a reason (--correct --reason TEXT)"
            )
            problems.append(about(where, Said(differs, code=spec.branch)))
    if problems:
        raise Refused(problems)
    if rows:
        write_counts(round_, audit, rows, ids, actor)
    return done


def write_counts(
    round_: Round,
    audit: RlaAudit,
    rows: list[tuple[Batch, str | None]],
    ids: dict[str, int],
    actor: Actor,
) -> None:
    for batch, why in rows:
        db.session.add(
            RlaCount(
                audit_id=audit.id,
                branch_id=ids[batch.code],
                ballots_cast=batch.ballots_cast,
                invalid=batch.invalid,
                votes=dict(batch.votes),
                reason=why,
                user_id=actor.user_id,
            )
        )
    db.session.flush()
    _settle(round_, audit)
    record(
        "rla.record",
        actor=actor.name,
        **_where(round_),  # type: ignore[arg-type]
        after={
            "counts": [[b.code, b.ballots_cast, b.invalid, dict(b.votes), why] for b, why in rows],
            "status": audit.status,
            "risk": audit.risk,
        },
    )


def branch_where(code: str) -> Said:
    """Where a count of no file line is: its branch."""
    return Said(N_("branch %(code)s"), code=code)
