"""What one save costs, in process: ``python -m bench.save_cost SHEETS CLERK_A CLERK_B``.

Run by the ``model`` step of ``make bench`` in a fresh process against a database where the
election-night package is loaded (its runoff open and empty) and both clerks exist; prints JSON.
The app is the one gunicorn serves (:mod:`bench.wsgi`), driven single-threaded through Flask's
test client: both clerks sign in with the real form, then every sheet is typed by clerk A and
then by clerk B (double entry: A's save is a first entry, B's the second that makes it count).
Each save is the form's GET (which gives the CSRF token and the sheet's version) and the POST
that saves; only the POST is the "save", the GET is timed apart. The first ``--warm-up`` sheets
are typed untimed (the first requests of a process compile templates and statements).

Per save it measures:

- the app's CPU: ``time.process_time`` (every thread of the process, so the change-notice
  listener's share too; the test client's own work, small, is in it as well);
- the wall time of the POST, one request alone on the machine;
- the database's CPU: the running time of every PostgreSQL backend connected to the bench's
  database (``/proc/PID/schedstat``, nanoseconds; the probe is their only client), so the
  server's background processes (WAL writer, checkpointer) are not in it;
- how long the save holds the lock that every change takes in turn, from the moment the lock's
  statement is executed until the session's ``after_commit`` (the commit, its WAL flush
  included, has returned): the global write lock of :mod:`primaries.database` when a save takes
  it (``_PG_LOCK_SQL``: then the whole write transaction is serial), else the audit chain's lock
  (``CHAIN_LOCK_SQL``), else the whole write transaction from its BEGIN. ``serial_section`` says
  which one was measured.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from .entry import PASSWORD, form_with, typed_into
from .load_generator import percentile

SLUG = "bench-night"
ROUND = 2


def _backend_ns(pids: set[int]) -> int:
    """CPU nanoseconds used so far by these processes (those gone count nothing)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/schedstat", encoding="ascii") as fh:
                total += int(fh.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total


class Clock:
    """The lock statements and commits of the app's transactions, as the engine runs them."""

    def __init__(self, global_sql: str | None, chain_sql: str) -> None:
        self.global_sql = global_sql
        self.chain_sql = chain_sql
        self.begin: float | None = None
        self.global_at: float | None = None
        self.chain_at: float | None = None
        self.commits: list[dict[str, float | None]] = []

    def on_begin(self, *_: Any) -> None:
        self.begin = time.perf_counter()
        self.global_at = self.chain_at = None

    def on_execute(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        text = statement.strip()
        if text == self.chain_sql and self.chain_at is None:
            self.chain_at = time.perf_counter()
        elif self.global_sql is not None and text == self.global_sql and self.global_at is None:
            self.global_at = time.perf_counter()

    def on_commit(self, _session: Any) -> None:
        now = time.perf_counter()

        def since(moment: float | None) -> float | None:
            return None if moment is None else (now - moment) * 1000

        self.commits.append(
            {
                "transaction_ms": since(self.begin),
                "global_lock_ms": since(self.global_at),
                "chain_lock_ms": since(self.chain_at),
            }
        )
        self.begin = self.global_at = self.chain_at = None


def _ms(values: list[float], q: float) -> float | None:
    return round(percentile(values, q), 3) if values else None


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.save_cost")
    parser.add_argument("sheets", type=Path, help="the runoff's paper sheets (JSON)")
    parser.add_argument("clerk_a")
    parser.add_argument("clerk_b")
    parser.add_argument("--warm-up", type=int, default=8, help="sheets typed untimed first")
    args = parser.parse_args()
    sheets = json.loads(args.sheets.read_text(encoding="utf-8"))

    from sqlalchemy import event, text
    from sqlalchemy.orm import Session

    import primaries.database as database
    from primaries.extensions import db

    from .wsgi import app

    global_sql: str | None = getattr(database, "_PG_LOCK_SQL", None)
    clock = Clock(global_sql, database.CHAIN_LOCK_SQL)
    with app.app_context():
        engine = db.engine
        backend = engine.dialect.name
    event.listen(engine, "begin", clock.on_begin)
    event.listen(engine, "after_cursor_execute", clock.on_execute)
    event.listen(Session, "after_commit", clock.on_commit)

    clients = []
    for name in (args.clerk_a, args.clerk_b):
        client = app.test_client()
        page = client.get("/staff/sign-in")
        form = form_with(page.get_data(as_text=True), "password")
        if page.status_code != 200 or form is None:
            raise SystemExit(f"no sign-in form ({page.status_code})")
        answer = client.post(
            "/staff/sign-in", data={**form["fields"], "username": name, "password": PASSWORD}
        )
        if answer.status_code not in (302, 303):
            raise SystemExit(f"sign-in of {name} refused ({answer.status_code})")
        clients.append(client)

    def backend_pids() -> set[int]:
        if backend != "postgresql":
            return set()
        with app.app_context():
            rows = db.session.execute(
                text(
                    "SELECT pid FROM pg_stat_activity "
                    "WHERE datname = current_database() AND backend_type = 'client backend'"
                )
            ).all()
            db.session.rollback()
        return {int(pid) for (pid,) in rows}

    saves: list[dict[str, Any]] = []
    pids: set[int] = set()
    for index, sheet in enumerate(sheets):
        timed = index >= args.warm_up
        if index == args.warm_up:
            pids = backend_pids()
        path = f"/staff/elections/{SLUG}/rounds/{ROUND}/sheets/{sheet['branch']}"
        for which, client in enumerate(clients):
            db0, cpu0, wall0 = _backend_ns(pids), time.process_time_ns(), time.perf_counter_ns()
            page = client.get(path)
            get_wall, get_cpu = time.perf_counter_ns() - wall0, time.process_time_ns() - cpu0
            get_db = _backend_ns(pids) - db0
            fields = typed_into(page.get_data(as_text=True), sheet)
            if page.status_code != 200 or fields is None:
                raise SystemExit(f"no entry form at {path} ({page.status_code})")
            commits = len(clock.commits)
            db0, cpu0, wall0 = _backend_ns(pids), time.process_time_ns(), time.perf_counter_ns()
            answer = client.post(path, data=fields)
            wall, cpu = time.perf_counter_ns() - wall0, time.process_time_ns() - cpu0
            post_db = _backend_ns(pids) - db0
            if answer.status_code not in (302, 303):
                raise SystemExit(f"save of {path} refused ({answer.status_code})")
            done = clock.commits[commits:]
            if timed:
                saves.append(
                    {
                        "entry": "second" if which else "first",
                        "cpu_ms": cpu / 1e6,
                        "wall_ms": wall / 1e6,
                        "db_cpu_ms": post_db / 1e6,
                        "form_cpu_ms": get_cpu / 1e6,
                        "form_wall_ms": get_wall / 1e6,
                        "form_db_cpu_ms": get_db / 1e6,
                        "commits": len(done),
                        "hold": done[-1] if done else None,
                    }
                )
    gone = backend_pids() - pids
    print(json.dumps(summarise(saves, backend, global_sql, new_backends=len(gone))))


def summarise(
    saves: list[dict[str, Any]], backend: str, global_sql: str | None, *, new_backends: int
) -> dict[str, Any]:
    """Means and percentiles of the timed saves, and which serial section was measured."""

    def column(key: str, entry: str | None = None) -> list[float]:
        return [s[key] for s in saves if entry is None or s["entry"] == entry]

    holds = [s["hold"] for s in saves if s["hold"]]
    if holds and all(h["global_lock_ms"] is not None for h in holds):
        section, key = "whole transaction (the global write lock)", "global_lock_ms"
    elif holds and all(h["chain_lock_ms"] is not None for h in holds):
        section, key = "chain lock", "chain_lock_ms"
    else:
        section, key = "whole transaction (from BEGIN; no lock statement seen)", "transaction_ms"
    hold = [h[key] for h in holds if h[key] is not None]
    chain = [h["chain_lock_ms"] for h in holds if h["chain_lock_ms"] is not None]
    transaction = [h["transaction_ms"] for h in holds if h["transaction_ms"] is not None]

    def mean(values: list[float]) -> float:
        return statistics.fmean(values) if values else float("nan")

    out: dict[str, Any] = {
        "backend": backend,
        "saves": len(saves),
        "commits_per_save": round(mean(column("commits")), 3) if saves else None,
        "cpu_ms_per_save": round(mean(column("cpu_ms")), 3),
        "cpu_ms_p50": _ms(column("cpu_ms"), 50),
        "cpu_ms_first_entry": round(mean(column("cpu_ms", "first")), 3),
        "cpu_ms_second_entry": round(mean(column("cpu_ms", "second")), 3),
        "wall_ms_per_save": round(mean(column("wall_ms")), 3),
        "wall_ms_p50": _ms(column("wall_ms"), 50),
        "wall_ms_p95": _ms(column("wall_ms"), 95),
        "db_cpu_ms_per_save": round(mean(column("db_cpu_ms")), 3) if backend != "sqlite" else None,
        "form_cpu_ms_per_save": round(mean(column("form_cpu_ms")), 3),
        "form_wall_ms_per_save": round(mean(column("form_wall_ms")), 3),
        "form_db_cpu_ms_per_save": round(mean(column("form_db_cpu_ms")), 3)
        if backend != "sqlite"
        else None,
        "serial_section": section,
        "hold_ms_per_save": round(mean(hold), 3) if hold else None,
        "hold_ms_p50": _ms(hold, 50),
        "hold_ms_p95": _ms(hold, 95),
        "chain_lock_ms_p50": _ms(chain, 50),
        "transaction_ms_p50": _ms(transaction, 50),
        "global_lock_statement": global_sql,
        "backends_opened_meanwhile": new_backends,
        "pid": os.getpid(),
    }
    return out


if __name__ == "__main__":
    try:
        main()
    except SystemExit as exc:
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
            sys.exit(1)
        raise
