"""Who acts, and the one way a caller (a view, a command) runs a change.

Services take an :class:`Actor`: the name the audit chain records and, for a staff account, its
id (kept in history rows) and role. :func:`attempt` runs one service: on success it commits once;
on a :class:`Refused` it rolls back and hands the problems back in the reader's language, by
field where the service said which, and whether the refusal was a stale form, so the caller can
show them beside what was typed.
"""

from __future__ import annotations

import os
import pwd
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, ParamSpec, TypeVar

from .errors import Refused, StaleSheet
from .extensions import db
from .i18n import said_problems
from .models import User

P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True)
class Actor:
    """Who makes a change: a staff account, or the operator at the command line."""

    name: str
    user_id: int | None = None
    role: str | None = None

    @classmethod
    def of(cls, user: User) -> Actor:
        # Plain values, read now: a change's write transaction expires what the session holds.
        return cls(name=user.username, user_id=user.id, role=user.role)

    @classmethod
    def command_line(cls) -> Actor:
        """The operating system account running the command (not LOGNAME or USER, which anyone
        can set), or ``cli:UID`` when the account has no name."""
        uid = os.getuid()
        try:
            return cls("cli:" + pwd.getpwuid(uid).pw_name)
        except KeyError:  # no entry for this uid (a container with an arbitrary uid)
            return cls(f"cli:{uid}")


@dataclass
class Attempt(Generic[T]):
    """What running a change gave: its value, or the problems that refused it."""

    value: T | None = None
    problems: list[str] = field(default_factory=list)
    by_field: dict[str, list[str]] = field(default_factory=dict)
    stale: bool = False

    @property
    def done(self) -> bool:
        return not self.problems


def attempt(service: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> Attempt[T]:
    """Run ``service``; commit once on success, roll back and return the problems if refused."""
    try:
        value = service(*args, **kwargs)
        db.session.commit()  # (a change confined to a sheet signs its events here: may refuse)
    except Refused as exc:
        db.session.rollback()
        by_field: dict[str, list[str]] = getattr(exc, "by_field", {})
        return Attempt(
            problems=said_problems(exc.problems),
            by_field={key: said_problems(problems) for key, problems in by_field.items()},
            stale=isinstance(exc, StaleSheet),
        )
    return Attempt(value=value)
