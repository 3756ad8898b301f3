"""Sheet decisions: a mismatch resolved or a sheet sent back, each a row of its own.

Reviewed by hand. Until now a send-back left no row (the sheet's entries were simply set aside)
and a resolution's field-by-field choices were only in its audit event, so the branch history page
parsed audit JSON. The upgrade creates ``sheet_decisions`` and carries every existing decision
over from the audit chain (``sheet.send_back`` and ``sheet.resolve`` events: their entries, their
choices, their reason, who and when); the chain itself is not touched. The downgrade drops the
table: the audit events still hold everything it held.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 22:00:00
"""

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    decisions = op.create_table(
        "sheet_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("first_entry_id", sa.Integer(), nullable=True),
        sa.Column("second_entry_id", sa.Integer(), nullable=True),
        sa.Column("resolution_entry_id", sa.Integer(), nullable=True),
        sa.Column("choices", sa.JSON(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('resolve', 'send_back')", name=op.f("ck_sheet_decisions_kind_known")
        ),
        sa.CheckConstraint(
            "(kind = 'resolve') = (resolution_entry_id IS NOT NULL)",
            name=op.f("ck_sheet_decisions_resolution_has_entry"),
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_sheet_decisions_branch_id_branches")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name=op.f("fk_sheet_decisions_round_id_rounds")
        ),
        sa.ForeignKeyConstraint(
            ["first_entry_id"],
            ["sheet_entries.id"],
            name=op.f("fk_sheet_decisions_first_entry_id_sheet_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["second_entry_id"],
            ["sheet_entries.id"],
            name=op.f("fk_sheet_decisions_second_entry_id_sheet_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["resolution_entry_id"],
            ["sheet_entries.id"],
            name=op.f("fk_sheet_decisions_resolution_entry_id_sheet_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sheet_decisions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sheet_decisions")),
    )
    with op.batch_alter_table("sheet_decisions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sheet_decisions_round_branch", ["round_id", "branch_id"], unique=False
        )
    rows = _decisions_from_audit(op.get_bind())
    if rows:
        op.bulk_insert(decisions, rows)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _decisions_from_audit(connection: sa.Connection) -> list[dict[str, Any]]:
    """The decisions recorded so far, read back from their audit events, oldest first."""
    events = connection.execute(
        sa.text(
            "SELECT e.action, e.actor, e.before, e.after, e.created_at, r.id AS round_id, "
            "b.id AS branch_id "
            "FROM audit_events e "
            "JOIN elections el ON el.slug = e.election "
            "JOIN rounds r ON r.election_id = el.id AND r.number = e.round_number "
            "JOIN branches b ON b.election_id = el.id AND b.code = e.branch "
            "WHERE e.action IN ('sheet.send_back', 'sheet.resolve') ORDER BY e.seq"
        ).columns(
            sa.column("action"),
            sa.column("actor"),
            sa.column("before"),
            sa.column("after"),
            sa.column("created_at", sa.DateTime()),  # SQLite keeps text: parse it back
            sa.column("round_id"),
            sa.column("branch_id"),
        )
    ).all()
    users = dict(connection.execute(sa.text("SELECT username, id FROM users")).all())
    rows = []
    for action, actor, before, after, created_at, round_id, branch_id in events:
        before, after = _json(before) or {}, _json(after) or {}
        row: dict[str, Any] = {
            "round_id": round_id,
            "branch_id": branch_id,
            "user_id": users.get(actor),
            "created_at": created_at,
            "choices": None,
            "reason": None,
            "resolution_entry_id": None,
        }
        if action == "sheet.send_back":
            entry_ids = [*(before.get("entry_ids") or []), None, None]
            row.update(
                kind="send_back",
                first_entry_id=entry_ids[0],
                second_entry_id=entry_ids[1],
                reason=after.get("reason"),
            )
        else:
            row.update(
                kind="resolve",
                first_entry_id=(before.get("entry_1") or {}).get("id"),
                second_entry_id=(before.get("entry_2") or {}).get("id"),
                resolution_entry_id=after.get("entry_id"),
                choices=after.get("decided") or {},
            )
        rows.append(row)
    return rows


def downgrade() -> None:
    with op.batch_alter_table("sheet_decisions", schema=None) as batch_op:
        batch_op.drop_index("ix_sheet_decisions_round_branch")
    op.drop_table("sheet_decisions")
