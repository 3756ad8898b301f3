"""The downloads of a round and an election: per-branch CSV and NIST SP 1500-100 ERR JSON.

(The result JSON and the branches JSON are the API's answers, :mod:`.documents`; the election
package is :mod:`.package`.)

CSV cells that a spreadsheet would run as a formula get a leading apostrophe
(:func:`primaries.core.text.spreadsheet_cell`): a branch named ``=HYPERLINK(...)`` stays text.
Numbers are written as plain integers, so they are never touched.

The ERR (NIST SP 1500-100 Election Results Reporting, version 2, JSON) report is
:mod:`.nist`.
"""

from __future__ import annotations

import csv
import io

from ..core.text import spreadsheet_cell
from .overview import RoundView
from .rows import ballot, branch_rows


def branches_csv(view: RoundView) -> str:
    """One line per branch: its status and numbers, one column per candidate code."""
    codes = [code for code, _ in ballot(view.round)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
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
    )
    for row in branch_rows(view.round):
        counted = row.counted
        writer.writerow(
            [
                spreadsheet_cell(row.code),
                spreadsheet_cell(row.name),
                spreadsheet_cell(row.region or ""),
                row.eligible,
                row.status,
                row.ballots_cast if counted else "",
                row.invalid if counted else "",
                row.valid if counted else "",
                row.turnout or "" if counted else "",
                *[row.votes.get(code, 0) if counted else "" for code in codes],
                spreadsheet_cell(row.reason or ""),
            ]
        )
    return out.getvalue()
