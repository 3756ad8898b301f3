"""The paper: when a box's signed count sheet physically reached the committee (issue 15), its
photos, observers' objections about a box's count, and the review of boxes red flags hold
(issue 13).

Receipts are written only by :mod:`primaries.elections.receipts`, objections only by
:mod:`primaries.elections.objections`, reviews only by :mod:`primaries.elections.reviews`,
photos only by :mod:`primaries.elections.photos`, each change with its audit event. A receipt
is never updated or deleted: a receipt marked by mistake is withdrawn by a new row
(``received`` false, with its reason), and the latest row of a box in a round says where its
paper is. An objection's filing is never changed; its decision is written once.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Base
from ..timestamps import UTCDateTime, utcnow


class PaperReceipt(Base):
    """A box's signed sheet marked as received (or such a mark withdrawn), by whom, when."""

    __tablename__ = "paper_receipts"
    __table_args__ = (Index("ix_paper_receipts_round_branch", "round_id", "branch_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    received: Mapped[bool] = mapped_column(Boolean)
    delivered_by: Mapped[str | None] = mapped_column(Text)
    """Who brought the sheet (a name as the clerk typed it), for a receipt."""
    reason: Mapped[str | None] = mapped_column(Text)
    """Why a receipt was withdrawn."""
    actor: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Objection(Base):
    """An observer's objection about a branch's count in a round, and the committee's decision.

    The filing is never changed; the decision (its kind, reason, who and when) is written once.
    """

    __tablename__ = "objections"
    __table_args__ = (
        Index("ix_objections_round", "round_id", "id"),
        CheckConstraint(
            "decision IS NULL OR decision IN ('dismissed', 'recount_ordered', 'box_annulled')",
            name="decision_known",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    text: Mapped[str] = mapped_column(Text)
    """What happened, as the observer wrote it."""
    filed_by: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decision: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(Text)
    decided_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # A document or photo the observer attached (stored like a sheet's photo, by its SHA-256)
    attachment_sha256: Mapped[str | None] = mapped_column(String(64))
    attachment_type: Mapped[str | None] = mapped_column(String(32))
    attachment_size: Mapped[int | None] = mapped_column(Integer)


class SheetPhoto(Base):
    """A photo (or scan) of a box's signed count sheet in a round, stored content-addressed.

    The file is ``photos/<first two of sha256>/<sha256>.<ext>`` under the instance folder
    (``PHOTO_DIR``); the row says which box and round it shows, who added it and when. Rows are
    never changed: a wrong photo stays beside the right one, as paper would.
    """

    __tablename__ = "sheet_photos"
    __table_args__ = (Index("ix_sheet_photos_round_branch", "round_id", "branch_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class FlagReview(Base):
    """A supervisor's clearance of a box that red flags held for review (issue 13): which
    counted entry it cleared, for which checks, why, who and when. A box is held again when its
    counted entry changes or a check it was not cleared for fires. Rows are never changed."""

    __tablename__ = "flag_reviews"
    __table_args__ = (Index("ix_flag_reviews_round_branch", "round_id", "branch_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    entry_id: Mapped[int] = mapped_column(ForeignKey("sheet_entries.id"))
    checks: Mapped[list[str]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
