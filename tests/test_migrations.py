"""Migrations: one head, upgrade from empty, downgrade, and the models match the schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask.testing import FlaskCliRunner
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


def test_four_eyes_migration_down_and_up_with_data(app: Flask, runner: FlaskCliRunner) -> None:
    """0004 (requests) on a database that holds an election: down to 0003 drops the requests and
    the setting (the audit chain keeps both), and up again turns four eyes on for it."""
    import json

    from tests.conftest import small_package

    package = small_package()
    result = runner.invoke(args=["load", "-"], input=json.dumps(package))
    assert result.exit_code == 0, result.output
    off = runner.invoke(args=["four-eyes", "test-2024", "off", "--reason", "small committee"])
    assert off.exit_code == 0, off.output
    db.session.remove()
    downgrade(revision="0003")
    inspector = inspect(db.engine)
    assert "change_requests" not in inspector.get_table_names()
    assert "four_eyes" not in {c["name"] for c in inspector.get_columns("elections")}
    assert "four_eyes" not in {c["name"] for c in inspector.get_columns("round_events")}
    upgrade()
    db.session.remove()
    with db.engine.connect() as connection:
        four_eyes = connection.exec_driver_sql("SELECT four_eyes FROM elections").scalar_one()
    assert bool(four_eyes) is True  # on again: the default for every election
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
