"""Paper received (issue 15): a clerk types a box's code (or scans the QR code of its signed
sheet) as the paper arrives, with who brought it; the page shows, by region, the boxes entered,
reported and received, and which papers are still missing; a supervisor withdraws a receipt
marked by mistake, with a reason."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional

from ..access import roles
from ..changes import attempt
from ..core.paper import sheet_link
from ..elections.receipts import DELIVERED_BY_MAX, mark_received, withdraw_receipt
from .blueprint import COUNT, ENTER, STAFF, actor, bp, round_or_404
from .forms import ReasonForm
from .queries import find_branches
from .receipt_queries import paper_by_region, recent_receipts


class ReceiptForm(FlaskForm):
    branch = StringField(
        _l("Box (code or name), or scan the sheet's QR code"),
        validators=[DataRequired(_l("Type the box's code, or scan its sheet.")), Length(max=500)],
        render_kw={"autocomplete": "off", "list": "branch-codes"},
    )
    delivered_by = StringField(
        _l("Brought by (optional)"),
        validators=[Optional(), Length(max=DELIVERED_BY_MAX)],
        description=_l("Who handed the signed sheet over: the box committee's chair, a courier."),
    )


def _code(slug: str, number: int, text: str) -> tuple[str | None, str | None]:
    """The branch code a clerk typed or scanned, or what is wrong with it."""
    link = sheet_link(text)
    if link is not None:
        if (link.slug, link.number) != (slug, number):
            problem = _(
                "This sheet is of round %(number)s of %(election)s.",
                number=link.number,
                election=link.slug,
            )
            return None, problem
        return link.branch, None
    round_ = round_or_404(slug, number)
    found = find_branches(round_.election, text)
    if len(found) == 1:
        return found[0].code, None
    if not found:
        return None, _("No branch of this election has the code or name “%(text)s”.", text=text)
    return None, _(
        "%(count)s branches match “%(text)s”: type the code.", count=len(found), text=text
    )


def _page(slug: str, number: int, form: ReceiptForm, problems: list[str]) -> str | tuple[str, int]:
    round_ = round_or_404(slug, number)
    regions = paper_by_region(round_)
    page = render_template(
        "staff/receipts.html",
        round=round_,
        election=round_.election,
        form=form,
        withdraw_form=ReasonForm(prefix="withdraw"),
        problems=problems,
        regions=regions,
        recent=recent_receipts(round_),
        codes=[box.code for region in regions for box in region.boxes],
    )
    return (page, 422) if problems else page


@bp.get("/elections/<slug>/rounds/<int:number>/paper-received")
@roles(*STAFF)
def receipts(slug: str, number: int) -> str | tuple[str, int]:
    """Mark signed sheets received; see the paper by region and what is missing."""
    return _page(slug, number, ReceiptForm(formdata=None), [])


@bp.post("/elections/<slug>/rounds/<int:number>/paper-received")
@roles(*ENTER)
def mark_receipt(slug: str, number: int) -> Response | str | tuple[str, int]:
    round_or_404(slug, number)
    form = ReceiptForm()
    if not form.validate_on_submit():
        problems = [str(error) for errors in form.errors.values() for error in errors]
        return _page(slug, number, form, problems or [_("the form was incomplete; try again.")])
    code, problem = _code(slug, number, form.branch.data or "")
    if code is None:
        return _page(slug, number, form, [problem or ""])
    outcome = attempt(
        mark_received, slug, number, code, actor=actor(), delivered_by=form.delivered_by.data
    )
    if outcome.problems:
        return _page(slug, number, form, outcome.problems)
    flash(_("The signed sheet of %(code)s is marked received.", code=code), "success")
    return redirect(url_for("staff.receipts", slug=slug, number=number))


@bp.post("/elections/<slug>/rounds/<int:number>/paper-received/<branch>/withdraw")
@roles(*COUNT)
def withdraw_paper(slug: str, number: int, branch: str) -> Response:
    """Withdraw a receipt marked by mistake, with a reason."""
    round_or_404(slug, number)
    form = ReasonForm(prefix="withdraw")
    if not form.validate_on_submit():
        flash(_("Nothing was changed: a reason is needed."), "error")
    else:
        outcome = attempt(
            withdraw_receipt, slug, number, branch, form.reason.data or "", actor=actor()
        )
        for problem in outcome.problems:
            flash(_("Nothing was changed: %(problem)s", problem=problem), "error")
        if not outcome.problems:
            flash(_("The receipt of %(code)s is withdrawn.", code=branch), "success")
    return redirect(url_for("staff.receipts", slug=slug, number=number))
