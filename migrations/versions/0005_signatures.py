"""Signed audit events: each event's hash signed with a key kept outside the database.

Reviewed by hand. Adds ``key_id`` and ``signature`` to ``audit_events`` (both empty for the
events already recorded: nothing of theirs changes, so their hashes still hold). If there are such
events, the upgrade appends one more, ``audit.signing_began``, signed with the app's audit signing
key (``primaries.audit.keys``: the same key the app will sign with, so the upgrade needs it as
the app does). Its hash covers the events before it, so its signature vouches for them as they
are at the upgrade; ``primaries audit verify`` accepts unsigned events only before it. The
downgrade drops the two columns; the signing_began event stays (the table is append-only) and
still verifies as an unsigned event.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_id", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("signature", sa.String(length=128), nullable=True))

    from primaries.audit.chain import vouch_for_unsigned_events
    from primaries.changes import Actor

    vouch_for_unsigned_events(op.get_bind(), Actor.command_line().name)


def downgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("signature")
        batch_op.drop_column("key_id")
