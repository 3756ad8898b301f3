"""Staff pages: a supervisor's decisions about a counted sheet: its correction (a recount, with a
reason) and its annulment or reinstatement (with a reason). Under four eyes each is a request a
second supervisor approves (:mod:`primaries.approvals`). Views are thin, as in
:mod:`.sheet_pages`.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..access import roles
from ..approvals.service import ask_annulment, ask_correction
from ..changes import attempt
from ..core.sheets import SheetStatus, flatten
from .blueprint import COUNT, READ, actor, bp, place_or_404, ref
from .forms import AnnulForm, ReinstateForm, sheet_form
from .request_pages import asked_message, sheet_requests
from .sheet_pages import Page, counted_of, sheet_name


@bp.route("/elections/<slug>/rounds/<int:number>/sheets/<branch>/correct", methods=["GET", "POST"])
@roles(*COUNT, read_only_for=READ)
def correct_sheet(slug: str, number: int, branch: str) -> Page:
    """A correction (recount) of a counted sheet, with a reason."""
    place = place_or_404(slug, number, branch)
    counted = counted_of(place)
    if request.method == "GET":
        data: dict[str, Any] = flatten(counted) if counted else {}
        form = sheet_form(place, correction=True, data=data)
        form.version.data = str(place.version)
        return render_template(
            "staff/correct.html",
            place=place,
            form=form,
            counted=counted,
            problems=[],
            requests=sheet_requests(place),
        )
    form = sheet_form(place, correction=True)
    problems: list[str] = []
    status = 422
    if form.validate_on_submit():
        name = sheet_name(place)
        done = attempt(
            ask_correction,
            ref(slug, number, place),
            form.numbers(),
            reason=form.reason.data or "",
            actor=actor(),
            version=form.version_number,
        )
        if done.value is not None:
            corrected = _("%(sheet)s is corrected; the new numbers count.", sheet=name)
            flash(asked_message(done.value, "correction", corrected), "success")
            return redirect(url_for("staff.sheet", slug=slug, number=number, branch=branch))
        if done.by_field:
            problems = form.add_problems(done.by_field)
        else:
            problems, status = done.problems, 409
        if done.stale:
            # What was typed stays; saving again applies it to the sheet as it is now.
            place = place_or_404(slug, number, branch)
            form.version.data = str(place.version)
            counted = counted_of(place)
    else:
        problems = form.hidden_problems()
    return render_template(
        "staff/correct.html",
        place=place,
        form=form,
        counted=counted,
        problems=problems,
        requests=sheet_requests(place),
    ), status


@bp.route(
    "/elections/<slug>/rounds/<int:number>/sheets/<branch>/annulment", methods=["GET", "POST"]
)
@roles(*COUNT, read_only_for=READ)
def annulment(slug: str, number: int, branch: str) -> Page:
    """Annul the branch's sheet for the round, or reverse its annulment; a reason either way."""
    place = place_or_404(slug, number, branch)
    annulled = place.state == SheetStatus.ANNULLED
    form: AnnulForm | ReinstateForm = ReinstateForm() if annulled else AnnulForm()
    problems: list[str] = []
    status = 200
    if request.method == "GET":
        form.version.data = str(place.version)
    elif form.validate_on_submit():
        name = sheet_name(place)
        done = attempt(
            ask_annulment,
            ref(slug, number, place),
            form.reason.data or "",
            annulled=not annulled,
            actor=actor(),
            version=form.version_number,
        )
        if done.value is not None:
            kind = "reversal of an annulment" if annulled else "annulment"
            done_now = (
                _("%(sheet)s is reinstated: its counted numbers count again.", sheet=name)
                if annulled
                else _("%(sheet)s is annulled.", sheet=name)
            )
            flash(asked_message(done.value, kind, done_now), "success")
            return redirect(url_for("staff.sheet", slug=slug, number=number, branch=branch))
        problems, status = done.problems, 409
        if done.stale:
            # The sheet as it is now (annulled or not meanwhile), the reason kept, its version.
            place = place_or_404(slug, number, branch)
            annulled = place.state == SheetStatus.ANNULLED
            form = ReinstateForm() if annulled else AnnulForm()
            form.version.data = str(place.version)
    else:
        problems, status = form.hidden_problems(), 422
    return render_template(
        "staff/annulment.html",
        place=place,
        form=form,
        annulled=annulled,
        problems=problems,
        requests=sheet_requests(place),
    ), status
