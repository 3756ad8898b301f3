"""Paper received (issue 15): a clerk or supervisor marks a box's signed count sheet as arrived,
with who brought it; a supervisor withdraws a mark made by mistake, with a reason.

The only writer of ``paper_receipts`` (:class:`~primaries.models.PaperReceipt`); each change is
one row and one audit event (``paper.received``, ``paper.withdrawn``) in the same transaction.
A receipt changes no count: the paper's arrival is the committee's bookkeeping beside the
sheets, so it is not refused in a closed or certified round (late paper still arrives).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..audit.chain import record
from ..changes import Actor
from ..core.text import text_problem
from ..core.words import N_, Said, about
from ..database import begin_change
from ..errors import Refused
from ..extensions import db
from ..models import Branch, PaperReceipt, Round
from ..timestamps import utcnow
from .lookup import branch_field, get_election, get_round

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


def _box(slug: str, number: int, code: str) -> tuple[Round, Branch]:
    """Begin the change; the round and the branch it is about (Refused: no such branch)."""
    begin_change()
    round_ = get_round(get_election(slug), number)
    branch, problem = branch_field(round_, code.strip())
    if branch is None:
        raise Refused(problem or "")
    return round_, branch


def _write(
    round_: Round,
    branch: Branch,
    action: str,
    *,
    actor: Actor,
    after: dict[str, Any],
    before: dict[str, Any] | None = None,
    **columns: Any,
) -> PaperReceipt:
    """The row and its audit event, in the change's transaction."""
    row = PaperReceipt(
        round_id=round_.id,
        branch_id=branch.id,
        actor=actor.name,
        user_id=actor.user_id,
        created_at=utcnow(),
        **columns,
    )
    db.session.add(row)
    db.session.flush()
    slug, number = round_.election.slug, round_.number
    record(
        action,
        actor=actor.name,
        object_type="branch",
        object_id=f"{slug}/{number}/{branch.code}",
        election=slug,
        round_number=number,
        branch=branch.code,
        before=before,
        after=after,
    )
    return row


def mark_received(
    slug: str, number: int, code: str, *, actor: Actor, delivered_by: str | None = None
) -> PaperReceipt:
    """Mark branch ``code``'s signed sheet of round ``number`` as received. Refused when the
    branch is unknown or its paper is already marked received (saying by whom and when)."""
    round_, branch = _box(slug, number, code)
    brought = (delivered_by or "").strip()
    problem = text_problem(brought, DELIVERED_BY_MAX)
    if problem:
        raise Refused(about(N_("delivered by"), problem))
    latest = latest_receipt(round_, branch)
    if latest is not None and latest.received:
        raise Refused(
            Said(
                N_("%(code)s: its paper was already marked received by %(actor)s at %(time)s UTC"),
                code=branch.code,
                actor=latest.actor,
                time=f"{latest.created_at:%Y-%m-%d %H:%M}",
            )
        )
    return _write(
        round_,
        branch,
        "paper.received",
        actor=actor,
        after={"delivered_by": brought or None},
        received=True,
        delivered_by=brought or None,
    )


def withdraw_receipt(
    slug: str, number: int, code: str, reason: str, *, actor: Actor
) -> PaperReceipt:
    """Withdraw the mark that branch ``code``'s paper was received (a mark made by mistake), with
    a reason. Refused when the paper is not marked received or the reason is missing."""
    round_, branch = _box(slug, number, code)
    text = (reason or "").strip()
    problem = (
        text_problem(text, REASON_MAX) if text else Said(N_("withdrawing a receipt needs a reason"))
    )
    problems = [about(N_("reason"), problem)] if problem else []
    latest = latest_receipt(round_, branch)
    if latest is None or not latest.received:
        problems.append(Said(N_("%(code)s: its paper is not marked received"), code=branch.code))
    if problems:
        raise Refused(problems)
    assert latest is not None
    return _write(
        round_,
        branch,
        "paper.withdrawn",
        actor=actor,
        before={"received_by": latest.actor, "delivered_by": latest.delivered_by},
        after={"reason": text},
        received=False,
        reason=text,
    )
