"""A round's papers, printed from the browser on A4 (``static/paper.css``):

- the blank count sheets, every branch's on its own page in one print job (``?region=`` prints
  one region's; above :data:`PAPER_BATCH` sheets, in parts), or one branch's; each with its
  entry link as a QR code and its check code;
- the results protocol: the certificate, totals and outcome, a per-branch annex, signatures;
  also as a PDF made on the server (:mod:`.protocol_pdf`).

Supervisors and admins print them; observers may see them too. What they show comes from
:mod:`.paper` (the read side's results; nothing is computed in the views).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ..access import roles
from ..core.limits import page_count, page_number
from ..core.paper import sheet_link
from ..errors import NotFound
from ..results.local import local_names
from ..results.pdf import pdf_answer
from ..tally import rules_dict
from .blueprint import COUNT, READ, bp, round_or_404
from .paper import candidates, paper_sheets, protocol_of, round_branches, the_branch
from .protocol_pdf import protocol_pdf
from .queries import regions

PAPER_BATCH = 500
"""Sheets in one print job at most (a QR code takes some 8 ms to make: 500 sheets, 4 s); a
national round's 12,926 sheets print in parts (``?part=``), or by region."""


@bp.get("/elections/<slug>/rounds/<int:number>/paper")
@roles(*COUNT, read_only_for=READ)
def paper(slug: str, number: int) -> str:
    """Every branch's blank count sheet of the round (or of one region), one per page."""
    round_ = round_or_404(slug, number)
    region = request.args.get("region") or None
    known = regions(round_.election)
    if region is not None and region not in known:
        abort(404, f"election {slug!r} has no region {region!r}")
    branches = round_branches(round_, region)
    parts = page_count(len(branches), PAPER_BATCH)
    part = page_number(request.args.get("part"))
    if part > parts:
        abort(404, f"there are only {parts} parts")
    batch = branches[(part - 1) * PAPER_BATCH : part * PAPER_BATCH]
    return render_template(
        "staff/paper.html",
        round=round_,
        election=round_.election,
        ballot=candidates(round_),
        sheets=paper_sheets(round_, batch),
        region=region,
        regions=known,
        part=part,
        parts=parts,
    )


@bp.get("/elections/<slug>/rounds/<int:number>/paper/<branch>")
@roles(*COUNT, read_only_for=READ)
def paper_sheet(slug: str, number: int, branch: str) -> str:
    """One branch's blank count sheet of the round."""
    round_ = round_or_404(slug, number)
    try:
        row = the_branch(round_, branch)
    except NotFound as exc:
        abort(404, exc.problems[0])
    return render_template(
        "staff/paper.html",
        round=round_,
        election=round_.election,
        ballot=candidates(round_),
        sheets=paper_sheets(round_, [row]),
        region=None,
        regions=[],
        part=1,
        parts=1,
    )


@bp.get("/elections/<slug>/rounds/<int:number>/protocol")
@roles(*COUNT, read_only_for=READ)
def protocol(slug: str, number: int) -> str:
    """The round's results protocol: certificate, totals, outcome, per-branch annex, signatures."""
    round_ = round_or_404(slug, number)
    return render_template(
        "staff/protocol.html",
        round=round_,
        election=round_.election,
        protocol=protocol_of(round_),
        rules=rules_dict(round_.election),
    )


@bp.get("/elections/<slug>/rounds/<int:number>/protocol.pdf")
@roles(*COUNT, read_only_for=READ)
def protocol_pdf_view(slug: str, number: int) -> Response:
    """The results protocol as a PDF, in the reader's language: to print, sign and keep."""
    round_ = round_or_404(slug, number)
    return pdf_answer(
        lambda: protocol_pdf(
            protocol_of(round_),
            election_name=local_names(round_.election).name,
            rules=rules_dict(round_.election),
        ),
        f"{slug}-round-{number}-protocol.pdf",
    )


def scanned_sheet(text: str, slug: str, number: int) -> Response | None:
    """The sheet chooser's answer to a scanned QR code (the scanner types the sheet's link):
    that sheet's entry form, whichever round it is of (with a warning if not the chooser's);
    None if ``text`` is not a sheet's link."""
    link = sheet_link(text)
    if link is None:
        return None
    if (link.slug, link.number) != (slug, number):
        flash(
            _(
                "This sheet is of round %(number)s of %(election)s.",
                number=link.number,
                election=link.slug,
            ),
            "error",
        )
    return redirect(url_for("staff.sheet", slug=link.slug, number=link.number, branch=link.branch))
