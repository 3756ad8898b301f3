"""Paper received: paper_receipts, when each box's signed count sheet reached the committee.

Reviewed by hand. A new table only; nothing existing changes. The app role's privileges on it
come from the owner's default privileges and the grant every upgrade ends with (migrations/env.py,
primaries.privileges), as for the tables of earlier migrations. The downgrade drops it (the
audit events ``paper.received`` and ``paper.withdrawn`` still hold what it held).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 16:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "paper_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("received", sa.Boolean(), nullable=False),
        sa.Column("delivered_by", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name=op.f("fk_paper_receipts_round_id_rounds")
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_paper_receipts_branch_id_branches")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_paper_receipts_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paper_receipts")),
    )
    op.create_index(
        "ix_paper_receipts_round_branch", "paper_receipts", ["round_id", "branch_id", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_paper_receipts_round_branch", table_name="paper_receipts")
    op.drop_table("paper_receipts")
