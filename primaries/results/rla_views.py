"""The public report of a round's risk-limiting audit: the risk limit, the seed, every draw
with the risk after it, each drawn box's reported and hand-counted numbers, the discrepancies and
the conclusion in words; and the contract's JSON (section 8) to download. Read only.

Anyone can recompute the draws and the risk from this page alone: the seed, U and the reported
counts are on it (docs/rla.md says how).
"""

from __future__ import annotations

import json

from flask import Response, render_template, url_for
from flask_babel import gettext as _

from ..access import results
from ..core.rla_risk import risk_after_each_draw
from ..elections.lookup import get_election, get_round
from ..errors import NotFound
from ..models import Round
from ..rla.queries import (
    State,
    audit_document,
    audit_of,
    retrieval_list,
    risk_text,
    state_of,
)
from .views import bp


def _state(slug: str, number: int) -> tuple[Round, State]:
    round_ = get_round(get_election(slug), number)
    audit = audit_of(round_)
    if audit is None:
        raise NotFound(_("Round %(number)s has no risk-limiting audit.", number=number))
    return round_, state_of(round_, audit)


def conclusion(status: str, limit: str) -> str:
    """The audit's conclusion in words."""
    if status == "confirmed":
        return _("The outcome is confirmed by a risk-limiting audit at %(limit)s%%.", limit=limit)
    if status == "escalate":
        return _(
            "The risk is still above %(limit)s%%: more boxes must be drawn, or all counted.",
            limit=limit,
        )
    if status == "full_hand_count":
        return _("The outcome cannot be confirmed by sampling: every box must be counted by hand.")
    return _("The audit is in progress: drawn boxes are being counted by hand.")


@bp.app_template_global("rla_line")
def rla_line(round_: Round) -> dict[str, str] | None:
    """The line on the round's results page about its audit (text and link), or None."""
    audit = audit_of(round_)
    if audit is None:
        return None
    url = url_for("results.rla_report", slug=round_.election.slug, number=round_.number)
    return {"text": conclusion(audit.status, audit.risk_limit), "url": url}


@bp.get("/elections/<slug>/rounds/<int:number>/audit")
@results
def rla_report(slug: str, number: int) -> str:
    round_, state = _state(slug, number)
    document = audit_document(round_, state)
    risks = risk_after_each_draw(state.plan, [code for _, code in state.draws], state.audited)
    reported = {b.code: b for b in state.plan.batches}
    boxes = [
        (r, reported[r.code], state.audited.get(r.code)) for r in retrieval_list(round_, state)
    ]
    return render_template(
        "results/rla.html",
        round=round_,
        document=document,
        draws=[
            (k, code, risk_text(risk)) for (k, code), risk in zip(state.draws, risks, strict=True)
        ],
        boxes=boxes,
        conclusion=conclusion(document["status"], document["risk_limit"]),
    )


@bp.get("/elections/<slug>/rounds/<int:number>/audit.json")
@results
def rla_report_json(slug: str, number: int) -> Response:
    round_, state = _state(slug, number)
    body = json.dumps(audit_document(round_, state), ensure_ascii=False, indent=2)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{slug}-round-{number}-audit.json"'
    )
    return response
