"""A committee's spreadsheet file as lines of text cells (CONTRACT section 6, from version 1.1).

:func:`read_table` takes the bytes of a file and gives its lines, each with its number (the
physical line of a CSV file, the row of a workbook, 1-based) and its cells as text; what a line
means is :mod:`.csvfiles`'s to say. The kind of file is found from its content, never its name
(standard input has none):

- an Excel workbook (``.xlsx``, a ZIP archive: it starts with ``PK\\x03\\x04``): its first
  worksheet. A whole number is read as such (``12.0`` is ``12``); any other number keeps its
  digits (``12.5``), so that the reader of numbers refuses it. A formula, merged cells, a hidden
  row or column are refused, naming the cell: what is printed on the screen is not what is read.
- CSV text in UTF-8 (a byte-order mark allowed), UTF-16 with its byte-order mark, or
  Windows-1255 (what is not UTF-8 is read as Windows-1255); the separator is a comma, a
  semicolon or a tab, whichever of them splits the first line that is not blank into the most
  known column names (then into the most cells; a comma when nothing tells).

An old Excel workbook (``.xls``) or a password-protected one (both OLE files), or any other binary
file, is refused with what it seems to be.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import warnings
import zipfile
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from ..core.words import N_, Said, about, on_line
from .encoding import quote
from .problems import FormatError

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
DELIMITERS = (",", ";", "\t")
MAX_UNPACKED = 200_000_000
"""A workbook whose parts unpack to more bytes than this is refused (a ZIP bomb)."""
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}


@dataclass(slots=True)
class Line:
    """A line of a file that is not blank: its number and its cells (as written, untrimmed)."""

    number: int
    cells: list[str]
    problems: list[str] = field(default_factory=list)
    """Why the whole line cannot be trusted (a hidden row, merged cells), one message each."""
    cell_problems: dict[int, str] = field(default_factory=dict)
    """Cell index (0-based) -> why that cell cannot be read (a formula)."""


@dataclass
class Table:
    lines: list[Line]
    kind: str
    """``xlsx`` or ``csv``."""
    stopped: str | None = None
    """The problem that stopped the reading before the end of the file (broken quoting)."""


def is_blank(cells: list[str]) -> bool:
    return not any(cell.strip() for cell in cells)


def read_table(raw: bytes | str, header_words: Collection[str] = ()) -> Table:
    """The lines of a workbook or CSV file that are not blank. ``header_words`` are the column
    names the header may hold (they tell the CSV separator). Raises :class:`FormatError` when
    the file cannot be read at all."""
    if isinstance(raw, bytes) and raw.startswith(XLSX_MAGIC):
        return _read_xlsx(raw)
    if isinstance(raw, bytes) and raw.startswith(OLE_MAGIC):
        raise FormatError(
            [
                "the file is an old Excel workbook (.xls) or a password-protected one: save it "
                "as an Excel workbook (.xlsx) without a password, or as CSV"
            ]
        )
    return _read_csv(decode_text(raw), header_words)


# --------------------------------------------------------------------------- CSV


def decode_text(raw: bytes | str) -> str:
    """The text of a CSV file: UTF-16 with its byte-order mark, UTF-8 (with or without one), or
    else Windows-1255. Raises :class:`FormatError` for a file that is none of them."""
    if isinstance(raw, str):
        return raw.removeprefix("\ufeff")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError as error:
            not_utf16 = N_(
                "the file starts as UTF-16 text but is not: bytes at offset %(offset)s are not "
                "UTF-16"
            )
            raise FormatError([Said(not_utf16, offset=error.start)]) from None
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = raw.decode("cp1255")
            except UnicodeDecodeError as error:
                byte = raw[error.start]
                not_text = N_(
                    "the file is not text in UTF-8, UTF-16 or Windows-1255: byte %(byte)s at "
                    "offset %(offset)s is none of them (is it a CSV file?); save it as CSV in "
                    "UTF-8"
                )
                said = Said(not_text, byte=f"0x{byte:02X}", offset=error.start)
                raise FormatError([said]) from None
    if "\x00" in text:
        offset = text.index("\x00")
        nul = N_(
            "the file is not text: it has a NUL character at offset %(offset)s (is it UTF-16 "
            "without its byte-order mark, or not a CSV file?); save it as CSV in UTF-8"
        )
        raise FormatError([Said(nul, offset=offset)])
    return text


def detect_delimiter(text: str, header_words: Collection[str] = ()) -> str:
    """The separator of a CSV text, from its first line that is not blank."""
    words = {word.strip() for word in header_words}
    for physical in text.splitlines():
        if not physical.strip(" \t,;"):
            continue
        best, best_score = ",", (-1, -1)
        for delimiter in DELIMITERS:
            try:
                fields = next(csv.reader([physical], delimiter=delimiter))
            except (csv.Error, StopIteration):
                continue
            cells = [cell.strip() for cell in fields]
            score = (sum(cell in words for cell in cells), sum(1 for cell in cells if cell))
            if score > best_score:
                best, best_score = delimiter, score
        return best
    return ","


def _read_csv(text: str, header_words: Collection[str]) -> Table:
    delimiter = detect_delimiter(text, header_words)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    lines: list[Line] = []
    stopped = None
    last_line = 0
    try:
        for fields in reader:
            number = last_line + 1
            last_line = reader.line_num
            if not is_blank(fields):
                lines.append(Line(number, fields))
    except csv.Error as error:
        hint = " (a quote left open?)" if "end of data" in str(error) else ""
        kind = "" if delimiter == "," else f" ({_DELIMITER_NAMES[delimiter]}-separated)"
        malformed = N_("the CSV%(kind)s is malformed: %(error)s%(hint)s")
        said = Said(malformed, kind=kind, error=str(error), hint=hint)
        stopped = about(on_line(reader.line_num), said)
    return Table(lines, "csv", stopped)


# --------------------------------------------------------------------------- Excel


def _read_xlsx(raw: bytes) -> Table:
    import openpyxl
    from openpyxl.utils import get_column_letter

    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
            if "mimetype" in archive.namelist() and b"opendocument" in archive.read("mimetype"):
                ods = N_(
                    "the file is an OpenDocument spreadsheet (.ods): save it as an Excel "
                    "workbook (.xlsx) or as CSV"
                )
                raise FormatError([Said(ods)])
        if unpacked > MAX_UNPACKED:
            big = N_(
                "the workbook unpacks to %(size)s bytes, more than the %(max)s read: is it the "
                "right file?"
            )
            raise FormatError([Said(big, size=unpacked, max=MAX_UNPACKED)])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns of styles and extensions it skips
            workbook = openpyxl.load_workbook(io.BytesIO(raw), data_only=False)
    except FormatError:
        raise
    except Exception as error:  # a broken archive or workbook fails in many ways, all refused
        reason = str(error) or type(error).__name__
        zipped = N_(
            "the file is a ZIP archive but not an Excel workbook (.xlsx) that can be read: "
            "%(reason)s"
        )
        raise FormatError([Said(zipped, reason=reason)]) from None
    if not workbook.worksheets:
        raise FormatError([Said(N_("the workbook has no worksheet"))])
    sheet = workbook.worksheets[0]
    lines: dict[int, Line] = {}
    hidden_columns = {
        letter
        for letter, dimension in sheet.column_dimensions.items()
        if dimension.hidden
        for letter in _letters(dimension.min, dimension.max, letter)
    }
    width = 0
    for row in sheet.iter_rows():
        cells: list[str] = []
        problems: dict[int, str] = {}
        for index, cell in enumerate(row):
            text, problem = _cell_text(cell.value, cell.data_type)
            cells.append(text)
            if problem:
                problems[index] = Said(
                    N_("cell %(cell)s %(problem)s"), cell=cell.coordinate, problem=problem
                )
        if is_blank(cells) and not problems:
            continue
        number = row[0].row
        assert number is not None
        line = Line(number, cells, cell_problems=problems)
        if sheet.row_dimensions[number].hidden:
            hidden = Said(N_("the row is hidden in the workbook: show it"))
            line.problems.append(about(on_line(number), hidden))
        width = max(width, len(cells))
        lines[number] = line
    for index in range(width):
        letter = get_column_letter(index + 1)
        if letter in hidden_columns and any(
            index < len(line.cells) and line.cells[index].strip() for line in lines.values()
        ):
            first = min(lines)
            hidden = Said(N_("column %(letter)s is hidden in the workbook: show it"), letter=letter)
            lines[first].problems.append(about(on_line(first), hidden))
    for merged in sheet.merged_cells.ranges:
        first_line = lines.get(merged.min_row)
        if first_line is not None:
            merged_words = N_(
                "cells %(cells)s are merged: unmerge them and give each cell its own value"
            )
            said = Said(merged_words, cells=merged.coord)
            first_line.problems.append(about(on_line(merged.min_row or 0), said))
    return Table([lines[number] for number in sorted(lines)], "xlsx")


def _letters(low: int | None, high: int | None, letter: str) -> list[str]:
    from openpyxl.utils import get_column_letter

    if not low or not high:
        return [letter]
    return [get_column_letter(index) for index in range(low, high + 1)]


def _cell_text(value: Any, data_type: str | None) -> tuple[str, str | None]:
    """A workbook cell as the text a CSV file would hold, and why it cannot be read if so."""
    if value is None:
        return "", None
    if data_type == "f":
        return "", _formula(value)
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE"), None
    if isinstance(value, int):
        return str(value), None
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value)), None
        return repr(value), None
    if isinstance(value, dt.datetime | dt.date | dt.time | dt.timedelta):
        return value.isoformat() if not isinstance(value, dt.timedelta) else str(value), None
    if not isinstance(value, str):  # an array formula, a data table formula
        return "", _formula(value)
    return value, None


def _formula(value: Any) -> Said:
    formula = N_("holds a formula (%(formula)s): give its value instead")
    return Said(formula, formula=quote(str(value)))
