"""The head of the audit chain: the newest event's number and hash (reading only).

Observers and the press note the head shown on every results page and API answer; later,
``primaries audit verify --head N:HASH`` proves that event #N still has that hash, so the chain
was neither rewritten nor cut short since. The empty chain's head is ``0`` and the genesis hash.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from ..extensions import db
from ..models import AuditEvent

GENESIS = "0" * 64
_NOTED = re.compile(r"#?(\d{1,18}):([0-9a-fA-F]{64})")


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"


_HEAD = select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)


def current_head() -> Head:
    """The newest event's number and hash (0 and the genesis hash when the chain is empty)."""
    row = db.session.execute(_HEAD).first()
    return Head(int(row[0]), row[1]) if row else Head(0, GENESIS)


def parse_head(text: str) -> Head:
    """``N:HASH`` as shown on the results pages (ValueError with the reason otherwise)."""
    found = _NOTED.fullmatch(text.strip())
    if not found:
        raise ValueError(
            f"{text[:80]!r} is not a noted head: write the event number, a colon and the "
            "64 hex digits of its hash, as the results pages show it (e.g. 1234:9f86d0...)"
        )
    return Head(int(found.group(1)), found.group(2).lower())
