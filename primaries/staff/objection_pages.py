"""Objections (issue 13) on the staff pages: an observer (or a supervisor or admin) files one
about a branch's count, with what happened; a supervisor or admin who did not file it decides
it with a reason; the round's page lists the open ones first. While one is open the round
cannot be certified (the dashboard says so)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..access import roles
from ..changes import attempt
from ..core.objections import DECISION_LABELS, TEXT_MAX
from ..core.roles import Role
from ..elections.objections import decide_objection, file_objection
from ..extensions import db
from ..models import Branch, Objection, Round
from ..photo_files import stored_file
from .blueprint import COUNT, READ, actor, bp, round_or_404, translated
from .forms import options, uploaded
from .queries import all_branches


class ObjectionForm(FlaskForm):
    branch = StringField(
        _l("Box (code)"),
        validators=[DataRequired(_l("Type the box's code.")), Length(max=32)],
        render_kw={"autocomplete": "off", "list": "branch-codes", "size": 10},
    )
    text = TextAreaField(
        _l("What happened"),
        validators=[DataRequired(_l("Say what happened.")), Length(max=TEXT_MAX)],
        description=_l("What you saw or were told, when, and who can confirm it."),
    )
    attachment = FileField(
        _l("A document or photo (if you have one)"),
        render_kw={"accept": "image/jpeg,image/png,image/webp,application/pdf"},
        description=_l(
            "A photo (JPEG, PNG, WebP) or a PDF, at most 15 MB, seen by the committee and the "
            "observers only. Its location is removed."
        ),
    )


class DecisionForm(FlaskForm):
    decision = SelectField(
        _l("Decision"),
        choices=options((value, _l(label)) for value, label in DECISION_LABELS.items()),
        validators=[DataRequired()],
    )
    reason = StringField(
        _l("Reason"), validators=[DataRequired(_l("Say why.")), Length(max=TEXT_MAX)]
    )


@dataclass(frozen=True)
class ObjectionLine:
    objection: Objection
    code: str
    name: str


def objections_of(round_: Round) -> list[ObjectionLine]:
    """The round's objections, the open ones first, each in the order filed."""
    rows = db.session.execute(
        select(Objection, Branch.code, Branch.name)
        .join(Branch, Branch.id == Objection.branch_id)
        .where(Objection.round_id == round_.id)
        .order_by(Objection.decision.is_not(None), Objection.id)
    ).all()
    return [ObjectionLine(objection, code, name) for objection, code, name in rows]


def _page(
    slug: str, number: int, form: ObjectionForm, problems: list[str]
) -> tuple[str, int] | str:
    round_ = round_or_404(slug, number)
    page = render_template(
        "staff/objections.html",
        round=round_,
        election=round_.election,
        form=form,
        decide_form=DecisionForm(prefix="decide"),
        problems=problems,
        lines=objections_of(round_),
        decisions=translated(DECISION_LABELS),
        codes=[code for code, _ in all_branches(round_.election)],
    )
    return (page, 422) if problems else page


@bp.get("/elections/<slug>/rounds/<int:number>/objections")
@roles(*COUNT, read_only_for=READ)
def objections(slug: str, number: int) -> tuple[str, int] | str:
    """The round's objections; file one; decide the open ones."""
    return _page(slug, number, ObjectionForm(formdata=None), [])


@bp.post("/elections/<slug>/rounds/<int:number>/objections")
@roles(Role.OBSERVER.value, *COUNT)
def file_objection_page(slug: str, number: int) -> Response | tuple[str, int] | str:
    round_or_404(slug, number)
    form = ObjectionForm()
    if not form.validate_on_submit():
        problems = [str(error) for errors in form.errors.values() for error in errors]
        return _page(slug, number, form, problems or [_("the form was incomplete; try again.")])
    code = (form.branch.data or "").strip()
    attachment = uploaded(form.attachment)
    outcome = attempt(
        file_objection,
        slug,
        number,
        code,
        form.text.data or "",
        actor=actor(),
        attachment=attachment,
    )
    if outcome.problems:
        return _page(slug, number, form, outcome.problems)
    flash(
        _("The objection about %(code)s is filed: the committee decides it.", code=code), "success"
    )
    return redirect(url_for("staff.objections", slug=slug, number=number))


@bp.post("/elections/<slug>/rounds/<int:number>/objections/<int:objection_id>/decide")
@roles(*COUNT)
def decide_objection_page(slug: str, number: int, objection_id: int) -> Response:
    round_or_404(slug, number)
    form = DecisionForm(prefix="decide")
    if not form.validate_on_submit():
        flash(_("Nothing was changed: a reason is needed."), "error")
    else:
        outcome = attempt(
            decide_objection,
            objection_id,
            form.decision.data or "",
            form.reason.data or "",
            actor=actor(),
        )
        for problem in outcome.problems:
            flash(_("Nothing was changed: %(problem)s", problem=problem), "error")
        if not outcome.problems:
            flash(_("Objection #%(id)s is decided.", id=objection_id), "success")
    return redirect(url_for("staff.objections", slug=slug, number=number))


@bp.get("/elections/<slug>/rounds/<int:number>/objections/<int:objection_id>/attachment")
@roles(*COUNT, read_only_for=READ)
def objection_attachment(slug: str, number: int, objection_id: int) -> Any:
    """An objection's attachment, as stored; nothing in it may run (a PDF is downloaded)."""
    round_ = round_or_404(slug, number)
    objection = db.session.get(Objection, objection_id)
    if objection is None or objection.round_id != round_.id or not objection.attachment_sha256:
        return {"error": "no such attachment"}, 404
    return stored_file(
        objection.attachment_sha256,
        objection.attachment_type or "",
        f"{slug}-round-{number}-objection-{objection_id}",
    )
