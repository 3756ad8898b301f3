"""Who may use which route: every view declares it with one of these decorators.

``create_app`` refuses to start if a view declares none (as Arlo does), and a test walks the URL
map. The roles themselves and what each may do are in :mod:`primaries.core.roles`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import abort, current_app, request
from flask_babel import gettext as _
from flask_login import current_user

from .extensions import login_manager

F = TypeVar("F", bound=Callable[..., Any])

ACCESS_ATTR = "_primaries_access"


def _mark(view: Callable[..., Any], access: str) -> None:
    setattr(view, ACCESS_ATTR, access)


def public(view: F) -> F:
    """Anyone, signed in or not (sign-in page, health check, static assets)."""
    _mark(view, "public")
    return view


def results(view: F) -> F:
    """Published results: anyone, unless ``RESULTS_PUBLIC`` is off; then any signed-in account."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_app.config.get("RESULTS_PUBLIC", True) and not current_user.is_authenticated:
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    _mark(wrapper, "results")
    return cast(F, wrapper)


def roles(*allowed: str, read_only_for: tuple[str, ...] = ()) -> Callable[[F], F]:
    """Signed-in accounts with one of ``allowed`` roles; ``read_only_for`` roles may only GET/HEAD.

    Observers are given ``read_only_for=("observer",)`` on staff pages: they see everything and
    change nothing.
    """

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            role = current_user.role
            if role in allowed:
                return view(*args, **kwargs)
            if role in read_only_for and request.method in ("GET", "HEAD"):
                return view(*args, **kwargs)
            if request.method in ("GET", "HEAD") or role not in read_only_for:
                abort(
                    403,
                    _(
                        "This page is not for the %(role)s role: ask a supervisor or an admin.",
                        role=role,
                    ),
                )
            abort(
                403,
                _(
                    "The %(role)s role may look at this page but not change anything on it.",
                    role=role,
                ),
            )

        _mark(wrapper, "roles:" + ",".join(allowed + tuple(f"{r}(read)" for r in read_only_for)))
        return cast(F, wrapper)

    return decorator


def access_of(view: Callable[..., Any]) -> str | None:
    return getattr(view, ACCESS_ATTR, None)


def check_every_route_declares_access(app: Any) -> None:
    missing = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if access_of(app.view_functions[rule.endpoint]) is None and rule.endpoint != "static"
    ]
    if missing:
        raise RuntimeError("routes without an access decorator: " + ", ".join(sorted(missing)))
