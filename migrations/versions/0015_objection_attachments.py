"""A document or photo attached to an objection (issue 13, item 4: "optionally a document or
photo").

Reviewed by hand. Adds three nullable columns to ``objections``: the attachment's SHA-256 (its
file is stored content-addressed beside the sheets' photos), its content type and its size.
Objections already there keep NULL (no attachment). No new table, so no new grant. The downgrade
drops them (the audit event ``objection.file`` still holds the SHA-256).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 20:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("objections", sa.Column("attachment_sha256", sa.String(64), nullable=True))
    op.add_column("objections", sa.Column("attachment_type", sa.String(32), nullable=True))
    op.add_column("objections", sa.Column("attachment_size", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("objections", "attachment_size")
    op.drop_column("objections", "attachment_type")
    op.drop_column("objections", "attachment_sha256")
