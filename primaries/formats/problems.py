"""Refused input: :class:`FormatError` and the list of problems it carries.

Every reader of this package reports all the problems it finds at once, one human-readable line
each, in the order found, rather than stopping at the first. The list is cut at
:data:`MAX_PROBLEMS` lines, plus one line saying how many were left out, so that a badly broken
file gives a readable answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from primaries.core.words import N_, Said, about, literal
from primaries.errors import Refused

MAX_PROBLEMS = 200
"""At most this many problems are listed; one more line says how many were left out."""


class FormatError(Refused):
    """Refused input. ``problems`` holds one human-readable line per problem."""

    def __init__(self, problems: Sequence[str]) -> None:
        problems = list(problems)
        if len(problems) > MAX_PROBLEMS:
            left_off = len(problems) - MAX_PROBLEMS
            more = Said(N_("... and %(count)s more problems"), count=left_off)
            problems = [*problems[:MAX_PROBLEMS], more]
        super().__init__(problems)
        # Pickled and copied as it was made: FormatError(problems), not from the joined text.
        self.args = (self.problems,)

    def __str__(self) -> str:
        return "\n".join(self.problems)


_LINE_RE = re.compile(r"^line ([0-9]+):")


def by_line(problems: Sequence[str]) -> list[str]:
    """``problems`` in the order of the file's lines (``line N: ...``), those of one line in the
    order found; problems of no line last."""

    def line_of(problem: str) -> float:
        found = _LINE_RE.match(problem)
        return int(found.group(1)) if found else float("inf")

    return sorted(problems, key=line_of)


class Problems:
    """Collects problems as ``path: message`` lines, in the order found."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.lines.append(about(literal(path), message) if path else message)

    def __len__(self) -> int:
        return len(self.lines)

    def raise_if_any(self) -> None:
        if self.lines:
            raise FormatError(self.lines)
