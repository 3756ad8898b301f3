"""Fresh databases for the benchmark: SQLite files under bench/out/db, PostgreSQL databases
created and dropped on the local server (127.0.0.1:5432, ``BENCH_PG`` overrides the admin URL)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from . import OUT
from .machine import PRIMARIES, Run, run

PG_ADMIN = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKENDS = ("sqlite", "postgresql")
SECRET = "bench-secret-key-not-for-production"
AUDIT_KEY = "be" * 32  # the audit chain's signing key of every benchmark command and server


@dataclass
class Database:
    backend: str
    url: str
    name: str

    @property
    def env(self) -> dict[str, str]:
        return {
            "DATABASE_URL": self.url,
            "SECRET_KEY": SECRET,
            "AUDIT_SIGNING_KEY": AUDIT_KEY,
            "FLASK_DEBUG": "0",
        }

    def primaries(self, *args: str, stdin: bytes | None = None) -> Run:
        return run([PRIMARIES, *args], env=self.env, stdin=stdin)


def postgres_available() -> str | None:
    """None when the server answers (started as CI starts it, if it is installed), else why not."""
    if not _answers():
        _start_local_cluster()
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # no server, no driver
        return f"{type(exc).__name__}: {exc}".strip()
    return None


def _answers() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception:  # not yet
        return False
    return True


def _start_local_cluster() -> None:
    """Start Debian's PostgreSQL cluster, as .ci/run does, when it is installed and down."""
    import shutil
    import subprocess
    import time
    from pathlib import Path

    versions = sorted(Path("/etc/postgresql").glob("*")) if Path("/etc/postgresql").exists() else []
    if not versions or not shutil.which("pg_ctlcluster"):
        return
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", versions[0].name, "main", "start"],
        capture_output=True,
        check=False,
    )
    for _ in range(30):
        if _answers():
            return
        time.sleep(1)


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type,unused-ignore]


@contextmanager
def fresh(backend: str, label: str, *, keep: bool = False) -> Iterator[Database]:
    """A new, migrated, empty database; dropped (or deleted) afterwards unless ``keep``."""
    name = f"bench_{label}_{uuid.uuid4().hex[:8]}"
    if backend == "sqlite":
        folder = OUT / "db"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.sqlite"
        database = Database(backend, f"sqlite:///{path}", name)
    else:
        _pg_admin(f'CREATE DATABASE "{name}"')
        database = Database(backend, PG_ADMIN.rsplit("/", 1)[0] + "/" + name, name)
    try:
        database.primaries("db", "upgrade").check("primaries db upgrade")
        yield database
    finally:
        if not keep:
            drop(database)


def drop(database: Database) -> None:
    if database.backend == "sqlite":
        path = OUT / "db" / f"{database.name}.sqlite"
        for suffix in ("", "-wal", "-shm"):
            p = path.with_name(path.name + suffix)
            if p.exists():
                p.unlink()
    else:
        _pg_admin(f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)')


@contextmanager
def copy_of(template: Database, label: str) -> Iterator[Database]:
    """A copy of a prepared database (nothing else may be connected to it); dropped afterwards.
    PostgreSQL copies it with ``CREATE DATABASE ... TEMPLATE``, SQLite copies the file."""
    name = f"bench_{label}_{uuid.uuid4().hex[:8]}"
    if template.backend == "sqlite":
        import shutil

        path = OUT / "db" / f"{name}.sqlite"
        shutil.copyfile(OUT / "db" / f"{template.name}.sqlite", path)
        database = Database("sqlite", f"sqlite:///{path}", name)
    else:
        _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template.name}"')
        database = Database(template.backend, template.url.rsplit("/", 1)[0] + "/" + name, name)
    try:
        yield database
    finally:
        drop(database)


def backend_pids(database: Database) -> set[int]:
    """The PostgreSQL processes serving the clients of this database now (none on SQLite)."""
    if database.backend != "postgresql":
        return set()
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = %s AND backend_type = 'client backend'",
            (database.name,),
        ).fetchall()
    return {int(pid) for (pid,) in rows}
