"""``/api/v1``: the public JSON API. Every answer is read-only and computed by the services.

Every answer carries a strong ETag derived from the data versions it depends on and honours
``If-None-Match`` with 304 (see :mod:`primaries.results.http`); results are cached per data
version, so polling clients cost two small queries while nothing changes. When
``RESULTS_PUBLIC`` is off, an anonymous request gets 401 with a JSON body (not a redirect to the
sign-in page).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import Blueprint, jsonify
from werkzeug.wrappers import Response

from ..access import results
from ..elections.lookup import get_election, get_round
from ..errors import NotFound
from ..extensions import login_manager
from ..results.http import api_etag, conditional
from ..results.queries import (
    branches_of,
    election_detail,
    election_versions,
    elections_summary,
    result_of,
    site_versions,
)
from .openapi import openapi_document

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.record_once
def _json_401(state: Any) -> None:
    # Flask-Login answers 401 (rendered as JSON under /api/) instead of redirecting API clients.
    login_manager.blueprint_login_views["api"] = None  # type: ignore[assignment]


@bp.errorhandler(NotFound)
def not_found(exc: NotFound) -> tuple[Response, int]:
    return jsonify({"error": str(exc)}), 404


def _final_round(versions: Any, number: int) -> bool:
    last = versions[-1].number if versions else 0
    return any(
        v.number == number and (v.status == "certified" or v.number < last) for v in versions
    )


@bp.get("/elections")
@results
def elections() -> Response:
    versions = site_versions()
    final = all(status == "certified" for _, round_id, _, status in versions if round_id)
    return conditional(
        api_etag("elections", versions),
        lambda: jsonify({"elections": elections_summary()}),
        final=final,
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
        final=all(v.status == "certified" or v is not versions[-1] for v in versions),
        page=False,
    )


@bp.get("/elections/<slug>/rounds/<int:number>")
@results
def round_result_view(slug: str, number: int) -> Response:
    election = get_election(slug)
    round_ = get_round(election, number)
    versions = election_versions(election)
    return conditional(
        api_etag("result", (round_.id, int(round_.data_version))),
        lambda: jsonify(result_of(round_)),
        final=_final_round(versions, number),
        page=False,
    )


@bp.get("/elections/<slug>/rounds/<int:number>/branches")
@results
def round_branches_view(slug: str, number: int) -> Response:
    election = get_election(slug)
    round_ = get_round(election, number)
    versions = election_versions(election)
    return conditional(
        api_etag("branches", (round_.id, int(round_.data_version))),
        lambda: jsonify({"election": slug, "round": number, "branches": branches_of(round_)}),
        final=_final_round(versions, number),
        page=False,
    )


@bp.get("/openapi.json")
@results
def openapi() -> Response:
    document = openapi_document()
    etag = hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()[:24]
    return conditional(etag, lambda: jsonify(document), final=True, page=False)
