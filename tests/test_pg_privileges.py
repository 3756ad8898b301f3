"""Least privilege on PostgreSQL (issue 11): the app's role cannot rewrite the audit chain.

The suite's PostgreSQL databases are deployed as docs/deploy.md deploys them (tests/conftest.py):
the migrations ran as :data:`OWNER_ROLE`, the app runs as :data:`APP_ROLE`. Here the app's own
connection tries what a hostile insider holding the app's password would: UPDATE, DELETE or
TRUNCATE the audit table, ALTER TABLE ... DISABLE TRIGGER, drop or replace the trigger, TRUNCATE
or DROP any table, become the owner. Every attempt is refused by PostgreSQL's privileges (never by
the append-only trigger alone: the refusals hold with the trigger disabled by the superuser), and
the chain still verifies. That the role can do the whole election is shown by the rest of the
suite, which runs as it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy.exc import DBAPIError

from primaries import ROOT, create_app
from primaries.audit.chain import verify
from primaries.extensions import db
from primaries.privileges import grant_app_role, role_problems
from tests.conftest import (
    APP_ROLE,
    OWNER_ROLE,
    TEST_AUDIT_KEY,
    PostgresServer,
    owner_url,
    skip_or_fail,
    superuser_connection,
    superuser_url,
)

pytestmark = pytest.mark.backends("postgresql")

REFUSED = r"permission denied|must be owner"
# The apps built here by hand: the suite's audit signing key (nothing written to instance/).
KEYS = {"TESTING": True, "SECRET_KEY": "x", "AUDIT_SIGNING_KEY": TEST_AUDIT_KEY}


def _refused(sql: str) -> str:
    """Run ``sql`` on the app's own connection; it must be refused by a privilege check."""
    db.session.rollback()
    with pytest.raises(DBAPIError, match=REFUSED) as caught, db.engine.begin() as connection:
        connection.exec_driver_sql(sql)
    message = str(caught.value.orig)
    assert "append-only" not in message, message  # refused before any trigger ran
    return message


def _tables() -> list[str]:
    db.session.rollback()
    return sorted(sa.inspect(db.engine).get_table_names())


@pytest.fixture
def owner_engine(database_url: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(owner_url(database_url), poolclass=sa.pool.NullPool)
    yield engine
    engine.dispose()


def test_the_app_runs_as_a_role_that_owns_nothing(app: Flask, runner: FlaskCliRunner) -> None:
    with db.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT current_user")).scalar_one() == APP_ROLE
        assert role_problems(connection, APP_ROLE) == []
        owners = connection.execute(
            sa.text("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")
        ).scalars()
        assert set(owners) == {OWNER_ROLE}  # the migrations ran as the owner
    checked = runner.invoke(args=["db", "privileges"])
    assert checked.exit_code == 0, checked.output
    assert checked.stdout.startswith(f"{APP_ROLE}: least privilege")


def test_the_app_role_cannot_rewrite_the_audit_chain(
    app: Flask, runner: FlaskCliRunner, loaded: dict[str, Any]
) -> None:
    db.session.rollback()
    before = verify()
    assert before.ok and "1 events" in before.message
    for sql in (
        "UPDATE audit_events SET actor = 'forger'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
        "ALTER TABLE audit_events DISABLE TRIGGER USER",
        "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only",
        "DROP TRIGGER audit_events_append_only ON audit_events",
        "CREATE OR REPLACE FUNCTION audit_events_refuse_change() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$",
        "DROP FUNCTION audit_events_refuse_change() CASCADE",
        "CREATE TRIGGER sneaky BEFORE INSERT ON audit_events "
        "FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change()",
        "ALTER TABLE audit_events OWNER TO primaries_test_app",
        "ALTER TABLE audit_events RENAME TO audit_events_old",
        "DROP TABLE audit_events CASCADE",
        "LOCK TABLE audit_events IN ACCESS EXCLUSIVE MODE",
        "SET session_replication_role = replica",  # would skip every trigger
        f"SET ROLE {OWNER_ROLE}",
        "CREATE TABLE audit_events_copy (id int)",
        "SELECT setval('audit_events_id_seq', 1)",
    ):
        _refused(sql)
    db.session.rollback()
    assert verify().message == before.message


def test_without_the_trigger_the_app_role_still_cannot_edit_the_audit_chain(
    app: Flask, loaded: dict[str, Any]
) -> None:
    """The privileges alone refuse: the superuser disables the trigger (and commits), and the
    app's role still may neither UPDATE, DELETE nor TRUNCATE the table."""
    with superuser_connection() as connection:
        connection.exec_driver_sql("ALTER TABLE audit_events DISABLE TRIGGER USER")
    try:
        for sql in (
            "UPDATE audit_events SET actor = 'forger'",
            "DELETE FROM audit_events",
            "TRUNCATE audit_events",
        ):
            assert "permission denied for table audit_events" in _refused(sql)
    finally:
        with superuser_connection() as connection:
            connection.exec_driver_sql("ALTER TABLE audit_events ENABLE TRIGGER USER")
    db.session.rollback()
    assert verify().ok


def test_the_app_role_cannot_truncate_alter_or_drop_any_table(app: Flask) -> None:
    tables = _tables()
    assert {"audit_events", "sheets", "entry_votes", "candidate_totals"} <= set(tables)
    for table in tables:
        _refused(f"TRUNCATE {table}")
        _refused(f"ALTER TABLE {table} DISABLE TRIGGER ALL")
        _refused(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        _refused(f"DROP TABLE {table}")
    _refused("UPDATE alembic_version SET version_num = 'x'")


def test_a_table_of_a_later_migration_is_the_apps_at_once(app: Flask, owner_engine: Any) -> None:
    """The owner's default privileges cover tables created after the grant (by the migrations
    of other features) without any edit: read and write, never TRUNCATE."""
    with owner_engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE later_requests (id serial PRIMARY KEY, note text)")
    db.session.rollback()
    with db.engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO later_requests (note) VALUES ('asked')")
        connection.exec_driver_sql("UPDATE later_requests SET note = 'approved'")
        assert connection.exec_driver_sql("SELECT note FROM later_requests").scalar() == "approved"
        connection.exec_driver_sql("DELETE FROM later_requests")
    _refused("TRUNCATE later_requests")
    _refused("DROP TABLE later_requests")


def test_db_privileges_names_what_is_too_much_and_db_upgrade_takes_it_back(
    app: Flask, runner: FlaskCliRunner, owner_engine: Any
) -> None:
    """Grants an old deployment may have left (TRUNCATE, UPDATE of the audit table) are named
    by ``primaries db privileges`` (exit 1) and taken back by the grants that end every
    ``primaries db upgrade`` run as the owner (MIGRATIONS_DATABASE_URL)."""
    with owner_engine.begin() as connection:
        connection.exec_driver_sql(f"GRANT TRUNCATE ON sheets TO {APP_ROLE}")
        connection.exec_driver_sql(f"GRANT UPDATE, DELETE ON audit_events TO {APP_ROLE}")
    checked = runner.invoke(args=["db", "privileges"])
    assert checked.exit_code == 1
    assert f"{APP_ROLE} may TRUNCATE sheets" in checked.stderr
    assert f"{APP_ROLE} may UPDATE audit_events" in checked.stderr
    assert f"{APP_ROLE} may DELETE audit_events" in checked.stderr
    db.session.remove()
    upgraded = runner.invoke(args=["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    assert runner.invoke(args=["db", "privileges"]).exit_code == 0
    with owner_engine.begin() as connection:
        connection.exec_driver_sql(f"GRANT TRUNCATE ON rounds TO {APP_ROLE}")
    granted = runner.invoke(args=["db", "grant"])  # DATABASE_URL's user, as the owner
    assert granted.exit_code == 0, granted.output
    assert granted.stdout.startswith(f"{APP_ROLE} may now read and write the data tables")
    assert runner.invoke(args=["db", "privileges"]).exit_code == 0


@pytest.mark.parametrize(
    ("role", "words"),
    [
        ("postgres", "postgres is a superuser"),
        (OWNER_ROLE, f"{OWNER_ROLE} owns the tables"),
        ("no_such_role_here", "the role no_such_role_here does not exist"),
    ],
)
def test_db_grant_refuses_a_role_that_cannot_be_made_least_privileged(
    app: Flask, runner: FlaskCliRunner, role: str, words: str
) -> None:
    granted = runner.invoke(args=["db", "grant", role])
    assert granted.exit_code == 1
    assert words in granted.stderr


def test_grant_refuses_a_caller_who_does_not_own_every_table(app: Flask, owner_engine: Any) -> None:
    with superuser_connection() as connection:
        connection.exec_driver_sql("CREATE TABLE stray (id int)")  # owned by the superuser
    from primaries.errors import Refused

    with owner_engine.begin() as connection, pytest.raises(Refused, match="does not own stray"):
        grant_app_role(connection, APP_ROLE)


@pytest.mark.backends("sqlite")
def test_sqlite_has_no_roles_to_check(runner: FlaskCliRunner) -> None:
    checked = runner.invoke(args=["db", "privileges"])
    assert checked.exit_code == 0
    assert "SQLite has no roles" in checked.stdout


def test_deploy_md_gives_the_sql_that_db_grant_runs(app: Flask, owner_engine: sa.Engine) -> None:
    ran: list[str] = []

    def keep(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith(("GRANT", "REVOKE", "ALTER DEFAULT")):
            ran.append(statement.replace(APP_ROLE, "primaries") + ";")

    sa.event.listen(owner_engine, "before_cursor_execute", keep)
    with owner_engine.begin() as connection:
        assert grant_app_role(connection, APP_ROLE) == []
    deploy = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    shown = deploy.split("```sql\n", 1)[1].split("```", 1)[0].splitlines()
    assert shown == ran


def test_an_installation_whose_app_owns_the_tables_moves_as_deploy_md_says(
    pg_server: PostgresServer | None, package: dict[str, Any], write_json: Callable[..., Path]
) -> None:
    """The earlier docs/deploy.md made the app's role own the database: REASSIGN OWNED to the
    owner, then ``db upgrade`` with MIGRATIONS_DATABASE_URL, and the app has least privilege,
    its data and chain intact."""
    if pg_server is None:
        skip_or_fail("PostgreSQL is not reachable")
    assert pg_server is not None
    name = f"primaries_old_{uuid.uuid4().hex[:10]}"
    with pg_server.admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}" OWNER {APP_ROLE}')
    url = pg_server.url(name)
    try:
        old = create_app({**KEYS, "SQLALCHEMY_DATABASE_URI": url})
        with old.app_context():
            loaded = old.test_cli_runner().invoke(args=["load", str(write_json(package))])
            assert loaded.exit_code == 0, loaded.output  # an empty database: migrated first
            with db.engine.connect() as connection:
                problems = role_problems(connection, APP_ROLE)
            assert any(" owns " in p and "audit_events" in p for p in problems), problems
            db.engine.dispose()
        engine = sa.create_engine(superuser_url(url), poolclass=sa.pool.NullPool)
        with engine.begin() as connection:
            connection.exec_driver_sql(f"REASSIGN OWNED BY {APP_ROLE} TO {OWNER_ROLE}")
            connection.exec_driver_sql("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        engine.dispose()
        moved = create_app(
            {
                **KEYS,
                "SQLALCHEMY_DATABASE_URI": url,
                "MIGRATIONS_DATABASE_URL": owner_url(url),
            }
        )
        with moved.app_context():
            runner = moved.test_cli_runner()
            assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
            checked = runner.invoke(args=["db", "privileges"])
            assert checked.exit_code == 0, checked.output
            assert runner.invoke(args=["audit", "verify"]).exit_code == 0
            annul = ["annul", "test-2024", "--round", "1", "B1", "--reason", "complaint"]
            assert runner.invoke(args=annul).exit_code == 0
            _refused("TRUNCATE audit_events")
            db.session.remove()
            db.engine.dispose()
    finally:
        pg_server.drop(name)


def test_db_upgrade_as_the_app_role_says_to_use_the_owners_url(
    pg_server: PostgresServer | None, caplog: pytest.LogCaptureFixture
) -> None:
    """Without MIGRATIONS_DATABASE_URL the migrations would run as the app's role, which may not
    create a table: the command says what to set, and exits 1 (no traceback)."""
    if pg_server is None:
        skip_or_fail("PostgreSQL is not reachable")
    assert pg_server is not None
    name = f"primaries_e_{uuid.uuid4().hex[:10]}"
    url = pg_server.create(name)  # empty, of the owner
    try:
        app = create_app({**KEYS, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgraded = app.test_cli_runner().invoke(args=["db", "upgrade"])
            db.engine.dispose()
        assert upgraded.exit_code == 1
        assert "permission denied for schema public" in caplog.text
        assert "set MIGRATIONS_DATABASE_URL to the owner's URL" in caplog.text
    finally:
        pg_server.drop(name)
