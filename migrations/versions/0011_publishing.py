"""When a round's results go public (issue 15, item 5): ``rounds.publish``.

Reviewed by hand. Adds ``publish`` to ``rounds``: ``live`` (from the first counted sheet, what
every round did before, and the default for existing rounds), ``complete`` or ``certified``,
checked by ``ck_rounds_publish_known``. Plain ALTER TABLE on both databases (as 0006 and 0008):
SQLite takes a column's CHECK in ADD COLUMN, and a batch copy of ``rounds`` would break the
running totals' triggers. No new table, so no new grant. The downgrade drops the column.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 16:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

KNOWN = "publish IN ('live', 'complete', 'certified')"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.add_column(
            "rounds",
            sa.Column("publish", sa.String(16), nullable=False, server_default="live"),
        )
        op.create_check_constraint("ck_rounds_publish_known", "rounds", KNOWN)
    else:
        op.execute(
            "ALTER TABLE rounds ADD COLUMN publish VARCHAR(16) NOT NULL DEFAULT 'live' "
            f"CONSTRAINT ck_rounds_publish_known CHECK ({KNOWN})"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("ck_rounds_publish_known", "rounds", type_="check")
    op.drop_column("rounds", "publish")
