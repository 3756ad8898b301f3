"""The header of a committee's file and its rows by column (CONTRACT section 6).

:func:`read_rows` reads a file (:mod:`.spreadsheets`), finds its header (the first line that is
not blank) and gives every other line as a :class:`Row` of trimmed values by column. The header
holds each column once, in any order; a candidate's column may be headed by the candidate's code
or by the candidate's exact name (``names``, code -> name, or code -> its names in several
languages). What is ambiguous is refused: a label
that is the code of one candidate and the name of another (or the name of two), a column given
twice, a candidate's code and name both. Empty cells at the end of the header are ignored, as are
empty cells beyond the header on any line (the trailing empty column of the Central Elections
Committee's files).

Problems with the file or its header raise :class:`FormatError` at once (no row can be read
without them); each row's problems are for the caller to report with its own.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from ..core.words import N_, Said, about, literal, on_line
from .encoding import quote
from .problems import FormatError
from .spreadsheets import Line, read_table

Names = Mapping[str, str | Collection[str]]
"""A candidate's code -> its name, or its names (in several languages)."""


@dataclass(slots=True)
class Row:
    line: int
    values: dict[str, str]
    """Column -> trimmed text, for the cells that could be read."""
    problems: list[str] = field(default_factory=list)
    """Problems of the line, each ``line N: ...``; a cell that cannot be read is left out of
    ``values`` and its problem is here."""


def read_rows(
    raw: bytes | str,
    columns: Sequence[str],
    names: Names | None = None,
    *,
    headings: Names | None = None,
) -> tuple[list[Row], str | None]:
    """The rows of a file whose header holds exactly ``columns`` (any order; a column of
    ``names`` may be headed by its name; one of ``headings`` by another word for it, in another
    language, which the problems do not list), and the problem that stopped the reading, if any."""
    known = _known(columns, names)
    labels = _labels(columns, {**_known(columns, headings), **known})
    table = read_table(raw, labels)
    if not table.lines:
        raise FormatError(
            [
                table.stopped
                or Said(
                    N_("the file is empty: expected the header %(header)s"),
                    header=",".join(columns),
                )
            ]
        )
    header_line, *lines = table.lines
    header = [cell.strip() for cell in header_line.cells]
    while header and not header[-1]:
        header.pop()
    keys = _check_header(header_line, header, columns, known, labels)
    rows = [_row(line, header, keys) for line in lines]
    return rows, table.stopped


def _known(columns: Sequence[str], names: Names | None) -> dict[str, tuple[str, ...]]:
    """Column -> the labels ``names`` gives it (of the columns there are)."""
    return {
        code: tuple(name.strip() for name in ([given] if isinstance(given, str) else given))
        for code, given in (names or {}).items()
        if code in columns
    }


def _labels(columns: Sequence[str], names: Mapping[str, tuple[str, ...]]) -> dict[str, set[str]]:
    """Header label -> the columns it may stand for."""
    labels: dict[str, set[str]] = {column: {column} for column in columns}
    for code, given in names.items():
        for name in given:
            if name:
                labels.setdefault(name, set()).add(code)
    return labels


def _row(line: Line, header: list[str], keys: list[str]) -> Row:
    fields = line.cells
    width = len(header)
    where = on_line(line.number)
    if len(fields) > width and not any(cell.strip() for cell in fields[width:]):
        fields = fields[:width]
    if len(fields) != width:
        problem = about(
            where,
            Said(
                N_("has %(count)s values, but the header has %(width)s columns (%(header)s)"),
                count=len(fields),
                width=width,
                header=", ".join(header),
            ),
        )
        return Row(line.number, {}, [*line.problems, problem])
    cells = [cell.strip() for cell in fields]
    if cells == header:
        problem = about(where, Said(N_("repeats the header (a second header?): delete the line")))
        return Row(line.number, {}, [*line.problems, problem])
    if not line.cell_problems:  # the common case, kept cheap
        return Row(line.number, dict(zip(keys, cells, strict=True)), line.problems)
    problems = list(line.problems)
    values: dict[str, str] = {}
    for index, (key, text) in enumerate(zip(keys, cells, strict=True)):
        unreadable = line.cell_problems.get(index)
        if unreadable:
            problems.append(about(where, about(literal(key), unreadable)))
        else:
            values[key] = text
    return Row(line.number, values, problems)


def _check_header(
    line: Line,
    header: list[str],
    columns: Sequence[str],
    names: Mapping[str, tuple[str, ...]],
    labels: Mapping[str, set[str]],
) -> list[str]:
    """The column each cell of the header stands for; raises with every problem of the header."""
    number = line.number
    problems = list(line.problems)
    header_line = on_line(number)
    problems.extend(
        about(
            header_line,
            Said(N_("column %(index)s of the header: %(problem)s"), index=index + 1, problem=p),
        )
        for index, p in sorted(line.cell_problems.items())
    )
    expected = ", ".join(columns)
    keys: list[str] = []
    seen: dict[str, str] = {}
    for position, label in enumerate(header, start=1):
        targets = labels.get(label, set())
        key = next(iter(targets)) if len(targets) == 1 else ""
        keys.append(key)
        if not label:
            empty = N_("column %(position)s of the header is empty (expected: %(expected)s)")
            problems.append(about(header_line, Said(empty, position=position, expected=expected)))
        elif not targets:
            unknown = N_("unknown column %(label)s (expected: %(expected)s)")
            problems.append(
                about(header_line, Said(unknown, label=quote(label), expected=expected))
            )
        elif len(targets) > 1:
            meanings = [_meaning(label, target, names) for target in sorted(targets)]
            ambiguous_words = N_(
                "column %(label)s is ambiguous: it is %(what)s; head the column with the "
                "candidate's code"
            )
            what = meanings[0]
            for other in meanings[1:]:  # "A and B and C", each part said in the reader's words
                what = Said(N_("%(one)s and %(other)s"), one=what, other=other)
            problems.append(
                about(header_line, Said(ambiguous_words, label=quote(label), what=what))
            )
        elif key in seen and seen[key] == label:
            twice = N_("column %(label)s appears more than once in the header")
            problems.append(about(header_line, Said(twice, label=label)))
        elif key in seen:
            both = N_(
                "columns %(first)s and %(second)s are both candidate %(code)s: keep one of them"
            )
            problems.append(
                about(
                    header_line,
                    Said(both, first=quote(seen[key]), second=quote(label), code=key),
                )
            )
        if key and key not in seen:
            seen[key] = label
    ambiguous = {
        key for label in header for key in labels.get(label, set()) if len(labels[label]) > 1
    }
    for column in columns:
        if column in seen or column in ambiguous:
            continue
        usable = [name for name in names.get(column, ()) if len(labels.get(name, ())) == 1]
        missing = (
            N_("missing column %(column)s or %(names)s (expected: %(expected)s)")
            if usable
            else N_("missing column %(column)s (expected: %(expected)s)")
        )
        names_text = " or ".join(quote(name) for name in usable)
        problems.append(
            about(header_line, Said(missing, column=column, names=names_text, expected=expected))
        )
    if problems:
        raise FormatError(problems)
    return keys


def _meaning(label: str, target: str, names: Mapping[str, tuple[str, ...]]) -> Said:
    if target == label:
        if target not in names:
            return Said(N_("the column %(column)s"), column=target)
        return Said(N_("the code of candidate %(code)s"), code=target)
    return Said(N_("the name of candidate %(code)s"), code=target)
