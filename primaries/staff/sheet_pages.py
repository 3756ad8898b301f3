"""Staff pages: the workspace, choosing the next sheet, entering a sheet, and the supervisor's
decisions about a mismatch (resolve, send back); corrections and annulments are in
:mod:`.decision_pages`.

Views are thin: they read the form, run one service through :func:`primaries.changes.attempt`
(commit on success, roll back and show the problems on refusal, what was typed kept), then show
what happened. The round's pages, the audit log and the imports are in the sibling modules
(same blueprint; :mod:`primaries.staff.views` registers them all).
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from ..access import roles
from ..changes import attempt
from ..core.sheets import (
    NUMBER_LABELS,
    EntryPlace,
    SheetStatus,
    entry_numbers_shown,
    may_resolve,
    resolver_problem,
)
from ..elections.lookup import entry_stop_words, lock_words
from ..extensions import db
from ..models import Election
from ..results.flags import round_flags
from ..sheets.entry import Mismatch, enter, mismatch_of, send_back
from ..sheets.entry import resolve as resolve_mismatch
from ..sheets.place import SheetPlace
from ..sheets.rows import numbers_of
from .blueprint import (
    COUNT,
    ENTER,
    READ,
    STAFF,
    actor,
    bp,
    me,
    place_or_404,
    ref,
    round_or_404,
    said,
)
from .forms import (
    ChooseBranchForm,
    FourEyesForm,
    ReasonForm,
    SendBackForm,
    SheetForm,
    resolve_form,
    sheet_form,
)
from .paper_pages import scanned_sheet
from .queries import all_branches, awaiting_second_for, find_branches, my_entries, not_entered
from .queries import state_counts as _state_counts
from .request_pages import requests_for

Page = str | tuple[str, int] | Response


def sheet_name(place: SheetPlace) -> str:
    """:attr:`SheetPlace.name` in the reader's language, for the pages' messages."""
    return _(
        "branch %(code)s in round %(number)s", code=place.branch.code, number=place.round.number
    )


@bp.get("/")
@roles(*STAFF)
def home() -> str:
    elections = db.session.scalars(select(Election).order_by(Election.created_at.desc())).all()
    rounds = {
        election.id: [(r, _state_counts(r), said(lock_words(r))) for r in election.rounds]
        for election in elections
    }
    sees = me().role in (*COUNT, *READ)
    return render_template(
        "staff/home.html",
        elections=elections,
        rounds=rounds,
        requests=requests_for() if sees else [],
        four_eyes_form=FourEyesForm(),
        photos_form=ReasonForm(prefix="photos"),
    )


@bp.get("/elections/<slug>/rounds/<int:number>/sheets")
@roles(*ENTER, read_only_for=READ)
def next_sheet(slug: str, number: int) -> Page:
    """Choose the next sheet by typing its branch's code or name, or by scanning the QR code of a
    paper sheet (the scanner types the sheet's link); see the sheets entered."""
    round_ = round_or_404(slug, number)
    form = ChooseBranchForm(formdata=request.args)
    matches = None
    text = (form.branch.data or "").strip() if form.validate() else ""
    scanned = scanned_sheet(text, slug, number)  # the link a QR scanner typed
    if scanned is not None:
        return scanned
    if text:
        matches = find_branches(round_.election, text)
        if len(matches) == 1:
            return redirect(
                url_for("staff.sheet", slug=slug, number=number, branch=matches[0].code)
            )
    user = me()
    return render_template(
        "staff/next_sheet.html",
        round=round_,
        election=round_.election,
        form=form,
        text=text,
        matches=matches,
        suggestions=all_branches(round_.election),
        mine=my_entries(round_, user),
        awaiting=awaiting_second_for(round_, user),
        empty=not_entered(round_),
        lock=said(entry_stop_words(round_)),
    )


def _sheet_page(place: SheetPlace, form: SheetForm, problems: list[str], status: int) -> Page:
    user = me()
    sheet = place.sheet
    first_is_mine = (
        place.state == SheetStatus.AWAITING_SECOND
        and sheet is not None
        and sheet.first_entry is not None
        and sheet.first_entry.user_id == user.id
    )
    lock = said(entry_stop_words(place.round))
    can_type = (
        user.role in ENTER
        and lock is None
        and place.state in (SheetStatus.EMPTY, SheetStatus.AWAITING_SECOND)
        and not first_is_mine
    )
    counted = counted_of(place)
    page = render_template(
        "staff/sheet.html",
        place=place,
        form=form,
        problems=problems,
        can_type=can_type,
        first_is_mine=first_is_mine,
        lock=lock,
        counted=counted,
        flags=[f for f in round_flags(place.round) if f.branch == place.branch.code]
        if counted is not None and (user.role in COUNT or user.role in READ)
        else [],
        double_entry=place.election.double_entry,
        send_back_form=SendBackForm(formdata=None, version=place.version),
    )
    return page, status


def counted_of(place: SheetPlace) -> dict[str, Any] | None:
    """The numbers that count now, as JSON (None unless the sheet counts)."""
    if place.sheet is None or place.state != SheetStatus.COUNTED:
        return None
    numbers = numbers_of(place.sheet.counted_entry)
    return numbers.as_dict() if numbers else None


def _refused(problems: list[str]) -> Response | None:
    for problem in problems:
        flash(_("Nothing was changed: %(problem)s", problem=problem), "error")
    return None


@bp.route("/elections/<slug>/rounds/<int:number>/sheets/<branch>", methods=["GET", "POST"])
@roles(*ENTER, read_only_for=READ)
def sheet(slug: str, number: int, branch: str) -> Page:
    """The entry form of one branch's sheet in one round (a stable link, printed on paper)."""
    place = place_or_404(slug, number, branch)
    form = sheet_form(place)
    problems: list[str] = []
    if request.method == "GET":
        form.version.data = str(place.version)
        return _sheet_page(place, form, problems, 200)
    status = 422
    if form.validate_on_submit():
        message_for = sheet_name(place)  # before the commit expires the place
        done = attempt(
            enter,
            ref(slug, number, place),
            form.numbers(),
            version=form.version_number,
            actor=actor(),
        )
        if done.value is not None:
            flash(_(done.value.message_template(), sheet=message_for), "success")
            return redirect(url_for("staff.next_sheet", slug=slug, number=number))
        # What was typed stays in the form; saving again applies it to the sheet as it is now.
        problems = form.add_problems(done.by_field) if done.by_field else done.problems
        status = 422 if done.by_field else 409
        place = place_or_404(slug, number, branch)
        if done.stale:
            form.version.data = str(place.version)
    else:
        problems = form.hidden_problems()
    return _sheet_page(place, form, problems, status)


@bp.route("/elections/<slug>/rounds/<int:number>/sheets/<branch>/resolve", methods=["GET", "POST"])
@roles(*COUNT, read_only_for=READ)
def resolve(slug: str, number: int, branch: str) -> Page:
    """A mismatch: both entries side by side; the supervisor decides field by field."""
    place = place_or_404(slug, number, branch)
    mismatch = mismatch_of(place)
    if mismatch is None:
        if request.method == "POST":
            flash(
                _(
                    "%(sheet)s is not in mismatch (any more): nothing was changed.",
                    sheet=sheet_name(place),
                ),
                "error",
            )
        return redirect(url_for("staff.sheet", slug=slug, number=number, branch=branch))
    blind = _blind_reason(place, mismatch)
    if blind is not None:
        # Not this account's to resolve: the page says why, and shows neither entry's numbers.
        return render_template(
            "staff/resolve.html",
            place=place,
            mismatch=None,
            blind=blind,
            problems=[blind] if request.method == "POST" else [],
            send_back_form=SendBackForm(formdata=None, version=place.version),
        ), (409 if request.method == "POST" else 200)
    labels = {
        key: _(label) if key in NUMBER_LABELS else label  # candidates' names stay as entered
        for key, label in place.labels().items()
    }
    form = resolve_form(mismatch, labels)
    problems: list[str] = []
    status = 200
    if request.method == "GET":
        form.version.data = str(place.version)
    elif form.validate_on_submit():
        done = attempt(
            resolve_mismatch,
            ref(slug, number, place),
            form.choices(),
            version=form.version_number,
            actor=actor(),
        )
        if done.done:
            flash(
                _(
                    "%(sheet)s: the mismatch is resolved; the decided numbers count.",
                    sheet=sheet_name(place),
                ),
                "success",
            )
            return redirect(
                url_for("staff.round_dashboard", slug=slug, number=number, state="mismatch")
            )
        if done.by_field:
            problems, status = form.add_problems(done.by_field), 422
        elif done.stale:
            # Show the sheet as it is now, with its version: deciding again applies to it.
            place = place_or_404(slug, number, branch)
            fresh = mismatch_of(place)
            if fresh is None or _blind_reason(place, fresh) is not None:
                _refused(done.problems)
                return redirect(url_for("staff.sheet", slug=slug, number=number, branch=branch))
            mismatch, form = fresh, resolve_form(fresh, labels)
            form.version.data = str(place.version)
            problems, status = done.problems, 409
        else:
            problems, status = done.problems, 409
    else:
        problems, status = form.hidden_problems(), 422
    return render_template(
        "staff/resolve.html",
        place=place,
        mismatch=mismatch,
        labels=labels,
        form=form,
        problems=problems,
        send_back_form=SendBackForm(formdata=None, version=place.version),
    ), status


def _blind_reason(place: SheetPlace, mismatch: Mismatch) -> str | None:
    """Why the signed-in account may not see this mismatch's entries, or None (its resolver)."""
    user = me()
    entrants = (mismatch.first.user_id, mismatch.second.user_id)
    resolver = may_resolve(user.role, user.id, entrants)
    state = place.sheet.state if place.sheet is not None else None
    if entry_numbers_shown(state, EntryPlace.FIRST, resolver=resolver):
        return None
    mine = resolver_problem(user.id, entrants)
    if mine:
        return _(
            "%(sheet)s cannot be resolved by you: %(problem)s.",
            sheet=sheet_name(place),
            problem=said(mine.words),
        )
    return _(
        "the two entries of %(sheet)s are shown only to the supervisor or admin who "
        "resolves the mismatch (one who made neither entry), until it is resolved or sent back.",
        sheet=sheet_name(place),
    )


@bp.post("/elections/<slug>/rounds/<int:number>/sheets/<branch>/send-back")
@roles(*COUNT)
def send_back_sheet(slug: str, number: int, branch: str) -> Response:
    place = place_or_404(slug, number, branch)
    form = SendBackForm()
    if not form.validate_on_submit():
        flash(_("Nothing was changed: the form was incomplete; try again."), "error")
        return redirect(url_for("staff.sheet", slug=slug, number=number, branch=branch))
    done = attempt(
        send_back,
        ref(slug, number, place),
        version=form.version_number,
        actor=actor(),
        reason=form.reason.data or "",
    )
    if not done.done:
        _refused(done.problems)
        return redirect(url_for("staff.sheet", slug=slug, number=number, branch=branch))
    flash(
        _("%(sheet)s is sent back: it is to be keyed again, twice.", sheet=sheet_name(place)),
        "success",
    )
    return redirect(url_for("staff.round_dashboard", slug=slug, number=number))
