"""Alembic environment: runs inside the Flask app, on the app's own engine."""

import logging
from logging.config import fileConfig

from alembic import context
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


def run_migrations_online():
    with target_db.engine.connect() as connection:
        options = dict(current_app.extensions["migrate"].configure_args)
        options.setdefault("render_as_batch", connection.dialect.name == "sqlite")
        _configure(connection=connection, **options)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
