"""Appending to and verifying the audit chain, whose events are signed.

Each event's ``hash`` is SHA-256 over a canonical JSON serialisation of its fields (sorted keys,
no spaces, UTF-8, timestamps in UTC with microseconds) including ``prev_hash``, the hash of the
event before it. Editing, deleting, inserting or reordering any event breaks the chain at that
point, and :func:`verify` names the first event that no longer fits.

Hashes carry no secret, so whoever can write the table could edit an event and recompute every
hash after it. Every event is therefore also signed, as it is appended, with the Ed25519 key
kept outside the database (:mod:`.keys`): ``key_id`` names the key, ``signature`` signs the
hash. Because a hash covers every event before it, a valid signature on an event vouches for
the whole chain up to it; :func:`verify` checks the signatures of the events that close each
key's period (each rotation, signed by the outgoing key, and the newest event) and, when one
fails, finds the first event whose signature fails; ``every_signature`` checks them all. What
signatures cannot show is the newest events deleted: a head noted from the results pages
(``heads``) catches that.

Events recorded before signing began (a database migrated from an unsigned chain) are unsigned
and may only come first: migration 0005 appended an ``audit.signing_began`` event, signed, that
vouches for them. Once one event is signed, every later one must be, by the key in force: the
first signing key, then the key each ``audit.rotate_key`` event names.

Appends happen inside the change's own transaction (:func:`primaries.database.write_shared`): at
once in a change of the whole database, which runs alone; just before the commit, under the chain's
own lock, in a change confined to one sheet or account, which runs beside others. Either way no two
events follow the same one; the unique ``prev_hash`` is the last line of defence.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select
from sqlalchemy.orm import Session

from ..database import WRITE_OPTION, change_memo, write_shared
from ..errors import Refused
from ..extensions import db
from ..models import AuditEvent
from ..timestamps import utcnow
from .head import GENESIS, Head, current_head
from .keys import (
    PublicKey,
    SigningKey,
    adopt_staged_key,
    published_public_keys,
    signing_key,
)

__all__ = ["GENESIS", "ROTATE_KEY", "SIGNING_BEGAN", "Verification", "head", "record", "verify"]

ROTATE_KEY = "audit.rotate_key"
SIGNING_BEGAN = "audit.signing_began"
# The columns an append writes (migration 0005 appends with this list too).
_WRITTEN = (
    "seq", "created_at", "actor", "action", "object_type", "object_id", "election",
    "round_number", "branch", "before", "after", "prev_hash", "hash", "key_id", "signature",
)  # fmt: skip


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def canonical_bytes(event: AuditEvent) -> bytes:
    """The bytes that an event's hash covers (the signature and its key id are not in them)."""
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


def head() -> tuple[int, str]:
    """The sequence number and hash of the newest event (0 and the genesis hash when empty)."""
    top = current_head()
    return top.seq, top.hash


class KeyNotInForce(Refused):
    """This server's signing key is not the one the chain is signed with now: nothing is saved."""


_TOP = (
    select(AuditEvent.seq, AuditEvent.hash, AuditEvent.key_id, AuditEvent.action)
    .order_by(AuditEvent.seq.desc())
    .limit(1)
)


def key_in_force(executor: Any = None) -> tuple[int, str, str | None]:
    """The newest event's number and hash, and the id of the key that must sign the next event
    (None: any key may begin, the chain is empty or unsigned so far)."""
    executor = executor or db.session
    row = executor.execute(_TOP).first()
    if row is None:
        return 0, GENESIS, None
    seq, hash_, key_id, action = row
    if action == ROTATE_KEY:
        after = executor.execute(select(AuditEvent.after).where(AuditEvent.seq == seq)).scalar()
        key_id = as_dict(after).get("key_id")
    return int(seq), hash_, key_id


def as_dict(value: Any) -> Any:
    return (json.loads(value) if isinstance(value, str) else value) or {}


def _signing_key_for(in_force: str | None, seq: int) -> SigningKey:
    key = signing_key()
    if in_force is None or key.public.key_id == in_force:
        return key
    adopted = adopt_staged_key(in_force)  # a rotation committed but not yet put in place
    if adopted is not None:
        return adopted
    raise KeyNotInForce(
        f"Nothing was saved: the audit chain is signed with key {in_force} since event #{seq}, "
        f"but this server signs with key {key.public.key_id} ({key.source}). The operator must "
        "give this server the key in force (docs/deploy.md, 'The audit signing key')."
    )


def _new_event(seq: int, prev_hash: str, key: SigningKey, **fields: Any) -> AuditEvent:
    # Microseconds are what both databases keep exactly, so the hash survives a round trip.
    event = AuditEvent(seq=seq, created_at=utcnow(), prev_hash=prev_hash, **fields)
    event.hash = compute_hash(event)
    event.key_id = key.public.key_id
    event.signature = key.sign(event.hash)
    return event


def _row(event: AuditEvent) -> dict[str, Any]:
    return {name: getattr(event, name) for name in _WRITTEN}


_PENDING = "audit"  # change_memo: the change's events, not yet appended


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
) -> None:
    """Append a signed event to the chain in the current change's transaction: at once, or in a
    change confined to one object, just before it commits (see the module docstring)."""
    session = db.session()
    if not session.connection().get_execution_options().get(WRITE_OPTION):
        raise RuntimeError("audit events are recorded only inside begin_change()")
    fields = {
        "actor": actor,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "election": election,
        "round_number": round_number,
        "branch": branch,
        "before": before,
        "after": after,
    }
    # Signed when written (at once in a change of the whole database, at the commit in a confined
    # one), by the key in force then (a rotation is a change of the whole database: none runs
    # beside a confined one), or refused then.
    change_memo(session).setdefault(_PENDING, []).append(fields)
    write_shared("audit", _append_pending)


def _append_pending(session: Session) -> None:
    """The change's events, signed and appended after the newest event as the chain is now (no
    other change appends until this one commits: it runs alone, or this is under the chain's
    lock). Straight to the table: the unit of work would only add its bookkeeping. Run only
    after :func:`record` queued at least one event (it asks for this run)."""
    pending: list[dict[str, Any]] = change_memo(session).pop(_PENDING)
    seq, prev_hash, in_force = key_in_force()
    key = _signing_key_for(in_force, seq)
    rows = []
    for fields in pending:
        event = _new_event(seq + 1, prev_hash, key, **fields)
        rows.append(_row(event))
        seq, prev_hash = event.seq, event.hash
    session.execute(insert(AuditEvent.__table__), rows)


def vouch_for_unsigned_events(connection: Connection, actor: str) -> AuditEvent | None:
    """Append a signed ``audit.signing_began`` event after events recorded before signing began
    (for migration 0005, on its own connection); None when there are none to vouch for."""
    seq, prev_hash, in_force = key_in_force(connection)
    if seq == 0 or in_force is not None:
        return None
    key = signing_key()
    event = _new_event(
        seq + 1,
        prev_hash,
        key,
        actor=actor,
        action=SIGNING_BEGAN,
        object_type="audit_key",
        object_id=key.public.key_id,
        after={
            "key_id": key.public.key_id,
            "public_key": key.public.hex,
            "unsigned_events": {"first": 1, "last": seq, "head": prev_hash},
        },
    )
    connection.execute(insert(AuditEvent.__table__), _row(event))
    return event


# --------------------------------------------------------------------------------- verify


@dataclass(frozen=True)
class Verification:
    ok: bool
    events: int
    message: str
    first_bad_seq: int | None = None


def verify(
    public_keys: Sequence[PublicKey] | None = None,
    heads: Sequence[Head] = (),
    *,
    every_signature: bool = False,
) -> Verification:
    """Recompute the whole chain and check its signatures with ``public_keys`` (by default the
    keys this server publishes, never the database's); every noted head in ``heads`` must still
    be in it. Names the first event that does not verify."""
    from .walk import Walk  # (it reads this module's hashing)

    keys = published_public_keys() if public_keys is None else list(public_keys)
    walk = Walk({key.key_id: key.verifier() for key in keys}, heads, every_signature)
    stmt = select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=2000)
    result = db.session.scalars(stmt)
    try:
        return walk.run(result)
    finally:
        result.close()
