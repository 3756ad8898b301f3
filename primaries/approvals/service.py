"""Asking for a change one person may not make alone, and the second person's decision.

While an election's four eyes is on (:mod:`primaries.core.approvals`), the staff pages do not
correct, annul, reinstate, decertify or correct by an imported file: they ask, and this module
files a request (``request.ask``, checked as the change itself would be, nothing else changed).
A second supervisor or admin, not the one who asked and, for a sheet, nobody who made an entry
of it, approves it (``request.approve``: the change is made in the same transaction by its
owner, whose audit event names who asked and who approved) or refuses it (``request.refuse``:
nothing else changes); the one who asked may withdraw it (``request.withdraw``). A request
whose sheet or round changed since it was made is stale: approving it is refused.

With four eyes off, asking makes the change at once (its event says four eyes was off).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from ..audit.chain import record
from ..changes import Actor
from ..core.approvals import (
    KIND_LABELS,
    NUMBER_KINDS,
    REQUEST_STATUS_LABELS,
    Approval,
    RequestKind,
    RequestStatus,
    decider_problem,
    stale_problem,
    withdraw_problem,
)
from ..core.sheets import Numbers
from ..core.text import storable_problem
from ..core.words import N_, Said, Words, about
from ..database import begin_change
from ..elections.lookup import get_election, get_round
from ..elections.rounds import check_decertify, decertify_round
from ..elections.settings import check_four_eyes, set_four_eyes
from ..errors import NotFound, Refused
from ..extensions import db
from ..models import ChangeRequest, Election, Round
from ..sheets.decisions import annul, check_annulment, check_correction, correct, reinstate
from ..sheets.imports import ImportSummary, correct_as_imported, import_sheets
from ..sheets.place import SheetPlace, SheetRef, begin_on, locate
from ..timestamps import utcnow
from .queries import entrants_of, version_now


@dataclass(frozen=True)
class Asked:
    """What asking did: the request filed, or ``None`` when the change was made at once."""

    request_id: int | None


# ------------------------------------------------------------------------------------- asking


def ask_correction(
    ref: SheetRef, numbers: Numbers, *, reason: str, actor: Actor, version: int
) -> Asked:
    """A correction (recount) of a counted sheet: a request, or at once with four eyes off."""
    place = begin_on(ref, version)
    if not place.election.four_eyes:
        correct(ref, numbers, reason=reason, actor=actor, version=version)
        return Asked(None)
    reason = check_correction(place, numbers, reason)
    proposal = {"numbers": numbers.as_dict()}
    return Asked(_file_on_sheet(RequestKind.CORRECT, place, reason, actor, proposal))


def ask_annulment(
    ref: SheetRef, reason: str, *, annulled: bool, actor: Actor, version: int
) -> Asked:
    """An annulment (``annulled``) or its reversal: a request, or at once with four eyes off."""
    place = begin_on(ref, version)
    if not place.election.four_eyes:
        (annul if annulled else reinstate)(ref, reason, actor=actor, version=version)
        return Asked(None)
    reason = check_annulment(place, reason, annulled=annulled)
    kind = RequestKind.ANNUL if annulled else RequestKind.REINSTATE
    return Asked(_file_on_sheet(kind, place, reason, actor, None))


def ask_decertification(slug: str, number: int, reason: str, *, actor: Actor) -> Asked:
    """Decertifying a round: a request, or at once with four eyes off."""
    begin_change()
    round_ = get_round(get_election(slug), number)
    if not round_.election.four_eyes:
        decertify_round(round_, reason, actor=actor)
        return Asked(None)
    reason = check_decertify(round_, reason)
    _no_pending(round_.election, round_, None, Said(N_("round %(number)s"), number=number))
    request = _file(
        RequestKind.DECERTIFY, round_.election, round_, None, round_.data_version, reason, actor
    )
    return Asked(request.id)


def ask_four_eyes(slug: str, on: bool, reason: str, *, actor: Actor) -> Asked:
    """Turning four eyes on (at once) or off (a request, as four eyes is on until then)."""
    begin_change()
    election = get_election(slug)
    if on or not election.four_eyes:
        set_four_eyes(slug, on, reason, actor=actor)
        return Asked(None)
    reason = check_four_eyes(election, on, reason)
    _no_pending(election, None, None, Said(N_("the four eyes of %(slug)s"), slug=slug))
    request = _file(RequestKind.FOUR_EYES_OFF, election, None, None, 0, reason, actor)
    return Asked(request.id)


@dataclass
class ImportAsked:
    """A web import: what it did at once, and the requests filed for its corrections."""

    summary: ImportSummary
    requests: list[int] = field(default_factory=list)


def import_sheets_asking(
    slug: str,
    number: int,
    raw: bytes,
    *,
    actor: Actor,
    correct: bool = False,
    reason: str | None = None,
    correct_hint: str = "import it as a correction, with a reason",
) -> ImportAsked:
    """A sheets file imported on the web: new sheets count at once (CONTRACT section 6); with
    four eyes on, each sheet it would correct becomes a request, all in one change."""
    begin_change()
    deferred = get_election(slug).four_eyes
    summary = import_sheets(
        slug,
        number,
        raw,
        actor=actor,
        correct=correct,
        reason=reason,
        defer_corrections=deferred,
        correct_hint=correct_hint,
    )
    outcome = ImportAsked(summary)
    for line in summary.deferred:
        place = locate(slug, number, line.branch)
        proposal = {"numbers": line.numbers.as_dict(), "sha256": summary.sha256}
        text = (reason or "").strip()
        request_id = _file_on_sheet(RequestKind.IMPORT, place, text, actor, proposal, line.version)
        outcome.requests.append(request_id)
    return outcome


def _file_on_sheet(
    kind: RequestKind,
    place: SheetPlace,
    reason: str,
    actor: Actor,
    proposal: dict[str, Any] | None,
    version: int | None = None,
) -> int:
    _no_pending(place.election, place.round, place, place.name)
    version = place.version if version is None else version
    request = _file(kind, place.election, place.round, place, version, reason, actor, proposal)
    return request.id


def _no_pending(
    election: Election, round_: Round | None, place: SheetPlace | None, what: str
) -> None:
    """One pending request at a time for a sheet, a round's certificate, a setting."""
    in_round = (
        ChangeRequest.round_id.is_(None) if round_ is None else ChangeRequest.round_id == round_.id
    )
    on_sheet = (
        ChangeRequest.branch_id.is_(None)
        if place is None
        else ChangeRequest.branch_id == place.branch.id
    )
    pending = db.session.scalars(
        select(ChangeRequest)
        .where(
            ChangeRequest.election_id == election.id,
            ChangeRequest.status == RequestStatus.PENDING,
            in_round,
            on_sheet,
        )
        .limit(1)
    ).first()
    if pending is not None:
        raise Refused(
            Said(
                N_(
                    "%(what)s already has a request awaiting a second supervisor or admin "
                    "(#%(id)s, %(kind)s asked by %(by)s): it is approved, refused or withdrawn "
                    "first"
                ),
                what=what,
                id=pending.id,
                kind=(KIND_LABELS[pending.kind], {}),
                by=pending.requested_by.username,
            )
        )


def _file(
    kind: RequestKind,
    election: Election,
    round_: Round | None,
    place: SheetPlace | None,
    version: int,
    reason: str,
    actor: Actor,
    proposal: dict[str, Any] | None = None,
) -> ChangeRequest:
    if actor.user_id is None:
        raise Refused(
            Said(N_("a request is made by a staff account (the command line acts at once)"))
        )
    request = ChangeRequest(
        kind=kind,
        status=RequestStatus.PENDING,
        election_id=election.id,
        round_id=round_.id if round_ else None,
        branch_id=place.branch.id if place else None,
        version=version,
        proposal=proposal,
        reason=reason,
        requested_by_id=actor.user_id,
        requested_at=utcnow(),
    )
    db.session.add(request)
    db.session.flush()
    _record("request.ask", request, actor, None, _described(request))
    return request


# ----------------------------------------------------------------------------------- deciding


def approve(request_id: int, *, actor: Actor, note: str = "") -> ChangeRequest:
    """A second supervisor or admin approves: the change is made now, in this transaction."""
    request = _pending(request_id)
    _ensure_decider(request, actor)
    stale = _stale(request)
    if stale:
        raise Refused(
            Said(
                N_("request #%(id)s cannot be approved: %(problem)s"),
                id=request.id,
                problem=(stale, {}),
            )
        )
    approval = Approval(request.id, request.requested_by.username, actor.name)
    _EFFECTS[RequestKind(request.kind)](request, actor, approval)
    return _decide(request, RequestStatus.APPROVED, actor, note)


def refuse(request_id: int, *, actor: Actor, note: str = "") -> ChangeRequest:
    """A second supervisor or admin refuses: nothing else changes."""
    request = _pending(request_id)
    _ensure_decider(request, actor)
    return _decide(request, RequestStatus.REFUSED, actor, note)


def withdraw(request_id: int, *, actor: Actor, note: str = "") -> ChangeRequest:
    """The one who asked takes the request back: nothing else changes."""
    request = _pending(request_id)
    problem = withdraw_problem(actor.user_id, requested_by=request.requested_by_id)
    if problem:
        raise Refused(_about_request(request, problem))
    return _decide(request, RequestStatus.WITHDRAWN, actor, note)


def _pending(request_id: int) -> ChangeRequest:
    begin_change()
    request = db.session.get(ChangeRequest, request_id)
    if request is None:
        raise NotFound(f"no request #{request_id}")
    if request.status != RequestStatus.PENDING:
        status: Words = (REQUEST_STATUS_LABELS.get(request.status, request.status), {})
        by = request.decided_by.username if request.decided_by else None
        text = (
            N_("request #%(id)s is already %(status)s by %(by)s: nothing was changed")
            if by
            else N_("request #%(id)s is already %(status)s: nothing was changed")
        )
        raise Refused(Said(text, id=request.id, status=status, by=by))
    return request


def _ensure_decider(request: ChangeRequest, actor: Actor) -> None:
    problem = decider_problem(
        actor.role,
        actor.user_id,
        requested_by=request.requested_by_id,
        entrants=entrants_of(request),
    )
    if problem:
        raise Refused(_about_request(request, problem))


def _about_request(request: ChangeRequest, problem: str) -> Said:
    """``problem`` (marked with ``N_``) about the request."""
    return Said(N_("request #%(id)s: %(problem)s"), id=request.id, problem=(problem, {}))


def _stale(request: ChangeRequest) -> str | None:
    return stale_problem(request.kind, request.version, version_now(request))


def _ref(request: ChangeRequest) -> SheetRef:
    assert request.round is not None and request.branch is not None  # a sheet's request
    return SheetRef(request.election.slug, request.round.number, request.branch.code)


def _numbers(request: ChangeRequest) -> Numbers:
    return Numbers.from_dict(request.proposal["numbers"])


Effect = Callable[[ChangeRequest, Actor, Approval], None]
_EFFECTS: dict[RequestKind, Effect] = {
    RequestKind.CORRECT: lambda r, actor, approval: correct(
        _ref(r), _numbers(r), reason=r.reason, actor=actor, version=r.version, approval=approval
    ),
    RequestKind.IMPORT: lambda r, actor, approval: correct_as_imported(
        _ref(r), _numbers(r), reason=r.reason, actor=actor, version=r.version, approval=approval
    ),
    RequestKind.ANNUL: lambda r, actor, approval: annul(
        _ref(r), r.reason, actor=actor, version=r.version, approval=approval
    ),
    RequestKind.REINSTATE: lambda r, actor, approval: reinstate(
        _ref(r), r.reason, actor=actor, version=r.version, approval=approval
    ),
    RequestKind.DECERTIFY: lambda r, actor, approval: decertify_round(
        _round(r), r.reason, actor=actor, approval=approval
    ),
    RequestKind.FOUR_EYES_OFF: lambda r, actor, approval: set_four_eyes(
        r.election.slug, False, r.reason, actor=actor, approval=approval
    ),
}


def _round(request: ChangeRequest) -> Round:
    assert request.round is not None  # a round's request
    return request.round


def _decide(
    request: ChangeRequest, status: RequestStatus, actor: Actor, note: str | None
) -> ChangeRequest:
    text = (note or "").strip() or None
    problem = storable_problem(text) if text else None
    if problem:
        raise Refused(about(N_("note"), problem))
    request.status = status
    request.decided_by_id = actor.user_id
    request.decided_at = utcnow()
    request.decision_note = text
    db.session.flush()
    verb = {"approved": "approve", "refused": "refuse", "withdrawn": "withdraw"}[status]
    after = {"request": request.id, "kind": request.kind, "status": status.value, "note": text}
    _record(f"request.{verb}", request, actor, {"status": RequestStatus.PENDING.value}, after)
    return request


def _described(request: ChangeRequest) -> dict[str, Any]:
    """What ``request.ask`` records: the request as asked."""
    out: dict[str, Any] = {
        "request": request.id,
        "kind": request.kind,
        "status": request.status,
        "reason": request.reason,
        "version": request.version,
    }
    if request.kind in NUMBER_KINDS:
        out.update(request.proposal)
    return out


def _record(
    action: str, request: ChangeRequest, actor: Actor, before: Any, after: dict[str, Any]
) -> None:
    round_, branch = request.round, request.branch
    record(
        action,
        actor=actor.name,
        object_type="request",
        object_id=str(request.id),
        election=request.election.slug,
        round_number=round_.number if round_ else None,
        branch=branch.code if branch else None,
        before=before,
        after=after,
    )
