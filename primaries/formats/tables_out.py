"""Tables written for people to take away: CSV that Excel opens right, and Excel workbooks.

A CSV download is UTF-8 with a byte-order mark (without one, Excel on Windows reads Hebrew and
Arabic as Windows-1252 and garbles them) and CRLF line ends; a text cell that a spreadsheet would
run as a formula gets a leading apostrophe (:func:`primaries.core.text.spreadsheet_cell`). The
same table as a workbook (``.xlsx``, openpyxl) keeps every text cell as text, whatever its first
character, and every number as a number; Hebrew and Arabic are kept as they are (the workbook is
XML in UTF-8), and a sheet of a right-to-left language is shown right to left. A text longer than
a cell of Excel holds is cut, and says so.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from ..core.text import spreadsheet_cell

Cell = str | int | None

UTF8_BOM = "\ufeff"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_CELL = 32_767
"""The most characters a cell of Excel holds."""


def csv_text(rows: Iterable[Sequence[Cell]]) -> str:
    """The rows as CSV text, beginning with the byte-order mark; ``None`` is an empty cell."""
    out = io.StringIO()
    out.write(UTF8_BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow(
            [
                "" if cell is None else spreadsheet_cell(cell) if isinstance(cell, str) else cell
                for cell in row
            ]
        )
    return out.getvalue()


def xlsx_bytes(
    rows: Iterable[Sequence[Cell]], *, title: str = "Sheet1", right_to_left: bool = False
) -> bytes:
    """The rows as an Excel workbook of one worksheet, the first row bold (the header)."""
    import openpyxl
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = _sheet_title(title)
    sheet.sheet_view.rightToLeft = right_to_left
    bold = Font(bold=True)
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row, start=1):
            if value is None:
                continue
            cell = sheet.cell(row=number, column=column)
            if isinstance(value, str):
                cell.value = _fits(ILLEGAL_CHARACTERS_RE.sub("", value))
                cell.data_type = "s"  # never a formula, even when it starts with "="
            else:
                cell.value = value
            if number == 1:
                cell.font = bold
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _fits(text: str) -> str:
    """``text``, cut to what a cell of Excel holds (32,767 characters), saying so when cut."""
    if len(text) <= MAX_CELL:
        return text
    note = f" … ({len(text) - MAX_CELL + 80} more characters: the CSV has them all)"
    return text[: MAX_CELL - 80] + note


def _sheet_title(title: str) -> str:
    """A worksheet's title: at most 31 characters, none of ``[]:*?/\\``."""
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in title).strip()
    return cleaned[:31] or "Sheet1"
