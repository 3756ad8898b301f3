"""What the tables must hold, by public names, as the audit chain says: the model that
:mod:`primaries.audit.replay` builds and :mod:`primaries.audit.tables` compares the tables with.

Its attributes are named apart from the tables' columns (``sheet_state``, ``is_annulled``): it
is never written to the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..core.rounds import RoundAction, RoundStatus
from ..core.sheets import SheetState

SheetKey = tuple[str, int, str]
"""A sheet by its public names: election slug, round number, branch code."""
RoundKey = tuple[str, int]


class Difference(Exception):
    """The first place where the tables and the chain disagree, or an event that cannot say."""


def difference(
    where: str, what: str, chain: object, table: object, seq: int | None = None
) -> Difference:
    """``where`` (branch, round...), ``what`` (table and field), what each side says."""
    at = f" (event #{seq})" if seq else ""
    return Difference(
        f"the data does not match the audit chain at {where}: {what}: "
        f"the chain says {chain}{at}, the table says {table}"
    )


@dataclass(frozen=True)
class Event:
    seq: int
    action: str
    actor: str
    election: str | None
    round_number: int | None
    branch: str | None
    after: Any


@dataclass(slots=True)
class ExpectedSheet:
    """A sheet as the chain made it (the names differ from the table's columns on purpose)."""

    sheet_state: str = SheetState.EMPTY.value
    first: int | None = None
    second: int | None = None
    counted: int | None = None
    is_annulled: bool = False
    annulment_reason: str | None = None
    seq: int = 0
    # (kind, first, second, resolution, choices, reason, user, seq)
    decisions: list[tuple[Any, ...]] = field(default_factory=list)
    # (action, reason, user, seq)
    annulments: list[tuple[Any, ...]] = field(default_factory=list)

    @property
    def counts(self) -> bool:
        return self.sheet_state == SheetState.COUNTED and not self.is_annulled


@dataclass(slots=True)
class ExpectedEntry:
    sheet: SheetKey
    kind: str
    user: str | None
    reason: str | None
    digest: bytes
    seq: int


@dataclass
class ExpectedRound:
    status: str
    held_on: str | None
    ballot: list[str]
    seq: int
    # (action, reason, result_sha256, audit_head, four_eyes, user, seq)
    events: list[tuple[Any, ...]] = field(default_factory=list)
    lots: list[tuple[Any, ...]] = field(default_factory=list)  # (codes, note, user, seq)
    publish: str = "live"  # when its results go public (round.open, round.publishing)
    publish_seq: int = 0

    def certificate(self) -> tuple[str, int] | None:
        """The result SHA-256 the round's current certificate holds, and its event."""
        if self.status != RoundStatus.CERTIFIED:
            return None
        for action, _, digest, *_, seq in reversed(self.events):
            if action == RoundAction.CERTIFY:
                return str(digest), int(seq)
        return None


@dataclass
class ExpectedElection:
    name: str
    rules: dict[str, Any]
    four_eyes: bool
    candidates: list[tuple[str, str, Any]]
    """(code, name, names in other languages or None)"""
    seq: int
    local_names: Any = None
    """Its names in other languages (version 1.1); None when the package gave none."""
    region_names: Any = None
    """Its ``regions`` (version 1.1); None when the package gave none."""
    flag_settings: Any = None
    """The red-flag settings it changed (``election.flag_settings`` events); None: defaults."""
    photos_public: bool = False
    """Whether certified rounds' photos are public (``election.photos_public`` events)."""


@dataclass
class Expected:
    """What the tables must hold, by public names."""

    elections: dict[str, ExpectedElection] = field(default_factory=dict)
    branches: dict[tuple[str, str], tuple[str, str | None, int, int]] = field(
        default_factory=dict
    )  # (slug, code) -> (name, region, eligible, seq)
    branch_names: dict[tuple[str, str], tuple[Any, int]] = field(
        default_factory=dict
    )  # (slug, code) -> (names in other languages or None, seq): a load or an election.names
    rounds: dict[RoundKey, ExpectedRound] = field(default_factory=dict)
    sheets: dict[SheetKey, ExpectedSheet] = field(default_factory=dict)
    entries: dict[int, ExpectedEntry] = field(default_factory=dict)
    # round -> its risk-limiting audit (primaries.audit.rla.ExpectedAudit)
    audits: dict[RoundKey, Any] = field(default_factory=dict)
    # round -> its paper receipts in order: (branch, received, delivered_by, reason, actor,
    # account, seq) (primaries.audit.paper)
    papers: dict[RoundKey, list[tuple[Any, ...]]] = field(default_factory=dict)
    # round -> its photos of signed sheets in order: (branch, sha256, content_type, size, actor,
    # account, seq) (primaries.audit.paper)
    photos: dict[RoundKey, list[tuple[Any, ...]]] = field(default_factory=dict)
    # round -> objection id -> {"values": [the row's columns], "seq": the last event's}
    # (primaries.audit.objections)
    objections: dict[RoundKey, dict[int, dict[str, Any]]] = field(default_factory=dict)
    # round -> its clearances of boxes held for review in order: (branch, entry id, checks,
    # reason, actor, account, seq) (primaries.audit.reviews)
    reviews: dict[RoundKey, list[tuple[Any, ...]]] = field(default_factory=dict)
    events: int = 0
