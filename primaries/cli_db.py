"""``primaries db grant`` and ``primaries db privileges``: the app's PostgreSQL role.

Both join Flask-Migrate's ``db`` group, beside ``db upgrade`` (see ``primaries.privileges`` and
docs/deploy.md, section 2). ``grant`` runs as the owner of the tables (``MIGRATIONS_DATABASE_URL``,
or ``DATABASE_URL`` pointed at the owner for that one command); ``privileges`` runs as the app, as
gunicorn does, and says whether its role is exactly what the app needs.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from .errors import Refused
from .extensions import db
from .privileges import APPEND_ONLY, grant_app_role, role_problems

NO_ROLES = "SQLite has no roles: only the file's permissions guard it (docs/deploy.md)"


@contextmanager
def _owner_engine() -> Iterator[Engine]:
    url = current_app.config.get("MIGRATIONS_DATABASE_URL")
    engine = create_engine(url, poolclass=NullPool) if url else db.engine
    try:
        yield engine
    finally:
        if url:
            engine.dispose()


def _fail(problems: list[str]) -> None:
    for problem in problems:
        click.echo(problem, err=True)
    sys.exit(1)


@click.command("grant")
@click.argument("role", required=False)
@with_appcontext
def grant_command(role: str | None) -> None:
    """As the tables' owner, give ROLE (by default DATABASE_URL's user) the app's privileges."""
    if current_app.config.get("MIGRATIONS_DATABASE_URL"):
        role = role or db.engine.url.username
    if not role:
        raise click.UsageError("name the app's role: primaries db grant ROLE")
    with _owner_engine() as engine:
        if engine.dialect.name != "postgresql":
            raise click.ClickException(NO_ROLES)
        try:
            with engine.begin() as connection:
                problems = grant_app_role(connection, role)
                if problems:
                    raise Refused([f"nothing granted: {role} would still be wrong", *problems])
        except Refused as exc:
            _fail(exc.problems)
    tables = ", ".join(APPEND_ONLY)
    click.echo(
        f"{role} may now read and write the data tables, only SELECT and INSERT {tables}, and "
        "ALTER, TRUNCATE or DROP nothing"
    )


@click.command("privileges")
@with_appcontext
def privileges_command() -> None:
    """Check that the app's role (DATABASE_URL's) may do what the app needs and nothing more."""
    if db.engine.dialect.name != "postgresql":
        click.echo(NO_ROLES)
        return
    with db.engine.connect() as connection:
        role = connection.execute(text("SELECT current_user")).scalar_one()
        problems = role_problems(connection, role)
    if problems:
        _fail([f"{role} is not the least-privileged app role of docs/deploy.md:", *problems])
    tables = ", ".join(APPEND_ONLY)
    click.echo(
        f"{role}: least privilege (reads and writes the data tables, only SELECT and INSERT "
        f"{tables}; may ALTER, TRUNCATE or DROP nothing)"
    )
