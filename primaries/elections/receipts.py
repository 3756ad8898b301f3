"""Paper received (issue 15): a clerk or supervisor marks a box's signed count sheet as arrived,
with who brought it; a supervisor withdraws a mark made by mistake, with a reason.

The only writer of ``paper_receipts`` (:class:`~primaries.models.PaperReceipt`); each change is
one row and one audit event (``paper.received``, ``paper.withdrawn``) in the same transaction.
A receipt changes no count: the paper's arrival is the committee's bookkeeping beside the
sheets, so it is not refused in a closed or certified round (late paper still arrives).
"""

from __future__ import annotations

from sqlalchemy import select

from ..audit.chain import record
from ..changes import Actor
from ..core.text import storable_problem
from ..database import begin_change
from ..errors import Refused
from ..extensions import db
from ..models import Branch, PaperReceipt, Round
from ..timestamps import utcnow
from .lookup import get_election, get_round

DELIVERED_BY_MAX = 200
REASON_MAX = 2000


def latest_receipt(round_: Round, branch: Branch) -> PaperReceipt | None:
    """The latest row about ``branch``'s paper in ``round_`` (None: never marked)."""
    return db.session.scalar(
        select(PaperReceipt)
        .where(PaperReceipt.round_id == round_.id, PaperReceipt.branch_id == branch.id)
        .order_by(PaperReceipt.id.desc())
        .limit(1)
    )


def _branch(round_: Round, code: str) -> Branch:
    branch = db.session.scalar(
        select(Branch).where(Branch.election_id == round_.election_id, Branch.code == code)
    )
    if branch is None:
        raise Refused(f"branch: {round_.election.slug} has no branch {code!r}")
    return branch


def _text(name: str, value: str | None, limit: int) -> tuple[str | None, str | None]:
    """``value`` stripped (None when empty) and what is wrong with it."""
    text = (value or "").strip()
    if len(text) > limit:
        return None, f"{name}: at most {limit} characters"
    problem = storable_problem(text)
    return (text or None), (f"{name}: {problem}" if problem else None)


def mark_received(
    slug: str, number: int, code: str, *, actor: Actor, delivered_by: str | None = None
) -> PaperReceipt:
    """Mark branch ``code``'s signed sheet of round ``number`` as received. Refused when the
    branch is unknown or its paper is already marked received (saying by whom and when)."""
    begin_change()
    round_ = get_round(get_election(slug), number)
    branch = _branch(round_, code.strip())
    brought, problem = _text("delivered by", delivered_by, DELIVERED_BY_MAX)
    if problem:
        raise Refused(problem)
    latest = latest_receipt(round_, branch)
    if latest is not None and latest.received:
        raise Refused(
            f"{branch.code}: its paper was already marked received by {latest.actor} at "
            f"{latest.created_at:%Y-%m-%d %H:%M} UTC"
        )
    row = PaperReceipt(
        round_id=round_.id,
        branch_id=branch.id,
        received=True,
        delivered_by=brought,
        actor=actor.name,
        user_id=actor.user_id,
        created_at=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    record(
        "paper.received",
        actor=actor.name,
        object_type="branch",
        object_id=f"{slug}/{number}/{branch.code}",
        election=slug,
        round_number=number,
        branch=branch.code,
        after={"delivered_by": brought},
    )
    return row


def withdraw_receipt(
    slug: str, number: int, code: str, reason: str, *, actor: Actor
) -> PaperReceipt:
    """Withdraw the mark that branch ``code``'s paper was received (a mark made by mistake), with
    a reason. Refused when the paper is not marked received or the reason is missing."""
    begin_change()
    round_ = get_round(get_election(slug), number)
    branch = _branch(round_, code.strip())
    text, problem = _text("reason", reason, REASON_MAX)
    problems = [problem] if problem else []
    if text is None and not problems:
        problems.append("reason: withdrawing a receipt needs a reason")
    latest = latest_receipt(round_, branch)
    if latest is None or not latest.received:
        problems.append(f"{branch.code}: its paper is not marked received")
    if problems:
        raise Refused(problems)
    assert latest is not None
    row = PaperReceipt(
        round_id=round_.id,
        branch_id=branch.id,
        received=False,
        reason=text,
        actor=actor.name,
        user_id=actor.user_id,
        created_at=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    record(
        "paper.withdrawn",
        actor=actor.name,
        object_type="branch",
        object_id=f"{slug}/{number}/{branch.code}",
        election=slug,
        round_number=number,
        branch=branch.code,
        before={"received_by": latest.actor, "delivered_by": latest.delivered_by},
        after={"reason": text},
    )
    return row
