"""The account pages: admins create accounts, disable and enable them, change their roles and
reset passwords (each ends the account's open sessions but the first).

Supervisors and observers see the accounts (who may do what is part of the record) but change
nothing. A generated password is shown once, in the answer to the form, and never stored in
clear or put in a cookie.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from ..access import roles
from ..changes import Actor
from ..core.roles import ADMIN, ROLE_LABELS, Role
from ..errors import NotFound, Refused
from ..extensions import db
from ..i18n import said_problems
from ..models import AuditEvent, User
from .forms import ActiveForm, CreateAccountForm, FullNameForm, ResetPasswordForm, RoleForm
from .services import (
    all_users,
    create_user,
    generate_password,
    get_user,
    reset_password,
    set_active,
    set_full_name,
    set_role,
)
from .views import bp

ACCOUNT_READERS = (Role.SUPERVISOR, Role.OBSERVER)


def _user_or_404(username: str) -> User:
    try:
        return get_user(username)
    except NotFound as exc:
        abort(404, exc.problems[0])


@bp.route("/staff/accounts", methods=["GET", "POST"])
@roles(*ADMIN, read_only_for=ACCOUNT_READERS)
def accounts() -> tuple[str, int]:
    form = CreateAccountForm()
    problems: list[str] = []
    created: dict[str, str | None] | None = None
    if form.validate_on_submit():
        generated = not form.password.data
        password = form.password.data or generate_password()
        username = (form.username.data or "").strip()
        try:
            user = create_user(
                username,
                form.role.data or "",
                password,
                actor=Actor.of(current_user._get_current_object()),
                full_name=(form.full_name.data or "").strip() or None,
            )
            db.session.commit()
        except Refused as exc:
            db.session.rollback()
            problems = said_problems(exc.problems)
        else:
            created = {
                "username": user.username,
                "role": user.role,
                "password": password if generated else None,
            }
            form = CreateAccountForm(formdata=None)
    status = 422 if form.errors or problems else 201 if created else 200
    page = render_template(
        "auth/accounts.html", form=form, users=all_users(), problems=problems, created=created
    )
    return page, status


@bp.get("/staff/accounts/<username>")
@roles(*ADMIN, read_only_for=ACCOUNT_READERS)
def account(username: str) -> str:
    user = _user_or_404(username)
    return _account_page(user, ResetPasswordForm(formdata=None))[0]


def _account_page(
    user: User,
    password_form: ResetPasswordForm,
    *,
    new_password: str | None = None,
    problems: list[str] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == "user", AuditEvent.object_id == user.username)
        .order_by(AuditEvent.seq.desc())
        .limit(20)
    ).all()
    active_form = ActiveForm(formdata=None, make_active="no" if user.active else "yes")
    role_form = RoleForm(formdata=None, role=user.role)
    name_form = FullNameForm(formdata=None, full_name=user.full_name)
    page = render_template(
        "auth/account.html",
        user=user,
        events=events,
        active_form=active_form,
        role_form=role_form,
        name_form=name_form,
        password_form=password_form,
        new_password=new_password,
        problems=problems or [],
    )
    return page, status


@bp.post("/staff/accounts/<username>/active")
@roles(*ADMIN)
def account_active(username: str) -> Response | tuple[str, int]:
    user = _user_or_404(username)
    form = ActiveForm()
    if not form.validate_on_submit():
        problem = " ".join(form.make_active.errors or [_("try again.")])
        flash(_("Nothing was changed: %(problem)s", problem=problem))
        return redirect(url_for("auth.account", username=user.username))
    active = form.make_active.data == "yes"
    try:
        set_active(user, active, actor=Actor.of(current_user._get_current_object()))
        db.session.commit()
    except Refused as exc:
        db.session.rollback()
        return _account_page(
            user, ResetPasswordForm(formdata=None), problems=said_problems(exc.problems), status=409
        )
    if active:
        flash(_("Account %(name)s is enabled.", name=user.username))
    else:
        flash(_("Account %(name)s is disabled.", name=user.username))
    return redirect(url_for("auth.account", username=user.username))


@bp.post("/staff/accounts/<username>/password")
@roles(*ADMIN)
def account_password(username: str) -> tuple[str, int]:
    user = _user_or_404(username)
    form = ResetPasswordForm()
    if not form.validate_on_submit():
        return _account_page(user, form, status=422)
    generated = not form.password.data
    password = form.password.data or generate_password()
    try:
        user = reset_password(user, password, actor=Actor.of(current_user._get_current_object()))
        db.session.commit()
    except Refused as exc:
        db.session.rollback()
        return _account_page(user, form, problems=said_problems(exc.problems), status=422)
    flash(
        _("The password of %(name)s is reset; their open sessions have ended.", name=user.username)
    )
    return _account_page(
        user, ResetPasswordForm(formdata=None), new_password=password if generated else None
    )


@bp.post("/staff/accounts/<username>/name")
@roles(*ADMIN)
def account_name(username: str) -> Response | tuple[str, int]:
    user = _user_or_404(username)
    form = FullNameForm()
    if not form.validate_on_submit():
        problem = " ".join(form.full_name.errors or [_("try again.")])
        flash(_("Nothing was changed: %(problem)s", problem=problem))
        return redirect(url_for("auth.account", username=user.username))
    try:
        set_full_name(
            user, form.full_name.data or "", actor=Actor.of(current_user._get_current_object())
        )
        db.session.commit()
    except Refused as exc:
        db.session.rollback()
        return _account_page(
            user, ResetPasswordForm(formdata=None), problems=said_problems(exc.problems), status=409
        )
    flash(_("Account %(name)s: the full name is saved.", name=user.username))
    return redirect(url_for("auth.account", username=user.username))


@bp.post("/staff/accounts/<username>/role")
@roles(*ADMIN)
def account_role(username: str) -> Response | tuple[str, int]:
    user = _user_or_404(username)
    form = RoleForm()
    if not form.validate_on_submit():
        problem = " ".join(form.role.errors or [_("try again.")])
        flash(_("Nothing was changed: %(problem)s", problem=problem))
        return redirect(url_for("auth.account", username=user.username))
    try:
        set_role(user, form.role.data or "", actor=Actor.of(current_user._get_current_object()))
        db.session.commit()
    except Refused as exc:
        db.session.rollback()
        return _account_page(
            user, ResetPasswordForm(formdata=None), problems=said_problems(exc.problems), status=409
        )
    role = form.role.data or ""
    flash(
        _(
            "Account %(name)s is now %(role)s; its open sessions have ended.",
            name=user.username,
            role=_(ROLE_LABELS[role]) if role in ROLE_LABELS else role,
        )
    )
    return redirect(url_for("auth.account", username=user.username))
