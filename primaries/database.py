"""How changes reach the database: one write transaction per change, serialised where it must be.

Every change (a load, an entry, an annulment...) starts with :func:`begin_change`. It ends
whatever read-only transaction the session had and begins a write transaction that takes its
locks before its first statement. Readers are never blocked.

- **A change of the whole database** (``begin_change()``: a load, an import, a round closed or
  certified, a setting, a key rotated...) holds the database's write lock: ``BEGIN IMMEDIATE`` on
  SQLite, an exclusive transaction-level advisory lock on PostgreSQL. It runs alone and reads a
  state nobody else is changing.
- **A change confined to one object** (``begin_change(only=NAME)``: a sheet's entry, decision or
  correction; a sign-in) holds, on PostgreSQL, the write lock *shared* and an exclusive lock on
  that object alone, so changes of different sheets run at once, while a change of the whole
  database waits for them (and they for it). SQLite has one writer at a time whatever the change.

What a confined change writes to rows that all changes share (:func:`write_shared`: the audit
chain's next events, the round's version) is left to the end, just before the commit, and runs under
the audit chain's own lock (:data:`CHAIN_LOCK_SQL`), held only from there to the commit, so the
chain is still a chain (no two events after the same one) with several app servers, and two sheets'
changes overlap for everything but their last milliseconds. The running totals, also shared, are
written by the database's triggers into a slot of the change's own (migration 0017).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, SessionTransaction

from .extensions import db

WRITE_OPTION = "primaries_write"
# An arbitrary constant naming "the write lock of this database" for pg_advisory_xact_lock:
# exclusive for a change of the whole database, shared for a change confined to one object.
_PG_LOCK_SQL = "SELECT pg_advisory_xact_lock(7020202605)"
# The write lock shared, then the lock of one object (a sheet, an account): the two-key form, a
# space of its own, keyed by a hash of the object's name (two names with one hash only wait for
# each other). In one statement, in that order (the subquery in FROM is run first).
_PG_OBJECT_LOCK_SQL = (
    "SELECT pg_advisory_xact_lock(70202026, hashtext(%s)) "
    "FROM (SELECT pg_advisory_xact_lock_shared(7020202605)) AS shared"
)
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
_ONLY = "primaries_only"  # session.info: the one object a confined change may change
_TAIL = "primaries_tail"  # session.info: what the change does just before it commits
_MEMO = "primaries_memo"  # session.info: what the change's own code keeps until it ends


@event.listens_for(Session, "after_transaction_end")
def _forget_write(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        for key in (_WROTE, _CHANGE, _ONLY, _TAIL, _MEMO):
            session.info.pop(key, None)


def is_change(session: Session) -> bool:
    """Is the session's transaction a change (begun by :func:`begin_change`)? For hooks such as
    ``after_commit``, whatever the change wrote with (the ORM, Core statements, COPY)."""
    return bool(session.info.get(_CHANGE))


def begin_change(only: str | None = None) -> Connection:
    """Begin (or continue) the write transaction of a change; see the module docstring.

    ``only`` names the one object the change is confined to (a sheet as the audit chain names
    it, ``user:NAME``); without it the change is one of the whole database. A change of the whole
    database may go on into any object; a confined change may not widen (the lock it would need
    could deadlock with another change's): that is a programming error.
    """
    session = db.session()
    if session.in_transaction():
        connection = session.connection()
        if connection.get_execution_options().get(WRITE_OPTION):
            began = session.info.get(_ONLY)
            if began is not None and began != only:
                raise RuntimeError(
                    f"a change begun for {began} continued for {only or 'the whole database'}"
                )
            return connection
        if session.new or session.dirty or session.deleted or session.info.get(_WROTE):
            raise RuntimeError("begin_change() after unsaved changes: commit them or call it first")
        kept = {key: session.info[key] for key in KEPT_OVER_READ_ROLLBACK if key in session.info}
        session.rollback()
        session.info.update(kept)
    connection = session.connection(execution_options={WRITE_OPTION: True})
    if connection.dialect.name == "postgresql":
        if only is None:
            connection.exec_driver_sql(_PG_LOCK_SQL)
        else:
            connection.exec_driver_sql(_PG_OBJECT_LOCK_SQL, (only,))
    session.info[_CHANGE] = True
    session.info[_ONLY] = only
    return connection


def write_shared(key: str, action: Callable[[Session], None]) -> None:
    """Write to rows that every change shares (the audit chain's head, a round's version) with
    ``action``: at once in a change of the whole database, which runs alone; in a change confined
    to one object, just before it commits, under the audit chain's lock (once per ``key``, in the
    order first asked; dropped on a rollback). See the module docstring."""
    session = db.session()
    if not is_change(session):
        raise RuntimeError("write_shared() inside begin_change() only")
    if session.info.get(_ONLY) is None:
        session.flush()  # the change itself first: its errors are the change's
        action(session)
        return
    session.info.setdefault(_TAIL, {}).setdefault(key, action)


def change_memo(session: Session) -> dict[str, Any]:
    """What the current change's code keeps until the change ends, committed or rolled back."""
    memo: dict[str, Any] = session.info.setdefault(_MEMO, {})
    return memo


@event.listens_for(Session, "before_commit")
def _run_tail(session: Session) -> None:
    tail: dict[str, Callable[[Session], None]] | None = session.info.pop(_TAIL, None)
    if not tail:
        return
    session.flush()  # the change itself first, outside the chain's lock
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(CHAIN_LOCK_SQL)
    for action in tail.values():
        action(session)


def dialect_name() -> str:
    return db.session.get_bind().dialect.name
