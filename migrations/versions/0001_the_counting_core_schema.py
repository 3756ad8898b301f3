"""The counting core schema: elections, rounds, sheets and their history, accounts, audit chain.

Reviewed by hand: every counted number is BIGINT with a named CHECK (>= 0); one sheet per branch
and round (unique); timestamps are timezone-aware; on PostgreSQL a trigger makes the audit table
append-only (UPDATE, DELETE and TRUNCATE are refused).

Revision ID: 0001
Revises:
Create Date: 2026-11-26 07:24:37.647916
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

AUDIT_APPEND_ONLY = """
CREATE FUNCTION audit_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change();
"""


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("object_type", sa.String(length=32), nullable=False),
        sa.Column("object_id", sa.Text(), nullable=False),
        sa.Column("election", sa.String(length=64), nullable=True),
        sa.Column("round_number", sa.Integer(), nullable=True),
        sa.Column("branch", sa.String(length=32), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
        sa.UniqueConstraint("hash", name=op.f("uq_audit_events_hash")),
        sa.UniqueConstraint("prev_hash", name=op.f("uq_audit_events_prev_hash")),
        sa.UniqueConstraint("seq", name=op.f("uq_audit_events_seq")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index("ix_audit_events_action", ["action"], unique=False)
        batch_op.create_index("ix_audit_events_actor", ["actor"], unique=False)
        batch_op.create_index("ix_audit_events_created_at", ["created_at"], unique=False)
        batch_op.create_index(
            "ix_audit_events_election_branch", ["election", "branch"], unique=False
        )

    op.create_table(
        "elections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("threshold_percent", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("threshold_inclusive", sa.Boolean(), nullable=False),
        sa.Column("threshold_basis", sa.String(length=8), nullable=False),
        sa.Column("runoff_size", sa.Integer(), nullable=False),
        sa.Column("double_entry", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "threshold_basis IN ('valid', 'cast')", name=op.f("ck_elections_basis_known")
        ),
        sa.CheckConstraint("runoff_size >= 2", name=op.f("ck_elections_runoff_size_min")),
        sa.CheckConstraint(
            "threshold_percent >= 0 AND threshold_percent <= 100",
            name=op.f("ck_elections_threshold_range"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_elections")),
        sa.UniqueConstraint("slug", name=op.f("uq_elections_slug")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("session_epoch", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role IN ('admin', 'supervisor', 'clerk', 'observer')", name=op.f("ck_users_role_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "branches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("election_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("region", sa.Text(), nullable=True),
        sa.Column("eligible", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("eligible >= 0", name=op.f("ck_branches_eligible_nonnegative")),
        sa.ForeignKeyConstraint(
            ["election_id"], ["elections.id"], name=op.f("fk_branches_election_id_elections")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_branches")),
        sa.UniqueConstraint("election_id", "code", name=op.f("uq_branches_election_id_code")),
    )
    with op.batch_alter_table("branches", schema=None) as batch_op:
        batch_op.create_index(
            "ix_branches_election_region", ["election_id", "region"], unique=False
        )

    op.create_table(
        "candidates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("election_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["election_id"], ["elections.id"], name=op.f("fk_candidates_election_id_elections")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidates")),
        sa.UniqueConstraint("election_id", "code", name=op.f("uq_candidates_election_id_code")),
    )
    op.create_table(
        "rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("election_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("data_version", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'closed', 'certified')", name=op.f("ck_rounds_status_known")
        ),
        sa.CheckConstraint("number >= 1", name=op.f("ck_rounds_number_positive")),
        sa.ForeignKeyConstraint(
            ["election_id"], ["elections.id"], name=op.f("fk_rounds_election_id_elections")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rounds")),
        sa.UniqueConstraint("election_id", "number", name=op.f("uq_rounds_election_id_number")),
    )
    op.create_table(
        "annulments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "action IN ('annul', 'reinstate')", name=op.f("ck_annulments_action_known")
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_annulments_branch_id_branches")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name=op.f("fk_annulments_round_id_rounds")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_annulments_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_annulments")),
    )
    with op.batch_alter_table("annulments", schema=None) as batch_op:
        batch_op.create_index("ix_annulments_round_branch", ["round_id", "branch_id"], unique=False)

    op.create_table(
        "lots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("codes", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["rounds.id"], name=op.f("fk_lots_round_id_rounds")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_lots_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lots")),
    )
    with op.batch_alter_table("lots", schema=None) as batch_op:
        batch_op.create_index("ix_lots_round", ["round_id"], unique=False)

    op.create_table(
        "round_candidates",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.id"],
            name=op.f("fk_round_candidates_candidate_id_candidates"),
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name=op.f("fk_round_candidates_round_id_rounds")
        ),
        sa.PrimaryKeyConstraint("round_id", "candidate_id", name=op.f("pk_round_candidates")),
    )
    op.create_table(
        "round_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("result_sha256", sa.String(length=64), nullable=True),
        sa.Column("audit_head", sa.String(length=64), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "action IN ('open', 'close', 'reopen', 'certify', 'decertify')",
            name=op.f("ck_round_events_action_known"),
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name=op.f("fk_round_events_round_id_rounds")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_round_events_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_round_events")),
    )
    with op.batch_alter_table("round_events", schema=None) as batch_op:
        batch_op.create_index("ix_round_events_round", ["round_id"], unique=False)

    op.create_table(
        "sheet_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("ballots_cast", sa.BigInteger(), nullable=False),
        sa.Column("invalid", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('package', 'import', 'entry', 'resolution', 'correction')",
            name=op.f("ck_sheet_entries_kind_known"),
        ),
        sa.CheckConstraint(
            "ballots_cast >= 0", name=op.f("ck_sheet_entries_ballots_cast_nonnegative")
        ),
        sa.CheckConstraint(
            "invalid <= ballots_cast", name=op.f("ck_sheet_entries_invalid_within_cast")
        ),
        sa.CheckConstraint("invalid >= 0", name=op.f("ck_sheet_entries_invalid_nonnegative")),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_sheet_entries_branch_id_branches")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name=op.f("fk_sheet_entries_round_id_rounds")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sheet_entries_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sheet_entries")),
    )
    with op.batch_alter_table("sheet_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sheet_entries_round_branch", ["round_id", "branch_id"], unique=False
        )
        batch_op.create_index("ix_sheet_entries_user", ["user_id"], unique=False)

    op.create_table(
        "entry_votes",
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("votes", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("votes >= 0", name=op.f("ck_entry_votes_votes_nonnegative")),
        sa.ForeignKeyConstraint(
            ["candidate_id"], ["candidates.id"], name=op.f("fk_entry_votes_candidate_id_candidates")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["sheet_entries.id"], name=op.f("fk_entry_votes_entry_id_sheet_entries")
        ),
        sa.PrimaryKeyConstraint("entry_id", "candidate_id", name=op.f("pk_entry_votes")),
    )
    op.create_table(
        "sheets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("first_entry_id", sa.Integer(), nullable=True),
        sa.Column("second_entry_id", sa.Integer(), nullable=True),
        sa.Column("counted_entry_id", sa.Integer(), nullable=True),
        sa.Column("annulled", sa.Boolean(), nullable=False),
        sa.Column("annul_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(state = 'counted') = (counted_entry_id IS NOT NULL)",
            name=op.f("ck_sheets_counted_has_entry"),
        ),
        sa.CheckConstraint(
            "state IN ('empty', 'awaiting_second', 'mismatch', 'counted')",
            name=op.f("ck_sheets_state_known"),
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_sheets_branch_id_branches")
        ),
        sa.ForeignKeyConstraint(
            ["counted_entry_id"],
            ["sheet_entries.id"],
            name=op.f("fk_sheets_counted_entry_id_sheet_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["first_entry_id"],
            ["sheet_entries.id"],
            name=op.f("fk_sheets_first_entry_id_sheet_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name=op.f("fk_sheets_round_id_rounds")
        ),
        sa.ForeignKeyConstraint(
            ["second_entry_id"],
            ["sheet_entries.id"],
            name=op.f("fk_sheets_second_entry_id_sheet_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sheets")),
        sa.UniqueConstraint("round_id", "branch_id", name=op.f("uq_sheets_round_id_branch_id")),
    )
    with op.batch_alter_table("sheets", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sheets_round_state", ["round_id", "state", "annulled"], unique=False
        )

    if op.get_bind().dialect.name == "postgresql":
        op.execute(AUDIT_APPEND_ONLY)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_refuse_change()")
    with op.batch_alter_table("sheets", schema=None) as batch_op:
        batch_op.drop_index("ix_sheets_round_state")

    op.drop_table("sheets")
    op.drop_table("entry_votes")
    with op.batch_alter_table("sheet_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_sheet_entries_user")
        batch_op.drop_index("ix_sheet_entries_round_branch")

    op.drop_table("sheet_entries")
    with op.batch_alter_table("round_events", schema=None) as batch_op:
        batch_op.drop_index("ix_round_events_round")

    op.drop_table("round_events")
    op.drop_table("round_candidates")
    with op.batch_alter_table("lots", schema=None) as batch_op:
        batch_op.drop_index("ix_lots_round")

    op.drop_table("lots")
    with op.batch_alter_table("annulments", schema=None) as batch_op:
        batch_op.drop_index("ix_annulments_round_branch")

    op.drop_table("annulments")
    op.drop_table("rounds")
    op.drop_table("candidates")
    with op.batch_alter_table("branches", schema=None) as batch_op:
        batch_op.drop_index("ix_branches_election_region")

    op.drop_table("branches")
    op.drop_table("users")
    op.drop_table("elections")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_election_branch")
        batch_op.drop_index("ix_audit_events_created_at")
        batch_op.drop_index("ix_audit_events_actor")
        batch_op.drop_index("ix_audit_events_action")

    op.drop_table("audit_events")
