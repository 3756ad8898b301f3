"""``/api/v1``: the public JSON API. Every answer is read-only and computed by the services."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from werkzeug.wrappers import Response

from ..access import results
from ..elections.lookup import get_election, get_round
from ..errors import NotFound
from ..results.queries import election_detail, elections_summary, round_branches
from ..tally import round_result
from .openapi import openapi_document

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.errorhandler(NotFound)
def not_found(exc: NotFound) -> tuple[Response, int]:
    return jsonify({"error": str(exc)}), 404


@bp.get("/elections")
@results
def elections() -> dict[str, Any]:
    return {"elections": elections_summary()}


@bp.get("/elections/<slug>")
@results
def election(slug: str) -> dict[str, Any]:
    return election_detail(get_election(slug))


@bp.get("/elections/<slug>/rounds/<int:number>")
@results
def round_result_view(slug: str, number: int) -> dict[str, Any]:
    return round_result(get_round(get_election(slug), number))


@bp.get("/elections/<slug>/rounds/<int:number>/branches")
@results
def round_branches_view(slug: str, number: int) -> dict[str, Any]:
    round_ = get_round(get_election(slug), number)
    return {"election": slug, "round": number, "branches": round_branches(round_)}


@bp.get("/openapi.json")
@results
def openapi() -> dict[str, Any]:
    return openapi_document()
