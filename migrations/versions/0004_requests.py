"""Four eyes: change requests, each election's four-eyes setting, and certificates that say it.

Reviewed by hand. ``change_requests`` holds what one supervisor asked for (a correction, an
annulment or its reversal, a web import's correction, a decertification, turning four eyes off)
until a second supervisor or admin approves or refuses it, or the one who asked withdraws it.
``elections.four_eyes`` is on for every election, existing ones included (server default true);
``round_events.four_eyes`` is left empty for certificates made before it existed. The downgrade
drops all three: the audit chain still holds every request and its decision.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-10 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

KINDS = "'correct', 'import', 'annul', 'reinstate', 'decertify', 'four_eyes_off'"
STATUSES = "'pending', 'approved', 'refused', 'withdrawn'"


def upgrade() -> None:
    op.create_table(
        "change_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("election_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("proposal", sa.JSON(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.CheckConstraint(f"kind IN ({KINDS})", name=op.f("ck_change_requests_kind_known")),
        sa.CheckConstraint(f"status IN ({STATUSES})", name=op.f("ck_change_requests_status_known")),
        sa.CheckConstraint(
            "(status = 'pending') = (decided_at IS NULL)",
            name=op.f("ck_change_requests_decided_unless_pending"),
        ),
        sa.ForeignKeyConstraint(
            ["election_id"], ["elections.id"], name=op.f("fk_change_requests_election_id_elections")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name=op.f("fk_change_requests_round_id_rounds")
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_change_requests_branch_id_branches")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["users.id"], name=op.f("fk_change_requests_requested_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_change_requests_decided_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_requests")),
    )
    with op.batch_alter_table("change_requests", schema=None) as batch_op:
        batch_op.create_index("ix_change_requests_status", ["status"], unique=False)
        batch_op.create_index(
            "ix_change_requests_round_branch", ["round_id", "branch_id"], unique=False
        )
    # Plain ADD COLUMN on both databases (no table copy on SQLite: other tables refer to these).
    op.add_column(
        "elections",
        sa.Column("four_eyes", sa.Boolean(), server_default=sa.true(), nullable=False),
    )
    op.add_column("round_events", sa.Column("four_eyes", sa.Boolean(), nullable=True))


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN on both (SQLite 3.35+): a batch copy of ``elections`` would
    # drop a table other tables refer to.
    op.drop_column("round_events", "four_eyes")
    op.drop_column("elections", "four_eyes")
    with op.batch_alter_table("change_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_change_requests_round_branch")
        batch_op.drop_index("ix_change_requests_status")
    op.drop_table("change_requests")
