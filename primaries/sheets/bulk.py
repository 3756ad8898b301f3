"""Counted sheets written many at a time: election packages and CSV imports.

A fixed number of statements per chunk of rows, never one per sheet: on PostgreSQL COPY, on
SQLite multi-row INSERTs. The running totals' triggers (migration 0002) follow whichever way the
rows arrive.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import insert
from sqlalchemy.engine import Connection

from ..core.sheets import SheetState
from ..database import WRITE_OPTION
from ..extensions import db
from ..models import Annulment, EntryKind, Round, Sheet, SheetEntry
from ..timestamps import utcnow
from .rows import set_state

_CHUNK = 2000


@dataclass
class CountedRow:
    branch_id: int
    ballots_cast: int
    invalid: int
    votes: dict[int, int]  # candidate id -> votes
    sheet: Sheet | None = None  # an existing sheet row to update, else a new one is inserted


def write_counted(
    round_: Round, rows: Sequence[CountedRow], *, kind: EntryKind, user_id: int | None = None
) -> list[int]:
    """Insert one entry per row (with its votes) and make it the branch's counted sheet; return
    the new entries' ids, in the order of ``rows`` (the audit chain records them).

    A fixed number of statements per chunk of rows, never one per sheet: on PostgreSQL three
    COPYs (entries with ids drawn from their sequence beforehand, votes, new sheets), which also
    lets the running totals' statement-level triggers (migration 0002) run once per COPY; on
    SQLite multi-row INSERTs, the votes through the driver's ``executemany``.
    """
    if not rows:
        return []
    db.session.flush()
    connection = db.session.connection()
    now = utcnow()
    if connection.dialect.name == "postgresql":
        entry_ids = _copy_counted(connection, round_, rows, kind=kind, user_id=user_id, now=now)
    else:
        entry_ids = _insert_counted(connection, round_, rows, kind=kind, user_id=user_id, now=now)
    for entry_id, row in zip(entry_ids, rows, strict=True):
        if row.sheet is not None:
            set_state(row.sheet, SheetState.COUNTED, counted_id=entry_id)
    db.session.flush()
    return entry_ids


def _copy_counted(
    connection: Connection,
    round_: Round,
    rows: Sequence[CountedRow],
    *,
    kind: EntryKind,
    user_id: int | None,
    now: dt.datetime,
) -> list[int]:
    entry_ids = next_ids(connection, "sheet_entries", len(rows))
    raw = connection.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor:
        with cursor.copy(
            "COPY sheet_entries (id, round_id, branch_id, kind, ballots_cast, invalid, user_id, "
            "created_at) FROM STDIN"
        ) as copy:
            for entry_id, row in zip(entry_ids, rows, strict=True):
                entry = (entry_id, round_.id, row.branch_id, kind, row.ballots_cast, row.invalid)
                copy.write_row((*entry, user_id, now))
        with cursor.copy("COPY entry_votes (entry_id, candidate_id, votes) FROM STDIN") as copy:
            for entry_id, row in zip(entry_ids, rows, strict=True):
                for candidate_id, votes in row.votes.items():
                    copy.write_row((entry_id, candidate_id, votes))
        if any(row.sheet is None for row in rows):
            with cursor.copy(
                "COPY sheets (round_id, branch_id, state, counted_entry_id, annulled, version, "
                "updated_at) FROM STDIN"
            ) as copy:
                for entry_id, row in zip(entry_ids, rows, strict=True):
                    if row.sheet is None:
                        copy.write_row(
                            (
                                round_.id,
                                row.branch_id,
                                SheetState.COUNTED.value,
                                entry_id,
                                False,
                                1,
                                now,
                            )
                        )
    return entry_ids


def _insert_counted(
    connection: Connection,
    round_: Round,
    rows: Sequence[CountedRow],
    *,
    kind: EntryKind,
    user_id: int | None,
    now: dt.datetime,
) -> list[int]:
    entry_ids = next_ids(connection, "sheet_entries", len(rows))
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start : start + _CHUNK]
        ids = entry_ids[start : start + _CHUNK]
        db.session.execute(
            insert(SheetEntry),
            [
                {
                    "id": entry_id,
                    "round_id": round_.id,
                    "branch_id": row.branch_id,
                    "kind": kind,
                    "ballots_cast": row.ballots_cast,
                    "invalid": row.invalid,
                    "user_id": user_id,
                    "created_at": now,
                }
                for entry_id, row in zip(ids, chunk, strict=True)
            ],
        )
        # Plain integers: straight to the driver's executemany, no per-row processing.
        connection.exec_driver_sql(
            "INSERT INTO entry_votes (entry_id, candidate_id, votes) VALUES (?, ?, ?)",
            [
                (entry_id, candidate_id, votes)
                for entry_id, row in zip(ids, chunk, strict=True)
                for candidate_id, votes in row.votes.items()
            ],
        )
        new_sheets = [
            {
                "round_id": round_.id,
                "branch_id": row.branch_id,
                "state": SheetState.COUNTED.value,
                "counted_entry_id": entry_id,
                "annulled": False,
                "version": 1,
                "updated_at": now,
            }
            for entry_id, row in zip(ids, chunk, strict=True)
            if row.sheet is None
        ]
        if new_sheets:
            db.session.execute(insert(Sheet), new_sheets)
    return entry_ids


def next_ids(connection: Connection, table: str, count: int) -> list[int]:
    """``count`` new primary keys for ``table`` (``sheet_entries`` or ``branches``), ascending.

    Inserting rows with their ids known beforehand makes a bulk insert one ``executemany``
    instead of a RETURNING statement per row (what SQLite needs to return ids in order). On
    PostgreSQL they come from the table's sequence; on SQLite from ``MAX(id)``, which is safe
    because a change holds the database's only write lock (``BEGIN IMMEDIATE``).
    """
    if table not in ("sheet_entries", "branches"):  # the SQL below names it: no other value
        raise ValueError(table)
    if count <= 0:
        return []
    if connection.dialect.name == "postgresql":
        rows = connection.exec_driver_sql(
            f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "  # noqa: S608
            "FROM generate_series(1, %(count)s)",
            {"count": count},
        )
        return sorted(int(row[0]) for row in rows)
    assert connection.get_execution_options().get(WRITE_OPTION), "inside begin_change() only"
    highest = connection.exec_driver_sql(f"SELECT MAX(id) FROM {table}").scalar()  # noqa: S608
    return list(range(int(highest or 0) + 1, int(highest or 0) + 1 + count))


@dataclass(frozen=True)
class AnnulledRow:
    branch_id: int
    reason: str


def write_annulled(round_: Round, rows: Iterable[AnnulledRow]) -> None:
    """Annulled sheets of a loaded package: a sheet with no entries, and its annulment."""
    for row in rows:
        db.session.add(
            Sheet(
                round_id=round_.id,
                branch_id=row.branch_id,
                state=SheetState.EMPTY,
                annulled=True,
                annul_reason=row.reason,
                version=1,
            )
        )
        db.session.add(
            Annulment(
                round_id=round_.id, branch_id=row.branch_id, action="annul", reason=row.reason
            )
        )
