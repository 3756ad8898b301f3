"""Helpers for the reliability tests: database snapshots, the real ``primaries`` command in a
subprocess, large generated packages, and signing in through the real form."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select

from primaries.extensions import db
from primaries.models import AuditEvent

ROOT = Path(__file__).resolve().parents[2]
PRIMARIES = Path(sys.executable).parent / "primaries"
ADMIN_PASSWORD = "a-long-admin-password"


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the app's database, in primary-key order (needs an app
    context). Two equal snapshots mean the database did not change."""
    db.session.remove()
    tables: dict[str, list[tuple[Any, ...]]] = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
        tables[table.name] = [tuple(row) for row in rows]
    db.session.remove()
    return tables


def audit_count() -> int:
    count = db.session.scalar(select(func.count(AuditEvent.id)))
    db.session.remove()
    return int(count or 0)


def export_text(runner: FlaskCliRunner, slug: str) -> str:
    db.session.remove()  # no read transaction left open from before: see the latest commit
    result = runner.invoke(args=["export", slug])
    assert result.exit_code == 0, result.output
    return result.stdout


def verify_audit(runner: FlaskCliRunner) -> str:
    db.session.remove()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "audit chain intact" in result.stdout
    return result.stdout


def command_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a ``primaries`` subprocess on the test's database."""
    env = {k: v for k, v in os.environ.items() if k not in ("PRIMARIES_ENV", "SECRET_KEY")}
    env.update(DATABASE_URL=database_url, SECRET_KEY="test-secret-key", PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


def run_primaries(
    args: list[str], database_url: str, *, timeout: float = 120, **extra_env: str
) -> subprocess.CompletedProcess[str]:
    """Run the installed ``primaries`` command to completion (bounded in time)."""
    return subprocess.run(
        [str(PRIMARIES), *args],
        env=command_env(database_url, **extra_env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def big_package(slug: str, branches: int, candidates: int, *, sheets: bool = True) -> dict:
    """A package of ``branches`` x ``candidates``; round 1 fully counted, or without sheets."""
    codes = [f"C{i:02d}" for i in range(candidates)]
    package: dict[str, Any] = {
        "format": "primaries/election@1",
        "election": {
            "slug": slug,
            "name": f"Generated primary {slug}",
            "rules": {},
            "candidates": [{"code": c, "name": f"Candidate {c}"} for c in codes],
            "branches": [
                {"code": f"B{i:05d}", "name": f"Branch {i}", "region": "R", "eligible": 1000}
                for i in range(branches)
            ],
        },
        "rounds": [{"number": 1, "sheets": []}],
    }
    if sheets:
        package["rounds"][0]["sheets"] = [
            {"branch": f"B{i:05d}", "ballots_cast": 3 + sum(v.values()), "invalid": 3, "votes": v}
            for i, v in ((i, _votes(i, codes)) for i in range(branches))
        ]
    return package


def _votes(branch: int, codes: list[str]) -> dict[str, int]:
    return {
        code: (branch * 7 + j * 13) % 50 + (40 if j == 0 else 0) for j, code in enumerate(codes)
    }


def sheets_csv(codes: list[str], branches: range) -> str:
    """An import-sheets CSV for the branches of :func:`big_package`."""
    lines = [",".join(["branch", "ballots_cast", "invalid", *codes])]
    for i in branches:
        votes = _votes(i, codes)
        lines.append(",".join([f"B{i:05d}", str(3 + sum(votes.values())), "3"]))
        lines[-1] += "," + ",".join(str(votes[c]) for c in codes)
    return "\n".join(lines) + "\n"


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def create_admin(runner: FlaskCliRunner, name: str = "chief") -> None:
    result = runner.invoke(
        args=["users", "create", name, "--role", "admin"], input=ADMIN_PASSWORD + "\n"
    )
    assert result.exit_code == 0, result.output


def sign_in(client: FlaskClient, name: str = "chief", password: str = ADMIN_PASSWORD) -> None:
    response = client.post("/staff/sign-in", data={"username": name, "password": password})
    assert response.status_code in (302, 303), response.status_code


def fresh_context(app: Flask) -> None:
    """Drop the session, so a failed request cannot leave its transaction to the next one."""
    with app.app_context():
        db.session.remove()
