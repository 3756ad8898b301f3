"""The public tables as Excel workbooks (``.xlsx``): the same rows as the CSV downloads, with
Hebrew and Arabic intact and the sheet right to left in a right-to-left language.

Served like the other downloads (:func:`.views._download_page`: the same in every language,
API-style caching); the sheet is right to left when the election's name is written in Hebrew or
Arabic letters.
"""

from __future__ import annotations

from werkzeug.wrappers import Response

from ..access import results
from ..formats.tables_out import XLSX_MIMETYPE
from .downloads import branches_xlsx
from .views import _download, _download_page, _round_view, bp


@bp.get("/elections/<slug>/rounds/<int:number>/branches.xlsx")
@results
def branches_xlsx_download(slug: str, number: int) -> Response:
    def render() -> Response:
        overview, view = _round_view(slug, number)
        right_to_left = _right_to_left(overview.election.name)
        return _download(
            branches_xlsx(view, right_to_left=right_to_left),
            XLSX_MIMETYPE,
            f"{slug}-round-{number}-branches.xlsx",
        )

    return _download_page(slug, number, render)


def _right_to_left(text: str) -> bool:
    """Whether ``text`` is mostly in a right-to-left script (Hebrew, Arabic, Syriac, Thaana)."""
    letters = [ch for ch in text if ch.isalpha()]
    rtl = sum(1 for ch in letters if "\u0590" <= ch <= "\u08ff")
    return bool(letters) and rtl * 2 > len(letters)
