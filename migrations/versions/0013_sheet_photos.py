"""Photos of signed count sheets (issue 13): sheet_photos, each a content-addressed file.

Reviewed by hand. A new table only; nothing existing changes. The files themselves live under
the instance folder (PHOTO_DIR), named by their SHA-256, which the row and the audit event
``sheet.photo`` record. The app role's privileges come from the owner's default privileges and
the grant every upgrade ends with. The downgrade drops the table (the files and the events stay).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 17:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sheet_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name=op.f("fk_sheet_photos_round_id_rounds")
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_sheet_photos_branch_id_branches")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sheet_photos_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sheet_photos")),
    )
    op.create_index("ix_sheet_photos_round_branch", "sheet_photos", ["round_id", "branch_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_sheet_photos_round_branch", table_name="sheet_photos")
    op.drop_table("sheet_photos")
