"""Objections (issue 13): an observer files one about a branch's count before the round is
certified; a supervisor or admin who did not file it decides it (dismissed, recount ordered,
box annulled) with a reason. While one is open the round cannot be certified.

The only writer of ``objections`` (:class:`~primaries.models.Objection`); each change is one
audit event (``objection.file``, ``objection.decide``) in the same transaction. A decision is
the committee's record: a recount is then entered as a correction and an annulment made as
usual (each with its own reason and, with four eyes on, its second person).
"""

from __future__ import annotations

from sqlalchemy import func, select

from ..audit.chain import record
from ..changes import Actor
from ..core.objections import DECISION_LABELS, TEXT_MAX, ObjectionDecision
from ..core.rounds import RoundStatus
from ..core.text import text_problem
from ..core.words import N_, Said, about
from ..database import begin_change
from ..errors import NotFound, Refused
from ..extensions import db
from ..formats.images import checked_upload
from ..models import Branch, Objection, Round
from ..timestamps import utcnow
from .lookup import branch_field, get_election, get_round
from .photos import store_checked
from .versions import bump_version


def _text(name: str, value: str | None, missing: str) -> tuple[str, Said | None]:
    """``value`` stripped, and what is wrong with it (``missing`` when it is empty): ``name``
    and ``missing`` are marked with ``N_``."""
    text = (value or "").strip()
    problem = text_problem(text, TEXT_MAX) if text else Said(missing)
    return text, (about(name, problem) if problem else None)


def open_objections(round_: Round) -> int:
    """How many objections of the round are not decided yet."""
    found = db.session.scalar(
        select(func.count(Objection.id)).where(
            Objection.round_id == round_.id, Objection.decision.is_(None)
        )
    )
    return int(found or 0)


def file_objection(
    slug: str,
    number: int,
    code: str,
    text: str,
    *,
    actor: Actor,
    attachment: bytes | None = None,
) -> Objection:
    """File an objection about branch ``code``'s count in round ``number``, optionally with a
    document or photo (``attachment``: checked and stored as a sheet's photo is). Refused after
    the round is certified, for an unknown branch, without a text, or for an attachment that is
    not a readable photo or PDF, every problem at once."""
    begin_change()
    round_ = get_round(get_election(slug), number)
    problems: list[str] = []
    if round_.status == RoundStatus.CERTIFIED:
        problems.append(
            Said(
                N_(
                    "round %(number)s is certified: objections are filed before certification "
                    "(an admin may decertify it)"
                ),
                number=number,
            )
        )
    branch, missing = branch_field(round_, code)
    words, problem = _text(N_("objection"), text, N_("say what happened"))
    problems += [p for p in (missing, problem) if p]
    checked = None
    if attachment:
        try:
            checked = checked_upload(attachment, N_("attachment"))
        except Refused as refused:
            problems += refused.problems
    if problems:
        raise Refused(problems)
    assert branch is not None
    objection = Objection(
        round_id=round_.id,
        branch_id=branch.id,
        text=words,
        filed_by=actor.name,
        user_id=actor.user_id,
        created_at=utcnow(),
    )
    attached = None
    if checked is not None:
        digest, content_type, size = store_checked(checked)
        objection.attachment_sha256, objection.attachment_type = digest, content_type
        objection.attachment_size = size
        attached = {"sha256": digest, "content_type": content_type, "size": size}
    db.session.add(objection)
    db.session.flush()
    bump_version(round_)  # the dashboard's blockers change
    record(
        "objection.file",
        actor=actor.name,
        object_type="objection",
        object_id=str(objection.id),
        election=slug,
        round_number=number,
        branch=branch.code,
        after={"objection": objection.id, "text": words, "attachment": attached},
    )
    return objection


def decide_objection(objection_id: int, decision: str, reason: str, *, actor: Actor) -> Objection:
    """Decide an open objection with a reason. Refused when it is decided already, when the
    decision is unknown or the reason missing, or when the one deciding filed it."""
    begin_change()
    objection = db.session.get(Objection, objection_id)
    if objection is None:
        raise NotFound(f"no objection #{objection_id}")
    round_ = db.session.get(Round, objection.round_id)
    branch = db.session.get(Branch, objection.branch_id)
    assert round_ is not None and branch is not None
    problems: list[str] = []
    if objection.decision is not None:
        problems.append(
            Said(
                N_("objection #%(id)s is already decided (%(decision)s by %(by)s)"),
                id=objection_id,
                decision=(DECISION_LABELS.get(objection.decision, objection.decision), {}),
                by=objection.decided_by,
            )
        )
    if decision not in tuple(ObjectionDecision):
        problems.append(
            about(
                N_("decision"),
                Said(
                    N_("%(value)s is not one of %(choices)s"),
                    value=repr(decision),
                    choices=", ".join(ObjectionDecision),
                ),
            )
        )
    if objection.filed_by == actor.name:
        problems.append(
            Said(N_("objection #%(id)s is yours: another person decides it"), id=objection_id)
        )
    words, problem = _text(N_("reason"), reason, N_("say why"))
    if problem:
        problems.append(problem)
    if problems:
        raise Refused(problems)
    objection.decision = decision
    objection.reason = words
    objection.decided_by = actor.name
    objection.decided_user_id = actor.user_id
    objection.decided_at = utcnow()
    bump_version(round_)
    record(
        "objection.decide",
        actor=actor.name,
        object_type="objection",
        object_id=str(objection.id),
        election=round_.election.slug,
        round_number=round_.number,
        branch=branch.code,
        before={"decision": None},
        after={"objection": objection.id, "decision": decision, "reason": words},
    )
    return objection
