"""Names in other languages (CONTRACT section 5, version 1.1).

Reviewed by hand. Adds a nullable ``names`` JSON column (language tag -> name) to ``elections``,
``candidates`` and ``branches``, and ``regions`` (``[{"name", "names"}]``) to ``elections``.
Rows already there keep NULL: a package without these keys means what it meant in version 1. No
new table, so no new grant: the app role's rights on these tables (``primaries.privileges``)
cover the new columns. The downgrade drops the columns (and the names with them).

Revision ID: 0007
Revises: 0005 (0006 is being written in parallel; the chain is set when both are merged)
Create Date: 2026-12-03 13:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("elections", schema=None) as batch_op:
        batch_op.add_column(sa.Column("names", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("regions", sa.JSON(), nullable=True))
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("names", sa.JSON(), nullable=True))
    with op.batch_alter_table("branches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("names", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("branches", schema=None) as batch_op:
        batch_op.drop_column("names")
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.drop_column("names")
    with op.batch_alter_table("elections", schema=None) as batch_op:
        batch_op.drop_column("regions")
        batch_op.drop_column("names")
