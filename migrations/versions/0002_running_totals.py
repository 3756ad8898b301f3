"""Running totals per round, kept by triggers; an index from an entry to the sheet counting it.

Reviewed by hand. ``round_totals`` (one row per round) and ``candidate_totals`` (one row per
round and candidate) hold what the tally would sum over the sheets that count, so the tally
reads a handful of rows whatever the number of branches (issue 5: 100,000 branches tally in
milliseconds instead of seconds).

They are derived data, maintained by database triggers in the same transaction as the change
that moves them, whatever code makes it (the ORM, a bulk insert, a hand-written UPDATE):

- ``sheets``: insert, delete, and any update of ``round_id``, ``branch_id``, ``state``,
  ``annulled`` or ``counted_entry_id`` (a sheet that starts or stops counting, or counts another
  entry: double entry, correction, annulment, reinstatement, imports, loads);
- ``entry_votes``: insert, update, delete (votes of an entry that a sheet already counts, which
  makes the triggers right whichever of the sheet and the votes is written first);
- ``sheet_entries``: an update of ``ballots_cast`` or ``invalid``;
- ``branches``: an update of ``eligible`` (turnout's denominator).

A sheet counts when ``state = 'counted' AND NOT annulled``. On PostgreSQL the triggers are
statement-level with transition tables (a COPY of 500,000 votes is one statement, not 500,000
calls); their lookups into the big tables are LATERAL subqueries fenced with ``OFFSET 0``, so
they use the indexes whatever the planner guesses about a transition table's size. SQLite has
only row-level triggers. The upgrade fills both tables from existing data;
``primaries.tally.recount_of`` is the full recount that tests compare them with.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 08:00:00
"""

# The SQL below is assembled from constants of this file only: nothing comes from input.
# ruff: noqa: S608

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _counts(row: str) -> str:
    return (
        f"({row}.state = 'counted' AND NOT {row}.annulled AND {row}.counted_entry_id IS NOT NULL)"
    )


ROUND_UPSERT = (
    " ON CONFLICT (round_id) DO UPDATE SET counted = {t}counted + excluded.counted,"
    " annulled = {t}annulled + excluded.annulled, eligible = {t}eligible + excluded.eligible,"
    " ballots_cast = {t}ballots_cast + excluded.ballots_cast,"
    " invalid = {t}invalid + excluded.invalid"
)
VOTES_UPSERT = (
    " ON CONFLICT (round_id, candidate_id) DO UPDATE SET votes = {t}votes + excluded.votes"
)

# --------------------------------------------------------------------------------------------
# SQLite: row-level triggers


def _sqlite_sheet(row: str, sign: str) -> list[str]:
    """Add (sign '+') or remove (sign '-') one sheet row's contribution."""
    counts = _counts(row)
    return [
        "INSERT INTO round_totals (round_id, counted, annulled, eligible, ballots_cast, invalid) "
        f"SELECT {row}.round_id, {sign}1, 0, {sign}b.eligible, {sign}e.ballots_cast, "
        f"{sign}e.invalid FROM branches b, sheet_entries e "
        f"WHERE b.id = {row}.branch_id AND e.id = {row}.counted_entry_id AND {counts}"
        + ROUND_UPSERT.format(t=""),
        "INSERT INTO round_totals (round_id, counted, annulled, eligible, ballots_cast, invalid) "
        f"SELECT {row}.round_id, 0, {sign}1, 0, 0, 0 WHERE {row}.annulled"
        + ROUND_UPSERT.format(t=""),
        "INSERT INTO candidate_totals (round_id, candidate_id, votes) "
        f"SELECT {row}.round_id, v.candidate_id, {sign}v.votes FROM entry_votes v "
        f"WHERE v.entry_id = {row}.counted_entry_id AND {counts}" + VOTES_UPSERT.format(t=""),
    ]


def _sqlite_vote(row: str, sign: str) -> list[str]:
    return [
        "INSERT INTO candidate_totals (round_id, candidate_id, votes) "
        f"SELECT s.round_id, {row}.candidate_id, {sign}{row}.votes FROM sheets s "
        f"WHERE s.counted_entry_id = {row}.entry_id AND {_counts('s')}" + VOTES_UPSERT.format(t="")
    ]


SHEET_CHANGED = (
    "OLD.round_id IS NOT NEW.round_id OR OLD.branch_id IS NOT NEW.branch_id OR "
    "OLD.state IS NOT NEW.state OR OLD.annulled IS NOT NEW.annulled OR "
    "OLD.counted_entry_id IS NOT NEW.counted_entry_id"
)


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
                "UPDATE round_totals SET ballots_cast = ballots_cast + NEW.ballots_cast "
                "- OLD.ballots_cast, invalid = invalid + NEW.invalid - OLD.invalid "
                "WHERE round_id IN (SELECT s.round_id FROM sheets s "
                f"WHERE s.counted_entry_id = NEW.id AND {_counts('s')})"
            ],
            "OLD.ballots_cast IS NOT NEW.ballots_cast OR OLD.invalid IS NOT NEW.invalid",
        ),
        "totals_branches_update": trigger(
            "totals_branches_update",
            "UPDATE",
            "branches",
            [
                "UPDATE round_totals SET eligible = eligible + NEW.eligible - OLD.eligible "
                "WHERE round_id IN (SELECT s.round_id FROM rounds r JOIN sheets s "
                "ON s.round_id = r.id AND s.branch_id = NEW.id "
                f"WHERE r.election_id = NEW.election_id AND {_counts('s')})"
            ],
            "OLD.eligible IS NOT NEW.eligible",
        ),
    }


# --------------------------------------------------------------------------------------------
# PostgreSQL: statement-level triggers over transition tables


def _pg_apply_sheets(delta: str) -> str:
    """Apply a delta of sheet rows (round_id, branch_id, counted_entry_id, counts, annulled,
    sign) to both tables."""
    return (
        f"WITH d AS ({delta}) "
        "INSERT INTO round_totals AS t (round_id, counted, annulled, eligible, ballots_cast, "
        "invalid) SELECT d.round_id, "
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
        "INSERT INTO candidate_totals AS t (round_id, candidate_id, votes) "
        "SELECT d.round_id, v.candidate_id, SUM(d.sign * v.votes) "
        "FROM d CROSS JOIN LATERAL (SELECT v.candidate_id, v.votes FROM entry_votes v "
        "WHERE v.entry_id = d.counted_entry_id OFFSET 0) v WHERE d.counts "
        "GROUP BY d.round_id, v.candidate_id" + VOTES_UPSERT.format(t="t.") + ";"
    )


def _pg_sheet_rows(table: str, sign: int, alias: str = "x", joined: str = "") -> str:
    return (
        f"SELECT {alias}.round_id, {alias}.branch_id, {alias}.counted_entry_id, "
        f"{_counts(alias)} AS counts, {alias}.annulled, {sign} AS sign "
        f"FROM {table} {alias} {joined}"
    )


PG_SHEET_CHANGED = (
    "(o.round_id, o.branch_id, o.state, o.annulled, o.counted_entry_id) IS DISTINCT FROM "
    "(n.round_id, n.branch_id, n.state, n.annulled, n.counted_entry_id)"
)


def _pg_apply_votes(delta: str) -> str:
    """Apply a delta of vote rows (entry_id, candidate_id, votes, sign) of entries that a sheet
    counts; the sheets are looked up once per entry, not once per vote."""
    return (
        f"WITH d AS ({delta}), "
        "e AS (SELECT x.entry_id, s.round_id FROM (SELECT DISTINCT entry_id FROM d) x "
        "CROSS JOIN LATERAL (SELECT s.round_id FROM sheets s "
        f"WHERE s.counted_entry_id = x.entry_id AND {_counts('s')} OFFSET 0) s) "
        "INSERT INTO candidate_totals AS t (round_id, candidate_id, votes) "
        "SELECT e.round_id, d.candidate_id, SUM(d.sign * d.votes) FROM e "
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
            "UPDATE round_totals t SET ballots_cast = t.ballots_cast + x.cast_delta, "
            "invalid = t.invalid + x.invalid_delta FROM (SELECT s.round_id, "
            "SUM(n.ballots_cast - o.ballots_cast) AS cast_delta, "
            "SUM(n.invalid - o.invalid) AS invalid_delta FROM new_rows n "
            "JOIN old_rows o ON o.id = n.id CROSS JOIN LATERAL (SELECT s.round_id FROM sheets s "
            f"WHERE s.counted_entry_id = n.id AND {_counts('s')} OFFSET 0) s "
            "WHERE (n.ballots_cast, n.invalid) IS DISTINCT FROM "
            "(o.ballots_cast, o.invalid) GROUP BY s.round_id) x WHERE t.round_id = x.round_id;",
        ),
        "totals_branches_update": (
            "UPDATE",
            "branches",
            "UPDATE round_totals t SET eligible = t.eligible + x.delta FROM (SELECT s.round_id, "
            "SUM(n.eligible - o.eligible) AS delta FROM new_rows n JOIN old_rows o ON o.id = n.id "
            "CROSS JOIN LATERAL (SELECT s.round_id FROM rounds r JOIN sheets s "
            "ON s.round_id = r.id AND s.branch_id = n.id "
            f"WHERE r.election_id = n.election_id AND {_counts('s')} OFFSET 0) s "
            "WHERE n.eligible <> o.eligible GROUP BY s.round_id) x "
            "WHERE t.round_id = x.round_id;",
        ),
    }


def _pg_create(name: str, event: str, table: str, body: str) -> list[str]:
    referencing = {
        "INSERT": "NEW TABLE AS new_rows",
        "DELETE": "OLD TABLE AS old_rows",
        "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    }[event]
    return [
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        f"BEGIN\n    {body}\n    RETURN NULL;\nEND;\n$$",
        f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {referencing} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
    ]


BACKFILL = [
    "INSERT INTO round_totals (round_id, counted, annulled, eligible, ballots_cast, invalid) "
    f"SELECT s.round_id, SUM(CASE WHEN {_counts('s')} THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN s.annulled THEN 1 ELSE 0 END), "
    f"SUM(CASE WHEN {_counts('s')} THEN b.eligible ELSE 0 END), "
    f"SUM(CASE WHEN {_counts('s')} THEN e.ballots_cast ELSE 0 END), "
    f"SUM(CASE WHEN {_counts('s')} THEN e.invalid ELSE 0 END) "
    "FROM sheets s JOIN branches b ON b.id = s.branch_id "
    "LEFT JOIN sheet_entries e ON e.id = s.counted_entry_id GROUP BY s.round_id",
    "INSERT INTO candidate_totals (round_id, candidate_id, votes) "
    "SELECT s.round_id, v.candidate_id, SUM(v.votes) FROM sheets s "
    f"JOIN entry_votes v ON v.entry_id = s.counted_entry_id WHERE {_counts('s')} "
    "GROUP BY s.round_id, v.candidate_id",
]


def upgrade() -> None:
    op.create_table(
        "round_totals",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("counted", sa.BigInteger(), nullable=False),
        sa.Column("annulled", sa.BigInteger(), nullable=False),
        sa.Column("eligible", sa.BigInteger(), nullable=False),
        sa.Column("ballots_cast", sa.BigInteger(), nullable=False),
        sa.Column("invalid", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["rounds.id"],
            name=op.f("fk_round_totals_round_id_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("round_id", name=op.f("pk_round_totals")),
    )
    op.create_table(
        "candidate_totals",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("votes", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.id"],
            name=op.f("fk_candidate_totals_candidate_id_candidates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["rounds.id"],
            name=op.f("fk_candidate_totals_round_id_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("round_id", "candidate_id", name=op.f("pk_candidate_totals")),
    )
    op.create_index("ix_sheets_counted_entry", "sheets", ["counted_entry_id"], unique=False)
    for sql in BACKFILL:
        op.execute(sql)
    if op.get_bind().dialect.name == "postgresql":
        for name, (event, table, body) in _pg_functions().items():
            for sql in _pg_create(name, event, table, body):
                op.execute(sql)
    else:
        for sql in _sqlite_triggers().values():
            op.execute(sql)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name, (_, table, _) in _pg_functions().items():
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgresql else ""))
        if postgresql:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.drop_index("ix_sheets_counted_entry", table_name="sheets")
    op.drop_table("candidate_totals")
    op.drop_table("round_totals")
