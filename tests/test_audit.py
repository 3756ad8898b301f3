"""The audit chain: every change is an event; tampering is found; appends never fork."""

from __future__ import annotations

import itertools
import json
import threading
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from primaries.audit.chain import GENESIS, compute_hash, record, verify
from primaries.core.approvals import COMMAND_LINE_BYPASS
from primaries.database import begin_change
from primaries.extensions import db
from primaries.models import AuditEvent
from tests.conftest import superuser_connection


def _events() -> list[AuditEvent]:
    db.session.rollback()
    return list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))


def _tamper(sql: str, **params: Any) -> None:
    """Change the audit table behind the application's back (as a hostile DBA would)."""
    with superuser_connection() as conn:
        postgres = conn.dialect.name == "postgresql"
        if postgres:
            conn.exec_driver_sql("ALTER TABLE audit_events DISABLE TRIGGER USER")
        conn.execute(text(sql), params)
        if postgres:
            conn.exec_driver_sql("ALTER TABLE audit_events ENABLE TRIGGER USER")


@pytest.fixture
def history(app: Flask, runner: FlaskCliRunner, loaded: Any) -> list[AuditEvent]:
    for branch in ("B1", "B2", "B3"):
        result = runner.invoke(
            args=["annul", "test-2024", "--round", "1", branch, "--reason", f"complaint {branch}"]
        )
        assert result.exit_code == 0, result.output
    events = _events()
    assert len(events) == 4
    return events


def test_events_link_to_their_predecessor(history: list[AuditEvent]) -> None:
    assert history[0].prev_hash == GENESIS
    for before, after in itertools.pairwise(history):
        assert after.prev_hash == before.hash
        assert after.seq == before.seq + 1
    for event in history:
        assert event.hash == compute_hash(event)
        assert event.created_at.tzinfo is not None
    annul = history[1]
    assert annul.action == "sheet.annul"
    assert annul.branch == "B1" and annul.round_number == 1
    assert annul.before["counted"]["votes"]["AAA"] == 100
    # The command line acts at once, four eyes or not, and says so (primaries.core.approvals).
    assert annul.after == {
        "annulled": True,
        "reason": "complaint B1",
        "four_eyes": COMMAND_LINE_BYPASS,
    }
    assert annul.actor.startswith("cli")


def test_verify_passes_on_an_intact_chain(runner: FlaskCliRunner, history: Any) -> None:
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0
    assert result.stdout == "audit chain intact: 4 events\n"


def test_an_edited_event_is_named(runner: FlaskCliRunner, history: list[AuditEvent]) -> None:
    _tamper("UPDATE audit_events SET actor = 'someone else' WHERE seq = :seq", seq=history[2].seq)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "event #3" in result.stderr and "edited" in result.stderr


def test_edited_values_are_found_even_if_the_hash_is_recomputed_by_the_tamperer(
    runner: FlaskCliRunner, history: list[AuditEvent]
) -> None:
    # Changing an event and recomputing its own hash still breaks the next event's link.
    event = history[1]
    event_after = dict(event.after)
    event_after["reason"] = "nothing to see"
    db.session.expunge_all()
    event.after = event_after
    new_hash = compute_hash(event)
    _tamper(
        "UPDATE audit_events SET after = :after, hash = :hash WHERE seq = 2",
        after=json.dumps(event_after),
        hash=new_hash,
    )
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "event #3" in result.stderr


def test_a_deleted_event_is_found(runner: FlaskCliRunner, history: list[AuditEvent]) -> None:
    _tamper("DELETE FROM audit_events WHERE seq = 2")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "event #3" in result.stderr and "deleted" in result.stderr


def test_reordered_events_are_found(runner: FlaskCliRunner, history: list[AuditEvent]) -> None:
    _tamper("UPDATE audit_events SET seq = -seq WHERE seq IN (2, 3)")
    _tamper("UPDATE audit_events SET seq = 3 WHERE seq = -2")
    _tamper("UPDATE audit_events SET seq = 2 WHERE seq = -3")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "event #2" in result.stderr


@pytest.mark.backends("postgresql")
def test_postgres_refuses_update_delete_truncate(app: Flask, history: Any) -> None:
    """The trigger refuses them to every role, even the superuser's, while it is enabled (the
    app's own role may not even try: tests/test_pg_privileges.py)."""
    for sql in (
        "UPDATE audit_events SET actor = 'x'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
    ):
        with pytest.raises(DBAPIError, match="append-only"), superuser_connection() as conn:
            conn.exec_driver_sql(sql)
    assert verify().ok


def test_events_outside_a_change_are_refused(app: Flask) -> None:
    with pytest.raises(
        RuntimeError, match=r"^audit events are recorded only inside begin_change\(\)$"
    ):
        record("x", actor="t", object_type="t", object_id="t")


def test_concurrent_writers_never_fork_the_chain(app: Flask) -> None:
    """Eight threads append 15 events each at once; the chain stays one chain."""
    writers, each = 8, 15
    errors: list[BaseException] = []
    barrier = threading.Barrier(writers)

    def work(number: int) -> None:
        try:
            with app.app_context():
                barrier.wait()
                for i in range(each):
                    begin_change()
                    record(
                        "test.write",
                        actor=f"writer{number}",
                        object_type="test",
                        object_id=f"{number}/{i}",
                        after={"i": i},
                    )
                    db.session.commit()
                db.session.remove()
        except BaseException as exc:  # collected and re-raised in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    db.session.rollback()
    assert db.session.scalar(select(func.count(AuditEvent.id))) == writers * each
    assert db.session.scalar(select(func.count(func.distinct(AuditEvent.prev_hash)))) == (
        writers * each
    )
    outcome = verify()
    assert outcome.ok, outcome.message
    assert outcome.events == writers * each
