"""The contract's input formats: the election package (JSON) and the files of branches and sheets
(Excel workbooks or CSV).

CONTRACT sections 1, 2, 5 and 6. The readers take bytes (or text) and return frozen specs, or
raise :class:`FormatError` (a :class:`~primaries.errors.Refused`) listing every problem found,
one human-readable line each: ``path: message`` in a package, ``line N: column: message`` in a
workbook or CSV file. They are pure (the standard library, openpyxl for workbooks,
:mod:`primaries.core` and :mod:`primaries.errors`): what needs the database is the caller's
job. The patterns and limits that names and numbers must keep are :mod:`primaries.core.limits`.

Modules, one concern each:

- :mod:`.problems`: :class:`FormatError` and the list of problems (:data:`MAX_PROBLEMS`);
- :mod:`.specs`: the frozen specs returned;
- :mod:`.encoding`: a file's bytes as UTF-8 text, and values quoted in messages;
- :mod:`.values`: JSON values as decoded, and the checks of one value;
- :mod:`.rules`: an election's rules (:func:`parse_rules`);
- :mod:`.package`: the package and its election (:func:`parse_package`), with :mod:`.rounds`
  and :mod:`.sheets` for its rounds and their sheets;
- :mod:`.streaming`: the package's JSON decoded, a large one sheet by sheet;
- :mod:`.spreadsheets`: a workbook's or CSV file's bytes as numbered lines of text cells (the
  kind, the encoding and the separator found from the content);
- :mod:`.columns`: the header of such a file (candidates by code or name) and its rows;
- :mod:`.csvfiles`: the files of branches and sheets (:func:`parse_branches_csv`,
  :func:`parse_sheets_csv`; :func:`~.csvfiles.read_branches` and :func:`~.csvfiles.read_sheets`
  give the right rows and every problem of the others);
- :mod:`.tables_out`: tables written for downloads, CSV with a byte-order mark and workbooks.
"""

from __future__ import annotations

from .csvfiles import parse_branches_csv, parse_sheets_csv
from .package import FORMAT, parse_package
from .problems import MAX_PROBLEMS, FormatError
from .rules import parse_rules
from .specs import BranchSpec, CandidateSpec, LotSpec, PackageSpec, RoundSpec, SheetSpec

__all__ = [
    "FORMAT",
    "MAX_PROBLEMS",
    "BranchSpec",
    "CandidateSpec",
    "FormatError",
    "LotSpec",
    "PackageSpec",
    "RoundSpec",
    "SheetSpec",
    "parse_branches_csv",
    "parse_package",
    "parse_rules",
    "parse_sheets_csv",
]
