"""HTTP caching of the public answers: ETags from data versions, 304s, Cache-Control.

An answer's ETag is a digest of what it is made of: the data versions of the rounds it shows
(bumped by every change, see ``Round.data_version``), the address (for pages in its normal form:
the arguments the page reads, normalised), and for pages the reader's locale, who is signed in
and the build of the templates and code. So
``If-None-Match`` is answered with 304 after two small queries (the election and its rounds'
versions), before anything is summed or rendered.

``Cache-Control``: ``public, max-age=RESULTS_MAX_AGE_LIVE`` (10 s) while a round shown is still
counting, ``public, max-age=RESULTS_MAX_AGE_FINAL`` (an hour) once every round shown is final
(certified or followed by a later round); ``private, no-cache`` for signed-in staff (the page
carries their name) and when ``RESULTS_PUBLIC`` is off. Pages vary by ``Accept-Language`` and
``Cookie`` (the language switch); API answers vary by nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable, Mapping
from pathlib import Path
from urllib.parse import urlencode

from flask import current_app, make_response, request, session
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.wrappers import Response

from .. import ROOT
from ..i18n import CANONICAL_ARGS

BUILD_KEY = "primaries.results_build"
LIVE_MAX_AGE = 10
FINAL_MAX_AGE = 3600
_BUILD_SOURCES = (
    "templates",
    "static",
    "primaries/translations",
    "primaries/results",
    "primaries/i18n.py",
    "primaries/cli_words.py",
)


def build_token() -> str:
    """A digest of the templates, static files, catalogues and page code of this installation.

    Computed once per process; identical on every app server running the same code, so their
    ETags agree, and different after a deployment that changes how pages look.
    """
    token = current_app.extensions.get(BUILD_KEY)
    if token is None:
        digest = hashlib.sha256()
        for source in _BUILD_SOURCES:
            base = ROOT / source
            files = sorted(base.rglob("*")) if base.is_dir() else [base]
            for path in files:
                if path.is_file() and "__pycache__" not in path.parts:
                    digest.update(str(path.relative_to(ROOT)).encode())
                    digest.update(_read(path))
        token = digest.hexdigest()[:16]
        current_app.extensions[BUILD_KEY] = token
    return str(token)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:  # pragma: no cover - a file vanished while hashing
        return b""


def _shared() -> bool:
    """May caches between the server and the reader keep this answer for others?"""
    return bool(current_app.config.get("RESULTS_PUBLIC", True))


def shareable_page() -> bool:
    """May this request's page be served from (and kept in) the in-process page cache?

    Only for anonymous readers (a signed-in reader's page carries their name and a CSRF token)
    with nothing flashed for them. The page's ETag names everything else its bytes depend on:
    data versions, build, locale, and the address in its normal form (:func:`page_etag`).
    """
    return not current_user.is_authenticated and "_flashes" not in session


def page_etag(state: Hashable, params: Mapping[str, str] | None = None) -> str:
    """The (weak) ETag of a page: of ``state`` (data versions) and the address in normal form.

    The normal form is the path with ``params``, the arguments the page reads, already in their
    normal form (``lang`` is in the locale; any other argument is ignored). Pages are rendered
    from it alone: the language switch's links carry ``params`` (:func:`primaries.i18n.switch_url`),
    so ``?q=Tel%20Aviv&x=1`` and ``?q=tel+aviv`` are one page, kept once.
    """
    request.environ[CANONICAL_ARGS] = list((params or {}).items())
    address = request.path + ("?" + urlencode(params) if params else "")
    user = current_user.get_id() if current_user.is_authenticated else "-"
    raw = repr(("page", build_token(), str(get_locale()), user, address, state)).encode()
    return hashlib.sha256(raw).hexdigest()[:24]


def api_etag(kind: str, state: Hashable) -> str:
    """The (strong) ETag of an API answer; pages embed it to start polling from."""
    raw = repr(("api/v1", kind, state)).encode()
    return hashlib.sha256(raw).hexdigest()[:24]


def _headers(response: Response, etag: str, *, weak: bool, final: bool, page: bool) -> Response:
    response.set_etag(etag, weak=weak)
    private = not _shared() or (page and current_user.is_authenticated)
    if private:
        response.cache_control.private = True
        response.cache_control.no_cache = True
    else:
        response.cache_control.public = True
        response.cache_control.max_age = int(
            current_app.config.get("RESULTS_MAX_AGE_FINAL", FINAL_MAX_AGE)
            if final
            else current_app.config.get("RESULTS_MAX_AGE_LIVE", LIVE_MAX_AGE)
        )
    if page:
        response.vary.update(("Accept-Language", "Cookie"))
    return response


def conditional(
    etag: str,
    render: Callable[[], ResponseReturnValue],
    *,
    final: bool,
    page: bool,
) -> Response:
    """304 if the reader already has ``etag``; otherwise ``render()`` with the caching headers.

    Pages get weak ETags (the same data may render to different bytes, e.g. a form token);
    API answers strong ones. ``If-None-Match`` compares weakly either way (RFC 9110).
    """
    if request.if_none_match.contains_weak(etag) or (
        request.if_none_match.star_tag and request.method in ("GET", "HEAD")
    ):
        response = Response(status=304)
        return _headers(response, etag, weak=page, final=final, page=page)
    response = make_response(render())
    if response.status_code != 200:
        return response
    return _headers(response, etag, weak=page, final=final, page=page)
