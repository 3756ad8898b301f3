"""The risk-limiting audit's staff pages: start the audit (risk limit, seed rolled in public),
the audit's page (draws, retrieval list, counts so far, discrepancies side by side, the risk and
the next step, "draw more" for supervisors) and the hand count of a drawn box."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ..access import roles
from ..changes import attempt
from ..core.words import N_
from ..formats import SheetSpec
from ..models import Round
from ..rla.entry import EntryOutcome, enter_count, entry_states
from ..rla.queries import (
    audit_document,
    audit_of,
    next_step,
    retrieval_list,
    state_of,
    status_word,
)
from ..rla.service import draw_more, record_specs, start_audit
from ..tally import ballot_of
from .blueprint import COUNT, ENTER, READ, actor, bp, me, round_or_404
from .rla_forms import RlaCountForm, RlaDrawForm, RlaStartForm, rla_count_form

Page = str | tuple[str, int] | Response

ENTRY_WORDS = {
    EntryOutcome.AWAITING_SECOND: N_(
        "The first entry of %(box)s is saved: a second person types it."
    ),
    EntryOutcome.COUNTED: N_("The two entries of %(box)s agree: the hand count is recorded."),
    EntryOutcome.MISMATCH: N_("The two entries of %(box)s differ: a supervisor decides the count."),
}


def _count_form(round_: Round, drawn: list[str], **kwargs: object) -> RlaCountForm:
    ballot = tuple((code, name) for _, code, name in ballot_of(round_))
    return rla_count_form(ballot, [(code, code) for code in drawn], **kwargs)


def _page(round_: Round, *, problems: list[str] | None = None, **forms: object) -> str:
    audit = audit_of(round_)
    if audit is None:
        return render_template(
            "staff/rla.html",
            round=round_,
            audit=None,
            start_form=forms.get("start_form") or RlaStartForm(),
            problems=problems or [],
        )
    state = state_of(round_, audit)
    document = audit_document(round_, state)
    listing = retrieval_list(round_, state)
    return render_template(
        "staff/rla.html",
        round=round_,
        audit=audit,
        document=document,
        listing=listing,
        step=_(next_step(document["status"])),
        status=_(status_word(document["status"])),
        entries=entry_states(audit),
        draw_form=forms.get("draw_form") or RlaDrawForm(),
        count_form=forms.get("count_form") or _count_form(round_, [r.code for r in listing]),
        problems=problems or [],
    )


@bp.get("/elections/<slug>/rounds/<int:number>/rla")
@roles(*ENTER, read_only_for=READ)
def rla_page(slug: str, number: int) -> str:
    """The audit of the round, or the form that starts it."""
    return _page(round_or_404(slug, number))


@bp.post("/elections/<slug>/rounds/<int:number>/rla/start")
@roles(*COUNT)
def rla_start(slug: str, number: int) -> Page:
    round_ = round_or_404(slug, number)
    form = RlaStartForm()
    if not form.validate_on_submit():
        return _page(round_, start_form=form), 422
    done = attempt(
        start_audit,
        slug,
        number,
        risk_limit=(form.risk_limit.data or "").strip(),
        seed=(form.seed.data or "").strip(),
        draws=form.draws.data,
        actor=actor(),
    )
    if not done.done:
        return _page(round_, start_form=form, problems=done.problems), 409
    flash(_("The audit has started: bring the boxes on the retrieval list."), "success")
    return redirect(url_for("staff.rla_page", slug=slug, number=number))


@bp.post("/elections/<slug>/rounds/<int:number>/rla/draw")
@roles(*COUNT)
def rla_draw(slug: str, number: int) -> Page:
    round_ = round_or_404(slug, number)
    form = RlaDrawForm()
    if not form.validate_on_submit():
        return _page(round_, draw_form=form), 422
    done = attempt(draw_more, slug, number, form.draws.data, actor=actor())
    if not done.done:
        return _page(round_, draw_form=form, problems=done.problems), 409
    flash(_("More boxes are drawn."), "success")
    return redirect(url_for("staff.rla_page", slug=slug, number=number))


@bp.post("/elections/<slug>/rounds/<int:number>/rla/count")
@roles(*ENTER)
def rla_count(slug: str, number: int) -> Page:
    """A hand count of a drawn box; a different count for a box already counted is a
    correction, and needs a reason."""
    round_ = round_or_404(slug, number)
    audit = audit_of(round_)
    drawn = [] if audit is None else sorted({code for _, code in state_of(round_, audit).draws})
    form = _count_form(round_, drawn, formdata=request.form)
    if not form.validate_on_submit():
        return _page(round_, count_form=form), 422
    spec = SheetSpec(
        branch=form.branch.data,
        ballots_cast=form.ballots_cast.data,
        invalid=form.invalid.data,
        votes=form.votes(),
    )
    reason = (form.reason.data or "").strip() or None
    if reason is not None and me().role not in COUNT:
        form.reason.errors = [_("Only a supervisor decides a count with a reason.")]
        return _page(round_, count_form=form), 422
    if reason is None:  # one of the two blind entries
        typed = attempt(enter_count, slug, number, spec, actor=actor())
        if not typed.done:
            return _page(round_, count_form=form, problems=typed.problems), 409
        flash(
            _(ENTRY_WORDS[typed.value or EntryOutcome.AWAITING_SECOND], box=spec.branch), "success"
        )
        return redirect(url_for("staff.rla_page", slug=slug, number=number))
    done = attempt(
        record_specs,
        slug,
        number,
        [spec],
        actor=actor(),
        correct=True,
        reason=reason,
    )
    if not done.done:
        return _page(round_, count_form=form, problems=done.problems), 409
    flash(_("The hand count of %(box)s is recorded.", box=spec.branch), "success")
    return redirect(url_for("staff.rla_page", slug=slug, number=number))


@bp.get("/elections/<slug>/rounds/<int:number>/rla/retrieval")
@roles(*ENTER, read_only_for=READ)
def rla_retrieval(slug: str, number: int) -> Page:
    """The boxes to bring from the warehouse, printable: box, name, region, times drawn."""
    round_ = round_or_404(slug, number)
    audit = audit_of(round_)
    if audit is None:
        return redirect(url_for("staff.rla_page", slug=slug, number=number))
    listing = retrieval_list(round_, state_of(round_, audit))
    return render_template("staff/rla_retrieval.html", round=round_, audit=audit, listing=listing)
