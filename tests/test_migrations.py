"""Migrations: one head, upgrade from empty, downgrade, and the models match the schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from primaries import ROOT
from primaries.extensions import db


def _script() -> ScriptDirectory:
    from alembic.config import Config

    config = Config(str(ROOT / "migrations" / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return ScriptDirectory.from_config(config)


def test_single_head() -> None:
    assert len(_script().get_heads()) == 1


def test_every_revision_has_a_title() -> None:
    for revision in _script().walk_revisions():
        assert revision.doc and revision.doc.strip(), revision.revision


def test_models_match_the_migrated_schema(app: Flask) -> None:
    # The ``app`` database was made by ``upgrade`` from empty (the template).
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_downgrade_to_empty_and_upgrade_again(app: Flask) -> None:
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade()
    assert "audit_events" in inspect(db.engine).get_table_names()
