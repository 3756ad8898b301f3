"""The objections of a certified round on its public page (issue 13): per branch, what was
objected and what the committee decided, without who filed it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..extensions import db
from ..models import Branch, Objection
from .overview import RoundView


@dataclass(frozen=True)
class PublicObjection:
    code: str
    name: str
    text: str
    decision: str | None
    reason: str | None


def public_objections(view: RoundView) -> list[PublicObjection]:
    """The round's objections by branch code, once it is certified (none before)."""
    if not view.certified:
        return []
    rows = db.session.execute(
        select(Branch.code, Branch.name, Objection.text, Objection.decision, Objection.reason)
        .join(Branch, Branch.id == Objection.branch_id)
        .where(Objection.round_id == view.round.id)
        .order_by(Branch.code, Objection.id)
    ).all()
    return [PublicObjection(*row) for row in rows]
