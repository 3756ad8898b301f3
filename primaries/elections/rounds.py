"""The life of a round: open -> closed (entry stops) -> certified; and back, with reasons.

A certificate records whether the election's four eyes was on. Decertifying is one of the
decisions four eyes covers (:mod:`primaries.core.approvals`): while it is on, an admin's
decertification takes effect only as the approval of a request (``approval``); the command line
acts at once and its event says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from ..audit.chain import head, record
from ..changes import Actor
from ..core.approvals import Approval, direct_change_problem, four_eyes_note
from ..core.rounds import RoundAction, RoundStatus, status_words
from ..core.sheets import UNSETTLED
from ..core.words import N_, Said, plural
from ..database import begin_change
from ..errors import Refused
from ..extensions import db
from ..models import Round, RoundEvent, Sheet
from ..results.certificates import result_digest
from ..results.reviews import held_boxes
from ..tally import decision_of, round_result, sums_of
from .lookup import audit_lock_reason, has_later_round
from .objections import open_objections
from .versions import bump_version


def _event(
    round_: Round,
    action: RoundAction,
    *,
    actor: Actor,
    reason: str | None = None,
    before: object = None,
    after: object = None,
    **extra: str | bool | None,
) -> RoundEvent:
    event = RoundEvent(
        round_id=round_.id, action=action, reason=reason, user_id=actor.user_id, **extra
    )
    db.session.add(event)
    db.session.flush()
    record(
        f"round.{action.value}",
        actor=actor.name,
        object_type="round",
        object_id=f"{round_.election.slug}/{round_.number}",
        election=round_.election.slug,
        round_number=round_.number,
        before=before,
        after=after,
    )
    return event


def _fresh(round_: Round) -> Round:
    begin_change()
    return db.session.get_one(Round, round_.id)


def _in_round(round_: Round, problem: str) -> Said:
    return Said(N_("round %(number)s: %(problem)s"), number=round_.number, problem=problem)


def _later_round(round_: Round) -> Said:
    return Said(
        N_("round %(number)s is final: a later round has been opened"), number=round_.number
    )


def close_round(round_: Round, *, actor: Actor, reason: str | None = None) -> None:
    """Close an open round: entry stops; corrections and decisions go on until it is final."""
    round_ = _fresh(round_)
    if round_.status != RoundStatus.OPEN:
        raise Refused(
            Said(
                N_("round %(number)s is %(status)s, not open"),
                number=round_.number,
                status=status_words(round_.status),
            )
        )
    round_.status = RoundStatus.CLOSED
    bump_version(round_)
    after = {"status": "closed", **({"reason": reason} if reason else {})}
    _event(
        round_,
        RoundAction.CLOSE,
        actor=actor,
        reason=reason,
        before={"status": "open"},
        after=after,
    )


def reopen_round(round_: Round, reason: str, *, actor: Actor) -> None:
    round_ = _fresh(round_)
    reason = (reason or "").strip()
    if not reason:
        raise Refused(Said(N_("reason: reopening a round needs a reason")))
    if round_.status != RoundStatus.CLOSED:
        raise Refused(
            Said(
                N_("round %(number)s is %(status)s, not closed"),
                number=round_.number,
                status=status_words(round_.status),
            )
        )
    if has_later_round(round_):
        raise Refused(_later_round(round_))
    audited = audit_lock_reason(round_)
    if audited:
        raise Refused(audited)
    round_.status = RoundStatus.OPEN
    bump_version(round_)
    _event(
        round_,
        RoundAction.REOPEN,
        actor=actor,
        reason=reason,
        before={"status": "closed"},
        after={"status": "open", "reason": reason},
    )


@dataclass(frozen=True)
class Blockers:
    """What stands between a round and its certification, as numbers: branches neither counted
    nor annulled (``pending`` of ``total``, ``unsettled`` of them typed but not settled), and the
    candidates a lot must order (``lot``: ``tied``, for ``places``)."""

    pending: int = 0
    total: int = 0
    unsettled: int = 0
    lot: bool = False
    tied: tuple[str, ...] = ()
    places: int = 0
    objections: int = 0  # objections filed and not decided yet
    held: int = 0  # boxes held for review by red flags and not cleared


def blockers_of(round_: Round) -> Blockers:
    """What stands between this round and its certification, as numbers and codes."""
    sums = sums_of(round_)
    unsettled = 0
    if sums.pending:
        unsettled = int(
            db.session.scalar(
                select(func.count(Sheet.id)).where(
                    Sheet.round_id == round_.id,
                    Sheet.annulled.is_(False),
                    Sheet.state.in_(UNSETTLED),
                )
            )
            or 0
        )
    outcome = decision_of(round_, sums).outcome
    lot = outcome.status == "lot_required"
    return Blockers(
        pending=sums.pending,
        total=sums.branches_total,
        unsettled=unsettled,
        lot=lot,
        tied=tuple(outcome.tied) if lot else (),
        places=outcome.places if lot else 0,
        objections=open_objections(round_),
        held=len(held_boxes(round_)),
    )


def blocker_sentences(found: Blockers) -> list[Said]:
    """What :func:`blockers_of` found, one sentence per blocker (empty: it can be certified)."""
    blockers = []
    if found.pending:
        unsettled = (
            Said(N_(" (%(count)s awaiting a second entry or in mismatch)"), count=found.unsettled)
            if found.unsettled
            else ""
        )
        blockers.append(
            Said(
                N_("%(pending)s of %(total)s branches are neither counted nor annulled%(more)s"),
                pending=found.pending,
                total=found.total,
                more=unsettled,
            )
        )
    if found.lot:
        blockers.append(
            Said(
                N_("the outcome needs a lot between %(codes)s for %(places)s place(s)"),
                codes=", ".join(found.tied),
                places=found.places,
            )
        )
    if found.objections:
        blockers.append(
            Said(
                plural(
                    "%(num)s objection is not decided yet",
                    "%(num)s objections are not decided yet",
                    found.objections,
                )
            )
        )
    if found.held:
        blockers.append(
            Said(
                plural(
                    "%(num)s box is held for review by red flags: a supervisor clears it "
                    "with a reason on the round's dashboard",
                    "%(num)s boxes are held for review by red flags: a supervisor clears "
                    "each with a reason on the round's dashboard",
                    found.held,
                )
            )
        )
    return blockers


def certification_blockers(round_: Round) -> list[Said]:
    """What stands between this round and its certification (empty when it can be certified)."""
    return blocker_sentences(blockers_of(round_))


def certify_round(round_: Round, *, actor: Actor) -> RoundEvent:
    round_ = _fresh(round_)
    if round_.status == RoundStatus.CERTIFIED:
        raise Refused(Said(N_("round %(number)s is already certified"), number=round_.number))
    if round_.status != RoundStatus.CLOSED:
        raise Refused(
            Said(N_("round %(number)s must be closed before it is certified"), number=round_.number)
        )
    blockers = certification_blockers(round_)
    if blockers:
        raise Refused(
            Said(
                N_("cannot certify round %(number)s: %(blocker)s"), number=round_.number, blocker=b
            )
            for b in blockers
        )
    result = round_result(round_)
    digest = result_digest(result)
    _, audit_head = head()
    four_eyes = round_.election.four_eyes
    round_.status = RoundStatus.CERTIFIED
    bump_version(round_)
    return _event(
        round_,
        RoundAction.CERTIFY,
        actor=actor,
        before={"status": "closed"},
        after={
            "status": "certified",
            "result_sha256": digest,
            "audit_head": audit_head,
            "outcome": result["outcome"],
            "four_eyes": four_eyes,
        },
        result_sha256=digest,
        audit_head=audit_head,
        four_eyes=four_eyes,
    )


def check_decertify(round_: Round, reason: str) -> str:
    """Refuse a decertification that cannot be made now; return its reason as it is stored."""
    reason = (reason or "").strip()
    if not reason:
        raise Refused(Said(N_("reason: decertifying a round needs a reason")))
    if round_.status != RoundStatus.CERTIFIED:
        raise Refused(Said(N_("round %(number)s is not certified"), number=round_.number))
    if has_later_round(round_):
        raise Refused(_later_round(round_))
    return reason


def decertify_round(
    round_: Round, reason: str, *, actor: Actor, approval: Approval | None = None
) -> None:
    round_ = _fresh(round_)
    reason = check_decertify(round_, reason)
    four_eyes = round_.election.four_eyes
    problem = direct_change_problem(four_eyes, staff=actor.user_id is not None, approval=approval)
    if problem:
        raise Refused(
            Said(N_("round %(number)s: %(problem)s"), number=round_.number, problem=problem)
        )
    round_.status = RoundStatus.CLOSED
    bump_version(round_)
    _event(
        round_,
        RoundAction.DECERTIFY,
        actor=actor,
        reason=reason,
        before={"status": "certified"},
        after={"status": "closed", "reason": reason, **four_eyes_note(four_eyes, approval)},
    )
