"""The downloads of a round and an election: per-branch CSV and Excel workbook, and NIST SP
1500-100 ERR JSON.

(The result JSON and the branches JSON are the API's answers, :mod:`.documents`; the election
package is :mod:`.package`.)

CSV cells that a spreadsheet would run as a formula get a leading apostrophe
(:func:`primaries.core.text.spreadsheet_cell`): a branch named ``=HYPERLINK(...)`` stays text.
Numbers are written as plain integers, so they are never touched. The CSV begins with a UTF-8
byte-order mark, so that Excel reads Hebrew and Arabic right; the workbook keeps every text cell
as text (:mod:`primaries.formats.tables_out`).

The ERR (NIST SP 1500-100 Election Results Reporting, version 2, JSON) report is
:mod:`.nist`.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..formats.tables_out import Cell, csv_text, xlsx_bytes
from .overview import RoundView
from .rows import ballot, branch_rows


def branches_table(view: RoundView) -> Iterator[list[Cell]]:
    """One line per branch: its status and numbers, one column per candidate code."""
    codes = [code for code, _ in ballot(view.round)]
    yield [
        "code",
        "name",
        "region",
        "eligible",
        "status",
        "ballots_cast",
        "invalid",
        "valid",
        "turnout_percent",
        *codes,
        "annulment_reason",
    ]
    for row in branch_rows(view.round):
        counted = row.counted
        yield [
            row.code,
            row.name,
            row.region or "",
            row.eligible,
            str(row.status),
            row.ballots_cast if counted else None,
            row.invalid if counted else None,
            row.valid if counted else None,
            (row.turnout or None) if counted else None,
            *[row.votes.get(code, 0) if counted else None for code in codes],
            row.reason or "",
        ]


def branches_csv(view: RoundView) -> str:
    """:func:`branches_table` as CSV (UTF-8 with a byte-order mark, formulas neutralised)."""
    return csv_text(branches_table(view))


def branches_xlsx(view: RoundView, *, right_to_left: bool = False) -> bytes:
    """:func:`branches_table` as an Excel workbook."""
    title = f"Round {view.number}"
    return xlsx_bytes(branches_table(view), title=title, right_to_left=right_to_left)
