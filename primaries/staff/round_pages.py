"""A round's pages: the supervisor's dashboard, the round's life (close, reopen, certify,
decertify), the lot, opening the runoff, and a branch's history."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ..access import roles
from ..approvals.queries import request_views
from ..approvals.service import ask_decertification
from ..changes import attempt
from ..core.limits import page_number
from ..core.roles import ADMIN
from ..core.rounds import RoundStatus, is_published
from ..elections.lookup import get_branch, get_round, has_later_round, lock_words
from ..elections.lots import record_lot
from ..elections.rounds import (
    Blockers,
    blocker_sentences,
    blockers_of,
    certify_round,
    close_round,
    reopen_round,
)
from ..elections.runoff import open_runoff
from ..errors import NotFound
from ..i18n import said_problems
from ..results.certificates import current_certificate, matches
from ..results.fingerprint import fingerprint_chart, round_fingerprint
from ..results.flags import round_flags
from ..results.reviews import held_boxes, reach_of
from ..tally import round_result
from .blueprint import (
    COUNT,
    READ,
    actor,
    bp,
    election_or_404,
    me,
    round_or_404,
    said,
    translated,
)
from .forms import (
    BranchFilterForm,
    CertifyForm,
    CloseForm,
    ReasonForm,
    RunoffForm,
    lot_form,
    options,
)
from .history import sheet_history
from .publish_pages import PUBLISHING_LABELS, PublishForm
from .queries import branch_list, clerk_stats, regions, state_counts
from .receipt_queries import received_count
from .request_pages import asked_message, requests_for
from .review_pages import CLEAR_PREFIX

Page = str | tuple[str, int] | Response


def blockers_text(found: Blockers) -> list[str]:
    """:func:`primaries.elections.rounds.blocker_sentences` in the reader's language."""
    return said_problems(blocker_sentences(found))


@bp.get("/elections/<slug>/rounds/<int:number>")
@roles(*COUNT, read_only_for=READ)
def round_dashboard(slug: str, number: int) -> str:
    """Branches by state, the searchable list, the live outcome, what blocks certification."""
    round_ = round_or_404(slug, number)
    election = round_.election
    filters = BranchFilterForm(formdata=request.args)
    filters.region.choices = options([("", "any"), *((r, r) for r in regions(election))])
    filters.validate()
    listing = branch_list(
        round_,
        state=filters.state.data if not filters.state.errors else None,
        text=filters.q.data,
        region=(filters.region.data or None) if not filters.region.errors else None,
        page=page_number(request.args.get("page")),
    )
    result = round_result(round_)
    later = has_later_round(round_)
    blockers = blockers_of(round_)
    certificate = current_certificate(round_)
    found = round_fingerprint(round_, result)
    held = held_boxes(round_)
    return render_template(
        "staff/round.html",
        election=election,
        round=round_,
        counts=state_counts(round_),
        paper_received=received_count(round_),
        published=is_published(
            round_.publish,
            status=round_.status,
            complete=result["branches"]["pending"] == 0,
            has_later_round=later,
        ),
        publish_form=PublishForm(prefix="publishing", data={"publish": round_.publish}),
        publishing_labels=translated(PUBLISHING_LABELS),
        filters=filters,
        listing=listing,
        filter_args={k: v for k, v in request.args.items() if k != "page" and v},
        result=result,
        blockers=blockers_text(blockers),
        open_objections=blockers.objections,
        certificate=certificate,
        certificate_matches=certificate is None or matches(certificate, result),
        lock=said(lock_words(round_)),
        later=later,
        stats=clerk_stats(round_),
        flags=round_flags(round_),
        held=held,
        reach=reach_of(round_, held) if held else None,
        clear_form=ReasonForm(prefix=CLEAR_PREFIX),
        fingerprint_chart=fingerprint_chart(found) if found else None,
        leader_name=result["candidates"][0]["name"] if found else None,
        close_form=CloseForm(),
        certify_form=CertifyForm(),
        reopen_form=ReasonForm(prefix="reopen"),
        decertify_form=ReasonForm(prefix="decertify"),
        requests=requests_for(round_id=round_.id),
        refresh_seconds=int(current_app.config.get("STAFF_REFRESH_SECONDS", 15)),
        runoff_ready=(
            round_.status == RoundStatus.CERTIFIED
            and result["outcome"]["status"] == "runoff"
            and not later
        ),
    )


def _round_change(
    slug: str, number: int, change: Callable[..., Any], done: str, **kwargs: Any
) -> Response:
    round_ = round_or_404(slug, number)
    outcome = attempt(change, round_, actor=actor(), **kwargs)
    for problem in outcome.problems:
        flash(_("Nothing was changed: %(problem)s", problem=problem), "error")
    if outcome.done:
        flash(done, "success")
    return redirect(url_for("staff.round_dashboard", slug=slug, number=number))


@bp.post("/elections/<slug>/rounds/<int:number>/close")
@roles(*COUNT)
def close(slug: str, number: int) -> Response:
    if not CloseForm().validate_on_submit():
        abort(400)
    return _round_change(
        slug,
        number,
        close_round,
        _("Round %(number)s is closed: entry has stopped.", number=number),
    )


def _reason(prefix: str) -> str | None:
    form = ReasonForm(prefix=prefix)
    if form.validate_on_submit():
        return (form.reason.data or "").strip()
    flash(_("Nothing was changed: a reason is needed."), "error")
    return None


@bp.post("/elections/<slug>/rounds/<int:number>/reopen")
@roles(*COUNT)
def reopen(slug: str, number: int) -> Response:
    reason = _reason("reopen")
    if reason is None:
        return redirect(url_for("staff.round_dashboard", slug=slug, number=number))
    return _round_change(
        slug,
        number,
        reopen_round,
        _("Round %(number)s is open again.", number=number),
        reason=reason,
    )


@bp.post("/elections/<slug>/rounds/<int:number>/certify")
@roles(*COUNT)
def certify(slug: str, number: int) -> Response:
    if not CertifyForm().validate_on_submit():
        abort(400)
    return _round_change(
        slug, number, certify_round, _("Round %(number)s is certified.", number=number)
    )


@bp.post("/elections/<slug>/rounds/<int:number>/decertify")
@roles(*ADMIN)
def decertify(slug: str, number: int) -> Response:
    reason = _reason("decertify")
    if reason is not None:
        round_or_404(slug, number)
        outcome = attempt(ask_decertification, slug, number, reason, actor=actor())
        for problem in outcome.problems:
            flash(_("Nothing was changed: %(problem)s", problem=problem), "error")
        if outcome.value is not None:
            done = _("Round %(number)s is decertified: it is closed again.", number=number)
            what = "decertification"
            flash(asked_message(outcome.value, what, done, sheet=False), "success")
    return redirect(url_for("staff.round_dashboard", slug=slug, number=number))


@bp.route("/elections/<slug>/rounds/<int:number>/lot", methods=["GET", "POST"])
@roles(*COUNT, read_only_for=READ)
def lot(slug: str, number: int) -> Page:
    """Record the drawn order of the candidates the outcome says a lot must decide."""
    round_ = round_or_404(slug, number)
    result = round_result(round_)
    outcome = result["outcome"]
    if outcome["status"] != "lot_required":
        if request.method == "POST":
            flash(_("No lot is needed now: nothing was recorded."), "error")
        return render_template("staff/lot.html", round=round_, result=result, form=None), (
            409 if request.method == "POST" else 200
        )
    names = {c["code"]: c for c in result["candidates"]}
    tied = [(code, names[code]["name"]) for code in outcome["tied"]]
    form = lot_form(tied)
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            done = attempt(
                record_lot, slug, number, form.order(), actor=actor(), note=form.note.data
            )
            if done.done:
                flash(_("The lot is recorded; the outcome follows it."), "success")
                return redirect(url_for("staff.round_dashboard", slug=slug, number=number))
            problems, status = done.problems, 409
    return render_template(
        "staff/lot.html",
        round=round_,
        result=result,
        form=form,
        tied=[names[code] for code in outcome["tied"]],
        problems=problems,
    ), status


@bp.route("/elections/<slug>/runoff", methods=["GET", "POST"])
@roles(*COUNT, read_only_for=READ)
def runoff(slug: str) -> Page:
    """Open the runoff of a certified round whose outcome is ``runoff``: qualifiers not typed."""
    election = election_or_404(slug)
    last = get_round(election)
    result = round_result(last)
    form = RunoffForm()
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            done = attempt(
                open_runoff,
                slug,
                actor=actor(),
                held_on=form.held_on.data,
                require_certified=True,
            )
            if done.done:
                number = last.number + 1
                flash(_("Round %(number)s, the runoff, is open.", number=number), "success")
                return redirect(url_for("staff.round_dashboard", slug=slug, number=number))
            problems, status = done.problems, 409
    ready = last.status == RoundStatus.CERTIFIED and result["outcome"]["status"] == "runoff"
    return render_template(
        "staff/runoff.html",
        election=election,
        last=last,
        result=result,
        ready=ready,
        form=form,
        problems=problems,
    ), status


@bp.get("/elections/<slug>/branches/<code>")
@roles(*COUNT, read_only_for=READ)
def branch_history_page(slug: str, code: str) -> str:
    """Every entry, decision, correction and annulment of the branch's sheet, in each round, and
    the requests about it (four eyes: who asked, who decided)."""
    election = election_or_404(slug)
    try:
        branch = get_branch(election, code)
    except NotFound as exc:
        abort(404, exc.problems[0])
    decided = request_views(me().id, me().role, pending=False, branch_id=branch.id)
    return render_template(
        "staff/history.html",
        election=election,
        branch=branch,
        rounds=sheet_history(election, branch),
        requests=requests_for(branch_id=branch.id) + decided,
    )
