"""What the printed papers of a round show: the blank count sheets and the results protocol.

A blank sheet (:class:`PaperSheet`) is one branch in one round: its facts, the round's ballot in
ballot order, the sheet's absolute entry link as a QR code (SVG, made here on the server) and its
check code (:func:`primaries.core.paper.check_code`). The protocol (:class:`Protocol`) is the
round's result, certificate and per-branch annex as the read side has them
(:mod:`primaries.results`): nothing is computed here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import segno
from flask import url_for
from markupsafe import Markup

from ..core.paper import check_code
from ..elections.lookup import get_branch
from ..errors import NotFound
from ..models import Round
from ..results.overview import RoundView, round_views
from ..results.rows import BranchRow, ballot, branch_row, branch_rows


def sheet_url(slug: str, number: int, branch: str) -> str:
    """The sheet's absolute entry link (CONTRACT section 7), as printed."""
    return url_for("staff.sheet", slug=slug, number=number, branch=branch, _external=True)


def qr_code(text: str) -> segno.QRCode:
    """The QR code of ``text`` (error correction M, or better if it fits the same size)."""
    return segno.make_qr(text, error="m", boost_error=True)


def qr_svg(text: str) -> Markup:
    """The QR code of ``text`` as an inline SVG element (no style attributes: the page's CSP)."""
    svg = qr_code(text).svg_inline(scale=3, border=2, dark="#000", light="#fff", omitsize=True)
    # segno's own markup: ``text`` is only in the drawn modules, never in the markup itself.
    return Markup(svg)  # noqa: S704


@dataclass(frozen=True)
class PaperSheet:
    branch: BranchRow
    link: str
    check: str
    qr: Markup


def paper_sheets(round_: Round, branches: Sequence[BranchRow]) -> list[PaperSheet]:
    slug, number = round_.election.slug, round_.number
    out = []
    for row in branches:
        link = sheet_url(slug, number, row.code)
        out.append(PaperSheet(row, link, check_code(slug, number, row.code), qr_svg(link)))
    return out


def round_branches(round_: Round, region: str | None = None) -> list[BranchRow]:
    """The round's branches by code (of one region if given), as the read side has them."""
    rows = branch_rows(round_)
    return [row for row in rows if region is None or row.region == region]


def the_branch(round_: Round, code: str) -> BranchRow:
    """The branch with this code in the round, or NotFound naming it."""
    row = branch_row(round_, get_branch(round_.election, code).code)
    if row is None:  # pragma: no cover - get_branch found it
        raise NotFound(f"election {round_.election.slug!r} has no branch {code!r}")
    return row


def candidates(round_: Round) -> list[tuple[str, str]]:
    """The round's ballot in ballot order: (code, name)."""
    return ballot(round_)


@dataclass(frozen=True)
class Protocol:
    view: RoundView
    branches: list[BranchRow]
    ballot: list[tuple[str, str]]


def protocol_of(round_: Round) -> Protocol:
    view = next(v for v in round_views(round_.election) if v.number == round_.number)
    return Protocol(view, branch_rows(round_), ballot(round_))
