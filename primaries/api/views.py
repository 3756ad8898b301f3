"""``/api/v1``: the public JSON API (CONTRACT section 7). Every answer is read-only: the
documents come from :mod:`primaries.results.documents`, cached per data version.

Every answer carries a strong ETag derived from the data versions it depends on and honours
``If-None-Match`` with 304 (see :mod:`primaries.results.etags`); results are cached per data
version, so polling clients cost two small queries while nothing changes. When
``RESULTS_PUBLIC`` is off, an anonymous request gets 401 with a JSON body (not a redirect to the
sign-in page).

Every answer, 304s included, names the audit chain's head in its ``Audit-Chain-Head`` header
(``N:HASH``, read per request, never cached with the answer: see
:mod:`primaries.results.audit_head`); ``/api/v1/audit`` gives the head and the public keys.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from flask import Blueprint, jsonify
from werkzeug.wrappers import Response

from ..access import results
from ..elections.lookup import get_election, get_round
from ..errors import NotFound
from ..extensions import db, login_manager
from ..models import Round
from ..results.audit_head import keys_document, noted_head, put_head_in_header
from ..results.branches_json import branches_json
from ..results.cache import cached
from ..results.documents import election_detail, elections_summary, result_of
from ..results.etags import api_etag, conditional
from ..results.versions import (
    RoundState,
    all_final,
    election_versions,
    round_state,
    site_final,
    site_versions,
)
from ..results.words import not_published
from .openapi import openapi_document

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.after_request(put_head_in_header)  # every answer names the audit chain's head


@bp.record_once
def _json_401(state: Any) -> None:
    # Flask-Login answers 401 (rendered as JSON under /api/) instead of redirecting API clients.
    login_manager.blueprint_login_views["api"] = None


@bp.errorhandler(NotFound)
def not_found(exc: NotFound) -> tuple[Response, int]:
    return jsonify({"error": str(exc)}), 404


def _state(slug: str, number: int) -> RoundState:
    """The round's id, data version and finality in one query; NotFound as the lookups word it."""
    state = round_state(slug, number)
    if state is None:
        get_round(get_election(slug), number)  # raises NotFound with the usual message
        raise NotFound(f"election {slug!r} has no round {number}")  # pragma: no cover - a race
    if not state.published:
        raise NotFound(not_published(number, state.publish))
    return state


def _round_answer(kind: str, slug: str, number: int, body: Callable[[Round], bytes]) -> Response:
    """A round's answer: 304 or the serialised JSON (``body``) kept per (kind, round, version).

    While nothing changes this costs one query (the round's version) and no serialisation.
    """
    state = _state(slug, number)
    key = (kind, state.round_id, state.data_version)

    def render() -> Response:
        def serialise() -> bytes:
            round_ = db.session.get(Round, state.round_id)
            assert round_ is not None
            return body(round_)

        return Response(cached(("json", *key), serialise), mimetype="application/json")

    return conditional(api_etag(kind, key[1:]), render, final=state.final, page=False)


@bp.get("/elections")
@results
def elections() -> Response:
    versions = site_versions()
    return conditional(
        api_etag("elections", versions),
        lambda: jsonify({"elections": elections_summary()}),
        final=site_final(versions),
        page=False,
    )


@bp.get("/elections/<slug>")
@results
def election(slug: str) -> Response:
    election = get_election(slug)
    versions = election_versions(election)
    return conditional(
        api_etag(f"election:{election.id}", versions),
        lambda: jsonify(election_detail(election)),
        final=all_final(versions),
        page=False,
    )


@bp.get("/elections/<slug>/rounds/<int:number>")
@results
def round_result_view(slug: str, number: int) -> Response:
    return _round_answer(
        "result", slug, number, lambda round_: bytes(jsonify(result_of(round_)).get_data())
    )


@bp.get("/elections/<slug>/rounds/<int:number>/branches")
@results
def round_branches_view(slug: str, number: int) -> Response:
    return _round_answer(
        "branches", slug, number, lambda round_: branches_json(round_, slug, number)
    )


@bp.get("/audit")
@results
def audit() -> Response:
    """The audit chain's head and the public keys that verify it."""
    return conditional(
        api_etag("audit", str(noted_head())),
        lambda: jsonify(keys_document()),
        final=False,
        page=False,
    )


@bp.get("/openapi.json")
@results
def openapi() -> Response:
    document = openapi_document()
    etag = hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()[:24]
    return conditional(etag, lambda: jsonify(document), final=True, page=False)
