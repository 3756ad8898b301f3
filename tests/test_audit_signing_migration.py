"""Migration 0005_signatures: a chain recorded before signing began still verifies after it.

A fresh, empty database is upgraded to 0004, given three events as the unsigned code wrote them
(plain Core inserts, hashes from the documented form), and upgraded to head. The upgrade appends
one signed ``audit.signing_began`` event that vouches for them: verify passes, new events are
signed, and the issue's attack on the old events (edit #1, recompute every hash) is found at the
first signature.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade, upgrade

from primaries.audit.chain import GENESIS, SIGNING_BEGAN, compute_hash, record, verify
from primaries.changes import Actor
from primaries.database import begin_change
from primaries.extensions import db
from primaries.models import AuditEvent
from tests.conftest import PostgresServer, skip_or_fail
from tests.test_audit_signing import TEST_KEY, _events, _rewrite_from

OLD_COLUMNS = (
    "seq", "created_at", "actor", "action", "object_type", "object_id", "election",
    "round_number", "branch", "before", "after", "prev_hash", "hash",
)  # fmt: skip


@pytest.fixture
def database_url(backend: str, tmp_path: Path, pg_server: PostgresServer | None) -> Iterator[str]:
    """Overrides the suite's fixture: an EMPTY database of the test's backend (no tables)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.sqlite'}"
        return
    if pg_server is None:
        skip_or_fail("PostgreSQL is not reachable")
    assert pg_server is not None
    name = f"primaries_m_{uuid.uuid4().hex[:12]}"
    yield pg_server.create(name)
    pg_server.drop(name)


def _unsigned_events(count: int) -> list[AuditEvent]:
    events, prev = [], GENESIS
    for seq in range(1, count + 1):
        event = AuditEvent(
            seq=seq,
            created_at=dt.datetime(2024, 3, 1, 20, seq, tzinfo=dt.UTC),
            actor="cli:old",
            action="user.create",
            object_type="user",
            object_id=f"clerk{seq}",
            after={"role": "clerk"},
            prev_hash=prev,
        )
        event.hash = prev = compute_hash(event)
        events.append(event)
    return events


def test_an_unsigned_chain_is_vouched_for_at_the_upgrade(app: Flask) -> None:
    upgrade(revision="0004")
    table = sa.Table("audit_events", sa.MetaData(), autoload_with=db.engine)
    assert "signature" not in table.c
    with db.engine.begin() as conn:
        for event in _unsigned_events(3):
            conn.execute(table.insert().values({c: getattr(event, c) for c in OLD_COLUMNS}))
    upgrade()

    events = _events()
    assert [e.signature is None for e in events] == [True, True, True, False]
    began = events[3]
    assert began.action == SIGNING_BEGAN and began.key_id == TEST_KEY.public.key_id
    # Its object is the key, as a rotation's is (object_type audit_key, object_id the key id).
    assert (began.object_type, began.object_id) == ("audit_key", TEST_KEY.public.key_id)
    assert began.actor == Actor.command_line().name
    assert began.after == {
        "key_id": TEST_KEY.public.key_id,
        "public_key": TEST_KEY.public.hex,
        "unsigned_events": {"first": 1, "last": 3, "head": events[2].hash},
    }
    outcome = verify(every_signature=True)
    assert outcome.ok and outcome.events == 4, outcome.message

    begin_change()
    record("test.after", actor="t", object_type="t", object_id="1")
    db.session.commit()
    assert _events()[-1].key_id == TEST_KEY.public.key_id
    assert verify().ok

    def change(event: AuditEvent) -> None:
        event.after = {"role": "admin"}

    _rewrite_from(1, change)
    outcome = verify()
    assert not outcome.ok and outcome.first_bad_seq == 4, outcome.message
    assert "its signature does not verify" in outcome.message


def test_an_empty_database_needs_no_vouching_and_the_downgrade_keeps_the_chain(
    app: Flask,
) -> None:
    upgrade()
    assert _events() == []
    begin_change()
    record("test.first", actor="t", object_type="t", object_id="1")
    db.session.commit()
    downgrade(revision="0004")
    columns = {c["name"] for c in sa.inspect(db.engine).get_columns("audit_events")}
    assert "signature" not in columns and "hash" in columns
    upgrade()
    events = _events()  # the signature went with its column: the event is vouched for again
    assert [e.action for e in events] == ["test.first", SIGNING_BEGAN]
    assert verify().ok
