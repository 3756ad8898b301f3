"""The installed ``primaries`` console script, run as a real process (CONTRACT section 6)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TEST_AUDIT_KEY

PRIMARIES = str(Path(sys.executable).with_name("primaries"))


def run(url: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "console-test",
        "AUDIT_SIGNING_KEY": TEST_AUDIT_KEY,
    }
    return subprocess.run(
        [PRIMARIES, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.fixture
def plain_url(database_url: str) -> str:
    """The test database as a user writes it: ``postgresql://`` without a driver name."""
    return database_url.replace("postgresql+psycopg://", "postgresql://")


def test_load_from_stdin_tally_and_exit_codes(plain_url: str, package: dict[str, Any]) -> None:
    upgrade = run(plain_url, "db", "upgrade")
    assert upgrade.returncode == 0, upgrade.stderr
    loaded = run(plain_url, "load", "-", stdin=json.dumps(package))
    assert loaded.returncode == 0, loaded.stderr
    tally = run(plain_url, "tally", "test-2024", "--json")
    assert tally.returncode == 0
    assert json.loads(tally.stdout)["outcome"]["qualifiers"] == ["AAA", "BBB"]
    again = run(plain_url, "load", "-", stdin=json.dumps(package))
    assert again.returncode == 1
    assert "already exists" in again.stderr
    assert "Traceback" not in again.stderr
    usage = run(plain_url, "tally")
    assert usage.returncode == 2
    verify = run(plain_url, "audit", "verify")
    assert verify.returncode == 0
    assert verify.stdout.strip() == "audit chain intact: 1 events"


def test_users_create_reads_the_password_from_a_pipe(plain_url: str) -> None:
    created = run(
        plain_url,
        "users",
        "create",
        "rina",
        "--role",
        "supervisor",
        stdin="correct horse battery\n",
    )
    assert created.returncode == 0, created.stderr


def test_an_empty_database_is_initialised(tmp_path: Path, package: dict[str, Any]) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    loaded = run(url, "load", "-", stdin=json.dumps(package))
    assert loaded.returncode == 0, loaded.stderr
    assert run(url, "tally", "test-2024").returncode == 0


def test_routes_lists_the_contract_paths(tmp_path: Path) -> None:
    routes = run(f"sqlite:///{tmp_path / 'r.sqlite'}", "routes")
    assert routes.returncode == 0
    assert "/api/v1/elections/<slug>/rounds/<int:number>/branches" in routes.stdout
    assert "/staff/" in routes.stdout


PROBE = """
import sys
from primaries.cli import main
try:
    main(sys.argv[1:], prog_name="primaries")
except SystemExit as exc:
    print("exit", exc.code)
heavy = ("alembic", "flask_migrate", "primaries.staff.views", "primaries.results.views")
print("loaded", *[name for name in heavy if name in sys.modules])
"""


def test_a_command_starts_without_alembic_or_the_pages(
    plain_url: str, package: dict[str, Any]
) -> None:
    """A command's start-up is most of what ``rla status`` costs (issue 12: 1 s at national
    scale): the committee's commands build an app without the pages and without Alembic."""
    assert run(plain_url, "load", "-", stdin=json.dumps(package)).returncode == 0
    env = {**os.environ, "DATABASE_URL": plain_url, "SECRET_KEY": "console-test"}
    env["AUDIT_SIGNING_KEY"] = TEST_AUDIT_KEY
    probe = subprocess.run(
        [sys.executable, "-c", PROBE, "tally", "test-2024", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert probe.stdout.splitlines()[-2:] == ["exit 0", "loaded"], probe.stderr


def test_flask_s_own_commands_and_migrations_still_have_everything(plain_url: str) -> None:
    routes = run(plain_url, "routes")
    assert routes.returncode == 0, routes.stderr
    assert "/elections/<slug>" in routes.stdout and "/staff/" in routes.stdout
    migrations = run(plain_url, "db", "--help")
    for command in ("upgrade", "downgrade", "current", "grant", "privileges"):
        assert f"  {command} " in migrations.stdout
    current = run(plain_url, "db", "current")
    assert current.returncode == 0 and "(head)" in current.stdout, current.stderr
