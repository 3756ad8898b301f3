"""Names in other languages (issue 14): the election's, its candidates', regions' and branches'
names in Hebrew, Arabic and English, shown to supervisors and observers and changed by an admin
at any time (they are what readers see, never what is counted) through
:func:`primaries.elections.names.set_names` (checked, audited, every problem named at once).

Branches are many (12,926 in a national election): the page lists them 50 at a time, found by
code or by a name in any language, and a save changes only the branches the page showed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response

from ..access import roles
from ..changes import attempt
from ..core.limits import page_count, page_number
from ..core.roles import ADMIN, Role
from ..elections.names import NameChanges, regions_of, set_names
from ..extensions import db
from ..models import Branch, Candidate, Election
from .blueprint import actor, bp, election_or_404
from .queries import BranchPage
from .setup_forms import NAME_LANGUAGES

PER_PAGE = 50


@dataclass(frozen=True)
class Row:
    """One named thing on the page: its key in the form, its name, its names by language."""

    key: str
    label: str
    name: str
    names: dict[str, str]


def _matches(text: str, code: str, name: str, names: dict[str, str] | None) -> bool:
    folded = text.casefold()
    return any(folded in value.casefold() for value in (code, name, *(names or {}).values()))


def branch_rows(election: Election, text: str, page: int) -> BranchPage[Row]:
    """The election's branches whose code or a name (in any language) holds ``text``, in code
    order, one page of them."""
    found = [
        Row(f"b-{code}", str(code), str(name), dict(names or {}))
        for code, name, names in db.session.execute(
            select(Branch.code, Branch.name, Branch.names)
            .where(Branch.election_id == election.id)
            .order_by(Branch.code)
        )
        if not text or _matches(text, str(code), str(name), names)
    ]
    page = min(page, page_count(len(found), PER_PAGE))
    return BranchPage(found[(page - 1) * PER_PAGE : page * PER_PAGE], len(found), page, PER_PAGE)


def _typed(prefix: str) -> dict[str, str] | None:
    """The names typed in the fields ``{prefix}-{language}``; None when the form had none."""
    if not any(f"{prefix}-{tag}" in request.form for tag in NAME_LANGUAGES):
        return None
    return {tag: request.form.get(f"{prefix}-{tag}", "") for tag in NAME_LANGUAGES}


def _changes(election: Election, shown: list[str]) -> NameChanges:
    """What the form gives: every candidate and region, and the branches the page showed (a
    region's row carries its name: the rows are numbered, names may hold any character)."""
    candidates = db.session.scalars(
        select(Candidate.code).where(Candidate.election_id == election.id)
    )
    by_code = {code: _typed(f"c-{code}") for code in candidates}
    regions = request.form.getlist("region")
    by_region = {name: _typed(f"r-{i}") for i, name in enumerate(regions)}
    by_branch = {code: _typed(f"b-{code}") for code in shown}
    return NameChanges(
        election=_typed("e"),
        candidates={k: v for k, v in by_code.items() if v is not None},
        regions={k: v for k, v in by_region.items() if v is not None},
        branches={k: v for k, v in by_branch.items() if v is not None},
    )


@bp.route("/elections/<slug>/names", methods=["GET", "POST"])
@roles(*ADMIN, read_only_for=(Role.SUPERVISOR, Role.OBSERVER))
def names(slug: str) -> Response | str | tuple[str, int]:
    """Names in other languages: every admin change is audited."""
    election = election_or_404(slug)
    text = (request.args.get("q") or "").strip()
    page = page_number(request.args.get("page"))
    form = FlaskForm()
    problems: list[str] = []
    if request.method == "POST":
        shown = [code for code in request.form.getlist("shown") if code]
        if not form.validate_on_submit():
            problems = [_("the form was incomplete; try again.")]
        else:
            outcome = attempt(set_names, slug, _changes(election, shown), actor=actor())
            problems = outcome.problems
            if not problems:
                flash(_("The names are saved."), "success")
                args: dict[str, Any] = {"q": text} if text else {}
                if page > 1:
                    args["page"] = page
                return redirect(url_for("staff.names", slug=slug, **args))
    candidates = [
        Row(f"c-{c.code}", c.code, c.name, dict(c.names or {}))
        for c in db.session.scalars(
            select(Candidate)
            .where(Candidate.election_id == election.id)
            .order_by(Candidate.position)
        )
    ]
    page_html = render_template(
        "staff/names.html",
        election=election,
        form=form,
        problems=problems,
        name_languages=NAME_LANGUAGES,
        head=Row("e", election.slug, election.name, dict(election.names or {})),
        candidates=candidates,
        regions=[
            Row(f"r-{i}", name, name, dict(local or {}))
            for i, (name, local) in enumerate(regions_of(election).items())
        ],
        branches=branch_rows(election, text, page),
        text=text,
        typed=request.form if problems else None,
    )
    return (page_html, 422) if problems else page_html
