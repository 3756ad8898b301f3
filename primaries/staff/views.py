"""Staff pages: the workspace, choosing the next sheet, entering a sheet, and the supervisor's
decisions about one sheet (mismatch, send back, correction, annulment).

Views are thin: they read the form, call one service, commit once on success and roll back on
refusal, then show what happened. The round's pages, the audit log and the imports are in the
sibling modules imported at the bottom (same blueprint).
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from ..access import roles
from ..elections.lookup import lock_reason
from ..elections.sheets import values_of
from ..errors import Refused, StaleSheet
from ..extensions import db
from ..models import Election, Round
from .blueprint import COUNT, ENTER, READ, STAFF, bp, me, place_or_404, round_or_404
from .entry import (
    NumbersRefused,
    SheetPlace,
    annul_sheet,
    correct,
    enter_sheet,
    flatten,
    mismatch_of,
    reinstate_sheet,
    resolve_mismatch,
    send_back,
)
from .forms import (
    AnnulForm,
    ChooseBranchForm,
    ReinstateForm,
    SendBackForm,
    SheetForm,
    resolve_form,
    sheet_form,
)
from .queries import all_branches, awaiting_second_for, find_branches, my_entries, not_entered
from .queries import state_counts as _state_counts

Page = str | tuple[str, int] | Response


@bp.get("/")
@roles(*STAFF)
def home() -> str:
    elections = db.session.scalars(select(Election).order_by(Election.created_at.desc())).all()
    rounds = {
        election.id: [(r, _state_counts(r), lock_reason(r)) for r in election.rounds]
        for election in elections
    }
    return render_template("staff/home.html", elections=elections, rounds=rounds)


@bp.get("/elections/<slug>/rounds/<int:number>/sheets")
@roles(*ENTER, read_only_for=READ)
def next_sheet(slug: str, number: int) -> Page:
    """Choose the next sheet by typing its branch's code or name; see the sheets entered."""
    round_ = round_or_404(slug, number)
    form = ChooseBranchForm(formdata=request.args)
    matches = None
    text = (form.branch.data or "").strip() if form.validate() else ""
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
        lock=_entry_lock(round_),
    )


def _entry_lock(round_: Round) -> str | None:
    reason = lock_reason(round_)
    if reason:
        return reason
    if round_.status == "closed":
        return f"round {round_.number} is closed: entry has stopped"
    return None


def _sheet_page(place: SheetPlace, form: SheetForm, problems: list[str], status: int) -> Page:
    user = me()
    sheet = place.sheet
    first_is_mine = (
        place.state == "awaiting_second"
        and sheet is not None
        and sheet.first_entry is not None
        and sheet.first_entry.user_id == user.id
    )
    lock = _entry_lock(place.round)
    can_type = (
        user.role in ENTER
        and lock is None
        and place.state in ("empty", "awaiting_second")
        and not first_is_mine
    )
    counted = values_of(sheet.counted_entry) if sheet and place.state == "counted" else None
    page = render_template(
        "staff/sheet.html",
        place=place,
        form=form,
        problems=problems,
        can_type=can_type,
        first_is_mine=first_is_mine,
        lock=lock,
        counted=counted,
        double_entry=place.election.double_entry,
        send_back_form=SendBackForm(formdata=None, version=place.version),
    )
    return page, status


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
        try:
            result = enter_sheet(
                slug,
                number,
                place.branch.code,
                form.numbers(),
                version=form.version_number,
                user=me(),
            )
        except NumbersRefused as exc:
            db.session.rollback()
            problems = form.add_problems(exc.by_field)
        except StaleSheet as exc:
            db.session.rollback()
            problems, status = exc.problems, 409
            place = place_or_404(slug, number, branch)
            # What was typed stays in the form; saving again applies it to the sheet as it is now.
            form.version.data = str(place.version)
        except Refused as exc:
            db.session.rollback()
            problems, status = exc.problems, 409
        else:
            message = result.message(place.name)  # before the commit expires the place
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("staff.next_sheet", slug=slug, number=number))
        place = place_or_404(slug, number, branch)
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
            flash(f"{place.name} is not in mismatch (any more): nothing was changed.", "error")
        return redirect(url_for("staff.sheet", slug=slug, number=number, branch=branch))
    labels = place.labels()
    form = resolve_form(mismatch, labels)
    problems: list[str] = []
    status = 200
    if request.method == "GET":
        form.version.data = str(place.version)
    elif form.validate_on_submit():
        try:
            resolve_mismatch(
                slug,
                number,
                place.branch.code,
                form.choices(),
                version=form.version_number,
                user=me(),
            )
        except NumbersRefused as exc:
            db.session.rollback()
            problems, status = form.add_problems(exc.by_field), 422
        except StaleSheet as exc:
            db.session.rollback()
            # Show the sheet as it is now, with its version: deciding again applies to it.
            place = place_or_404(slug, number, branch)
            fresh = mismatch_of(place)
            if fresh is None:
                for problem in exc.problems:
                    flash(f"Nothing was changed: {problem}", "error")
                return redirect(url_for("staff.sheet", slug=slug, number=number, branch=branch))
            mismatch, form = fresh, resolve_form(fresh, labels)
            form.version.data = str(place.version)
            problems, status = exc.problems, 409
        except Refused as exc:
            db.session.rollback()
            problems, status = exc.problems, 409
        else:
            db.session.commit()
            flash(f"{place.name}: the mismatch is resolved; the decided numbers count.", "success")
            return redirect(
                url_for("staff.round_dashboard", slug=slug, number=number, state="mismatch")
            )
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


@bp.post("/elections/<slug>/rounds/<int:number>/sheets/<branch>/send-back")
@roles(*COUNT)
def send_back_sheet(slug: str, number: int, branch: str) -> Response:
    place = place_or_404(slug, number, branch)
    form = SendBackForm()
    if not form.validate_on_submit():
        flash("Nothing was changed: the form was incomplete; try again.", "error")
        return redirect(url_for("staff.sheet", slug=slug, number=number, branch=branch))
    try:
        send_back(
            slug,
            number,
            place.branch.code,
            version=form.version_number,
            user=me(),
            reason=form.reason.data or "",
        )
    except Refused as exc:
        db.session.rollback()
        for problem in exc.problems:
            flash(f"Nothing was changed: {problem}", "error")
        return redirect(url_for("staff.sheet", slug=slug, number=number, branch=branch))
    db.session.commit()
    flash(f"{place.name} is sent back: it is to be keyed again, twice.", "success")
    return redirect(url_for("staff.round_dashboard", slug=slug, number=number))


@bp.route("/elections/<slug>/rounds/<int:number>/sheets/<branch>/correct", methods=["GET", "POST"])
@roles(*COUNT, read_only_for=READ)
def correct_sheet(slug: str, number: int, branch: str) -> Page:
    """A correction (recount) of a counted sheet, with a reason."""
    place = place_or_404(slug, number, branch)
    counted = (
        values_of(place.sheet.counted_entry) if place.sheet and place.state == "counted" else None
    )
    if request.method == "GET":
        data: dict[str, Any] = flatten(counted) if counted else {}
        form = sheet_form(place, correction=True, data=data)
        form.version.data = str(place.version)
        return render_template(
            "staff/correct.html", place=place, form=form, counted=counted, problems=[]
        )
    form = sheet_form(place, correction=True)
    problems: list[str] = []
    status = 422
    if form.validate_on_submit():
        try:
            correct(
                slug,
                number,
                place.branch.code,
                form.numbers(),
                version=form.version_number,
                user=me(),
                reason=form.reason.data or "",
            )
        except NumbersRefused as exc:
            db.session.rollback()
            problems = form.add_problems(exc.by_field)
        except StaleSheet as exc:
            db.session.rollback()
            problems, status = exc.problems, 409
            # What was typed stays; saving again applies it to the sheet as it is now.
            place = place_or_404(slug, number, branch)
            form.version.data = str(place.version)
            counted = (
                values_of(place.sheet.counted_entry)
                if place.sheet and place.state == "counted"
                else None
            )
        except Refused as exc:
            db.session.rollback()
            problems, status = exc.problems, 409
        else:
            db.session.commit()
            flash(f"{place.name} is corrected; the new numbers count.", "success")
            return redirect(url_for("staff.sheet", slug=slug, number=number, branch=branch))
    else:
        problems = form.hidden_problems()
    return render_template(
        "staff/correct.html", place=place, form=form, counted=counted, problems=problems
    ), status


@bp.route(
    "/elections/<slug>/rounds/<int:number>/sheets/<branch>/annulment", methods=["GET", "POST"]
)
@roles(*COUNT, read_only_for=READ)
def annulment(slug: str, number: int, branch: str) -> Page:
    """Annul the branch's sheet for the round, or reverse its annulment; a reason either way."""
    place = place_or_404(slug, number, branch)
    annulled = place.state == "annulled"
    form: AnnulForm | ReinstateForm = ReinstateForm() if annulled else AnnulForm()
    problems: list[str] = []
    status = 200
    if request.method == "GET":
        form.version.data = str(place.version)
    elif form.validate_on_submit():
        action = reinstate_sheet if annulled else annul_sheet
        try:
            action(
                slug,
                number,
                place.branch.code,
                form.reason.data or "",
                version=form.version_number,
                user=me(),
            )
        except StaleSheet as exc:
            db.session.rollback()
            problems, status = exc.problems, 409
            # The sheet as it is now (annulled or not meanwhile), the reason kept, its version.
            place = place_or_404(slug, number, branch)
            annulled = place.state == "annulled"
            form = ReinstateForm() if annulled else AnnulForm()
            form.version.data = str(place.version)
        except Refused as exc:
            db.session.rollback()
            problems, status = exc.problems, 409
        else:
            db.session.commit()
            done = "reinstated: its counted numbers count again" if annulled else "annulled"
            flash(f"{place.name} is {done}.", "success")
            return redirect(url_for("staff.sheet", slug=slug, number=number, branch=branch))
    else:
        problems, status = form.hidden_problems(), 422
    return render_template(
        "staff/annulment.html", place=place, form=form, annulled=annulled, problems=problems
    ), status


from . import audit_views, import_views, round_views  # noqa: E402, F401  (routes of this blueprint)
