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
from primaries.schema import HEAD


def _script() -> ScriptDirectory:
    from alembic.config import Config

    config = Config(str(ROOT / "migrations" / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return ScriptDirectory.from_config(config)


def test_single_head() -> None:
    assert len(_script().get_heads()) == 1


def test_the_code_knows_the_head() -> None:
    """Commands check the schema against ``HEAD`` without loading Alembic: it must be the head."""
    assert _script().get_heads() == [HEAD]


def test_a_database_behind_the_code_is_refused_by_commands(
    app: Flask, runner: FlaskCliRunner
) -> None:
    downgrade(revision="0006")
    result = runner.invoke(args=["tally", "test-2024"])
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"the database schema is at 0006 but this version of primaries needs {HEAD}: "
        "run `primaries db upgrade`"
    )
    upgrade()


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
    # The chain is intact, but it says four eyes is off: audit verify names the difference...
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "elections.four_eyes: the chain says false" in result.stderr
    # ...until the setting is made again, as an audited change.
    again = runner.invoke(args=["four-eyes", "test-2024", "off", "--reason", "after the upgrade"])
    assert again.exit_code == 0, again.output
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def _running_totals_triggers() -> tuple[list[str], list[str]]:
    """The names of migration 0002's triggers and (PostgreSQL) trigger functions in the database."""
    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            triggers = (
                "SELECT tgname FROM pg_trigger WHERE substr(tgname, 1, 6) = 'totals' ORDER BY 1"
            )
            functions = (
                "SELECT proname FROM pg_proc WHERE substr(proname, 1, 6) = 'totals' ORDER BY 1"
            )
            return (
                list(connection.exec_driver_sql(triggers).scalars()),
                list(connection.exec_driver_sql(functions).scalars()),
            )
        triggers = (
            "SELECT name FROM sqlite_master "
            "WHERE type = 'trigger' AND substr(name, 1, 6) = 'totals'"
        )
        return sorted(connection.exec_driver_sql(triggers).scalars()), []


def test_downgrading_below_the_running_totals_leaves_no_trigger_behind(app: Flask) -> None:
    """Migration 0002's downgrade drops its triggers (and on PostgreSQL their functions) with its
    tables: a trigger left on ``sheets`` would write into the dropped ``round_totals``. Upgraded
    again, they are all made anew."""
    made = _running_totals_triggers()
    assert len(made[0]) == 8
    db.session.remove()
    downgrade(revision="0001")
    assert _running_totals_triggers() == ([], [])
    upgrade()
    assert _running_totals_triggers() == made
