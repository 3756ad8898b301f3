"""Fixtures for the whole suite.

Every test that takes ``app`` (or anything built on it) runs twice: on SQLite and on PostgreSQL.
Each test gets a database of its own: a copy of a migrated template (a file copy on SQLite,
``CREATE DATABASE ... TEMPLATE`` on the PostgreSQL server at 127.0.0.1:5432), dropped afterwards.
Without a PostgreSQL server the PostgreSQL half is skipped with the reason, except in CI
(``CI=true``), where that is a failure.

On PostgreSQL the suite runs as docs/deploy.md deploys: the databases belong to the role
:data:`OWNER_ROLE`, which runs the migrations (``MIGRATIONS_DATABASE_URL``), and the app (the test
app, the ``primaries`` command, gunicorn: ``database_url``) runs as :data:`APP_ROLE`, which owns
nothing and may only SELECT and INSERT the audit table. Both roles are made on first use and kept
(several test sessions may share the server). A test that changes data behind the app's back as a
hostile DBA would (``DISABLE TRIGGER``, editing the audit chain) uses :func:`superuser_connection`
or ``superuser_database_url``; ``tests/test_pg_privileges.py`` proves the app role cannot.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from primaries import create_app
from primaries.extensions import db

PG_ADMIN_URL = os.environ.get(
    "PRIMARIES_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
IN_CI = os.environ.get("CI", "").lower() == "true"
BACKENDS = ("sqlite", "postgresql")
# The audit chain's signing key of every test app and ``primaries`` subprocess (the same one, so
# that either can append to a chain the other began). Tests of the key itself set their own.
TEST_AUDIT_KEY = "5eed" * 16
OWNER_ROLE = "primaries_test_owner"  # owns the tables, runs the migrations
APP_ROLE = "primaries_test_app"  # the app: owns nothing (primaries.privileges)


def _as(url: str | sa.URL, role: str | None) -> str:
    """``url`` with ``role`` as its user (its password is its name; None: the server's admin)."""
    admin = sa.make_url(PG_ADMIN_URL)
    user, password = (role, role) if role else (admin.username, admin.password)
    return sa.make_url(url).set(username=user, password=password).render_as_string(False)


def owner_url(url: str) -> str:
    """The same PostgreSQL database as the owner of its tables (a SQLite URL as it is)."""
    return _as(url, OWNER_ROLE) if url.startswith("postgresql") else url


def superuser_url(url: str | sa.URL) -> str:
    """The same PostgreSQL database as the server's superuser (a SQLite URL as it is)."""
    return _as(url, None) if str(url).startswith("postgresql") else str(url)


@contextmanager
def superuser_connection() -> Iterator[sa.Connection]:
    """A transaction on the current app's database with every right, behind the app's back, as
    a hostile DBA: on PostgreSQL as the server's superuser (the app's role may not ALTER, DISABLE
    TRIGGER, TRUNCATE, nor UPDATE or DELETE the audit table), on SQLite on the app's own file.
    The app's session is rolled back first, so that none of its locks is waited for."""
    db.session.rollback()
    if db.engine.dialect.name != "postgresql":
        with db.engine.begin() as connection:
            yield connection
        return
    engine = sa.create_engine(superuser_url(db.engine.url), poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as connection:
            yield connection
    finally:
        engine.dispose()


def skip_or_fail(reason: str) -> None:
    """Skip with the reason on a developer's machine; fail in CI, where nothing may be skipped."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: this must not be skipped)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session", autouse=True)
def repository_instance_untouched() -> Iterator[None]:
    """No test writes into the repository's instance/ (a developer's own keys live there)."""
    from primaries import ROOT

    def listing() -> dict[str, float]:
        folder = ROOT / "instance"
        return {p.name: p.stat().st_mtime for p in folder.iterdir()} if folder.is_dir() else {}

    before = listing()
    yield
    assert listing() == before, "a test wrote into the repository's instance/ folder"


def _base_config(url: str, tmp: Path) -> dict[str, Any]:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "AUDIT_SIGNING_KEY": TEST_AUDIT_KEY,
        "INSTANCE_PATH": str(tmp / "instance"),  # never the repository's instance/
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        # no listener thread holding each test's database open (tests/results/test_notices.py)
        "RESULTS_CHANGE_NOTIFY": False,
    }
    if sa.make_url(url).username == APP_ROLE:  # migrations (db upgrade...) run as the owner
        config["MIGRATIONS_DATABASE_URL"] = owner_url(url)
    return config


def _migrate(url: str, tmp: Path) -> None:
    from flask_migrate import upgrade

    app = create_app(_base_config(url, tmp))
    with app.app_context():
        upgrade()
        db.engine.dispose()


class PostgresServer:
    """Creates and drops the suite's databases on the local PostgreSQL server, owned by
    :data:`OWNER_ROLE`; their URLs are the app's (:data:`APP_ROLE`)."""

    def __init__(self) -> None:
        self.admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with self.admin.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
            self._ensure_roles(conn)
        self.template = f"primaries_tpl_{uuid.uuid4().hex[:10]}"
        self.created: list[str] = []

    @staticmethod
    def _ensure_roles(conn: sa.Connection) -> None:
        """Make the two roles if they are missing (once for every session on this server)."""
        conn.exec_driver_sql("SELECT pg_advisory_lock(7020202611)")
        try:
            for role in (OWNER_ROLE, APP_ROLE):
                if not conn.exec_driver_sql(
                    "SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)
                ).first():
                    conn.exec_driver_sql(f"CREATE ROLE {role} LOGIN PASSWORD '{role}'")
        finally:
            conn.exec_driver_sql("SELECT pg_advisory_unlock(7020202611)")

    def url(self, name: str) -> str:
        """The database ``name`` as the app connects to it."""
        return _as(PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name, APP_ROLE)

    def create(self, name: str, template: str | None = None) -> str:
        with self.admin.connect() as conn:
            suffix = f" TEMPLATE {template}" if template else ""
            conn.exec_driver_sql(f'CREATE DATABASE "{name}" OWNER {OWNER_ROLE}{suffix}')
        return self.url(name)

    def drop(self, name: str) -> None:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        self.drop(self.template)
        self.admin.dispose()


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer | None]:
    try:
        server = PostgresServer()
    except Exception as exc:  # no server, no driver, refused
        yield None
        _ = exc
        return
    url = server.create(server.template)
    _migrate(url, tmp_path_factory.mktemp("pgtpl"))
    yield server
    server.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite"
    _migrate(f"sqlite:///{path}", path.parent)
    return path


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run every database test on each backend (``@pytest.mark.backends(...)`` narrows it)."""
    if "backend" in metafunc.fixturenames:
        marker = metafunc.definition.get_closest_marker("backends")
        backends = marker.args if marker else BACKENDS
        metafunc.parametrize("backend", backends, indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, migrated, empty database of the test's backend.

    Each backend's template is asked for only when a test uses it: a session of SQLite tests
    alone (``make mutants`` runs one per mutant) neither migrates nor drops a PostgreSQL one.
    """
    if backend == "sqlite":
        sqlite_template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "primaries.sqlite"
        shutil.copyfile(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    pg_server: PostgresServer | None = request.getfixturevalue("pg_server")
    if pg_server is None:
        skip_or_fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL}")
    assert pg_server is not None
    name = f"primaries_t_{uuid.uuid4().hex[:12]}"
    yield pg_server.create(name, template=pg_server.template)
    pg_server.drop(name)


@pytest.fixture
def owner_database_url(database_url: str) -> str:
    """The test's database as the owner of its tables (SQLite: the same file)."""
    return owner_url(database_url)


@pytest.fixture
def superuser_database_url(database_url: str) -> str:
    """The test's database as the server's superuser (SQLite: the same file)."""
    return superuser_url(database_url)


@pytest.fixture
def make_app(database_url: str, tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """Build an app on the test's database, with config overrides."""
    apps: list[Flask] = []

    def build(**overrides: Any) -> Flask:
        config = _base_config(database_url, tmp_path)
        config.update(overrides)
        app = create_app(config)
        apps.append(app)
        return app

    yield build
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    app = make_app()
    with app.app_context():
        yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


# --------------------------------------------------------------------------------------------
# Domain fixtures: a small election in the contract's package format


def small_package(**overrides: Any) -> dict[str, Any]:
    """Four candidates, five branches, round 1 complete with a runoff, no round 2."""
    package: dict[str, Any] = {
        "format": "primaries/election@1",
        "election": {
            "slug": "test-2024",
            "name": "Test primary",
            "rules": {},
            "candidates": [
                {"code": "AAA", "name": "Alice Aharoni"},
                {"code": "BBB", "name": "Boaz Ben-David"},
                {"code": "CCC", "name": "Carmel Cohen"},
                {"code": "DDD", "name": "Dana Dror"},
            ],
            "branches": [
                {"code": "B1", "name": "Haifa - Carmel", "region": "North", "eligible": 500},
                {"code": "B2", "name": "Tel Aviv - Center", "region": "Center", "eligible": 800},
                {"code": "B3", "name": "Yeruham", "region": "South", "eligible": 200},
                {"code": "B4", "name": "Mitzpe Ramon", "region": "South", "eligible": 150},
                {"code": "B5", "name": "Ma'alot", "region": None, "eligible": 300},
            ],
        },
        "rounds": [
            {
                "number": 1,
                "held_on": "2024-03-01",
                "sheets": [
                    {
                        "branch": "B1",
                        "ballots_cast": 300,
                        "invalid": 4,
                        "votes": {"AAA": 100, "BBB": 90, "CCC": 60, "DDD": 46},
                    },
                    {
                        "branch": "B2",
                        "ballots_cast": 500,
                        "invalid": 5,
                        "votes": {"AAA": 150, "BBB": 160, "CCC": 120, "DDD": 65},
                    },
                    {
                        "branch": "B3",
                        "ballots_cast": 120,
                        "invalid": 0,
                        "votes": {"AAA": 30, "BBB": 46, "CCC": 10, "DDD": 34},
                    },
                    {
                        "branch": "B4",
                        "ballots_cast": 100,
                        "invalid": 1,
                        "votes": {"AAA": 40, "BBB": 20, "CCC": 20, "DDD": 19},
                    },
                    {"branch": "B5", "annulled": True, "reason": "observers removed"},
                ],
            }
        ],
    }
    package.update(overrides)
    return package


@pytest.fixture
def package() -> dict[str, Any]:
    return small_package()


@pytest.fixture
def write_json(tmp_path: Path) -> Callable[[Any], Path]:
    def write(data: Any, name: str = "package.json") -> Path:
        path = tmp_path / name
        path.write_text(json.dumps(data), encoding="utf-8")
        return path

    return write


@pytest.fixture
def loaded(
    app: Flask, runner: FlaskCliRunner, package: dict[str, Any], write_json: Callable[[Any], Path]
) -> dict[str, Any]:
    """The small package, loaded through the command line."""
    result = runner.invoke(args=["load", str(write_json(package))])
    assert result.exit_code == 0, result.output
    return package
