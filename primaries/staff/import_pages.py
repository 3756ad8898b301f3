"""Imports from the browser: a branches file and a round's sheets file (an Excel workbook or a CSV
file, CONTRACT section 6), with the same all-or-nothing checks as the command line and every
problem of the file listed at once, by line, in the web's words."""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ..access import roles
from ..approvals.service import import_sheets_asking
from ..changes import attempt
from ..core.roles import ADMIN, Role
from ..elections.branches import import_branches
from ..tally import ballot_of
from .blueprint import COUNT, READ, actor, bp, election_or_404, me, round_or_404
from .forms import ImportBranchesForm, ImportSheetsForm

Page = str | tuple[str, int] | Response


def _run(import_: Any, *args: Any, **kwargs: Any) -> tuple[Any, list[str]]:
    done = attempt(import_, *args, **kwargs)
    return done.value, done.problems


@bp.route("/elections/<slug>/import/branches", methods=["GET", "POST"])
@roles(*ADMIN, read_only_for=(Role.SUPERVISOR, Role.OBSERVER))
def import_branches_page(slug: str) -> Page:
    election = election_or_404(slug)
    form = ImportBranchesForm()
    problems: list[str]
    summary, problems, status = None, [], 200
    if form.validate_on_submit():
        raw = form.file.data.read()
        summary, problems = _run(import_branches, slug, raw, actor=actor())
        status = 422 if problems else 200
    elif form.is_submitted():
        status = 422
    return render_template(
        "staff/import.html",
        kind="branches",
        election=election,
        round=None,
        form=form,
        summary=summary,
        problems=problems,
        can_import=me().role == Role.ADMIN,
        columns="code,name,region,eligible",
        requests=[],
    ), status


@bp.route("/elections/<slug>/rounds/<int:number>/import/sheets", methods=["GET", "POST"])
@roles(*COUNT, read_only_for=READ)
def import_sheets_page(slug: str, number: int) -> Page:
    round_ = round_or_404(slug, number)
    form = ImportSheetsForm()
    problems: list[str]
    summary, problems, status = None, [], 200
    requests: list[int] = []
    if form.validate_on_submit():
        raw = form.file.data.read()
        asked, problems = _run(
            import_sheets_asking,
            slug,
            number,
            raw,
            actor=actor(),
            correct=bool(form.correct.data),
            reason=(form.reason.data or "").strip() or None,
            correct_hint=_(
                "to replace it, tick “Correct sheets that are already counted with different "
                "numbers” and give a reason"
            ),
        )
        if asked is not None:
            summary, requests = asked.summary, asked.requests
        status = 422 if problems else 200
    elif form.is_submitted():
        status = 422
    codes = ",".join(code for _, code, _ in ballot_of(round_))
    return render_template(
        "staff/import.html",
        kind="sheets",
        election=round_.election,
        round=round_,
        form=form,
        summary=summary,
        problems=problems,
        can_import=me().role in COUNT,
        columns=f"branch,ballots_cast,invalid,{codes}",
        requests=requests,
    ), status
