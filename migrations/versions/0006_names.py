"""Names in other languages (CONTRACT section 5, version 1.1).

Reviewed by hand. Adds a nullable ``names`` JSON column (language tag -> name) to ``elections``,
``candidates`` and ``branches``, and ``regions`` (``[{"name", "names"}]``) to ``elections``.
Rows already there keep NULL: a package without these keys means what it meant in version 1. No
new table, so no new grant: the app role's rights on these tables (``primaries.privileges``)
cover the new columns. The downgrade drops the columns (and the names with them).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 13:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not batch mode: SQLite (3.35 and later) adds and drops a column in place,
# where a batch would copy the table and break the running totals' triggers that name it.
_COLUMNS = (
    ("elections", "names"),
    ("elections", "regions"),
    ("candidates", "names"),
    ("branches", "names"),
)


def upgrade() -> None:
    for table, column in _COLUMNS:
        op.add_column(table, sa.Column(column, sa.JSON(), nullable=True))


def downgrade() -> None:
    for table, column in reversed(_COLUMNS):
        op.drop_column(table, column)
