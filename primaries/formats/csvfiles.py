"""The CSV files of the command line (CONTRACT section 6): branches and a round's sheets.

``parse_branches_csv`` reads the header ``code,name,region,eligible``; ``parse_sheets_csv``
reads ``branch,ballots_cast,invalid`` and one column per candidate code of the round's ballot.
Columns may come in any order. Every problem is reported as ``line N: column: message`` with
``N`` the physical 1-based line of the file (the header is line 1), or ``line N: message`` for a
problem of the whole row.

Decisions where the contract is silent: values are trimmed of surrounding spaces, trailing empty
cells beyond the header are ignored, and blank lines (also before the header) are skipped. A
file with only the header gives no rows; an empty file is refused. A number is a whole number
>= 0 written in plain digits (no sign, no thousands separators), at most
:data:`~primaries.core.limits.MAX_INT`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from primaries.core.limits import (
    BRANCH_CODE_RE,
    BRANCH_CODE_RULE,
    MAX_INT,
    code_key,
    same_code_problem,
    short_number,
)
from primaries.core.sheets import Numbers, sum_problems
from primaries.core.text import name_problem

from .encoding import decode, quote
from .problems import FormatError
from .specs import BranchSpec, SheetSpec

BRANCH_COLUMNS = ("code", "name", "region", "eligible")
SHEET_COLUMNS = ("branch", "ballots_cast", "invalid")

_DIGITS_RE = re.compile(r"^[0-9]+\Z")
_THOUSANDS_RE = re.compile(r"^[0-9]{1,3}([,'. ][0-9]{3})+\Z")


@dataclass(frozen=True)
class _Row:
    line: int
    values: dict[str, str]
    problem: str | None = None
    """Why the row cannot be read at all (its values are then empty)."""


def csv_number(text: str) -> tuple[int | None, str | None]:
    """A whole number >= 0 written in plain digits: (value, None) or (None, the problem)."""
    if _DIGITS_RE.match(text) and len(text) <= 19:  # the common case, kept cheap
        value = int(text)
        if value <= MAX_INT:
            return value, None
    if not text:
        return None, "is empty: a whole number >= 0 is required"
    if _DIGITS_RE.match(text):
        digits = text.lstrip("0") or "0"  # int() refuses more than 4300 digits, zeros too
        if len(digits) <= 19 and int(digits) <= MAX_INT:
            return int(digits), None
        return None, f"must be at most {MAX_INT}, not {quote(short_number(text))}"
    if _THOUSANDS_RE.match(text):
        return (
            None,
            f"must be written in plain digits, without thousands separators, not {quote(text)}",
        )
    return None, f"must be a whole number >= 0 written in digits, not {quote(text)}"


def _read_csv(raw: bytes | str, columns: Sequence[str]) -> tuple[list[_Row], str | None]:
    """The rows of a CSV file with exactly ``columns`` (any order), values trimmed, and the
    problem that stopped the reading, if any (broken quoting).

    Problems with the file or its header raise at once; row problems are for the caller.
    """
    text = decode(raw)
    header_text = ",".join(columns)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    header_line = 0
    rows: list[_Row] = []
    stopped = None
    last_line = 0
    try:
        for fields in reader:
            line = last_line + 1
            last_line = reader.line_num
            if not any(field.strip() for field in fields):
                continue
            if header is None:
                header, header_line = [field.strip() for field in fields], line
                _check_header(header, header_line, columns)
                continue
            if len(fields) > len(header) and not any(f.strip() for f in fields[len(header) :]):
                fields = fields[: len(header)]
            if len(fields) != len(header):
                problem = (
                    f"line {line}: has {len(fields)} values, but the header has "
                    f"{len(header)} columns ({', '.join(header)})"
                )
                rows.append(_Row(line, {}, problem))
                continue
            rows.append(
                _Row(
                    line, {name: field.strip() for name, field in zip(header, fields, strict=True)}
                )
            )
    except csv.Error as error:
        hint = " (a quote left open?)" if "end of data" in str(error) else ""
        stopped = f"line {reader.line_num}: the CSV is malformed: {error}{hint}"
    if header is None:
        raise FormatError([stopped or f"the file is empty: expected the header {header_text}"])
    return rows, stopped


def _check_header(header: list[str], line: int, columns: Sequence[str]) -> None:
    problems = []
    expected = ", ".join(columns)
    seen: set[str] = set()
    for position, name in enumerate(header, start=1):
        if not name:
            problems.append(
                f"line {line}: column {position} of the header is empty (expected: {expected})"
            )
        elif name in seen:
            problems.append(f"line {line}: column {name} appears more than once in the header")
        elif name not in columns:
            problems.append(f"line {line}: unknown column {quote(name)} (expected: {expected})")
        seen.add(name)
    problems.extend(
        f"line {line}: missing column {name} (expected: {expected})"
        for name in columns
        if name not in seen
    )
    if problems:
        raise FormatError(problems)


def _check_csv_code(
    text: str, pattern: re.Pattern[str], rule: str, where: str, problems: list[str]
) -> str | None:
    if not text:
        problems.append(f"{where}: is empty")
        return None
    if not pattern.match(text):
        problems.append(f"{where}: must be {rule}, not {quote(text)}")
        return None
    return text


def _parse_csv_rows(
    raw: bytes | str,
    columns: Sequence[str],
    code_column: str,
    code_pattern: re.Pattern[str],
    code_rule: str,
    build: Callable[[_Row, str, list[str]], Any],
) -> list[Any]:
    rows, stopped = _read_csv(raw, columns)
    problems: list[str] = []
    first_line: dict[str, tuple[str, int]] = {}
    specs = []
    for row in rows:
        if row.problem:
            problems.append(row.problem)
            continue
        count = len(problems)
        where = f"line {row.line}: {code_column}"
        code = _check_csv_code(row.values[code_column], code_pattern, code_rule, where, problems)
        if code is not None:
            key = code_key(code)
            if key in first_line:
                other, line = first_line[key]
                if other == code:
                    problems.append(f"{where}: {code} is already on line {line}")
                else:
                    problems.append(f"{where}: {same_code_problem(code, other, f'line {line}')}")
            else:
                first_line[key] = (code, row.line)
        spec = build(row, code or "", problems)
        if len(problems) == count:
            specs.append(spec)
    if stopped:
        problems.append(stopped)
    if problems:
        raise FormatError(problems)
    return specs


def parse_branches_csv(raw: bytes | str) -> list[BranchSpec]:
    """Branches from a CSV file with the header ``code,name,region,eligible`` (any order).

    An empty region is ``None``. Raises :class:`FormatError`, each problem ``line N: ...``.
    """

    def build(row: _Row, code: str, problems: list[str]) -> BranchSpec | None:
        name = row.values["name"]
        region = row.values["region"]
        if not name:
            problems.append(f"line {row.line}: name: is empty")
        for column, text in (("name", name), ("region", region)):
            problem = name_problem(text)
            if problem:
                problems.append(f"line {row.line}: {column}: {problem}")
        eligible, problem = csv_number(row.values["eligible"])
        if problem:
            problems.append(f"line {row.line}: eligible: {problem}")
        if not (code and name and eligible is not None):
            return None
        return BranchSpec(
            code=code,
            name=name,
            region=region or None,
            eligible=eligible,
            line=row.line,
        )

    return _parse_csv_rows(raw, BRANCH_COLUMNS, "code", BRANCH_CODE_RE, BRANCH_CODE_RULE, build)


def parse_sheets_csv(raw: bytes | str, ballot: Sequence[str]) -> list[SheetSpec]:
    """Counted sheets from a CSV file with the header ``branch,ballots_cast,invalid`` and one
    column per candidate code of ``ballot`` (any order).

    Each row is checked on its own (numbers, the sum rule); whether its branch exists, and its
    ``eligible``, is the caller's to check. Raises :class:`FormatError`, each problem
    ``line N: ...``.
    """
    ballot = tuple(ballot)

    def build(row: _Row, code: str, problems: list[str]) -> SheetSpec | None:
        numbers: dict[str, int] = {}
        for column in (*SHEET_COLUMNS[1:], *ballot):
            value, problem = csv_number(row.values[column])
            if problem:
                problems.append(f"line {row.line}: {column}: {problem}")
            else:
                assert value is not None
                numbers[column] = value
        if len(numbers) != 2 + len(ballot):
            return None
        votes = {candidate: numbers[candidate] for candidate in ballot}
        sheet_numbers = Numbers(numbers["ballots_cast"], numbers["invalid"], votes)
        problems.extend(
            f"line {row.line}: {message}"
            for message in sum_problems(sheet_numbers, cast_word="ballots_cast")
        )
        return SheetSpec(
            branch=code,
            ballots_cast=numbers["ballots_cast"],
            invalid=numbers["invalid"],
            votes=votes,
            line=row.line,
        )

    return _parse_csv_rows(
        raw, (*SHEET_COLUMNS, *ballot), "branch", BRANCH_CODE_RE, BRANCH_CODE_RULE, build
    )
