"""Sign-in and sign-out pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..access import public
from ..audit.chain import record
from ..database import begin_change
from ..extensions import db
from .services import authenticate

bp = Blueprint("auth", __name__)


class SignInForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: no scheme, no host, no '//' or '\\' tricks."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


@bp.route("/staff/sign-in", methods=["GET", "POST"])
@public
def sign_in() -> str | Response:
    form = SignInForm()
    if form.validate_on_submit():
        username = form.username.data or ""
        user = authenticate(username, form.password.data or "")
        begin_change()
        if user is None:
            record(
                "auth.sign_in_failed",
                actor=username[:80] or "(empty)",
                object_type="user",
                object_id=username[:64],
                after={"address": request.remote_addr},
            )
            db.session.commit()
            form.password.errors.append("Wrong username or password.")
            return render_template("auth/sign_in.html", form=form), 401
        user = db.session.merge(user)
        record(
            "auth.sign_in",
            actor=user.username,
            object_type="user",
            object_id=user.username,
            after={"address": request.remote_addr},
        )
        db.session.commit()
        session.clear()  # a new session on sign-in: no fixation
        session.permanent = True
        login_user(user)
        return redirect(safe_next(request.args.get("next")) or url_for("staff.home"))
    return render_template("auth/sign_in.html", form=form)


@bp.post("/staff/sign-out")
@public
def sign_out() -> Response:
    if current_user.is_authenticated:
        username = current_user.username
        begin_change()
        record("auth.sign_out", actor=username, object_type="user", object_id=username)
        db.session.commit()
        logout_user()
    session.clear()
    flash("You are signed out.")
    return redirect(url_for("results.index"))
