"""Alembic environment: runs inside the Flask app, on the app's engine or as the tables' owner.

With ``MIGRATIONS_DATABASE_URL`` (PostgreSQL: the role that owns the tables, docs/deploy.md) the
migrations connect with it rather than with ``DATABASE_URL`` (the app's role, which may not
create or alter anything), and end, in their own transaction, by granting ``DATABASE_URL``'s user
exactly the app's privileges on every table then in the schema (``primaries.privileges``).
"""

import logging
from logging.config import fileConfig

import sqlalchemy as sa
from alembic import context
from alembic.util import CommandError
from flask import current_app

config = context.config
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_db = current_app.extensions["migrate"].db


def _render_item(type_, obj, autogen_context):
    """Render our UTC timestamp type as the plain column type it is stored as."""
    from primaries.timestamps import UTCDateTime

    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(**kwargs):
    options = {
        "target_metadata": target_db.metadata,
        "compare_type": True,
        "compare_server_default": True,
        "render_item": _render_item,
    }
    options.update(kwargs)
    context.configure(**options)


def run_migrations_offline():
    _configure(url=str(target_db.engine.url), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def _owner_engine():
    """The engine of MIGRATIONS_DATABASE_URL, or None when the migrations use the app's."""
    url = current_app.config.get("MIGRATIONS_DATABASE_URL")
    if not url:
        return None
    if sa.make_url(url).get_backend_name() != "postgresql":
        raise CommandError("MIGRATIONS_DATABASE_URL is for PostgreSQL (SQLite has no roles)")
    return sa.create_engine(url, poolclass=sa.pool.NullPool)


def _grant_the_app_role(connection):
    """Grant DATABASE_URL's user the app's privileges; say what is still wrong, if anything."""
    from primaries.errors import Refused
    from primaries.privileges import grant_app_role

    log = logging.getLogger("alembic.env")
    role = target_db.engine.url.username
    if not role:
        log.warning("DATABASE_URL names no user: grant its role with `primaries db grant ROLE`")
        return
    try:
        problems = grant_app_role(connection, role)
    except Refused as exc:
        raise CommandError("; ".join(exc.problems)) from None
    log.info("granted %s the app's privileges", role)
    for problem in problems:
        log.warning("%s (see docs/deploy.md)", problem)


# The app's role (DATABASE_URL) may not change the schema: say how to migrate, not a traceback.
_NOT_THE_OWNER = (
    "the database refused to change the schema ({error}): migrations run as the owner of the "
    "tables; set MIGRATIONS_DATABASE_URL to the owner's URL for `primaries db upgrade` "
    "(docs/deploy.md, section 2)"
)


def run_migrations_online():
    owner = _owner_engine()
    try:
        with (owner or target_db.engine).connect() as connection:
            options = dict(current_app.extensions["migrate"].configure_args)
            options.setdefault("render_as_batch", connection.dialect.name == "sqlite")
            _configure(connection=connection, **options)
            with context.begin_transaction():
                try:
                    context.run_migrations()
                except sa.exc.ProgrammingError as exc:
                    if owner is None and getattr(exc.orig, "sqlstate", None) == "42501":
                        raise CommandError(_NOT_THE_OWNER.format(error=exc.orig)) from None
                    raise
                if owner is not None:
                    _grant_the_app_role(connection)
    finally:
        if owner is not None:
            owner.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
