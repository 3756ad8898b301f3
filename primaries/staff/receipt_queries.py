"""Where a round's paper stands (issue 15): per region, the boxes entered, reported and received
on paper, and the boxes whose signed sheet has not arrived; the receipts marked lately.

A box is *entered* once a sheet of it was typed (or loaded, or imported), *reported* once it
counts or is annulled (as the public pages count "branches reported"), *received* when its
latest paper receipt marks it so (:mod:`primaries.elections.receipts`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, func, select

from ..core.sheets import SheetStatus
from ..extensions import db
from ..models import Branch, PaperReceipt, Round, Sheet
from .queries import EFFECTIVE_STATE

REPORTED = (SheetStatus.COUNTED.value, SheetStatus.ANNULLED.value)


@dataclass(frozen=True)
class PaperBox:
    code: str
    name: str
    state: str
    received: bool

    @property
    def reported(self) -> bool:
        return self.state in REPORTED

    @property
    def entered(self) -> bool:
        return self.state != SheetStatus.EMPTY.value


@dataclass
class PaperRegion:
    """One region's boxes (``None``: branches without a region)."""

    region: str | None
    boxes: list[PaperBox] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.boxes)

    @property
    def entered(self) -> int:
        return sum(box.entered for box in self.boxes)

    @property
    def reported(self) -> int:
        return sum(box.reported for box in self.boxes)

    @property
    def received(self) -> int:
        return sum(box.received for box in self.boxes)

    @property
    def missing(self) -> list[PaperBox]:
        """The boxes whose paper has not arrived, those already reported first."""
        waiting = [box for box in self.boxes if not box.received]
        return sorted(waiting, key=lambda box: (not box.reported, box.code))


def _latest_receipts(round_: Round) -> dict[int, bool]:
    """branch id -> whether its latest receipt in the round marks its paper received."""
    latest = (
        select(func.max(PaperReceipt.id))
        .where(PaperReceipt.round_id == round_.id)
        .group_by(PaperReceipt.branch_id)
    )
    rows = db.session.execute(
        select(PaperReceipt.branch_id, PaperReceipt.received).where(PaperReceipt.id.in_(latest))
    ).all()
    return {int(branch_id): bool(received) for branch_id, received in rows}


def paper_by_region(round_: Round) -> list[PaperRegion]:
    """Every branch of the round's election, by region (in name order, no region last)."""
    received = _latest_receipts(round_)
    rows = db.session.execute(
        select(Branch.id, Branch.code, Branch.name, Branch.region, EFFECTIVE_STATE)
        .outerjoin(Sheet, and_(Sheet.branch_id == Branch.id, Sheet.round_id == round_.id))
        .where(Branch.election_id == round_.election_id)
        .order_by(Branch.code)
    ).all()
    regions: dict[str | None, PaperRegion] = {}
    for branch_id, code, name, region, state in rows:
        box = PaperBox(code, name, str(state), received.get(int(branch_id), False))
        regions.setdefault(region, PaperRegion(region)).boxes.append(box)
    return sorted(regions.values(), key=lambda r: (r.region is None, r.region or ""))


@dataclass(frozen=True)
class ReceiptLine:
    code: str
    name: str
    row: PaperReceipt
    standing: bool
    """The box's latest row, and a receipt: the one a supervisor may withdraw."""


def recent_receipts(round_: Round, limit: int = 20) -> list[ReceiptLine]:
    """The latest receipts and withdrawals of the round, newest first."""
    rows = db.session.execute(
        select(Branch.code, Branch.name, PaperReceipt)
        .join(Branch, Branch.id == PaperReceipt.branch_id)
        .where(PaperReceipt.round_id == round_.id)
        .order_by(PaperReceipt.id.desc())
        .limit(limit)
    ).all()
    seen: set[str] = set()
    lines = []
    for code, name, row in rows:  # newest first: a box's first line here is its latest row
        lines.append(ReceiptLine(code, name, row, standing=row.received and code not in seen))
        seen.add(code)
    return lines


def received_count(round_: Round) -> int:
    """How many boxes' signed sheets are marked received in the round now."""
    return sum(_latest_receipts(round_).values())
