"""``primaries backup FILE``: a consistent copy of the database, taken while the service runs.

- SQLite: SQLite's online backup API copies the database page by page under one read
  transaction, so the copy is the database as of one moment, even while staff keep entering
  sheets (readers never block writers in WAL mode). The copy is an ordinary SQLite file: point
  ``DATABASE_URL`` at it to restore.
- PostgreSQL: ``pg_dump --format=custom`` (the PostgreSQL client must be installed), restored with
  ``pg_restore``; see ``docs/deploy.md``. The password, if the URL has one, is handed to pg_dump
  in its environment, never on a command line that ``ps`` shows.

The copy is written next to FILE under a temporary name and renamed when complete, so FILE is
never a half-written backup; an existing FILE is not overwritten.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL

from .errors import Refused
from .extensions import db


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    kind: str  # "sqlite" or "pg_dump"
    size: int
    audit_events: int | None  # known for SQLite copies (counted in the copy itself)


def backup_database(target: Path) -> BackupSummary:
    """Copy the app's database to ``target`` (see the module docstring)."""
    target = target.expanduser().resolve()
    if target.exists():
        raise Refused(
            f"{target} exists already: give a new file name (backups are never overwritten)"
        )
    if not target.parent.is_dir():
        raise Refused(f"{target.parent} is not a directory")
    url = db.engine.url
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        if url.get_backend_name() == "sqlite":
            events = _sqlite_backup(url, partial)
            kind = "sqlite"
        elif url.get_backend_name() == "postgresql":
            _pg_dump(url, partial)
            events, kind = None, "pg_dump"
        else:  # pragma: no cover - only SQLite and PostgreSQL are supported
            raise Refused(f"cannot back up a {url.get_backend_name()} database")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return BackupSummary(target, kind, target.stat().st_size, events)


def _sqlite_backup(url: URL, partial: Path) -> int:
    if not url.database or url.database == ":memory:":
        raise Refused("an in-memory database cannot be backed up")
    source_path = Path(url.database)
    if not source_path.exists():
        raise Refused(f"the database {source_path} does not exist")
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    copy = sqlite3.connect(partial)
    try:
        source.backup(copy)  # all pages in one step: one consistent moment
        if copy.execute("PRAGMA integrity_check").fetchone() != ("ok",):
            raise Refused("the copy failed SQLite's integrity check; the database may be damaged")
        row = copy.execute("SELECT count(*) FROM audit_events").fetchone()
    finally:
        copy.close()
        source.close()
    return int(row[0])


def _pg_dump(url: URL, partial: Path) -> None:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise Refused(
            "pg_dump is not installed: install the PostgreSQL client "
            "(Debian/Ubuntu: apt-get install postgresql-client)"
        )
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    dbname = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    result = subprocess.run(  # noqa: S603 (a fixed program; the URL is the operator's own)
        [pg_dump, "--format=custom", f"--file={partial}", f"--dbname={dbname}"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        problems = [line for line in result.stderr.splitlines() if line.strip()]
        raise Refused(["pg_dump failed:", *problems])
