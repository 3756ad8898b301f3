"""Running totals in slots: changes of different sheets no longer wait for each other's totals.

Reviewed by hand. Migration 0002's triggers add every change's delta to one ``round_totals`` row
per round and one ``candidate_totals`` row per round and candidate. On PostgreSQL that row stays
locked from the trigger to the commit, so two sheets' changes in one round ran one after the
other even once each held only its own sheet's lock (issue 16: entry for hundreds of clerks).

Each round's totals are now kept in up to :data:`SLOTS` rows, by ``slot``: a transaction adds its
deltas to a slot nobody else is using. On PostgreSQL ``totals_slot()`` takes the first free one
with ``pg_try_advisory_xact_lock`` (held to the end of the transaction) and remembers it in a
transaction-local setting; with every slot taken it waits for one. SQLite has one writer at a
time: its triggers use slot 0, as does a row written without one. A round's totals are the sum
over its slots (``primaries.tally``).

The triggers are otherwise 0002's: the same rows counted, the same transition tables and LATERAL
lookups on PostgreSQL. The two that updated the totals in place (an entry's ``ballots_cast`` or
``invalid``, a branch's ``eligible``) now add into the slot too. The downgrade folds every round's
slots into one row and puts 0002's triggers back.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 22:00:00
"""

# The SQL below is assembled from constants of this file only: nothing comes from input.
# ruff: noqa: S608

import importlib.util
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def _running_totals() -> ModuleType:
    """Migration 0002: pieces of its triggers kept here; the triggers the downgrade puts back."""
    path = Path(__file__).with_name("0002_running_totals.py")
    spec = importlib.util.spec_from_file_location("migration_0002_running_totals", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# What 0002 wrote and this migration keeps as it was: which sheets count, what changes a sheet's
# contribution, the delta of sheet rows, how a trigger is created. (0002 is never edited.)
_OLD = _running_totals()
_counts = _OLD._counts
SHEET_CHANGED = _OLD.SHEET_CHANGED
PG_SHEET_CHANGED = _OLD.PG_SHEET_CHANGED
_pg_sheet_rows = _OLD._pg_sheet_rows
_pg_create = _OLD._pg_create

SLOTS = 64
ROUND_COLUMNS = ("counted", "annulled", "eligible", "ballots_cast", "invalid")

SLOT_FUNCTION = f"""CREATE FUNCTION totals_slot() RETURNS smallint LANGUAGE plpgsql AS $$
DECLARE
    held text := current_setting('primaries.totals_slot', true);
    slot integer;
BEGIN
    IF held IS NOT NULL AND held <> '' THEN
        RETURN held::smallint;
    END IF;
    FOR slot IN 0..{SLOTS - 1} LOOP
        IF pg_try_advisory_xact_lock(70202027, slot) THEN
            PERFORM set_config('primaries.totals_slot', slot::text, true);
            RETURN slot;
        END IF;
    END LOOP;
    slot := pg_backend_pid() % {SLOTS};
    PERFORM pg_advisory_xact_lock(70202027, slot);
    PERFORM set_config('primaries.totals_slot', slot::text, true);
    RETURN slot;
END;
$$"""


ROUND_INSERT = "INSERT INTO round_totals {a}(round_id, slot, " + ", ".join(ROUND_COLUMNS) + ") "
ROUND_UPSERT = " ON CONFLICT (round_id, slot) DO UPDATE SET " + ", ".join(
    f"{c} = {{t}}{c} + excluded.{c}" for c in ROUND_COLUMNS
)
VOTES_INSERT = "INSERT INTO candidate_totals {a}(round_id, slot, candidate_id, votes) "
VOTES_UPSERT = (
    " ON CONFLICT (round_id, slot, candidate_id) DO UPDATE SET votes = {t}votes + excluded.votes"
)

# --------------------------------------------------------------------------------------------
# SQLite: row-level triggers, slot 0


def _sqlite_sheet(row: str, sign: str) -> list[str]:
    counts = _counts(row)
    return [
        ROUND_INSERT.format(a="")
        + f"SELECT {row}.round_id, 0, {sign}1, 0, {sign}b.eligible, {sign}e.ballots_cast, "
        f"{sign}e.invalid FROM branches b, sheet_entries e "
        f"WHERE b.id = {row}.branch_id AND e.id = {row}.counted_entry_id AND {counts}"
        + ROUND_UPSERT.format(t=""),
        ROUND_INSERT.format(a="")
        + f"SELECT {row}.round_id, 0, 0, {sign}1, 0, 0, 0 WHERE {row}.annulled"
        + ROUND_UPSERT.format(t=""),
        VOTES_INSERT.format(a="")
        + f"SELECT {row}.round_id, 0, v.candidate_id, {sign}v.votes FROM entry_votes v "
        f"WHERE v.entry_id = {row}.counted_entry_id AND {counts}" + VOTES_UPSERT.format(t=""),
    ]


def _sqlite_vote(row: str, sign: str) -> list[str]:
    return [
        VOTES_INSERT.format(a="")
        + f"SELECT s.round_id, 0, {row}.candidate_id, {sign}{row}.votes FROM sheets s "
        f"WHERE s.counted_entry_id = {row}.entry_id AND {_counts('s')}" + VOTES_UPSERT.format(t="")
    ]


def _sqlite_triggers() -> dict[str, str]:
    def trigger(name: str, event: str, table: str, body: list[str], when: str = "") -> str:
        when_sql = f" WHEN {when}" if when else ""
        statements = "".join(f"  {sql};\n" for sql in body)
        return f"CREATE TRIGGER {name} AFTER {event} ON {table}{when_sql}\nBEGIN\n{statements}END"

    return {
        "totals_sheets_insert": trigger(
            "totals_sheets_insert", "INSERT", "sheets", _sqlite_sheet("NEW", "")
        ),
        "totals_sheets_delete": trigger(
            "totals_sheets_delete", "DELETE", "sheets", _sqlite_sheet("OLD", "-")
        ),
        "totals_sheets_update": trigger(
            "totals_sheets_update",
            "UPDATE",
            "sheets",
            _sqlite_sheet("OLD", "-") + _sqlite_sheet("NEW", ""),
            SHEET_CHANGED,
        ),
        "totals_votes_insert": trigger(
            "totals_votes_insert", "INSERT", "entry_votes", _sqlite_vote("NEW", "")
        ),
        "totals_votes_delete": trigger(
            "totals_votes_delete", "DELETE", "entry_votes", _sqlite_vote("OLD", "-")
        ),
        "totals_votes_update": trigger(
            "totals_votes_update",
            "UPDATE",
            "entry_votes",
            _sqlite_vote("OLD", "-") + _sqlite_vote("NEW", ""),
            "OLD.votes IS NOT NEW.votes OR OLD.entry_id IS NOT NEW.entry_id "
            "OR OLD.candidate_id IS NOT NEW.candidate_id",
        ),
        "totals_entries_update": trigger(
            "totals_entries_update",
            "UPDATE",
            "sheet_entries",
            [
                ROUND_INSERT.format(a="")
                + "SELECT s.round_id, 0, 0, 0, 0, NEW.ballots_cast - OLD.ballots_cast, "
                "NEW.invalid - OLD.invalid FROM sheets s "
                f"WHERE s.counted_entry_id = NEW.id AND {_counts('s')}" + ROUND_UPSERT.format(t="")
            ],
            "OLD.ballots_cast IS NOT NEW.ballots_cast OR OLD.invalid IS NOT NEW.invalid",
        ),
        "totals_branches_update": trigger(
            "totals_branches_update",
            "UPDATE",
            "branches",
            [
                ROUND_INSERT.format(a="")
                + "SELECT s.round_id, 0, 0, 0, NEW.eligible - OLD.eligible, 0, 0 "
                "FROM rounds r JOIN sheets s ON s.round_id = r.id AND s.branch_id = NEW.id "
                f"WHERE r.election_id = NEW.election_id AND {_counts('s')}"
                + ROUND_UPSERT.format(t="")
            ],
            "OLD.eligible IS NOT NEW.eligible",
        ),
    }


# --------------------------------------------------------------------------------------------
# PostgreSQL: statement-level triggers over transition tables, into the transaction's slot


def _pg_apply_sheets(delta: str) -> str:
    return (
        f"WITH d AS ({delta}) "
        + ROUND_INSERT.format(a="AS t ")
        + "SELECT d.round_id, totals_slot(), "
        "SUM(CASE WHEN d.counts THEN d.sign ELSE 0 END), "
        "SUM(CASE WHEN d.annulled THEN d.sign ELSE 0 END), "
        "SUM(CASE WHEN d.counts THEN d.sign * b.eligible ELSE 0 END), "
        "SUM(CASE WHEN d.counts THEN d.sign * e.ballots_cast ELSE 0 END), "
        "SUM(CASE WHEN d.counts THEN d.sign * e.invalid ELSE 0 END) "
        "FROM d CROSS JOIN LATERAL (SELECT b.eligible FROM branches b "
        "WHERE b.id = d.branch_id OFFSET 0) b "
        "LEFT JOIN LATERAL (SELECT e.ballots_cast, e.invalid FROM sheet_entries e "
        "WHERE e.id = d.counted_entry_id OFFSET 0) e ON true "
        "WHERE d.counts OR d.annulled GROUP BY d.round_id" + ROUND_UPSERT.format(t="t.") + ";\n"
        f"    WITH d AS ({delta}) "
        + VOTES_INSERT.format(a="AS t ")
        + "SELECT d.round_id, totals_slot(), v.candidate_id, SUM(d.sign * v.votes) "
        "FROM d CROSS JOIN LATERAL (SELECT v.candidate_id, v.votes FROM entry_votes v "
        "WHERE v.entry_id = d.counted_entry_id OFFSET 0) v WHERE d.counts "
        "GROUP BY d.round_id, v.candidate_id" + VOTES_UPSERT.format(t="t.") + ";"
    )


def _pg_apply_votes(delta: str) -> str:
    return (
        f"WITH d AS ({delta}), "
        "e AS (SELECT x.entry_id, s.round_id FROM (SELECT DISTINCT entry_id FROM d) x "
        "CROSS JOIN LATERAL (SELECT s.round_id FROM sheets s "
        f"WHERE s.counted_entry_id = x.entry_id AND {_counts('s')} OFFSET 0) s) "
        + VOTES_INSERT.format(a="AS t ")
        + "SELECT e.round_id, totals_slot(), d.candidate_id, SUM(d.sign * d.votes) FROM e "
        "JOIN d ON d.entry_id = e.entry_id "
        "GROUP BY e.round_id, d.candidate_id" + VOTES_UPSERT.format(t="t.") + ";"
    )


def _pg_functions() -> dict[str, tuple[str, str, str]]:
    """name -> (event, table, body); the trigger's transition tables are old_rows/new_rows."""
    return {
        "totals_sheets_insert": (
            "INSERT",
            "sheets",
            _pg_apply_sheets(_pg_sheet_rows("new_rows", 1)),
        ),
        "totals_sheets_delete": (
            "DELETE",
            "sheets",
            _pg_apply_sheets(_pg_sheet_rows("old_rows", -1)),
        ),
        "totals_sheets_update": (
            "UPDATE",
            "sheets",
            _pg_apply_sheets(
                _pg_sheet_rows(
                    "new_rows", 1, "n", f"JOIN old_rows o ON o.id = n.id WHERE {PG_SHEET_CHANGED}"
                )
                + " UNION ALL "
                + _pg_sheet_rows(
                    "old_rows", -1, "o", f"JOIN new_rows n ON n.id = o.id WHERE {PG_SHEET_CHANGED}"
                )
            ),
        ),
        "totals_votes_insert": (
            "INSERT",
            "entry_votes",
            _pg_apply_votes("SELECT entry_id, candidate_id, votes, 1 AS sign FROM new_rows"),
        ),
        "totals_votes_delete": (
            "DELETE",
            "entry_votes",
            _pg_apply_votes("SELECT entry_id, candidate_id, votes, -1 AS sign FROM old_rows"),
        ),
        "totals_votes_update": (
            "UPDATE",
            "entry_votes",
            _pg_apply_votes(
                "SELECT entry_id, candidate_id, votes, 1 AS sign FROM new_rows UNION ALL "
                "SELECT entry_id, candidate_id, votes, -1 AS sign FROM old_rows"
            ),
        ),
        "totals_entries_update": (
            "UPDATE",
            "sheet_entries",
            ROUND_INSERT.format(a="AS t ")
            + "SELECT x.round_id, totals_slot(), 0, 0, 0, x.cast_delta, x.invalid_delta "
            "FROM (SELECT s.round_id, SUM(n.ballots_cast - o.ballots_cast) AS cast_delta, "
            "SUM(n.invalid - o.invalid) AS invalid_delta FROM new_rows n "
            "JOIN old_rows o ON o.id = n.id CROSS JOIN LATERAL (SELECT s.round_id FROM sheets s "
            f"WHERE s.counted_entry_id = n.id AND {_counts('s')} OFFSET 0) s "
            "WHERE (n.ballots_cast, n.invalid) IS DISTINCT FROM "
            "(o.ballots_cast, o.invalid) GROUP BY s.round_id) x"
            + ROUND_UPSERT.format(t="t.")
            + ";",
        ),
        "totals_branches_update": (
            "UPDATE",
            "branches",
            ROUND_INSERT.format(a="AS t ")
            + "SELECT x.round_id, totals_slot(), 0, 0, x.delta, 0, 0 FROM (SELECT s.round_id, "
            "SUM(n.eligible - o.eligible) AS delta FROM new_rows n JOIN old_rows o ON o.id = n.id "
            "CROSS JOIN LATERAL (SELECT s.round_id FROM rounds r JOIN sheets s "
            "ON s.round_id = r.id AND s.branch_id = n.id "
            f"WHERE r.election_id = n.election_id AND {_counts('s')} OFFSET 0) s "
            "WHERE n.eligible <> o.eligible GROUP BY s.round_id) x"
            + ROUND_UPSERT.format(t="t.")
            + ";",
        ),
    }


# --------------------------------------------------------------------------------------------


def _drop_triggers(postgresql: bool) -> None:
    for name, (_, table, _) in _pg_functions().items():
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgresql else ""))
        if postgresql:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")


def _create_triggers(
    postgresql: bool, functions: dict[str, tuple[str, str, str]], sqlite: dict[str, str]
) -> None:
    if postgresql:
        for name, (event, table, body) in functions.items():
            for sql in _pg_create(name, event, table, body):
                op.execute(sql)
    else:
        for sql in sqlite.values():
            op.execute(sql)


def _keys(table: str, slot: bool) -> list[str]:
    keys = ["round_id", "candidate_id"] if table == "candidate_totals" else ["round_id"]
    return [*keys[:1], "slot", *keys[1:]] if slot else keys


def _rekey(table: str, slot: bool, postgresql: bool) -> None:
    """Make the table's primary key ``_keys(table, slot)``."""
    name = f"pk_{table}"
    if postgresql:
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        keys = ", ".join(_keys(table, slot))
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} PRIMARY KEY ({keys})")
        return
    with op.batch_alter_table(table, recreate="always") as batch:
        batch.drop_constraint(name, type_="primary")
        batch.create_primary_key(name, _keys(table, slot))


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    _drop_triggers(postgresql)
    for table in ("round_totals", "candidate_totals"):
        slot = sa.Column("slot", sa.SmallInteger(), nullable=False, server_default="0")
        op.add_column(table, slot)
        _rekey(table, True, postgresql)
    if postgresql:
        op.execute(SLOT_FUNCTION)
    _create_triggers(postgresql, _pg_functions(), _sqlite_triggers())


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    _drop_triggers(postgresql)
    if postgresql:
        op.execute("DROP FUNCTION IF EXISTS totals_slot()")
    for table, keys, values in (
        ("round_totals", "round_id", ROUND_COLUMNS),
        ("candidate_totals", "round_id, candidate_id", ("votes",)),
    ):
        # Every round's slots folded into slot 0, before the key loses the slot.
        summed = ", ".join(f"SUM({c}) AS {c}" for c in values)
        op.execute(
            f"CREATE TEMPORARY TABLE folded AS SELECT {keys}, {summed} FROM {table} GROUP BY {keys}"
        )
        op.execute(f"DELETE FROM {table}")
        op.execute(
            f"INSERT INTO {table} ({keys}, {', '.join(values)}, slot) "
            "SELECT folded.*, 0 FROM folded"
        )
        op.execute("DROP TABLE folded")
        _rekey(table, False, postgresql)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("slot")
    _create_triggers(postgresql, _OLD._pg_functions(), _OLD._sqlite_triggers())
