"""Slowing down password guessing without letting anyone lock an account's owner out.

Failed sign-ins are counted per address and per address-and-account, never per account alone:
20 wrong passwords for ``admin`` from one address make *that address* wait, while the admin
signing in from anywhere else gets in at once. Flask-Limiter does the counting: each limit
counts only answers 401 (``deduct_when``), so a right password never counts against anyone, and
once an address (or the address with that account) has used up an allowance, its attempts are
answered 429 with ``Retry-After`` and a sentence that says how long to wait, without the password
being checked. Each setting is a list of tiers in Flask-Limiter's notation, so the waits grow with
the failures: by default an address may fail 5 times a minute for one account, 10 times in 15
minutes and 30 times a day (``SIGN_IN_LIMIT_PER_ADDRESS_AND_ACCOUNT``), and 20 times a minute,
50 in 15 minutes and 200 a day over all accounts (``SIGN_IN_LIMIT_PER_ADDRESS``).

An IPv6 client is counted by its /64 network (one machine usually holds a whole /64). The address
is the connection's, or with ``TRUSTED_PROXIES`` set the one the proxy forwards
(:mod:`primaries.security`); a forged ``X-Forwarded-For`` is otherwise ignored.

The counters live in ``RATELIMIT_STORAGE_URI``: ``memory://`` by default (each process counts on
its own), ``redis://host:6379/N`` in production so that every worker and server shares one count
(``RATELIMIT_KEY_PREFIX`` separates installations sharing a Redis). Should Redis stop answering,
the counting goes on in memory until it is back (``RATELIMIT_IN_MEMORY_FALLBACK_ENABLED``), and a
hung Redis costs a request at most a second. ``RATELIMIT_ENABLED = False`` turns the limits off.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import time
import unicodedata

from flask import Flask, current_app, request
from flask.wrappers import Response as FlaskResponse
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

DEFAULT_PER_ADDRESS_AND_ACCOUNT = "5 per minute; 10 per 15 minutes; 30 per day"
DEFAULT_PER_ADDRESS = "20 per minute; 50 per 15 minutes; 200 per day"
LIMITER_KEY = "primaries_limiter"
REDIS_TIMEOUTS = {"socket_connect_timeout": 1, "socket_timeout": 1}

log = logging.getLogger(__name__)


def client_network(address: str | None) -> str:
    """The address counted for a client: IPv4 as it is, IPv6 by its /64 network."""
    try:
        parsed = ipaddress.ip_address(address or "")
    except ValueError:
        return address or "unknown"
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


def account_token(username: str) -> str:
    """A short digest of the account name as typed (NFC, trimmed, case folded), for the key:
    whatever a client types, the key stays short and plain, and ``Admin`` is ``admin``."""
    folded = unicodedata.normalize("NFC", username.strip()).casefold()
    return hashlib.sha256(folded.encode("utf-8", "surrogatepass")).hexdigest()[:20]


def _failed(response: FlaskResponse) -> bool:
    return response.status_code == 401


def _address_key() -> str:
    return "address:" + client_network(get_remote_address())


def _address_and_account_key() -> str:
    username = request.form.get("username") or ""
    return _address_key() + ":account:" + account_token(username)


def limiter_of(app: Flask) -> Limiter:
    """The app's limiter (one per app: each app, and each test, counts on its own)."""
    limiter: Limiter = app.extensions[LIMITER_KEY]
    return limiter


def wait_words(seconds: float) -> str:
    """``47 seconds``, ``3 minutes``, ``2 hours``: rounded up, never zero."""
    seconds = max(1, math.ceil(seconds))
    if seconds < 120:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    if seconds < 2 * 3600:
        return f"{math.ceil(seconds / 60)} minutes"
    return f"{math.ceil(seconds / 3600)} hours"


def seconds_to_wait() -> float:
    """How long until the limit this request ran into lets the next attempt through."""
    limit = limiter_of(current_app).current_limit
    if limit is None:
        return 60.0
    return max(1.0, limit.reset_at - time.time())


def _address_and_account_message() -> str:
    return (
        "Too many failed sign-ins for this account from your address. Try again in "
        f"{wait_words(seconds_to_wait())}. The account is not locked: its owner can still sign "
        "in from another address, and an admin can reset the password."
    )


def _address_message() -> str:
    return (
        f"Too many failed sign-ins from your address. Try again in {wait_words(seconds_to_wait())}."
    )


def init_limits(app: Flask) -> Limiter:
    """Give the app its limiter and wrap the sign-in view with the two limits."""
    app.config.setdefault("SIGN_IN_LIMIT_PER_ADDRESS_AND_ACCOUNT", DEFAULT_PER_ADDRESS_AND_ACCOUNT)
    app.config.setdefault("SIGN_IN_LIMIT_PER_ADDRESS", DEFAULT_PER_ADDRESS)
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    storage = str(app.config["RATELIMIT_STORAGE_URI"])
    if storage.startswith(("redis://", "rediss://", "redis+unix://")):
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", REDIS_TIMEOUTS)
    elif storage.startswith("memory://") and app.config.get("PRIMARIES_ENV") == "production":
        log.warning(
            "RATELIMIT_STORAGE_URI is memory://: failed sign-ins are counted per process. Set "
            "it to redis://127.0.0.1:6379/0 (docs/deploy.md) so that all workers share one count."
        )
    if "SIGN_IN_LIMIT_PER_ACCOUNT" in app.config:
        log.warning(
            "SIGN_IN_LIMIT_PER_ACCOUNT is no longer used (anyone could lock an account's owner "
            "out with it): see SIGN_IN_LIMIT_PER_ADDRESS_AND_ACCOUNT"
        )
    # Every tier is checked (not only up to the first one breached), so that the wait given is
    # the longest: after 10 failures the 15-minute tier, not the minute's.
    limiter = Limiter(key_func=get_remote_address, default_limits=[], fail_on_first_breach=False)
    limiter.init_app(app)
    app.extensions[LIMITER_KEY] = limiter  # the limits hold it only weakly
    from .views import sign_in

    # The registered view itself, typed as the plain function it is (not any route callable).
    assert app.view_functions["auth.sign_in"] is sign_in
    view = limiter.limit(
        lambda: current_app.config["SIGN_IN_LIMIT_PER_ADDRESS_AND_ACCOUNT"],
        key_func=_address_and_account_key,
        methods=["POST"],
        deduct_when=_failed,
        error_message=_address_and_account_message,
        scope="sign-in-address-account",
    )(sign_in)
    view = limiter.limit(
        lambda: current_app.config["SIGN_IN_LIMIT_PER_ADDRESS"],
        key_func=_address_key,
        methods=["POST"],
        deduct_when=_failed,
        error_message=_address_message,
        scope="sign-in-address",
    )(view)
    app.view_functions["auth.sign_in"] = view

    return limiter
