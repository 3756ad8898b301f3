"""Appending to and verifying the audit chain.

Each event's ``hash`` is SHA-256 over a canonical JSON serialisation of its fields (sorted keys,
no spaces, UTF-8, timestamps in UTC with microseconds) including ``prev_hash``, the hash of the
event before it. Editing, deleting, inserting or reordering any event breaks the chain at that
point, and :func:`verify` names the first event that no longer fits.

Appends happen inside the change's own transaction, after :func:`primaries.database.begin_change`
has serialised it against every other change; the unique ``prev_hash`` is the last line of defence.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select

from ..database import WRITE_OPTION
from ..extensions import db
from ..models import AuditEvent
from ..timestamps import utcnow

GENESIS = "0" * 64


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def canonical_bytes(event: AuditEvent) -> bytes:
    """The bytes that an event's hash covers."""
    payload = {
        "seq": event.seq,
        "created_at": _iso(event.created_at),
        "actor": event.actor,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "election": event.election,
        "round": event.round_number,
        "branch": event.branch,
        "before": event.before,
        "after": event.after,
        "prev_hash": event.prev_hash,
    }
    return json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def compute_hash(event: AuditEvent) -> str:
    return hashlib.sha256(canonical_bytes(event)).hexdigest()


_HEAD = select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)


def head() -> tuple[int, str]:
    """The sequence number and hash of the newest event (0 and the genesis hash when empty)."""
    row = db.session.execute(_HEAD).first()
    return (row[0], row[1]) if row else (0, GENESIS)


def record(
    action: str,
    *,
    actor: str,
    object_type: str,
    object_id: str,
    election: str | None = None,
    round_number: int | None = None,
    branch: str | None = None,
    before: Any = None,
    after: Any = None,
) -> AuditEvent:
    """Append an event to the chain in the current change's transaction (written at once)."""
    session = db.session()
    if not session.connection().get_execution_options().get(WRITE_OPTION):
        raise RuntimeError("audit events are recorded only inside begin_change()")
    seq, prev_hash = head()
    # Microseconds are what both databases keep exactly, so the hash survives a round trip.
    event = AuditEvent(
        seq=seq + 1,
        created_at=utcnow(),
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        election=election,
        round_number=round_number,
        branch=branch,
        before=before,
        after=after,
        prev_hash=prev_hash,
    )
    event.hash = compute_hash(event)
    session.flush()  # the change itself first: its errors are the change's, not the event's
    # Straight to the table (every change writes one; the unit of work would only add its
    # bookkeeping). The event returned is not attached to the session.
    columns = AuditEvent.__table__.columns
    session.execute(
        insert(AuditEvent.__table__),
        {c.key: getattr(event, c.key) for c in columns if c.key != "id"},
    )
    return event


@dataclass(frozen=True)
class Verification:
    ok: bool
    events: int
    message: str
    first_bad_seq: int | None = None


def verify() -> Verification:
    """Recompute the whole chain; name the first event that does not verify."""
    stmt = select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=2000)
    result = db.session.scalars(stmt)
    try:
        return _verify(result)
    finally:
        result.close()


def _verify(events: Iterable[AuditEvent]) -> Verification:
    expected_prev = GENESIS
    expected_seq = 1
    count = 0
    for event in events:
        where = f"event #{event.seq} ({event.action} by {event.actor} at {_iso(event.created_at)})"
        if event.seq != expected_seq:
            return Verification(
                False,
                count,
                f"audit chain broken at {where}: expected event #{expected_seq} here "
                "(an event was deleted or the events were reordered)",
                event.seq,
            )
        if event.prev_hash != expected_prev:
            return Verification(
                False,
                count,
                f"audit chain broken at {where}: it does not follow the event before it "
                "(an event was deleted, inserted or reordered)",
                event.seq,
            )
        if compute_hash(event) != event.hash:
            return Verification(
                False,
                count,
                f"audit chain broken at {where}: its contents do not match its hash "
                "(the event was edited)",
                event.seq,
            )
        expected_prev = event.hash
        expected_seq += 1
        count += 1
        db.session.expunge(event)
    return Verification(True, count, f"audit chain intact: {count} events")
