"""Red-flag settings per election (docs/flags.md; issue 13).

Reviewed by hand. Adds a nullable ``flag_settings`` JSON column to ``elections``: the thresholds
of the red-flag checks the election changed from their defaults (setting name -> text). NULL is
every default, what every election had before. No new table, so no new grant. The downgrade
drops the column (and the settings with it).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 17:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE (as 0006): a batch copy would break the running totals' triggers.
    op.add_column("elections", sa.Column("flag_settings", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("elections", "flag_settings")
