"""Sign-in and sign-out pages.

Failed sign-ins are rate-limited per account and per address (:mod:`primaries.auth.limits`
wraps :func:`sign_in`); every sign-in, failure and sign-out is an audit event.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import TooManyRequests
from werkzeug.wrappers import Response

from ..access import public
from ..extensions import db
from .forms import SignInForm
from .services import authenticate, record_failed_sign_in, record_sign_in, record_sign_out

bp = Blueprint("auth", __name__)
log = logging.getLogger(__name__)


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: no scheme, no host, no '//' or '\\' tricks, and no line break
    or other control character (a header cannot hold one: it would be an error, not a redirect)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if not target.isprintable():
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


@bp.route("/staff/sign-in", methods=["GET", "POST"])
@public
def sign_in() -> str | Response | tuple[str, int]:
    form = SignInForm()
    if form.validate_on_submit():
        username = form.username.data or ""
        user = authenticate(username, form.password.data or "")
        if user is None:
            record_failed_sign_in(username, request.remote_addr)
            db.session.commit()
            form.password.errors = [*form.password.errors, _("Wrong username or password.")]
            return render_template("auth/sign_in.html", form=form), 401
        record_sign_in(user, request.remote_addr)
        db.session.commit()
        user = db.session.merge(user)
        session.clear()  # a new session on sign-in: no fixation
        session.permanent = True
        login_user(user)
        session["last_seen"] = int(time.time())
        return redirect(safe_next(request.args.get("next")) or url_for("staff.home"))
    return render_template("auth/sign_in.html", form=form)


@bp.post("/staff/sign-out")
@public
def sign_out() -> Response:
    if current_user.is_authenticated:
        record_sign_out(current_user.username)
        db.session.commit()
        logout_user()
    session.clear()
    flash(_("You are signed out."))
    return redirect(url_for("results.index"))


def kept_form_path() -> str:
    """Where a form sent after its session ended is given back: its own page, marked so that
    static/staff.js puts back what was typed (it keeps it in the browser when a form is sent)."""
    return (safe_next(request.path) or url_for("staff.home")) + "?typed=kept"


#: The refusals of Flask-WTF that a session's end explains (the cookie expired with the idle
#: time-out, or the token outlived it); any other CSRF refusal stays a plain 400.
SESSION_ENDED = ("The CSRF session token is missing.", "The CSRF token has expired.")


@bp.app_errorhandler(CSRFError)
def form_after_the_session_ended(exc: CSRFError) -> Response | tuple[str, int]:
    """A form sent after its session ended is not a bare "Bad Request": the person signs in again
    (or, still signed in, gets the page again) and lands back on the same form. What they typed
    is kept in the browser (static/staff.js) and put back; nothing was saved."""
    if exc.description not in SESSION_ENDED or request.method != "POST":
        return render_template("error.html", title=exc.name, message=exc.description), 400
    if request.endpoint == "auth.sign_in":
        flash(_("The sign-in page was out of date. Please sign in again."))
        return redirect(url_for("auth.sign_in", next=safe_next(request.args.get("next"))), code=303)
    back = kept_form_path()
    if current_user.is_authenticated:
        flash(
            _(
                "The form was out of date, so nothing was saved. What you typed is back in it:"
                " check it and send it again."
            )
        )
        return redirect(back, code=303)
    flash(
        _(
            "Your session ended, so nothing was saved. Sign in again: what you typed is kept"
            " and comes back in the form."
        )
    )
    return redirect(url_for("auth.sign_in", next=back), code=303)


@bp.errorhandler(TooManyRequests)
def too_many_sign_ins(exc: TooManyRequests) -> tuple[str, int]:
    """The rate limit of failed sign-ins was reached: the sign-in page says so, with 429."""
    log.warning("sign-in refused from %s: %s", request.remote_addr, exc.description)
    return render_template("auth/sign_in.html", form=SignInForm(), refused=exc.description), 429
