"""Crashes: the real ``primaries`` command killed with SIGKILL in the middle of its transaction.

The kill is not timed by guesswork; the test watches the database until the command is writing:

- PostgreSQL: the test holds a SHARE lock on ``sheets``, so the command writes the election, its
  branches, the entries and their votes, and then waits inside its transaction to write the
  sheets; it is killed there (a backend with a transaction id waiting for that lock);
- SQLite: the command holds the write lock and its uncommitted pages have spilled into the WAL
  file (more than :data:`SPILL_BYTES` past the size when the lock was taken).

Afterwards every row of every table is as before, the audit chain verifies, and the same command
run again succeeds.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from primaries.audit.records import ROWS_PER_EVENT
from primaries.extensions import db
from primaries.models import AuditEvent
from tests.reliability.conftest import (
    PRIMARIES,
    ROOT,
    Gunicorn,
    audit_count,
    big_package,
    command_env,
    export_text,
    run_primaries,
    sheets_csv,
    snapshot,
    verify_audit,
    write_json,
)
from tests.reliability.workload import STAFF, Workload, check_night, prepare_night, report

pytestmark = pytest.mark.slow

# SQLite's page cache (2 MB) must overflow for uncommitted pages to reach the WAL: 10,000 branches
# x 10 candidates is some 5 MB of rows and indexes. On PostgreSQL the lock decides the moment,
# so a smaller election keeps the test quick.
BRANCHES = {"sqlite": 10_000, "postgresql": 3_000}
CANDIDATES = 10
SPILL_BYTES = 512 * 1024
KILL_DEADLINE = 120.0


class SqliteWriter:
    """Is another process inside a write transaction that has spilled pages into the WAL?"""

    def __init__(self, database_url: str) -> None:
        self.path = Path(database_url.removeprefix("sqlite:///"))
        self.wal = Path(str(self.path) + "-wal")
        self.size_at_lock: int | None = None

    def writing(self) -> bool:
        connection = sqlite3.connect(self.path, timeout=0, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:  # locked: a writer is inside its transaction
            size = self.wal.stat().st_size if self.wal.exists() else 0
            if self.size_at_lock is None:
                self.size_at_lock = size
            return size > self.size_at_lock + SPILL_BYTES
        else:
            connection.execute("ROLLBACK")
            return False
        finally:
            connection.close()

    def close(self) -> None:
        pass


class PostgresWriter:
    """Holds a SHARE lock on ``sheets`` (reads go on, writes wait), so the command writes the
    election, branches, entries and votes and then waits, inside its transaction, to write the
    sheets: that is the moment to kill it. Deterministic, however fast the command is."""

    # Only this database's backends: the suite's databases are copies of one template, so a
    # ``sheets`` table of another database (another test run on the same server) has the same oid.
    WAITING = """
        SELECT count(*) FROM pg_locks AS l
        JOIN pg_class AS c ON c.oid = l.relation
        JOIN pg_stat_activity AS a ON a.pid = l.pid
        WHERE c.relname = 'sheets' AND NOT l.granted AND l.pid <> pg_backend_pid()
          AND a.backend_xid IS NOT NULL AND a.datname = current_database()
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
    """

    def __init__(self, database_url: str) -> None:
        import psycopg

        url = database_url.replace("postgresql+psycopg://", "postgresql://")
        self.blocker = psycopg.connect(url)
        self.blocker.execute("LOCK TABLE sheets IN SHARE MODE")
        # Another connection to look: statistics views are read once per transaction.
        self.watcher = psycopg.connect(url, autocommit=True)

    def writing(self) -> bool:
        row = self.watcher.execute(self.WAITING).fetchone()
        return bool(row and row[0])

    def close(self) -> None:
        self.blocker.rollback()  # the killed command's backend may now go on, and find no client
        self.blocker.close()
        self.watcher.close()


def kill_while_writing(
    args: list[str], database_url: str, backend: str, *, attempts: int = 3
) -> dict[str, Any]:
    """Start ``primaries ARGS``, SIGKILL it once it is writing inside its transaction.

    Should the command end before it is seen writing (on a machine under heavy load it may fail
    to start at all, or, on SQLite, finish between two looks), the database is as it was (a
    failed command rolled back; on SQLite the file is put back from a copy) and the command is
    run again, up to ``attempts`` times; what it printed is shown."""
    for attempt in range(1, attempts + 1):
        saved = _save_sqlite(database_url) if backend == "sqlite" else None
        outcome = _kill_once(args, database_url, backend)
        if outcome["killed"]:
            outcome["attempts"] = attempt
            return outcome
        print(
            f"{backend}: attempt {attempt}: primaries {args[0]} ended before it was seen writing "
            f"(exit {outcome['exit']}): {outcome['stdout']}{outcome['stderr']}"
        )
        if saved is not None:
            _restore_sqlite(saved, database_url)
        elif outcome["exit"] == 0:
            pytest.fail(f"primaries {args[0]} finished although the sheets table was locked")
        else:
            _wait_for_no_writer(backend, database_url)
    pytest.fail(f"primaries {args[0]} ended before it could be killed, {attempts} times")


def _save_sqlite(database_url: str) -> Path:
    path = Path(database_url.removeprefix("sqlite:///"))
    saved = path.with_name(path.name + ".before")
    with sqlite3.connect(path) as source, sqlite3.connect(saved) as copy:
        source.backup(copy)
    source.close()
    copy.close()
    return saved


def _restore_sqlite(saved: Path, database_url: str) -> None:
    db.engine.dispose()  # the test's own pooled connections: no stale page cache
    path = database_url.removeprefix("sqlite:///")
    with sqlite3.connect(saved) as copy, sqlite3.connect(path) as target:
        copy.backup(target)
    copy.close()
    target.close()


def _kill_once(args: list[str], database_url: str, backend: str) -> dict[str, Any]:
    watcher: Any = (
        SqliteWriter(database_url) if backend == "sqlite" else PostgresWriter(database_url)
    )
    started = time.monotonic()
    process = subprocess.Popen(
        [str(PRIMARIES), *args],
        env=command_env(database_url),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    polls = 0
    try:
        while True:
            if process.poll() is not None:
                out, err = process.communicate()
                return {"killed": False, "exit": process.returncode, "stdout": out, "stderr": err}
            if time.monotonic() - started > KILL_DEADLINE:
                process.kill()
                process.communicate(timeout=30)
                pytest.fail(f"the command was not seen writing within {KILL_DEADLINE:.0f}s")
            polls += 1
            if watcher.writing():
                process.send_signal(signal.SIGKILL)
                break
            time.sleep(0.01)
        out, err = process.communicate(timeout=30)
    finally:
        watcher.close()
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert "loaded" not in out and "sheets added" not in out, out
    killed_after = time.monotonic() - started
    print(f"{backend}: primaries {args[0]} killed while writing after {killed_after:.2f}s")
    return {"killed": True, "killed_after_s": killed_after, "polls": polls, "stderr": err}


def _wait_for_no_writer(backend: str, database_url: str) -> None:
    """PostgreSQL ends a killed client's session when it next talks to it: wait for that."""
    if backend != "postgresql":
        return
    import psycopg

    url = database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as connection:
        for _ in range(600):
            row = connection.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
            ).fetchone()
            if not (row and row[0]):
                return
            time.sleep(0.05)
    pytest.fail("the killed command's transaction is still open after 30s")


def _integrity(backend: str, database_url: str) -> None:
    if backend == "sqlite":
        path = database_url.removeprefix("sqlite:///")
        with sqlite3.connect(path) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_load_killed_half_way_leaves_the_database_as_before(
    app: Flask,
    runner: FlaskCliRunner,
    loaded: dict[str, Any],
    database_url: str,
    backend: str,
    tmp_path: Path,
) -> None:
    branches = BRANCHES[backend]
    package = write_json(tmp_path / "big.json", big_package("big-2024", branches, CANDIDATES))
    before, exported, events = snapshot(), export_text(runner, "test-2024"), audit_count()

    kill_while_writing(["load", str(package)], database_url, backend)
    _wait_for_no_writer(backend, database_url)

    _integrity(backend, database_url)
    assert snapshot() == before
    assert export_text(runner, "test-2024") == exported
    assert audit_count() == events
    verify_audit(runner)
    assert runner.invoke(args=["export", "big-2024"]).exit_code == 1

    started = time.monotonic()
    again = run_primaries(["load", str(package)], database_url)
    print(f"{backend}: the same load run again took {time.monotonic() - started:.2f}s")
    assert again.returncode == 0, again.stderr
    assert f"{branches} branches" in again.stdout
    # One change: its rows recorded in part events of 1,000, then the load's own event.
    actions = [
        action
        for (action,) in db.session.execute(
            select(AuditEvent.action).where(AuditEvent.seq > events).order_by(AuditEvent.seq)
        )
    ]
    db.session.remove()
    assert actions[-1] == "election.load"
    assert set(actions[:-1]) == {"election.load.part"}
    assert len(actions) == 2 * branches // ROWS_PER_EVENT + 1  # a row per branch and per sheet
    verify_audit(runner)
    tally = runner.invoke(args=["tally", "big-2024", "--json"])
    assert tally.exit_code == 0, tally.output
    assert f'"counted": {branches}' in tally.stdout
    assert export_text(runner, "test-2024") == exported


def test_an_import_killed_half_way_keeps_the_acknowledged_import_before_it(
    app: Flask,
    runner: FlaskCliRunner,
    database_url: str,
    backend: str,
    tmp_path: Path,
) -> None:
    branches = BRANCHES[backend]
    codes = [f"C{i:02d}" for i in range(CANDIDATES)]
    package = big_package("count-2024", branches, CANDIDATES, sheets=False)
    loaded = runner.invoke(args=["load", str(write_json(tmp_path / "p.json", package))])
    assert loaded.exit_code == 0, loaded.output

    first = tmp_path / "first.csv"
    first.write_text(sheets_csv(codes, range(100)), encoding="utf-8")
    acknowledged = run_primaries(
        ["import-sheets", "count-2024", "--round", "1", str(first)], database_url
    )
    assert acknowledged.returncode == 0, acknowledged.stderr
    assert "100 sheets added" in acknowledged.stdout
    before, exported, events = snapshot(), export_text(runner, "count-2024"), audit_count()
    assert exported.count('"ballots_cast"') == 100

    rest = tmp_path / "rest.csv"
    rest.write_text(sheets_csv(codes, range(100, branches)), encoding="utf-8")
    args = ["import-sheets", "count-2024", "--round", "1", str(rest)]
    kill_while_writing(args, database_url, backend)
    _wait_for_no_writer(backend, database_url)

    _integrity(backend, database_url)
    assert snapshot() == before
    assert export_text(runner, "count-2024") == exported
    assert audit_count() == events
    verify_audit(runner)

    started = time.monotonic()
    again = run_primaries(args, database_url)
    print(f"{backend}: the same import run again took {time.monotonic() - started:.2f}s")
    assert again.returncode == 0, again.stderr
    assert f"{branches - 100} sheets added" in again.stdout
    verify_audit(runner)
    assert export_text(runner, "count-2024").count('"ballots_cast"') == branches


# --------------------------------------------------------------------------------------------
# A server killed while staff are saving sheets


class SaveInProgress:
    """Is one of the server's saves inside its write transaction right now?"""

    def __init__(self, backend: str, database_url: str) -> None:
        self.backend = backend
        if backend == "sqlite":
            self.path = database_url.removeprefix("sqlite:///")
        else:
            import psycopg

            url = database_url.replace("postgresql+psycopg://", "postgresql://")
            self.watcher = psycopg.connect(url, autocommit=True)

    def __call__(self) -> bool:
        if self.backend == "sqlite":
            connection = sqlite3.connect(self.path, timeout=0, isolation_level=None)
            try:
                connection.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:  # a save holds the write lock
                return True
            else:
                connection.execute("ROLLBACK")
                return False
            finally:
                connection.close()
        row = self.watcher.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
        ).fetchone()
        return bool(row and row[0])

    def close(self) -> None:
        if self.backend != "sqlite":
            self.watcher.close()


KILL_AFTER_ACKNOWLEDGED = 15
AFTER_RESTART_SECONDS = 5.0


def test_a_server_killed_during_saves_loses_nothing_it_acknowledged(
    app: Flask, runner: FlaskCliRunner, database_url: str, backend: str, tmp_path: Path
) -> None:
    """gunicorn (master and workers) is SIGKILLed while eight members of staff are saving
    sheets, at a moment when a save is inside its write transaction; it is started again and
    the staff go on. Every save answered with success before the kill is in the database, the
    ones cut off are either wholly there or not at all, and the audit chain verifies."""
    branches = prepare_night(runner, tmp_path, STAFF)
    server = Gunicorn(database_url, tmp_path / "gunicorn.log").start()
    night = Workload([server.url], STAFF, branches, up=server.healthy)
    busy = SaveInProgress(backend, database_url)
    caught_writing = False
    try:
        night.start()
        deadline = time.monotonic() + KILL_DEADLINE
        while night.acknowledged() < KILL_AFTER_ACKNOWLEDGED and time.monotonic() < deadline:
            night.raise_errors()
            time.sleep(0.02)
        assert night.acknowledged() >= KILL_AFTER_ACKNOWLEDGED, night.figures()
        while time.monotonic() < deadline:  # the moment a save is inside its transaction
            caught_writing = busy()
            if caught_writing:
                break
            time.sleep(0.002)
        server.kill()
        killed_at = time.monotonic()
        _integrity(backend, database_url)
        server.start()
        restarted_after = time.monotonic() - killed_at
        night.stop.wait(AFTER_RESTART_SECONDS)
    finally:
        busy.close()
        night.stop.set()
        night.finish()
        server.stop()
    _wait_for_no_writer(backend, database_url)
    _integrity(backend, database_url)

    acknowledged = [a for a in night.answers if a.outcome == "acknowledged"]
    before_kill = [a for a in acknowledged if a.ended < killed_at]
    after_restart = [a for a in acknowledged if a.ended > killed_at]
    cut_off = [a for a in night.answers if a.outcome == "no answer"]
    figures = check_night(night, killed=True)  # every acknowledged save is stored, chain intact
    assert before_kill and after_restart, (len(before_kill), len(after_restart))
    verify_audit(runner)
    figures.update(
        killed_while_a_save_was_writing=caught_writing,
        acknowledged_before_kill=len(before_kill),
        acknowledged_after_restart=len(after_restart),
        saves_cut_off=len(cut_off),
        restarted_after_s=round(restarted_after, 2),
    )
    report(f"server killed, {backend}", figures)
