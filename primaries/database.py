"""How changes reach the database: one serialised write transaction per change.

Every change (a load, an entry, an annulment...) starts with :func:`begin_change`. It ends
whatever read-only transaction the session had and begins a write transaction that holds the
database's write lock from its first statement: ``BEGIN IMMEDIATE`` on SQLite, a transaction-level
advisory lock on PostgreSQL. Changes are therefore applied one at a time, which is what keeps the
audit chain a chain (no two events after the same one) even with several app servers, and lets a
change read the current state without racing another change. Readers are never blocked.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, SessionTransaction

from .extensions import db

WRITE_OPTION = "primaries_write"
# An arbitrary constant naming "the write lock of this database" for pg_advisory_xact_lock.
_PG_LOCK_SQL = "SELECT pg_advisory_xact_lock(7020202605)"
# The audit chain's lock (PostgreSQL): held only while a change appends its events, just before
# it commits. The bench times how long a change holds it.
CHAIN_LOCK_SQL = "SELECT pg_advisory_xact_lock(7020202606)"


def install_engine_hooks(engine: Engine) -> None:
    """Per-dialect set-up: on SQLite, foreign keys, WAL, a busy timeout and our own BEGIN."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below emit BEGIN, so a change can ask for IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "memory":
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(WRITE_OPTION)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


_WROTE = "primaries_wrote"  # session.info: this transaction has written (flushed)
# Keys of ``session.info`` that begin_change keeps when it ends a read-only transaction: memos of
# data that never changes once committed (a round's ballot), which the rollback would drop.
KEPT_OVER_READ_ROLLBACK: set[str] = set()


@event.listens_for(Session, "after_flush")
def _remember_write(session: Session, _context: Any) -> None:
    session.info[_WROTE] = True


_CHANGE = "primaries_change"  # session.info: this transaction is a change (begin_change)


@event.listens_for(Session, "after_transaction_end")
def _forget_write(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_WROTE, None)
        session.info.pop(_CHANGE, None)


def is_change(session: Session) -> bool:
    """Is the session's transaction a change (begun by :func:`begin_change`)? For hooks such as
    ``after_commit``, whatever the change wrote with (the ORM, Core statements, COPY)."""
    return bool(session.info.get(_CHANGE))


def begin_change() -> Connection:
    """Begin (or continue) the write transaction of a change; see the module docstring."""
    session = db.session()
    if session.in_transaction():
        connection = session.connection()
        if connection.get_execution_options().get(WRITE_OPTION):
            return connection
        if session.new or session.dirty or session.deleted or session.info.get(_WROTE):
            raise RuntimeError("begin_change() after unsaved changes: commit them or call it first")
        kept = {key: session.info[key] for key in KEPT_OVER_READ_ROLLBACK if key in session.info}
        session.rollback()
        session.info.update(kept)
    connection = session.connection(execution_options={WRITE_OPTION: True})
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(_PG_LOCK_SQL)
    session.info[_CHANGE] = True
    return connection


def dialect_name() -> str:
    return db.session.get_bind().dialect.name
