"""What signing the audit chain costs: ``python -m bench.audit_signing [--events N]``.

Not part of ``make bench`` (run it on its own; about a minute on the 2-core machine). On a fresh
SQLite file and PostgreSQL database each, it measures

- ``record()``: the time of one append (the head read, the hash, the signature, the insert),
  with signing and with the signature replaced by a constant (what the chain cost before), over
  2,000 appends in one change, three runs of each alternated (the median);
- ``verify()`` on a chain of ``--events`` events (default 100,000; written straight to the table,
  signed): the default check (hashes and links of every event, the signatures that vouch for the
  rest), ``every_signature``, and with signature checks switched off (the hash chain alone).

Figures are printed as JSON with the load average of the moment (a busy machine slows everything).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from . import OUT
from .databases import AUDIT_KEY, PG_ADMIN

APPENDS = 2000


def _timed(work: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = work()
    return time.perf_counter() - start, value


@contextmanager
def _database(backend: str) -> Iterator[str]:
    if backend == "sqlite":
        OUT.mkdir(parents=True, exist_ok=True)
        path = OUT / f"signing-{uuid.uuid4().hex[:8]}.sqlite"
        try:
            yield f"sqlite:///{path}"
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    admin = sa.create_engine(PG_ADMIN.replace("postgresql://", "postgresql+psycopg://"))
    name = f"bench_signing_{uuid.uuid4().hex[:8]}"
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _appends(signed: bool) -> float:
    from primaries.audit import keys
    from primaries.audit.chain import record
    from primaries.database import begin_change
    from primaries.extensions import db

    original = keys.SigningKey.sign
    if not signed:
        keys.SigningKey.sign = lambda self, event_hash: "00" * 64  # type: ignore[method-assign]
    try:
        begin_change()
        seconds, _ = _timed(
            lambda: [
                record("bench.append", actor="bench", object_type="t", object_id=str(i))
                for i in range(APPENDS)
            ]
        )
        db.session.rollback()
    finally:
        keys.SigningKey.sign = original  # type: ignore[method-assign]
    return seconds / APPENDS * 1e6


def _write_chain(events: int) -> float:
    """``events`` signed events, straight to the table in batches (as record() would sign them)."""
    from primaries.audit.chain import GENESIS, _new_event, _row
    from primaries.audit.keys import signing_key
    from primaries.extensions import db
    from primaries.models import AuditEvent

    key, prev, batch = signing_key(), GENESIS, []

    def write() -> None:
        nonlocal prev
        for seq in range(1, events + 1):
            event = _new_event(
                seq,
                prev,
                key,
                actor="clerk",
                action="sheet.enter",
                object_type="sheet",
                object_id=f"national/1/B{seq:05d}",
                election="national",
                round_number=1,
                branch=f"B{seq:05d}",
                after={"ballots_cast": 300, "invalid": 2, "votes": {"C01": 150, "C02": 148}},
            )
            prev = event.hash
            batch.append(_row(event))
            if len(batch) == 5000:
                db.session.execute(sa.insert(AuditEvent.__table__), batch)
                batch.clear()
        if batch:
            db.session.execute(sa.insert(AuditEvent.__table__), batch)
        db.session.commit()

    seconds, _ = _timed(write)
    return seconds


def _verify(mode: str) -> dict[str, Any]:
    from primaries.audit import walk
    from primaries.audit.chain import verify
    from primaries.extensions import db

    original = walk.signature_verifies
    if mode == "hashes only":
        walk.signature_verifies = lambda key, event_hash, signature: True  # type: ignore[assignment]
    try:
        db.session.rollback()
        seconds, outcome = _timed(lambda: verify(every_signature=mode == "every signature"))
    finally:
        walk.signature_verifies = original  # type: ignore[assignment]
    assert outcome.ok, outcome.message
    return {"seconds": round(seconds, 2), "events": outcome.events}


def measure(backend: str, events: int) -> dict[str, Any]:
    from flask_migrate import upgrade

    from primaries import create_app

    with _database(backend) as url:
        app = create_app({"SECRET_KEY": "bench", "AUDIT_SIGNING_KEY": AUDIT_KEY,
                          "SQLALCHEMY_DATABASE_URI": url})  # fmt: skip
        with app.app_context():
            upgrade()
            _appends(True)  # warm up: the first appends of a process pay for imports, caches
            runs = [(_appends(False), _appends(True)) for _ in range(3)]  # alternated
            figures: dict[str, Any] = {
                "record_us_unsigned": round(statistics.median(r[0] for r in runs), 1),
                "record_us_signed": round(statistics.median(r[1] for r in runs), 1),
                "write_chain_seconds": round(_write_chain(events), 1),
            }
            for mode in ("default", "every signature", "hashes only"):
                figures[f"verify {mode}"] = _verify(mode)
            from primaries.extensions import db

            db.session.remove()
            db.engine.dispose()
    figures["load_average"] = os.getloadavg()[0]
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    results = {backend: measure(backend, args.events) for backend in args.backends.split(",")}
    results["measured_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
