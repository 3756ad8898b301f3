"""The database's schema: the revision this version of primaries needs, and the migrations.

A command checks the schema before it runs (:func:`ensure_schema`) by reading the database's
``alembic_version`` row and comparing it with :data:`HEAD`, without loading Alembic: importing
Alembic and reading every migration script is most of what a command's start-up would otherwise
cost. Flask-Migrate (and with it Alembic) is bound to the app only when something migrates
(:func:`bind_migrations`): ``primaries db ...``, the first command on an empty database, the tests.
``tests/test_migrations.py`` checks that :data:`HEAD` is Alembic's head.
"""

from __future__ import annotations

from flask import Flask, current_app
from sqlalchemy import inspect, text

from . import ROOT
from .errors import Refused
from .extensions import db

HEAD = "0017"
"""The newest migration's revision: the schema this version of primaries reads and writes."""

MIGRATIONS = ROOT / "migrations"


def bind_migrations(app: Flask) -> None:
    """Give ``app`` Flask-Migrate (its ``db`` commands and ``upgrade()``), once."""
    if "migrate" in app.extensions:
        return
    from flask_migrate import Migrate

    Migrate(app, db, directory=str(MIGRATIONS))


def ensure_schema() -> None:
    """Initialise an empty database; refuse one whose schema is not the one this code needs."""
    with db.engine.connect() as connection:
        tables = inspect(connection).get_table_names()
        current = (
            set(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
            if "alembic_version" in tables
            else set()
        )
    if not tables:
        from flask_migrate import upgrade

        bind_migrations(current_app)
        upgrade()
        return
    if current != {HEAD}:
        raise Refused(
            f"the database schema is at {', '.join(sorted(current)) or 'no revision'} but this "
            f"version of primaries needs {HEAD}: run `primaries db upgrade`"
        )
