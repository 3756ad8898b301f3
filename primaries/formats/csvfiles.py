"""The files of the command line and the import pages (CONTRACT section 6): branches and a
round's sheets, as Excel workbooks or CSV files (:mod:`.spreadsheets` reads them, :mod:`.columns`
finds their columns).

``parse_branches_csv`` reads the header ``code,name,region,eligible``; ``parse_sheets_csv``
reads ``branch,ballots_cast,invalid`` and one column per candidate of the round's ballot (headed
by the candidate's code, or by the exact name when ``names`` are given). Columns may come in any
order. Every problem is reported as ``line N: column: message`` with
``N`` the physical 1-based line of the file (the header is line 1), or ``line N: message`` for a
problem of the whole row.

Decisions where the contract is silent: values are trimmed of surrounding spaces, trailing empty
cells (also of the header) are ignored, a line that repeats the header is refused, and blank
lines (also before the header) are skipped. A
file with only the header gives no rows; an empty file is refused. A number is a whole number
>= 0 written in plain digits (no sign, no thousands separators), at most
:data:`~primaries.core.limits.MAX_INT`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from primaries.core.limits import (
    BRANCH_CODE_RE,
    BRANCH_CODE_RULE,
    MAX_INT,
    code_key,
    same_code_problem,
    short_number,
)
from primaries.core.sheets import Numbers, sum_words
from primaries.core.text import name_problem
from primaries.core.words import N_, Said, about, literal, on_line

from .columns import Names, Row, read_rows
from .encoding import quote
from .problems import FormatError
from .specs import BranchSpec, SheetSpec

Spec = TypeVar("Spec")

BRANCH_COLUMNS = ("code", "name", "region", "eligible")
SHEET_COLUMNS = ("branch", "ballots_cast", "invalid")
BRANCH_HEADINGS: dict[str, tuple[str, ...]] = {
    "code": ("קוד", "סמל", "رمز"),
    "name": ("שם", "اسم"),
    "region": ("אזור", "מחוז", "منطقة"),
    "eligible": ("בעלי זכות בחירה", "בעלי זכות", "أصحاب حق الاقتراع"),
}
"""A branches file's columns may also be headed in Hebrew or Arabic, as committees write them
(an addition to CONTRACT section 6's English header, which is still read as before)."""

_DIGITS_RE = re.compile(r"^[0-9]+\Z")
_THOUSANDS_RE = re.compile(r"^[0-9]{1,3}([,'. ][0-9]{3})+\Z")


def csv_number(text: str) -> tuple[int | None, str | None]:
    """A whole number >= 0 written in plain digits: (value, None) or (None, the problem)."""
    if _DIGITS_RE.match(text) and len(text) <= 19:  # the common case, kept cheap
        value = int(text)
        if value <= MAX_INT:
            return value, None
    if not text:
        return None, Said(N_("is empty: a whole number >= 0 is required"))
    if _DIGITS_RE.match(text):
        digits = text.lstrip("0") or "0"  # int() refuses more than 4300 digits, zeros too
        if len(digits) <= 19 and int(digits) <= MAX_INT:
            return int(digits), None
        return None, Said(
            N_("must be at most %(max)s, not %(value)s"),
            max=MAX_INT,
            value=quote(short_number(text)),
        )
    if _THOUSANDS_RE.match(text):
        return None, Said(
            N_("must be written in plain digits, without thousands separators, not %(value)s"),
            value=quote(text),
        )
    return None, Said(
        N_("must be a whole number >= 0 written in digits, not %(value)s"), value=quote(text)
    )


def _check_csv_code(
    text: str, pattern: re.Pattern[str], rule: str, where: str, problems: list[str]
) -> str | None:
    if not text:
        problems.append(about(where, Said(N_("is empty"))))
        return None
    if not pattern.match(text):
        wrong = Said(N_("must be %(rule)s, not %(value)s"), rule=(rule, {}), value=quote(text))
        problems.append(about(where, wrong))
        return None
    return text


@dataclass(frozen=True)
class Parsed(Generic[Spec]):
    """What a file's rows give: the rows that are right, and every problem of the others."""

    specs: list[Spec]
    problems: list[str]

    def raise_if_any(self) -> list[Spec]:
        if self.problems:
            raise FormatError(self.problems)
        return self.specs


def _parse_rows(
    raw: bytes | str,
    columns: Sequence[str],
    code_column: str,
    build: Callable[[Row, str, list[str]], Spec | None],
    names: Names | None = None,
    headings: Names | None = None,
) -> Parsed[Spec]:
    rows, stopped = read_rows(raw, columns, names, headings=headings)
    problems: list[str] = []
    first_line: dict[str, tuple[str, int]] = {}
    specs: list[Spec] = []
    for row in rows:
        problems.extend(row.problems)
        if not row.values:
            continue
        count = len(problems)
        where = about(on_line(row.line), literal(code_column))
        text = row.values.get(code_column)
        code = None
        if text is not None:
            code = _check_csv_code(text, BRANCH_CODE_RE, BRANCH_CODE_RULE, where, problems)
        if code is not None:
            key = code_key(code)
            if key in first_line:
                other, line = first_line[key]
                if other == code:
                    again = Said(N_("%(code)s is already on line %(line)s"), code=code, line=line)
                    problems.append(about(where, again))
                else:
                    problems.append(about(where, same_code_problem(code, other, on_line(line))))
            else:
                first_line[key] = (code, row.line)
        spec = build(row, code or "", problems)
        if len(problems) == count and not row.problems and spec is not None:
            specs.append(spec)
    if stopped:
        problems.append(stopped)
    return Parsed(specs, problems)


def _number(row: Row, column: str, problems: list[str]) -> int | None:
    text = row.values.get(column)
    if text is None:  # a cell that could not be read: its problem is the row's
        return None
    value, problem = csv_number(text)
    if problem:
        problems.append(about(on_line(row.line), about(literal(column), problem)))
    return value


def read_branches(raw: bytes | str) -> Parsed[BranchSpec]:
    """The branches of a file (:func:`parse_branches_csv`), and every problem of its rows
    (problems of the file or its header raise :class:`FormatError`)."""

    def build(row: Row, code: str, problems: list[str]) -> BranchSpec | None:
        name = row.values.get("name")
        region = row.values.get("region")
        if name == "":
            problems.append(about(on_line(row.line), about(literal("name"), Said(N_("is empty")))))
        for column, text in (("name", name), ("region", region)):
            problem = name_problem(text) if text else None
            if problem:
                problems.append(about(on_line(row.line), about(literal(column), problem)))
        eligible = _number(row, "eligible", problems)
        if not (code and name and eligible is not None):
            return None
        return BranchSpec(
            code=code, name=name, region=region or None, eligible=eligible, line=row.line
        )

    return _parse_rows(raw, BRANCH_COLUMNS, "code", build, headings=BRANCH_HEADINGS)


def parse_branches_csv(raw: bytes | str) -> list[BranchSpec]:
    """Branches from a file with the columns ``code,name,region,eligible`` (any order): an Excel
    workbook or a CSV file (:mod:`.spreadsheets`).

    An empty region is ``None``. Raises :class:`FormatError`, each problem ``line N: ...``.
    """
    return read_branches(raw).raise_if_any()


def read_sheets(
    raw: bytes | str, ballot: Sequence[str], *, names: Names | None = None
) -> Parsed[SheetSpec]:
    """The sheets of a file (:func:`parse_sheets_csv`), and every problem of its rows
    (problems of the file or its header raise :class:`FormatError`)."""
    ballot = tuple(ballot)

    def build(row: Row, code: str, problems: list[str]) -> SheetSpec | None:
        numbers: dict[str, int] = {}
        for column in (*SHEET_COLUMNS[1:], *ballot):
            value = _number(row, column, problems)
            if value is not None:
                numbers[column] = value
        if len(numbers) != 2 + len(ballot):
            return None
        votes = {candidate: numbers[candidate] for candidate in ballot}
        sheet_numbers = Numbers(numbers["ballots_cast"], numbers["invalid"], votes)
        problems.extend(
            about(on_line(row.line), Said(words))
            for words in sum_words(sheet_numbers, cast_word="ballots_cast")
        )
        return SheetSpec(
            branch=code,
            ballots_cast=numbers["ballots_cast"],
            invalid=numbers["invalid"],
            votes=votes,
            line=row.line,
        )

    return _parse_rows(raw, (*SHEET_COLUMNS, *ballot), "branch", build, names)


def parse_sheets_csv(
    raw: bytes | str, ballot: Sequence[str], *, names: Names | None = None
) -> list[SheetSpec]:
    """Counted sheets from a file with the columns ``branch,ballots_cast,invalid`` and one column
    per candidate code of ``ballot`` (any order): an Excel workbook or a CSV file
    (:mod:`.spreadsheets`). With ``names`` (code -> name, or code -> several names, e.g. one per
    language), a candidate's column may be headed by the candidate's exact name instead of the
    code.

    Each row is checked on its own (numbers, the sum rule); whether its branch exists, and its
    ``eligible``, is the caller's to check. Raises :class:`FormatError`, each problem
    ``line N: ...``.
    """
    return read_sheets(raw, ballot, names=names).raise_if_any()
