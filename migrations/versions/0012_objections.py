"""Objections (issue 13): an observer's objection about a branch's count, and its decision.

Reviewed by hand. A new table only; nothing existing changes. The app role's privileges on it
come from the owner's default privileges and the grant every upgrade ends with (migrations/env.py,
primaries.privileges). The downgrade drops it (the audit events ``objection.file`` and
``objection.decide`` still hold what it held).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 17:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "objections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("filed_by", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.Text(), nullable=True),
        sa.Column("decided_user_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "decision IS NULL OR decision IN ('dismissed', 'recount_ordered', 'box_annulled')",
            name=op.f("ck_objections_decision_known"),
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name=op.f("fk_objections_round_id_rounds")
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_objections_branch_id_branches")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_objections_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["decided_user_id"], ["users.id"], name=op.f("fk_objections_decided_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objections")),
    )
    op.create_index("ix_objections_round", "objections", ["round_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_objections_round", table_name="objections")
    op.drop_table("objections")
