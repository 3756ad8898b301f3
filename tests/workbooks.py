"""Excel workbooks made in tests, as a committee's files would be (openpyxl)."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet


def xlsx(rows: list[list[Any]], **options: Any) -> bytes:
    """A workbook whose first worksheet holds ``rows`` (from A1). Options: ``hidden_row`` (a
    row number), ``hidden_column`` (a letter), ``merge`` (a range), ``second_sheet_first`` (a
    second worksheet, the active one)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    for row in rows:
        sheet.append(row)
    if options.get("hidden_row"):
        sheet.row_dimensions[options["hidden_row"]].hidden = True
    if options.get("hidden_column"):
        sheet.column_dimensions[options["hidden_column"]].hidden = True
    if options.get("merge"):
        sheet.merge_cells(options["merge"])
    if options.get("second_sheet_first"):
        other = workbook.create_sheet("other")
        other.append(["nothing", "here"])
        workbook.active = 1
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def rows_of(raw: bytes) -> list[list[Any]]:
    """The values of the first worksheet of a workbook, row by row, without empty cells at the
    end of a row."""
    workbook = openpyxl.load_workbook(io.BytesIO(raw))
    sheet = workbook.worksheets[0]
    assert isinstance(sheet, Worksheet)
    rows = []
    for values in sheet.iter_rows(values_only=True):
        row = list(values)
        while row and row[-1] is None:
            row.pop()
        rows.append(row)
    return rows
