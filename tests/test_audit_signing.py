"""A chain no database insider can rewrite: signed events, published keys, noted heads.

The insider of these tests can do anything to the database (on PostgreSQL as the table's owner:
the append-only trigger disabled for the statement) but has no signing key: it is kept outside
the database (here the suite's ``AUDIT_SIGNING_KEY``) and the public keys verify reads are this
server's or the ones given with ``--public-key``, never the database's.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select, text, update

from primaries.audit import walk
from primaries.audit.chain import compute_hash, record, verify
from primaries.audit.head import current_head
from primaries.audit.keys import (
    KEY_FILE,
    PUBLIC_KEYS_FILE,
    key_id_of,
    new_private_key,
    read_private_key,
    signature_verifies,
    signing_key_of,
)
from primaries.database import begin_change
from primaries.extensions import db
from primaries.models import AuditEvent
from tests.conftest import TEST_AUDIT_KEY, superuser_connection

TABLE = AuditEvent.__table__
TEST_KEY = signing_key_of(read_private_key(TEST_AUDIT_KEY, "test"), "test")
OTHER_KEY = signing_key_of(new_private_key(), "other")


def _events() -> list[AuditEvent]:
    db.session.rollback()
    events = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
    db.session.expunge_all()
    return events


def _as_insider(*statements: Any) -> None:
    """Run statements on the audit table behind the application's back, in one transaction
    (on PostgreSQL as the server's superuser: the app's role may not touch the trigger)."""
    with superuser_connection() as conn:
        postgres = conn.dialect.name == "postgresql"
        if postgres:
            conn.exec_driver_sql("ALTER TABLE audit_events DISABLE TRIGGER USER")
        for statement in statements:
            conn.execute(text(statement) if isinstance(statement, str) else statement)
        if postgres:
            conn.exec_driver_sql("ALTER TABLE audit_events ENABLE TRIGGER USER")


def _rewrite_from(seq: int, change: Callable[[AuditEvent], None]) -> None:
    """The issue's attack: edit event ``seq`` and recompute every hash and link after it."""
    events = _events()
    statements = []
    prev = events[seq - 2].hash if seq > 1 else "0" * 64
    for event in events[seq - 1 :]:
        if event.seq == seq:
            change(event)
        event.prev_hash = prev
        event.hash = compute_hash(event)
        prev = event.hash
        statements.append(
            update(TABLE)
            .where(TABLE.c.seq == event.seq)
            .values(after=event.after, prev_hash=event.prev_hash, hash=event.hash)
        )
    _as_insider(*statements)


def _verify(runner: FlaskCliRunner, *args: str) -> Any:
    db.session.remove()
    return runner.invoke(args=["audit", "verify", *args])


@pytest.fixture
def history(app: Flask, runner: FlaskCliRunner, loaded: Any) -> list[AuditEvent]:
    """Five events: the load and four annulments."""
    for branch in ("B1", "B2", "B3", "B4"):
        result = runner.invoke(
            args=["annul", "test-2024", "--round", "1", branch, "--reason", f"complaint {branch}"]
        )
        assert result.exit_code == 0, result.output
    events = _events()
    assert len(events) == 5
    return events


def test_every_event_is_signed_by_the_key_outside_the_database(history: list[AuditEvent]) -> None:
    for event in history:
        assert event.key_id == TEST_KEY.public.key_id
        assert signature_verifies(TEST_KEY.public.verifier(), event.hash, event.signature)
    outcome = verify(every_signature=True)
    assert outcome.ok, outcome.message
    assert outcome.message == "audit chain intact: 5 events"


@pytest.mark.parametrize("every", [False, True])
def test_a_rewritten_and_rehashed_chain_is_found_by_its_signatures(
    runner: FlaskCliRunner, history: list[AuditEvent], every: bool
) -> None:
    def change(event: AuditEvent) -> None:
        event.after = {**event.after, "sheets": 999}

    _rewrite_from(1, change)
    events = _events()
    assert all(compute_hash(event) == event.hash for event in events)  # the hashes all fit
    result = _verify(runner, *(["--every-signature"] if every else []))
    assert result.exit_code == 1
    assert result.stderr.startswith("audit chain broken at event #1 (election.load")
    assert "its signature does not verify with key" in result.stderr
    assert "rewritten" in result.stderr


@pytest.mark.parametrize("seq", [2, 3, 4, 5])
def test_a_rewrite_in_the_middle_is_named_where_it_begins(
    runner: FlaskCliRunner, history: list[AuditEvent], seq: int
) -> None:
    """Wherever the rewrite begins, the search over the signatures lands on it (a step of the
    binary search that skipped an event would name #5 for a rewrite from #4)."""

    def change(event: AuditEvent) -> None:
        event.after = {**event.after, "reason": "nothing to see"}

    _rewrite_from(seq, change)
    outcome = verify()
    assert not outcome.ok and outcome.first_bad_seq == seq, outcome.message
    assert outcome.message.endswith(
        f"its signature does not verify with key {TEST_KEY.public.key_id} (the event, or one "
        "before it, was rewritten and the chain hashed again)"
    ), outcome.message
    assert outcome.events == 5  # the hashes and links of all five fit


def test_a_noted_head_catches_a_chain_cut_short(
    runner: FlaskCliRunner, history: list[AuditEvent]
) -> None:
    noted = f"{history[-1].seq}:{history[-1].hash}"
    intact = _verify(runner, "--head", noted)
    assert intact.exit_code == 0
    assert intact.stdout == f"audit chain intact: 5 events\nthe noted head {noted} is in it\n"
    _as_insider("DELETE FROM audit_events WHERE seq >= 4")
    # What is left is a true, signed chain: its signatures and hashes alone accept it ...
    assert verify().ok
    # ... the data check finds the annulments that no event explains any more ...
    data = _verify(runner)
    assert data.exit_code == 1
    assert "audit chain intact (3 events), but" in data.stderr and "B3" in data.stderr
    # ... and the noted head shows the chain itself was cut short.
    result = _verify(runner, "--head", noted)
    assert result.exit_code == 1
    assert result.stderr == (
        f"audit chain cut short: the noted head {noted} is not in it; it ends at event #3 "
        "(events were deleted)\n"
    )


def test_a_noted_head_catches_an_emptied_chain(
    runner: FlaskCliRunner, history: list[AuditEvent]
) -> None:
    noted = f"2:{history[1].hash}"
    _as_insider("DELETE FROM audit_events")
    assert verify().message == "audit chain intact: 0 events"  # an empty chain is a chain
    emptied = _verify(runner)  # beside data it does not explain, it fails
    assert emptied.exit_code == 1 and "audit chain intact (0 events), but" in emptied.stderr
    result = _verify(runner, "--head", noted)
    assert result.exit_code == 1
    assert result.stderr == (
        f"audit chain cut short: the noted head {noted} is not in it; it is empty "
        "(events were deleted)\n"
    )


def test_a_noted_head_zero_must_be_the_genesis_hash(
    runner: FlaskCliRunner, history: list[AuditEvent]
) -> None:
    """Head #0 is the empty chain: any hash but the genesis one is no head of it."""
    assert _verify(runner, "--head", f"0:{'0' * 64}").exit_code == 0
    result = _verify(runner, "--head", f"0:{'ab' * 32}")
    assert result.exit_code == 1
    assert result.stderr == f"the noted head 0:{'ab' * 32} is no head: #0 is empty\n"


def test_a_noted_head_whose_event_was_replaced_fails(
    runner: FlaskCliRunner, history: list[AuditEvent]
) -> None:
    result = _verify(runner, "--head", f"3:{'ab' * 32}")
    assert result.exit_code == 1
    assert result.stderr.startswith("audit chain broken at event #3 (")
    assert result.stderr.endswith(
        f"): its hash is {history[2].hash}, not the noted {'ab' * 32} "
        "(the chain was rewritten since that head was noted)\n"
    )


def test_a_malformed_head_is_a_usage_error(runner: FlaskCliRunner, history: Any) -> None:
    result = _verify(runner, "--head", "12:xyz")
    assert result.exit_code == 2
    assert "is not a noted head" in result.stderr


def test_the_wrong_public_key_is_refused(
    runner: FlaskCliRunner, history: list[AuditEvent], tmp_path: Path
) -> None:
    third = signing_key_of(new_private_key(), "third").public
    result = _verify(runner, "--public-key", OTHER_KEY.public.hex, "--public-key", third.hex)
    assert result.exit_code == 1
    assert result.stderr.startswith("audit chain broken at event #1 (")
    given = ", ".join(sorted([OTHER_KEY.public.key_id, third.key_id]))
    assert result.stderr.endswith(
        f"): it is signed by key {TEST_KEY.public.key_id}, which is not among the public keys "
        f"given ({given})\n"
    )
    db.session.remove()
    no_key = verify(public_keys=[])
    assert not no_key.ok and no_key.first_bad_seq == 1
    assert no_key.message.endswith("which is not among the public keys given (none)")
    # The right one, given as a file of keys (PEM works as well as hex).
    pem = tmp_path / "keys.pem"
    public_pem = TEST_KEY.private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    pem.write_text("# from the results site\n" + public_pem.decode())
    assert _verify(runner, "--public-key", str(pem)).exit_code == 0
    assert _verify(runner, "--public-key", TEST_KEY.public.hex).exit_code == 0
    bad = _verify(runner, "--public-key", "not-a-key")
    assert bad.exit_code == 2 and "neither 64 hex digits nor a readable file" in bad.stderr


def test_a_key_id_swapped_for_the_given_key_is_found_by_the_signature(
    runner: FlaskCliRunner, history: list[AuditEvent]
) -> None:
    _as_insider(update(TABLE).values(key_id=OTHER_KEY.public.key_id))
    result = _verify(runner, "--public-key", OTHER_KEY.public.hex)
    assert result.exit_code == 1
    assert "its signature does not verify" in result.stderr


def test_verify_checks_each_signature_once(
    history: list[AuditEvent], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Signatures are what verify spends its time on: with ``every_signature`` each is checked
    once (the newest is not checked again at the end); without, only the newest is."""
    checked: list[str] = []

    def counting(key: Any, hash_: str, signature: str | None) -> bool:
        checked.append(hash_)
        return signature_verifies(key, hash_, signature)

    monkeypatch.setattr(walk, "signature_verifies", counting)
    assert verify(every_signature=True).ok
    assert checked == [event.hash for event in history]
    checked.clear()
    assert verify().ok
    assert checked == [history[-1].hash]


@pytest.mark.parametrize(
    "removed",
    [{"signature": None, "key_id": None}, {"signature": None}, {"key_id": None}],
    ids=["both", "signature", "key_id"],
)
def test_removed_signatures_are_found(
    runner: FlaskCliRunner, history: list[AuditEvent], removed: dict[str, None]
) -> None:
    """The newest event's signature, its key id, or both, removed: found as not signed."""
    _as_insider(update(TABLE).where(TABLE.c.seq == 5).values(**removed))
    result = _verify(runner)
    assert result.exit_code == 1
    assert result.stderr.startswith("audit chain broken at event #5 (")
    assert result.stderr.endswith("): it is not signed, though the events before it are\n")
    _as_insider(update(TABLE).values(signature=None, key_id=None))
    result = _verify(runner)
    assert result.exit_code == 1
    assert result.stderr.endswith(
        "no event is signed: nothing vouches for events #1 to #5 "
        "(signatures removed, or signing never began)\n"
    )


def test_a_forged_signature_on_an_event_is_found_with_every_signature(
    runner: FlaskCliRunner, history: list[AuditEvent]
) -> None:
    forged = OTHER_KEY.sign(history[1].hash)
    _as_insider(update(TABLE).where(TABLE.c.seq == 2).values(signature=forged))
    result = _verify(runner, "--every-signature")
    assert result.exit_code == 1
    assert result.stderr.startswith("audit chain broken at event #2 (")


def test_a_server_with_another_key_refuses_to_append(
    make_app: Callable[..., Flask], history: list[AuditEvent]
) -> None:
    other = make_app(AUDIT_SIGNING_KEY=OTHER_KEY.private.private_bytes_raw().hex())
    with other.app_context():  # (the CLI runs in the app whose context is current)
        result = other.test_cli_runner().invoke(
            args=["users", "create", "carol", "--role", "clerk"], input="Tq9-vX3-mLp8-Rw2\n"
        )
    assert result.exit_code == 1
    assert (
        f"Nothing was saved: the audit chain is signed with key {TEST_KEY.public.key_id} since "
        f"event #5, but this server signs with key {OTHER_KEY.public.key_id} (AUDIT_SIGNING_KEY)."
        " The operator must give this server the key in force (docs/deploy.md, 'The audit "
        "signing key')."
    ) in result.stderr
    assert len(_events()) == 5


def test_the_head_is_the_newest_event(history: list[AuditEvent]) -> None:
    head = current_head()
    assert (head.seq, head.hash) == (5, history[-1].hash)
    assert str(head) == f"5:{history[-1].hash}"


def test_recording_costs_one_signature(app: Flask) -> None:
    begin_change()
    record("test.write", actor="t", object_type="t", object_id="1")
    db.session.commit()
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert event is not None
    assert event.key_id == key_id_of(TEST_KEY.public.raw)
    assert event.signature == TEST_KEY.sign(event.hash)  # Ed25519 signatures are deterministic


# --------------------------------------------------------------------------- the key's home


def test_the_key_is_generated_on_first_run_in_the_instance_folder(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    instance = tmp_path / "fresh-instance"
    app = make_app(AUDIT_SIGNING_KEY=None, INSTANCE_PATH=str(instance))
    key_file = instance / KEY_FILE
    assert key_file.stat().st_mode & 0o077 == 0
    assert key_file.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    key = signing_key_of(read_private_key(key_file.read_text(), "file"), "file")
    assert key.public.hex in (instance / PUBLIC_KEYS_FILE).read_text()
    with app.app_context():
        begin_change()
        record("test.write", actor="t", object_type="t", object_id="1")
        db.session.commit()
        event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert event is not None
    assert event.key_id == key.public.key_id
    # The next start keeps the key.
    written = key_file.read_text()
    make_app(AUDIT_SIGNING_KEY=None, INSTANCE_PATH=str(instance))
    assert key_file.read_text() == written


def test_production_refuses_to_start_without_a_key(tmp_path: Path) -> None:
    from primaries import create_app
    from primaries.config import ConfigError

    config = {
        "SECRET_KEY": "x",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite'}",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "PRIMARIES_ENV": "production",
    }
    with pytest.raises(ConfigError, match=r"AUDIT_SIGNING_KEY is not set and .* does not exist"):
        create_app(config)
    assert not (tmp_path / "instance" / KEY_FILE).exists()
    with pytest.raises(ConfigError, match="AUDIT_SIGNING_KEY: not an Ed25519 private key"):
        create_app({**config, "AUDIT_SIGNING_KEY": "not a key"})
    assert create_app({**config, "AUDIT_SIGNING_KEY": TEST_AUDIT_KEY})
