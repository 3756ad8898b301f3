"""Slowing down password guessing: failed sign-ins are limited per account and per address.

Flask-Limiter counts only failed attempts (``deduct_when`` the answer is 401), so a person who
types their password right is never slowed down. Once an account or an address has used up its
allowance, every sign-in attempt for it is refused with 429 until the window has passed, even
with the right password. The limits are settings (``SIGN_IN_LIMIT_PER_ACCOUNT``,
``SIGN_IN_LIMIT_PER_ADDRESS``) in Flask-Limiter's notation; the counters live in
``RATELIMIT_STORAGE_URI`` (memory by default: per process; use Redis or Memcached with several
app servers). ``RATELIMIT_ENABLED = False`` turns them off.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from flask.wrappers import Response as FlaskResponse
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import parse

DEFAULT_PER_ACCOUNT = "10 per 15 minutes"
DEFAULT_PER_ADDRESS = "50 per 15 minutes"


def _failed(response: FlaskResponse) -> bool:
    return response.status_code == 401


def _account_key() -> str:
    username = (request.form.get("username") or "").strip().lower()
    return "account:" + (username[:64] or "(empty)")


def _address_key() -> str:
    return "address:" + (get_remote_address() or "unknown")


def _window_minutes(setting: str) -> int:
    seconds = parse(current_app.config[setting]).get_expiry()
    return max(1, -(-seconds // 60))


def _account_message() -> str:
    minutes = _window_minutes("SIGN_IN_LIMIT_PER_ACCOUNT")
    return (
        "Too many failed sign-ins for this account. Wait up to "
        f"{minutes} minutes and try again, or ask an admin to reset the password."
    )


def _address_message() -> str:
    minutes = _window_minutes("SIGN_IN_LIMIT_PER_ADDRESS")
    return f"Too many failed sign-ins from this address. Wait up to {minutes} minutes."


def init_limits(app: Flask) -> Limiter:
    """Give the app its own limiter and wrap the sign-in view with the two limits."""
    app.config.setdefault("SIGN_IN_LIMIT_PER_ACCOUNT", DEFAULT_PER_ACCOUNT)
    app.config.setdefault("SIGN_IN_LIMIT_PER_ADDRESS", DEFAULT_PER_ADDRESS)
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # One limiter per app (not a module global): each app, and each test, counts on its own.
    limiter = Limiter(key_func=get_remote_address, default_limits=[])
    limiter.init_app(app)
    app.extensions["primaries_sign_in_limiter"] = limiter  # the limits hold it only weakly
    from .views import sign_in

    # The registered view itself, typed as the plain function it is (not any route callable).
    assert app.view_functions["auth.sign_in"] is sign_in
    view = limiter.limit(
        lambda: current_app.config["SIGN_IN_LIMIT_PER_ACCOUNT"],
        key_func=_account_key,
        methods=["POST"],
        deduct_when=_failed,
        error_message=_account_message,
        scope="account",
    )(sign_in)
    view = limiter.limit(
        lambda: current_app.config["SIGN_IN_LIMIT_PER_ADDRESS"],
        key_func=_address_key,
        methods=["POST"],
        deduct_when=_failed,
        error_message=_address_message,
        scope="address",
    )(view)
    app.view_functions["auth.sign_in"] = view

    return limiter
