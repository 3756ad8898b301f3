"""Imports from the browser: a branches file and a round's sheets file (an Excel workbook or a CSV
file, CONTRACT section 6), with the same all-or-nothing checks as the command line and every
problem of the file listed at once, by line, in the web's words."""

from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from ..access import roles
from ..approvals.service import import_sheets_asking
from ..changes import attempt
from ..core.roles import ADMIN, Role
from ..core.sheets import PublicStatus
from ..elections.branches import import_branches
from ..extensions import db
from ..formats.csvfiles import BRANCH_COLUMNS, SHEET_COLUMNS
from ..formats.tables_out import XLSX_MIMETYPE, Cell, csv_text, xlsx_bytes
from ..models import Branch, Round
from ..results.rows import branch_rows
from ..tally import ballot_of
from .blueprint import COUNT, READ, actor, bp, election_or_404, me, round_or_404
from .import_forms import ImportBranchesForm, ImportSheetsForm

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
        templates=_template_links("staff.branches_template", slug=slug),
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
        templates=_template_links("staff.sheets_template", slug=slug, number=number),
    ), status


# --------------------------------------------------------------------------- templates


@bp.get("/elections/<slug>/import/branches/template.csv")
@bp.get("/elections/<slug>/import/branches/template.xlsx")
@roles(*COUNT, read_only_for=READ)
def branches_template(slug: str) -> Response:
    """The election's branches as they are, in the import's columns: a file to edit and bring
    back."""
    election = election_or_404(slug)
    rows: list[list[Cell]] = [list(BRANCH_COLUMNS)]
    branches = db.session.scalars(
        select(Branch).where(Branch.election_id == election.id).order_by(Branch.code)
    )
    rows += [[b.code, b.name, b.region or "", b.eligible] for b in branches]
    return _file(rows, f"{slug}-branches", _("Branches"))


@bp.get("/elections/<slug>/rounds/<int:number>/import/sheets/template.csv")
@bp.get("/elections/<slug>/rounds/<int:number>/import/sheets/template.xlsx")
@roles(*COUNT, read_only_for=READ)
def sheets_template(slug: str, number: int) -> Response:
    """A sheets file to fill in: the import's columns, one line per branch still pending in the
    round, its numbers empty."""
    round_ = round_or_404(slug, number)
    rows: list[list[Cell]] = [[*SHEET_COLUMNS, *(code for _, code, _ in ballot_of(round_))]]
    rows += [[row.code] for row in _pending(round_)]
    return _file(rows, f"{slug}-round-{number}-sheets", _("Round %(number)s", number=number))


def _pending(round_: Round) -> list[Any]:
    return [row for row in branch_rows(round_) if row.status == PublicStatus.PENDING]


def _file(rows: list[list[Cell]], name: str, title: str) -> Response:
    if request.path.endswith(".xlsx"):
        body: str | bytes = xlsx_bytes(rows, title=title)
        mimetype, name = XLSX_MIMETYPE, f"{name}.xlsx"
    else:
        body, mimetype, name = csv_text(rows), "text/csv", f"{name}.csv"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _template_links(endpoint: str, **values: Any) -> list[tuple[str, str]]:
    url = url_for(endpoint, **values)
    return [
        (_("Excel workbook (.xlsx)"), url.removesuffix(".csv") + ".xlsx")
        if url.endswith(".csv")
        else (_("Excel workbook (.xlsx)"), url),
        (_("CSV"), url.removesuffix(".xlsx").removesuffix(".csv") + ".csv"),
    ]
