"""Staff accounts' full names (issue 14, finding 11): a certificate names a person, not an
account.

Reviewed by hand. Adds a nullable ``full_name`` to ``users``; accounts already there keep NULL
(shown by their user name, as before). No new table, so no new grant. The downgrade drops it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 17:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("full_name", sa.String(128), nullable=True))


def downgrade() -> None:
    op.drop_column("users", "full_name")
