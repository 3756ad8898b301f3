"""Setting an election up in the browser (issue 15): an admin creates one from nothing, and
changes its definition until the first thing is recorded for it; anyone who reads the count may
download its package at any time.

A new election is loaded by :func:`primaries.elections.packages.load_package` and a changed one
by :func:`primaries.elections.setup.define_election`, from the package the form stands for
(:func:`.setup_forms.package_of`): the same checks and the same audit as ``primaries load``, the
problems said by the form's fields and lines.
"""

from __future__ import annotations

import json
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ..access import roles
from ..changes import attempt
from ..core.roles import ADMIN, Role
from ..elections.packages import load_package
from ..elections.setup import define_election, setup_lock_words
from ..formats.csvfiles import read_branches
from ..formats.problems import FormatError
from ..formats.specs import BranchSpec
from ..models import Election
from ..results.package import export_package
from .blueprint import actor, bp, election_or_404, said
from .forms import uploaded
from .setup_forms import (
    BRANCHES_HEADER,
    SetupForm,
    file_problems,
    form_of,
    package_of,
    problem_words,
)

Page = str | tuple[str, int] | Response


@bp.route("/elections/new", methods=["GET", "POST"])
@roles(*ADMIN)
def new_election() -> Page:
    """A new election: names, rules, candidates, branches and round 1's date."""
    form = SetupForm()
    problems: list[str] = []
    if form.validate_on_submit():
        problems, slug = _save(form, None)
        if not problems:
            flash(_("The election %(slug)s is set up.", slug=slug), "success")
            return redirect(url_for("staff.setup", slug=slug))
    elif form.is_submitted():
        problems = _incomplete(form)
    return _page(form, None, problems, None)


@bp.route("/elections/<slug>/setup", methods=["GET", "POST"])
@roles(*ADMIN, read_only_for=(Role.SUPERVISOR, Role.OBSERVER))
def setup(slug: str) -> Page:
    """An election's definition: changed by an admin until the first thing is recorded for it."""
    election = election_or_404(slug)
    form = SetupForm()
    problems: list[str] = []
    if request.method == "POST":
        form.slug.data = slug  # shown, never changed
        if form.validate_on_submit():
            problems, _slug = _save(form, election)
            if not problems:
                flash(_("The definition of %(slug)s is saved.", slug=slug), "success")
                return redirect(url_for("staff.setup", slug=slug))
        else:
            problems = _incomplete(form)
    else:
        form_of(export_package(election), form)
    return _page(form, election, problems, said(setup_lock_words(election)))


@bp.get("/elections/<slug>/setup/package.json")
@roles(*ADMIN, read_only_for=(Role.SUPERVISOR, Role.OBSERVER))
def setup_package(slug: str) -> Response:
    """The election package as it stands (``primaries export``), published or not."""
    election = election_or_404(slug)
    text = json.dumps(export_package(election), ensure_ascii=False, indent=1)
    response = Response(text, mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{slug}-package.json"'
    return response


def _save(form: SetupForm, election: Election | None) -> tuple[list[str], str | None]:
    """Check and save what the form stands for; the problems in the form's words, or none and
    the election's slug."""
    attached = uploaded(form.branches_file)
    from_file = attached is not None
    branches: list[BranchSpec] = []
    raw = attached if attached is not None else (form.branches.data or "").encode()
    if from_file or (raw.strip() and raw.strip() != BRANCHES_HEADER.encode()):
        try:
            parsed = read_branches(raw)
        except FormatError as exc:
            return file_problems(exc.problems, form, from_file), None
        if parsed.problems:
            return file_problems(parsed.problems, form, from_file), None
        branches = list(parsed.specs)
    package, lines = package_of(form, branches, election)
    lines.branches_from_file = from_file
    if election is None:
        loaded = attempt(load_package, package, actor=actor())
        slug = loaded.value.slug if loaded.value else None
        return problem_words(loaded.problems, form, lines), slug
    defined = attempt(define_election, election.slug, package, actor=actor())
    return problem_words(defined.problems, form, lines), election.slug


def _incomplete(form: SetupForm) -> list[str]:
    """The form's own checks (a date that is not one, a choice not offered), by field."""
    said_: list[str] = []
    for field in form:
        said_.extend(f"{field.label.text}: {error}" for error in field.errors)
    return said_ or [_("the form was incomplete; try again.")]


def _page(
    form: SetupForm, election: Election | None, problems: list[str], locked: str | None
) -> Page:
    context: dict[str, Any] = {
        "form": form,
        "election": election,
        "problems": problems,
        "locked": locked,
    }
    page = render_template("staff/setup.html", **context)
    return (page, 422) if problems else page
