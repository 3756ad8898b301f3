"""Walking the audit chain for :func:`primaries.audit.chain.verify`: each event's link, hash
and signature in turn (see that module for what is checked and why).

Signatures are checked where they vouch for the rest: each rotation (signed by the outgoing key)
and the newest event; every one with ``every_signature``. When one fails, :func:`_first_forged`
finds the first event whose signature fails, by a binary search over that key's events.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select

from ..extensions import db
from ..models import AuditEvent
from .chain import GENESIS, ROTATE_KEY, Verification, _iso, as_dict, compute_hash
from .head import Head
from .keys import key_id_of, signature_verifies


def _where(event: AuditEvent) -> str:
    return f"event #{event.seq} ({event.action} by {event.actor} at {_iso(event.created_at)})"


class _Failure(Exception):
    def __init__(self, event: AuditEvent, words: str) -> None:
        super().__init__(f"audit chain broken at {_where(event)}: {words}")
        self.seq = event.seq


@dataclass
class Walk:
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
        noted_in = "".join(f"\nthe noted head {head} is in it" for head in self.heads)
        return Verification(True, self.count, f"audit chain intact: {self.count} events{noted_in}")

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
        after = as_dict(event.after)
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
