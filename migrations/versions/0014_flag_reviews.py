"""Reviews of boxes held by red flags (issue 13, quarantine): a supervisor's clearance.

Reviewed by hand. A new table only; nothing existing changes. The app role's privileges on it
come from the owner's default privileges and the grant every upgrade ends with (migrations/env.py,
primaries.privileges). The downgrade drops it (the audit events ``flags.clear`` still hold what
it held).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 20:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "flag_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("checks", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name=op.f("fk_flag_reviews_round_id_rounds")
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_flag_reviews_branch_id_branches")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["sheet_entries.id"], name=op.f("fk_flag_reviews_entry_id_sheet_entries")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_flag_reviews_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flag_reviews")),
    )
    op.create_index("ix_flag_reviews_round_branch", "flag_reviews", ["round_id", "branch_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_flag_reviews_round_branch", table_name="flag_reviews")
    op.drop_table("flag_reviews")
