"""Operations, as docs/deploy.md describes them: a production start refuses to run without a
SECRET_KEY or an audit signing key, gunicorn serves the app, backups restore (SQLite online
backup; pg_dump/pg_restore) with equal tallies and an intact audit chain, and /healthz notices a
missing database."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from primaries import create_app
from primaries.extensions import db
from primaries.privileges import role_problems
from tests.conftest import (
    APP_ROLE,
    PG_ADMIN_URL,
    TEST_AUDIT_KEY,
    owner_url,
    skip_or_fail,
    superuser_url,
)
from tests.reliability.conftest import PRIMARIES, ROOT, command_env, export_text, verify_audit

GUNICORN = PRIMARIES.parent / "gunicorn"
MESSAGE = "SECRET_KEY is not set"


def _production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = command_env(f"sqlite:///{tmp_path / 'prod.sqlite'}", PRIMARIES_ENV="production")
    del env["SECRET_KEY"]
    env.update(extra)
    return env


def _instance_sets_a_secret_key() -> bool:
    config = ROOT / "instance" / "config.py"
    return config.exists() and "SECRET_KEY" in config.read_text(encoding="utf-8")


def test_a_production_command_without_secret_key_stops_with_a_clear_message(
    tmp_path: Path,
) -> None:
    if _instance_sets_a_secret_key():
        pytest.skip("instance/config.py on this machine sets SECRET_KEY")
    result = subprocess.run(
        [str(PRIMARIES), "db", "upgrade"],
        env=_production_env(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("Error: " + MESSAGE)
    assert "secrets.token_hex(32)" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "prod.sqlite").exists()


def test_a_production_command_without_an_audit_signing_key_stops_with_a_clear_message(
    tmp_path: Path,
) -> None:
    if (ROOT / "instance" / "audit_signing_key.pem").exists():
        pytest.skip("instance/ on this machine holds an audit signing key")
    env = _production_env(tmp_path, SECRET_KEY="a-production-secret-for-the-test")
    del env["AUDIT_SIGNING_KEY"]
    result = subprocess.run(
        [str(PRIMARIES), "db", "upgrade"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("Error: AUDIT_SIGNING_KEY is not set and ")
    assert "openssl genpkey -algorithm ed25519" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "prod.sqlite").exists()
    assert not (ROOT / "instance" / "audit_signing_key.pem").exists()


def _gunicorn(env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(GUNICORN), "--bind", "127.0.0.1:0", "--workers", "1", "primaries:create_app()"],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_gunicorn_in_production_without_secret_key_refuses_to_start(tmp_path: Path) -> None:
    if _instance_sets_a_secret_key():
        pytest.skip("instance/config.py on this machine sets SECRET_KEY")
    server = _gunicorn(_production_env(tmp_path), tmp_path)
    try:
        _, err = server.communicate(timeout=60)
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate(timeout=10)
    assert server.returncode != 0
    assert MESSAGE in err


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """gunicorn, as docs/deploy.md starts it, on a migrated SQLite database; its base URL."""
    env = _production_env(tmp_path, SECRET_KEY="a-production-secret-for-the-test")
    upgrade = subprocess.run(
        [str(PRIMARIES), "db", "upgrade"], env=env, capture_output=True, text=True, timeout=120
    )
    assert upgrade.returncode == 0, upgrade.stderr
    server = _gunicorn(env, tmp_path)
    try:
        assert server.stderr is not None
        deadline = time.monotonic() + 60
        url = None
        while url is None and time.monotonic() < deadline:
            line = server.stderr.readline()
            if not line and server.poll() is not None:
                break
            found = re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", line)
            url = found.group(1) if found else None
        assert url, "gunicorn did not start"
        yield url
    finally:
        server.terminate()
        try:
            server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.communicate(timeout=10)


def test_gunicorn_serves_the_app_with_the_security_headers(served: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(served + "/healthz", timeout=10) as response:
                body, headers, status = response.read(), response.headers, response.status
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    assert status == 200 and json.loads(body) == {"status": "ok"}
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Request-ID"]


# --------------------------------------------------------------------------------------------
# Backups that were restored


def _results(runner: FlaskCliRunner, slugs: list[str]) -> dict[str, Any]:
    """Every round's result JSON and the export of every election: what must survive."""
    db.session.remove()
    out: dict[str, Any] = {}
    for slug in slugs:
        out[slug] = export_text(runner, slug)
        for number in range(1, 3):
            tally = runner.invoke(args=["tally", slug, "--round", str(number), "--json"])
            if tally.exit_code == 0:
                out[f"{slug}/{number}"] = json.loads(tally.stdout)
    return out


def _load_two_elections(runner: FlaskCliRunner) -> list[str]:
    """The loaded small package plus the demo (two rounds, a runoff half counted)."""
    from primaries.models import Election

    demo = runner.invoke(args=["demo"])
    assert demo.exit_code == 0, demo.output
    db.session.remove()
    return sorted(db.session.scalars(db.select(Election.slug)))


def _restored_app(url: str) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "AUDIT_SIGNING_KEY": TEST_AUDIT_KEY,  # the key is restored from its own backup
            "SQLALCHEMY_DATABASE_URI": url,
        }
    )


def _check_restored(url: str, expected: dict[str, Any], slugs: list[str]) -> None:
    restored = _restored_app(url)
    try:
        with restored.app_context():
            runner = restored.test_cli_runner()
            verify_audit(runner)
            assert _results(runner, slugs) == expected
    finally:
        with restored.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.mark.backends("sqlite")
def test_sqlite_online_backup_restores_equal_tallies_and_audit_chain(
    app: Flask, runner: FlaskCliRunner, loaded: dict[str, Any], tmp_path: Path
) -> None:
    slugs = _load_two_elections(runner)
    assert len(slugs) == 2
    expected = _results(runner, slugs)
    copy = tmp_path / "backups" / "primaries-backup.sqlite"
    copy.parent.mkdir()

    made = runner.invoke(args=["backup", str(copy)])
    assert made.exit_code == 0, made.output
    assert "backup written" in made.stdout and "audit events" in made.stdout
    again = runner.invoke(args=["backup", str(copy)])
    assert again.exit_code == 1 and "exists already" in again.stderr
    assert [p.name for p in copy.parent.iterdir()] == [copy.name]  # no partial file left

    _check_restored(f"sqlite:///{copy}", expected, slugs)

    # The sqlite3 shell's .backup (the other way docs/deploy.md gives) restores as well.
    if shutil.which("sqlite3"):
        shell_copy = tmp_path / "shell-backup.sqlite"
        source = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
        done = subprocess.run(
            ["sqlite3", source, f".backup '{shell_copy}'"], capture_output=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        _check_restored(f"sqlite:///{shell_copy}", expected, slugs)


@pytest.mark.backends("postgresql")
def test_pg_dump_and_pg_restore_restore_equal_tallies_and_audit_chain(
    app: Flask, runner: FlaskCliRunner, loaded: dict[str, Any], tmp_path: Path, pg_server: Any
) -> None:
    pg_restore = shutil.which("pg_restore")
    if shutil.which("pg_dump") is None or pg_restore is None:
        skip_or_fail("pg_dump/pg_restore are not installed (apt-get install postgresql-client)")
    slugs = _load_two_elections(runner)
    expected = _results(runner, slugs)
    archive = tmp_path / "primaries.dump"
    made = runner.invoke(args=["backup", str(archive)])
    assert made.exit_code == 0, made.output
    assert "pg_dump" in made.stdout

    # As docs/deploy.md restores: into a new database of the owner, as the owner, which owns
    # what it restores; the app's grants come back with the archive (its role may read and
    # write, but not edit the audit table, nor TRUNCATE or ALTER anything).
    name = f"primaries_restore_{uuid.uuid4().hex[:10]}"
    target = pg_server.create(name)
    try:
        libpq = owner_url(target).replace("postgresql+psycopg://", "postgresql://")
        restored = subprocess.run(
            [pg_restore, "--no-owner", "--exit-on-error", f"--dbname={libpq}", str(archive)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert restored.returncode == 0, restored.stderr
        _check_restored(target, expected, slugs)
        for url, refusal in ((target, "permission denied"), (superuser_url(target), "append-only")):
            engine = sa.create_engine(url)
            try:
                with engine.connect() as connection:
                    assert role_problems(connection, APP_ROLE) == []
                for forgery in (
                    "UPDATE audit_events SET actor = 'forger'",
                    "DELETE FROM audit_events",
                    "TRUNCATE audit_events",
                ):
                    with (
                        pytest.raises(sa.exc.DBAPIError, match=refusal),
                        engine.begin() as connection,
                    ):
                        connection.exec_driver_sql(forgery)
            finally:
                engine.dispose()
    finally:
        pg_server.drop(name)


# --------------------------------------------------------------------------------------------
# /healthz


def _health_of(url: str) -> Any:
    app = _restored_app(url)
    try:
        return app.test_client().get("/healthz")
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_healthz_answers_503_when_the_sqlite_database_cannot_be_opened(tmp_path: Path) -> None:
    response = _health_of(f"sqlite:///{tmp_path / 'no-such-directory' / 'primaries.sqlite'}")
    assert response.status_code == 503
    assert response.get_json() == {"status": "database unavailable"}
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_healthz_answers_503_when_the_postgresql_database_does_not_exist(
    pg_server: Any,
) -> None:
    if pg_server is None:
        skip_or_fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL}")
    missing = pg_server.url(f"primaries_missing_{uuid.uuid4().hex[:10]}")
    response = _health_of(missing)
    assert response.status_code == 503
    assert response.get_json() == {"status": "database unavailable"}
