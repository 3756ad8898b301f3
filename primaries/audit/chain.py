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
and may only come first: migration 0004 appended an ``audit.signing_began`` event, signed, that
vouches for them. Once one event is signed, every later one must be, by the key in force: the
first signing key, then the key each ``audit.rotate_key`` event names.

Appends happen inside the change's own transaction, after :func:`primaries.database.begin_change`
has serialised it against every other change; the unique ``prev_hash`` is the last line of defence.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, insert, select

from ..database import WRITE_OPTION
from ..errors import Refused
from ..extensions import db
from ..models import AuditEvent
from ..timestamps import utcnow
from .head import GENESIS, Head, current_head
from .keys import (
    PublicKey,
    SigningKey,
    adopt_staged_key,
    key_id_of,
    published_public_keys,
    signature_verifies,
    signing_key,
)

__all__ = ["GENESIS", "ROTATE_KEY", "SIGNING_BEGAN", "Verification", "head", "record", "verify"]

ROTATE_KEY = "audit.rotate_key"
SIGNING_BEGAN = "audit.signing_began"
# The columns an append writes (migration 0004 appends with this list too).
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
        key_id = _json(after).get("key_id")
    return int(seq), hash_, key_id


def _json(value: Any) -> Any:
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
    """Append a signed event to the chain in the current change's transaction (written at once)."""
    session = db.session()
    if not session.connection().get_execution_options().get(WRITE_OPTION):
        raise RuntimeError("audit events are recorded only inside begin_change()")
    seq, prev_hash, in_force = key_in_force()
    key = _signing_key_for(in_force, seq)
    event = _new_event(
        seq + 1,
        prev_hash,
        key,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        election=election,
        round_number=round_number,
        branch=branch,
        before=before,
        after=after,
    )
    session.flush()  # the change itself first: its errors are the change's, not the event's
    # Straight to the table (every change writes one; the unit of work would only add its
    # bookkeeping). The event returned is not attached to the session.
    session.execute(insert(AuditEvent.__table__), _row(event))
    return event


def vouch_for_unsigned_events(connection: Connection, actor: str) -> AuditEvent | None:
    """Append a signed ``audit.signing_began`` event after events recorded before signing began
    (for migration 0004, on its own connection); None when there are none to vouch for."""
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
    keys = published_public_keys() if public_keys is None else list(public_keys)
    walk = _Walk({key.key_id: key.verifier() for key in keys}, heads, every_signature)
    stmt = select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=2000)
    result = db.session.scalars(stmt)
    try:
        return walk.run(result)
    finally:
        result.close()


def _where(event: AuditEvent) -> str:
    return f"event #{event.seq} ({event.action} by {event.actor} at {_iso(event.created_at)})"


class _Failure(Exception):
    def __init__(self, event: AuditEvent, words: str) -> None:
        super().__init__(f"audit chain broken at {_where(event)}: {words}")
        self.seq = event.seq


@dataclass
class _Walk:
    keys: dict[str, Ed25519PublicKey]
    heads: Sequence[Head]
    every_signature: bool
    count: int = 0
    in_force: str | None = None
    period_start: int = 0  # the first event signed by the key in force
    last: AuditEvent | None = None
    checked: set[int] = field(default_factory=set)  # events whose signature was checked

    def run(self, events: Iterable[AuditEvent]) -> Verification:
        noted = {head.seq: head.hash for head in self.heads}
        expected_prev = GENESIS
        try:
            for event in events:
                self._link(event, expected_prev)
                self._signed(event)
                if event.seq in noted and noted[event.seq] != event.hash:
                    raise _Failure(
                        event,
                        f"its hash is {event.hash}, not the noted {noted[event.seq]} "
                        "(the chain was rewritten since that head was noted)",
                    )
                expected_prev = event.hash
                self.count += 1
                self.last = event
                db.session.expunge(event)
            self._close()
        except _Failure as failure:
            return Verification(False, self.count, str(failure), failure.seq)
        missing = [head for head in self.heads if head.seq > self.count]
        if missing:
            ends = f"it ends at event #{self.count}" if self.count else "it is empty"
            return Verification(
                False,
                self.count,
                f"audit chain cut short: the noted head {missing[0]} is not in it; {ends} "
                "(events were deleted)",
                missing[0].seq,
            )
        wrong_genesis = [head for head in self.heads if head.seq == 0 and head.hash != GENESIS]
        if wrong_genesis:
            return Verification(
                False, self.count, f"the noted head {wrong_genesis[0]} is no head: #0 is empty"
            )
        return Verification(True, self.count, f"audit chain intact: {self.count} events")

    def _link(self, event: AuditEvent, expected_prev: str) -> None:
        if event.seq != self.count + 1:
            raise _Failure(
                event,
                f"expected event #{self.count + 1} here "
                "(an event was deleted or the events were reordered)",
            )
        if event.prev_hash != expected_prev:
            raise _Failure(
                event,
                "it does not follow the event before it (an event was deleted, inserted or "
                "reordered)",
            )
        if compute_hash(event) != event.hash:
            raise _Failure(event, "its contents do not match its hash (the event was edited)")

    def _signed(self, event: AuditEvent) -> None:
        if event.signature is None or event.key_id is None:
            if self.in_force is not None:
                raise _Failure(event, "it is not signed, though the events before it are")
            return  # recorded before signing began: vouched for by the first signed event
        key = self.keys.get(event.key_id)
        if key is None:
            known = ", ".join(sorted(self.keys)) or "none"
            raise _Failure(
                event,
                f"it is signed by key {event.key_id}, which is not among the public keys "
                f"given ({known})",
            )
        if self.in_force is None:
            self.in_force, self.period_start = event.key_id, event.seq
        elif event.key_id != self.in_force:
            raise _Failure(
                event,
                f"it is signed by key {event.key_id}, but the key in force since event "
                f"#{self.period_start} is {self.in_force}",
            )
        if self.every_signature or event.action == ROTATE_KEY:
            self._check_signature(event, key)
        if event.action == ROTATE_KEY:
            self._rotate(event)

    def _rotate(self, event: AuditEvent) -> None:
        after = _json(event.after)
        new_id, public = after.get("key_id"), after.get("public_key")
        try:
            named = key_id_of(bytes.fromhex(public)) if isinstance(public, str) else None
        except ValueError:
            named = None
        if not isinstance(new_id, str) or named != new_id:
            raise _Failure(event, f"the key rotation names key {new_id!r} without its public key")
        self.in_force, self.period_start = new_id, event.seq + 1

    def _check_signature(self, event: AuditEvent, key: Ed25519PublicKey) -> None:
        self.checked.add(event.seq)
        if signature_verifies(key, event.hash, event.signature):
            return
        first = event
        if not self.every_signature:  # the period's earlier events were not checked yet
            first = _first_forged(self.period_start, event.seq, key)
        raise _Failure(
            first,
            f"its signature does not verify with key {first.key_id} (the event, or one before "
            "it, was rewritten and the chain hashed again)",
        )

    def _close(self) -> None:
        last = self.last
        if last is None:
            return
        if self.in_force is None:
            raise _Failure(
                last,
                f"no event is signed: nothing vouches for events #1 to #{last.seq} "
                "(signatures removed, or signing never began)",
            )
        if last.seq not in self.checked:
            assert last.key_id is not None
            self._check_signature(last, self.keys[last.key_id])


def _first_forged(start: int, end: int, key: Ed25519PublicKey) -> AuditEvent:
    """The first event of ``start..end`` (all signed by ``key``) whose signature fails, given
    that ``end``'s does: a rewrite changes the hash of every event from the first rewritten one
    on, so the signatures that fail are those from it on (a binary search)."""
    low, high = start, end
    while low < high:
        middle = (low + high) // 2
        row = db.session.execute(
            select(AuditEvent.hash, AuditEvent.signature).where(AuditEvent.seq == middle)
        ).one()
        if signature_verifies(key, row.hash, row.signature):
            low = middle + 1
        else:
            high = middle
    found = db.session.scalars(select(AuditEvent).where(AuditEvent.seq == high)).one()
    db.session.expunge(found)
    return found
