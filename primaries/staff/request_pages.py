"""Four eyes on the staff pages: the requests awaiting a second supervisor or admin, their
approval, refusal or withdrawal, and an election's four-eyes setting.

The rules are in :mod:`primaries.core.approvals`, the changes in :mod:`primaries.approvals`;
these views read a form, run one service through :func:`primaries.changes.attempt` and say what
happened. Who may approve is checked by the service, whatever the page showed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ..access import roles
from ..approvals.queries import RequestView, pending_count, request_views
from ..approvals.service import Asked, approve, ask_four_eyes, refuse, withdraw
from ..auth.views import safe_next
from ..changes import attempt
from ..core.approvals import KIND_LABELS
from ..sheets.place import SheetPlace
from .blueprint import ADMIN, COUNT, READ, actor, bp, election_or_404, me
from .forms import DecideForm, FourEyesForm


def requests_for(**where: Any) -> list[RequestView]:
    """Pending requests (``where``: election_id, round_id, branch_id) for the signed-in account."""
    user = me()
    return request_views(user.id, user.role, **where)


def sheet_requests(place: SheetPlace) -> list[RequestView]:
    """The pending requests about one sheet."""
    return requests_for(round_id=place.round.id, branch_id=place.branch.id)


@bp.app_context_processor
def four_eyes_context() -> dict[str, Any]:
    return {"pending_requests": pending_count, "decide_form": DecideForm}


def asked_message(asked: Asked, what: str, done: str, *, sheet: bool = True) -> str:
    """What a page says once a change was asked for: a request filed, or the change done."""
    if asked.request_id is None:
        return done
    if sheet:
        return _(
            "Request #%(id)s: the %(what)s takes effect only when a second supervisor or admin "
            "(not you, and nobody who made an entry of this sheet) approves it.",
            id=asked.request_id,
            what=_(what),
        )
    return _(
        "Request #%(id)s: %(what)s takes effect only when a second supervisor or admin (not "
        "you) approves it.",
        id=asked.request_id,
        what=_(what),
    )


@bp.get("/requests")
@roles(*COUNT, read_only_for=READ)
def requests_page() -> str:
    """Every request awaiting a second pair of eyes, and the latest decided ones."""
    user = me()
    return render_template(
        "staff/requests.html",
        pending=request_views(user.id, user.role),
        decided=request_views(user.id, user.role, pending=False, limit=100),
    )


def _decision(request_id: int, service: Callable[..., Any], done: str, **kwargs: Any) -> Response:
    form = DecideForm()
    back = safe_next(request.form.get("next")) or url_for("staff.requests_page")
    if not form.validate_on_submit():
        flash(_("Nothing was changed: the form was incomplete; try again."), "error")
        return redirect(back)
    outcome = attempt(service, request_id, actor=actor(), note=form.note.data or "")
    for problem in outcome.problems:
        flash(_("Nothing was changed: %(problem)s", problem=problem), "error")
    if outcome.done:
        flash(done, "success")
    return redirect(back)


@bp.post("/requests/<int:request_id>/approve")
@roles(*COUNT)
def approve_request(request_id: int) -> Response:
    return _decision(
        request_id, approve, _("Request #%(id)s is approved: the change is made.", id=request_id)
    )


@bp.post("/requests/<int:request_id>/refuse")
@roles(*COUNT)
def refuse_request(request_id: int) -> Response:
    return _decision(
        request_id,
        refuse,
        _("Request #%(id)s is refused: nothing else was changed.", id=request_id),
    )


@bp.post("/requests/<int:request_id>/withdraw")
@roles(*COUNT)
def withdraw_request(request_id: int) -> Response:
    done = _("Request #%(id)s is withdrawn: nothing else was changed.", id=request_id)
    return _decision(request_id, withdraw, done)


@bp.post("/elections/<slug>/four-eyes")
@roles(*ADMIN)
def four_eyes(slug: str) -> Response:
    """Turn the election's four eyes on (at once) or off (a request a second person approves)."""
    election_or_404(slug)
    form = FourEyesForm()
    setting = request.form.get("on")
    if not form.validate_on_submit() or setting not in ("on", "off"):
        flash(_("Nothing was changed: a reason is needed."), "error")
        return redirect(url_for("staff.home"))
    on = setting == "on"
    outcome = attempt(ask_four_eyes, slug, on, form.reason.data or "", actor=actor())
    for problem in outcome.problems:
        flash(_("Nothing was changed: %(problem)s", problem=problem), "error")
    if outcome.value is not None:
        done = (
            _("Four eyes is on for %(slug)s.", slug=slug)
            if on
            else _("Four eyes is off for %(slug)s.", slug=slug)
        )
        what = KIND_LABELS["four_eyes_off"]
        flash(asked_message(outcome.value, what, done, sheet=False), "success")
    return redirect(url_for("staff.home"))
