"""Risk-limiting audits: rla_audits, rla_draws, rla_counts, rla_entries (CONTRACT section 8).

Reviewed by hand. New tables only; nothing existing changes. The app role's privileges on them
come from the owner's default privileges and the grant every upgrade ends with (migrations/env.py,
primaries.privileges), as for the tables of earlier migrations. The downgrade drops them (the
audit events still hold everything they held).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 14:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rla_audits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("risk_limit", sa.String(length=8), nullable=False),
        sa.Column("seed", sa.String(length=64), nullable=False),
        sa.Column("total_error_bound", sa.String(length=64), nullable=True),
        sa.Column("exact_error_bound", sa.Text(), nullable=True),
        sa.Column("estimate", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("risk", sa.String(length=16), nullable=True),
        sa.Column("started_by", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('in_progress', 'confirmed', 'escalate', 'full_hand_count')",
            name=op.f("ck_rla_audits_rla_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name=op.f("fk_rla_audits_round_id_rounds")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_rla_audits_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rla_audits")),
        sa.UniqueConstraint("round_id", name="uq_rla_audits_round"),
    )
    op.create_table(
        "rla_draws",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("k", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_id"], ["rla_audits.id"], name=op.f("fk_rla_draws_audit_id_rla_audits")
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_rla_draws_branch_id_branches")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rla_draws")),
        sa.UniqueConstraint("audit_id", "k", name="uq_rla_draws_k"),
    )
    op.create_table(
        "rla_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("ballots_cast", sa.Integer(), nullable=False),
        sa.Column("invalid", sa.Integer(), nullable=False),
        sa.Column("votes", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_id"], ["rla_audits.id"], name=op.f("fk_rla_counts_audit_id_rla_audits")
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_rla_counts_branch_id_branches")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_rla_counts_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rla_counts")),
    )
    op.create_index("ix_rla_counts_audit", "rla_counts", ["audit_id", "branch_id"], unique=False)
    op.create_table(
        "rla_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("ballots_cast", sa.Integer(), nullable=False),
        sa.Column("invalid", sa.Integer(), nullable=False),
        sa.Column("votes", sa.JSON(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_id"], ["rla_audits.id"], name=op.f("fk_rla_entries_audit_id_rla_audits")
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_rla_entries_branch_id_branches")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_rla_entries_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rla_entries")),
    )
    op.create_index("ix_rla_entries_audit", "rla_entries", ["audit_id", "branch_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_rla_entries_audit", table_name="rla_entries")
    op.drop_table("rla_entries")
    op.drop_index("ix_rla_counts_audit", table_name="rla_counts")
    op.drop_table("rla_counts")
    op.drop_table("rla_draws")
    op.drop_table("rla_audits")
