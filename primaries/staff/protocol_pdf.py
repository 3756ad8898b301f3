"""The results protocol of a round as a PDF made on the server, in the reader's language: the
same document as the printable page (``staff/protocol.html``): the certificate, the outcome, the
votes and totals, the committee's signature lines and the annex by branch.

The annex goes on landscape pages, at most :data:`ANNEX_CANDIDATES` candidates to a table (a
ballot of 39 candidates is five tables, each with the branch's code, name and status); for more
than :data:`ANNEX_BRANCHES` branches the PDF points to the round's branch list instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import gettext as _

from ..i18n import date_time, long_date, number, percent_text, text_direction
from ..results.pdf import Document
from ..results.rows import BranchRow
from ..results.words import branch_status_label, outcome_sentence, round_title, status_label
from .paper import Protocol

ANNEX_CANDIDATES = 8
ANNEX_BRANCHES = 1000
"""Above this many branches the PDF leaves the annex out and says where it is: a table cell takes
about 1 ms to set (text shaping and bidi), so 171 branches take 2.5 s, and a national round's
12,926 by 39 candidates would take minutes."""


def _num(value: int | None) -> str:
    return "—" if value is None else number(value)


def _certificate(pdf: Document, protocol: Protocol) -> None:
    cert = protocol.view.certificate
    if cert is None:
        pdf.paragraph(
            _("Not certified: this protocol is a draft, and its numbers may still change."),
            bold=True,
        )
        return
    if cert.result_matches:
        pdf.heading(_("Certificate"), level=2)
    else:
        pdf.heading(_("The result no longer matches its certificate"), level=2)
    facts = [
        (
            _("Certified") if cert.result_matches else _("Certificate issued"),
            date_time(cert.certified_at),
        )
    ]
    if cert.certified_by:
        facts.append((_("By"), cert.certified_by))
    facts.append((_("Result SHA-256"), cert.result_sha256 or "—"))
    if cert.audit_head:
        facts.append((_("Audit chain head"), cert.audit_head))
    if cert.four_eyes is not None:
        facts.append(
            (
                _("Four eyes"),
                _(
                    "On: corrections, annulments and decertifying took effect only when a second "
                    "supervisor approved them."
                )
                if cert.four_eyes
                else _("Off: one supervisor could correct, annul and decertify alone."),
            )
        )
    pdf.facts(facts)


def _annex_rows(
    branches: Sequence[BranchRow], codes: Sequence[str], result: Mapping[str, Any]
) -> list[list[str]]:
    header = [_("Code"), _("Branch"), _("Status"), _("Eligible"), _("Ballots cast"), _("Invalid")]
    rows = [header + list(codes)]
    for row in branches:
        counted = row.counted
        rows.append(
            [
                row.code,
                row.name,
                branch_status_label(row.status),
                number(row.eligible),
                _num(row.ballots_cast if counted else None),
                _num(row.invalid if counted else None),
                *[_num(row.votes.get(code, 0) if counted else None) for code in codes],
            ]
        )
    totals = result["totals"]
    votes = {c["code"]: c["votes"] for c in result["candidates"]}
    rows.append(
        [
            "",
            _("Total of the counted branches"),
            "",
            number(totals["eligible"]),
            number(totals["ballots_cast"]),
            number(totals["invalid"]),
            *[number(votes.get(code, 0)) for code in codes],
        ]
    )
    return rows


def protocol_pdf(protocol: Protocol, *, election_name: str, rules: Mapping[str, Any]) -> bytes:
    view, result = protocol.view, protocol.view.result
    heading = _("Results protocol")
    title = f"{heading} – {round_title(view.number)} – {election_name}"
    pdf = Document(title=title, rtl=text_direction() == "rtl")
    pdf.paragraph(heading)
    pdf.heading(election_name)
    held = view.round.held_on
    pdf.paragraph(
        " · ".join(
            part
            for part in (
                round_title(view.number),
                long_date(held) if held else "",
                status_label(view),
            )
            if part
        )
    )
    _certificate(pdf, protocol)
    pdf.paragraph(outcome_sentence(view, rules), bold=True)
    pdf.heading(_("Votes by candidate"), level=2)
    pdf.table(
        [(_("Rank"), _("Candidate"), _("Votes"), _("Percent"))]
        + [
            (str(c["rank"]), c["name"], number(c["votes"]), percent_text(c["percent"]))
            for c in result["candidates"]
        ],
        widths=(1, 5, 2, 2),
    )
    totals = result["totals"]
    pdf.heading(_("Totals at the branches that reported"), level=2)
    pdf.facts(
        [
            (_("Eligible members at reporting branches"), number(totals["eligible"])),
            (_("Ballots cast"), number(totals["ballots_cast"])),
            (_("Invalid ballots"), number(totals["invalid"])),
            (_("Valid votes"), number(totals["valid"])),
            (_("Turnout"), percent_text(totals["turnout_percent"])),
        ]
    )
    branches = result["branches"]
    pdf.paragraph(
        _(
            "Branches: %(counted)s counted, %(annulled)s annulled, %(pending)s pending, of "
            "%(total)s.",
            counted=number(branches["counted"]),
            annulled=number(branches["annulled"]),
            pending=number(branches["pending"]),
            total=number(branches["total"]),
        )
    )
    pdf.heading(_("The election committee"), level=2)
    pdf.paragraph(
        _("We have checked the numbers above against the count sheets and sign this protocol.")
    )
    pdf.table(
        [(_("Role"), _("Name"), _("Signature"), _("Date"))]
        + [(role, "", "", "") for role in (_("Chair"), _("Member"), _("Member"))],
        widths=(2, 4, 4, 2),
        line_height=10,
    )
    codes = [code for code, _name in protocol.ballot]
    if len(protocol.branches) > ANNEX_BRANCHES:
        pdf.heading(_("Annex: results by branch"), level=2)
        pdf.paragraph(
            _(
                "The results of the %(count)s branches are in the round's branch list "
                "(branches.xlsx or branches.csv on the results site): too many for this document.",
                count=number(len(protocol.branches)),
            )
        )
        return pdf.output()
    for start in range(0, max(len(codes), 1), ANNEX_CANDIDATES):
        pdf.new_page(landscape=True)
        pdf.heading(_("Annex: results by branch"), level=2)
        chunk = codes[start : start + ANNEX_CANDIDATES]
        pdf.grid(
            _annex_rows(protocol.branches, chunk, result),
            widths=(2, 6, 3, 2, 2, 2, *([2] * len(chunk))),
        )
    return pdf.output()
