"""Whether the photos of a certified round's signed sheets are public (issue 13, item 5: "public
per branch once the round is certified, if the election's setting says so").

Reviewed by hand. Adds ``elections.photos_public``, false for every election (photos stay with
the staff until an admin says otherwise). No new table, so no new grant. The downgrade drops it.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 21:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "elections",
        sa.Column("photos_public", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_column("elections", "photos_public")
