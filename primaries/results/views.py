"""Pages for members and the press: the elections, an election, a round's result."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from ..access import results
from ..core.words import describe_outcome
from ..elections.lookup import get_election, get_round
from ..elections.rounds import current_certificate
from ..elections.services import rules_dict
from ..errors import NotFound
from ..tally import round_result

bp = Blueprint("results", __name__)


@bp.errorhandler(NotFound)
def not_found(exc: NotFound) -> tuple[str, int]:
    return render_template("error.html", title="Not found", message=str(exc)), 404


@bp.get("/")
@results
def index() -> str:
    from .queries import elections_summary

    return render_template("results/index.html", elections=elections_summary())


@bp.get("/elections/<slug>")
@results
def election(slug: str) -> str:
    election = get_election(slug)
    rounds = [(r, round_result(r), current_certificate(r)) for r in election.rounds]
    threshold = rules_dict(election)["threshold_percent"]
    return render_template(
        "results/election.html",
        election=election,
        rounds=rounds,
        describe=lambda result: describe_outcome(result, threshold),
    )


@bp.get("/elections/<slug>/rounds/<int:number>")
@results
def round_page(slug: str, number: int) -> str:
    election = get_election(slug)
    round_ = get_round(election, number)
    if round_ is None:
        abort(404)
    result = round_result(round_)
    threshold = rules_dict(election)["threshold_percent"]
    return render_template(
        "results/round.html",
        election=election,
        round=round_,
        result=result,
        certificate=current_certificate(round_),
        outcome_text=describe_outcome(result, threshold),
    )
