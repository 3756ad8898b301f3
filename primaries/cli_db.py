"""``primaries db ...``: Flask-Migrate's commands (``db upgrade``...), Alembic imported only when
one runs, and ours for the app's PostgreSQL role, ``db grant`` and ``db privileges`` (see
``primaries.privileges`` and docs/deploy.md, section 2). ``grant`` runs as the owner of the tables
(``MIGRATIONS_DATABASE_URL``, or ``DATABASE_URL`` pointed at the owner for that one command);
``privileges`` runs as the app, as gunicorn does, and says whether its role is exactly what the
app needs.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

import click
from flask import current_app, g
from flask.cli import with_appcontext
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from .errors import Refused
from .extensions import db
from .privileges import APPEND_ONLY, grant_app_role, role_problems
from .schema import bind_migrations

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


def _flask_migrate_group() -> click.Group:
    from flask_migrate.cli import db  # type: ignore[import-not-found]  # stubs lack flask_migrate.cli

    return cast(click.Group, db)


class MigrationsGroup(click.Group):
    """``primaries db ...``: Flask-Migrate's commands (upgrade, downgrade, current...) and ours
    (grant, privileges). Alembic is imported only when one of Flask-Migrate's runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*_flask_migrate_group().list_commands(ctx), *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        bind_migrations(current_app)
        return _flask_migrate_group().get_command(ctx, cmd_name)


@click.group("db", cls=MigrationsGroup)
@click.option("-d", "--directory", default=None, help="Migration script directory")
@click.option("-x", "--x-arg", multiple=True, help="Additional arguments for env.py")
def migrations_group(directory: str | None, x_arg: tuple[str, ...]) -> None:
    """Database migrations (Flask-Migrate's commands) and the app role's privileges."""
    g.directory = directory  # as Flask-Migrate's own group does: its commands read these
    g.x_arg = x_arg


migrations_group.add_command(grant_command)
migrations_group.add_command(privileges_command)
