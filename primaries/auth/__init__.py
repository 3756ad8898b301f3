"""Accounts and sign-in: Flask-Login wiring, rate limits of failed sign-ins, the idle time-out,
and the account services and pages."""

from __future__ import annotations

import time

from flask import Flask, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response

from ..core.words import N_
from ..extensions import db, login_manager
from ..models import User


def init_auth(app: Flask) -> None:
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = N_("Please sign in to see this page.")
    login_manager.localize_callback = _  # the message in the reader's language
    login_manager.session_protection = "strong"

    def load_user(user_id: str) -> User | None:
        # The id carries the account's session epoch: a password reset, disabling or
        # "sign out everywhere" bumps it and every older session stops working.
        try:
            raw_id, raw_epoch = user_id.split(":", 1)
            user = db.session.get(User, int(raw_id))
        except (ValueError, TypeError):
            return None
        if user is None or not user.active or str(user.session_epoch) != raw_epoch:
            return None
        return user

    login_manager.user_loader(load_user)  # called, not a decorator: load_user stays typed

    from . import accounts  # noqa: F401  (registers the account pages on the blueprint)
    from .limits import init_limits
    from .views import bp

    app.register_blueprint(bp)
    init_limits(app)
    _init_idle_timeout(app)


def idle_timeout_seconds(app: Flask) -> int:
    """``IDLE_TIMEOUT`` (seconds) if set, else the session lifetime (30 minutes by default)."""
    configured = app.config.get("IDLE_TIMEOUT")
    if configured:
        return int(configured)
    return int(app.permanent_session_lifetime.total_seconds())


def _init_idle_timeout(app: Flask) -> None:
    """A staff session that nobody used for the idle time-out ends (and says so).

    The session cookie expires after the same time too (a permanent session, refreshed by
    every request); this check also ends a session whose cookie is replayed later.
    """

    @app.before_request
    def end_idle_sessions() -> Response | None:
        if request.endpoint in (None, "static") or not current_user.is_authenticated:
            return None
        now = int(time.time())
        last_seen = session.get("last_seen")
        limit = idle_timeout_seconds(app)
        if isinstance(last_seen, int) and now - last_seen > limit:
            from .services import record_sign_out

            record_sign_out(current_user.username, idle_seconds=now - last_seen)
            db.session.commit()
            logout_user()
            session.clear()
            if limit >= 120:
                flash(
                    _(
                        "You were signed out after %(count)s minutes without activity.",
                        count=limit // 60,
                    )
                )
            else:
                flash(
                    _("You were signed out after %(count)s seconds without activity.", count=limit)
                )
            if request.method == "POST" and request.blueprint == "staff":
                # A form sent too late: nothing is saved; sign in again and land back on it.
                from .views import kept_form_path

                flash(_("Nothing was saved. Sign in again: what you typed comes back in the form."))
                return redirect(url_for("auth.sign_in", next=kept_form_path()), code=303)
            return None
        if (
            request.headers.get("X-Primaries-Refresh") != "1"
        ):  # a page refreshing itself is no activity
            session["last_seen"] = now
        return None
