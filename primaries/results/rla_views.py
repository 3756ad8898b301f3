"""The public report of a round's risk-limiting audit: the risk limit, the seed, every draw
with the risk after it, each drawn box's reported and hand-counted numbers, the discrepancies and
the conclusion in words; and the contract's JSON (section 8) to download. Read only.

Anyone can recompute the draws and the risk from this page alone: the seed, U and the reported
counts are on it (docs/rla.md says how).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from flask import Response, render_template, url_for
from flask_babel import gettext as _

from ..access import results
from ..core.rla import Batch
from ..core.rla_risk import risk_after_each_draw
from ..elections.lookup import get_election, get_round
from ..errors import NotFound
from ..i18n import text_direction
from ..models import Round
from ..rla.queries import (
    Retrieval,
    State,
    audit_document,
    audit_of,
    retrieval_list,
    risk_text,
    state_of,
)
from .local import local_names
from .pdf import Document, pdf_answer
from .publishing import ensure_published
from .views import bp


def _state(slug: str, number: int) -> tuple[Round, State]:
    round_ = get_round(get_election(slug), number)
    ensure_published(slug, number)  # the report shows the drawn boxes' reported counts
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


@dataclass(frozen=True)
class Report:
    """What the report shows, on the page and in the PDF alike."""

    round: Round
    election_name: str  # in the reader's language, as are the boxes' names
    document: dict[str, Any]
    draws: list[tuple[int, str, str | None]]  # k, box, the risk after the draw
    boxes: list[tuple[Retrieval, Batch, Batch | None]]  # box, reported, hand-counted
    conclusion: str


def _report(slug: str, number: int) -> Report:
    round_, state = _state(slug, number)
    document = audit_document(round_, state)
    risks = risk_after_each_draw(state.plan, [code for _, code in state.draws], state.audited)
    reported = {b.code: b for b in state.plan.batches}
    local = local_names(round_.election)
    return Report(
        round=round_,
        election_name=local.name,
        document=document,
        draws=[
            (k, code, risk_text(risk)) for (k, code), risk in zip(state.draws, risks, strict=True)
        ],
        boxes=[
            (
                replace(r, name=local.branch(r.code, r.name)),
                reported[r.code],
                state.audited.get(r.code),
            )
            for r in retrieval_list(round_, state)
        ],
        conclusion=conclusion(document["status"], document["risk_limit"]),
    )


@bp.get("/elections/<slug>/rounds/<int:number>/audit")
@results
def rla_report(slug: str, number: int) -> str:
    report = _report(slug, number)
    return render_template(
        "results/rla.html",
        round=report.round,
        election_name=report.election_name,
        document=report.document,
        draws=report.draws,
        boxes=report.boxes,
        conclusion=report.conclusion,
    )


def _counts(batch: Batch | None) -> str:
    if batch is None:
        return _("not counted yet")
    votes = "".join(f", {code} {number}" for code, number in batch.votes.items())
    cast, invalid = _("cast"), _("invalid")
    return f"{cast} {batch.ballots_cast}, {invalid} {batch.invalid}{votes}"


@bp.get("/elections/<slug>/rounds/<int:number>/audit.pdf")
@results
def rla_report_pdf(slug: str, number: int) -> Response:
    """The report as a PDF, in the reader's language: to print, sign, publish and keep."""
    report = _report(slug, number)
    return pdf_answer(lambda: _report_pdf(report), f"{slug}-round-{number}-audit.pdf")


def _report_pdf(report: Report) -> bytes:
    document, number = report.document, report.round.number
    pdf = Document(
        title=_("Risk-limiting audit, round %(n)s", n=number), rtl=text_direction() == "rtl"
    )
    pdf.heading(report.election_name)
    pdf.heading(_("Risk-limiting audit of round %(n)s", n=number), level=2)
    pdf.paragraph(report.conclusion, bold=True)
    pdf.facts(
        [
            (_("Risk limit"), f"{document['risk_limit']}%"),
            (_("Seed"), document["seed"]),
            (_("Total error bound U"), document["total_error_bound"] or "—"),
            (
                _("Estimate (draws)"),
                "—" if document["estimate"] is None else str(document["estimate"]),
            ),
            (_("Risk"), document["risk"] or "—"),
        ]
    )
    pdf.heading(_("Draws"), level=2)
    pdf.grid(
        [(_("Draw"), _("Box"), _("Risk after this draw"))]
        + [(str(k), code, risk or "—") for k, code, risk in report.draws],
        widths=(1, 2, 2),
    )
    pdf.heading(_("Drawn boxes: reported and hand-counted"), level=2)
    pdf.table(
        [(_("Box"), _("Name"), _("Times drawn"), _("Reported"), _("Hand count"))]
        + [
            (r.code, r.name, str(r.times), _counts(reported), _counts(audited))
            for r, reported, audited in report.boxes
        ],
        widths=(2, 4, 2, 6, 6),
    )
    pdf.paragraph(_("Discrepancies: %(n)s.", n=len(document["discrepancies"])))
    return pdf.output()


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
