"""Errors a person can act on.

A service that refuses input raises :class:`Refused` with one line per problem, each naming where
the problem is (a JSON path, a CSV line, a form field, a branch). Nothing has changed when it is
raised: the caller rolls the transaction back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


class Refused(Exception):
    def __init__(self, problems: str | Iterable[str], *, field: str | None = None) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.field = field
        super().__init__("\n".join(self.problems))


class NotFound(Refused):
    """The election, round or branch named does not exist."""


class StaleSheet(Refused):
    """A sheet changed between the moment a form was shown and the moment it was saved."""


class NumbersRefused(Refused):
    """The numbers of a sheet break a rule; ``by_field`` maps each field to its problems.

    ``labels`` names the fields as the paper does, for the one-line-per-problem form.
    """

    def __init__(self, by_field: Mapping[str, list[str]], labels: Mapping[str, str]) -> None:
        self.by_field = {key: list(problems) for key, problems in by_field.items()}
        super().__init__(
            f"{labels.get(key, key)}: {problem}" if key else problem
            for key, problems in self.by_field.items()
            for problem in problems
        )
