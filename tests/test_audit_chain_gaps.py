"""The audit chain's hash and verification: the cases that hand mutation testing found untested.

Each test names, in its docstring, the one-line change of ``primaries/audit/chain.py`` (the
mutant) that it kills; each was seen failing with that change applied and passing without it.
The chain is written with :func:`record` and checked with :func:`verify`; the tampering is done
behind the application's back, straight in the table (on PostgreSQL as the server's
superuser, with the append-only trigger disabled for the statement: the app's role cannot).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update

from primaries.audit.chain import GENESIS, canonical_bytes, compute_hash, head, record, verify
from primaries.database import begin_change
from primaries.extensions import db
from primaries.models import AuditEvent
from tests.conftest import superuser_connection

TABLE = AuditEvent.__table__


def _event(seq: int) -> AuditEvent:
    """The stored event ``seq``, read afresh and detached (changing it changes nothing)."""
    db.session.rollback()
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.seq == seq)).one()
    db.session.expunge(event)
    return event


def _tamper(*changes: tuple[int, dict[str, Any]]) -> None:
    """Set columns of stored events, ``(seq, {column: value})``, in one transaction."""
    with superuser_connection() as conn:
        postgres = conn.dialect.name == "postgresql"
        if postgres:
            conn.exec_driver_sql("ALTER TABLE audit_events DISABLE TRIGGER USER")
        for seq, values in changes:
            conn.execute(update(TABLE).where(TABLE.c.seq == seq).values(**values))
        if postgres:
            conn.exec_driver_sql("ALTER TABLE audit_events ENABLE TRIGGER USER")


EDITED = "its contents do not match its hash (the event was edited)"
UNLINKED = "it does not follow the event before it (an event was deleted, inserted or reordered)"


def _assert_broken_at(seq: int, words: str, *, intact: int | None = None) -> None:
    """verify() names event ``seq`` with ``words``, having checked ``intact`` events before it."""
    db.session.rollback()
    outcome = verify()
    assert outcome.ok is False, outcome.message
    assert outcome.first_bad_seq == seq, outcome.message
    assert outcome.message.startswith(f"audit chain broken at event #{seq} ("), outcome.message
    assert outcome.message.endswith(f"): {words}"), outcome.message
    assert outcome.events == (seq - 1 if intact is None else intact)


@pytest.fixture
def chain(app: Flask) -> list[AuditEvent]:
    """Four events, every field filled (no None anywhere), committed one change each."""
    for i, (election, branch) in enumerate(
        [("alpha-2024", "B1"), ("alpha-2024", "B2"), ("beta-2025", "B7"), ("beta-2025", "B8")],
        start=1,
    ):
        begin_change()
        record(
            "sheet.enter",
            actor=f"clerk{i}",
            object_type="sheet",
            object_id=f"{election}/{i}/{branch}",
            election=election,
            round_number=i,
            branch=branch,
            before={"state": "empty", "i": i},
            after={"state": "counted", "votes": {"AAA": 10 * i, "BBB": i}},
        )
        db.session.commit()
    outcome = verify()
    assert outcome.ok and outcome.events == 4, outcome.message
    return [_event(seq) for seq in (1, 2, 3, 4)]


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("before", {"state": "mismatch", "i": 2}),
        ("object_id", "alpha-2024/2/B3"),
        ("election", "gamma-2026"),
        ("round_number", 7),
        ("branch", "B3"),
        ("action", "sheet.resolve"),
    ],
)
def test_editing_any_hashed_column_is_found(
    chain: list[AuditEvent], column: str, value: Any
) -> None:
    """Kills, one parameter each: ``canonical_bytes`` leaving out of the hashed payload the
    event's ``before``, ``object_id``, ``election``, ``round`` (``round_number``), ``branch`` or
    ``action``: an edit of that one column must break the event's hash."""
    assert getattr(chain[1], column) != value
    _tamper((2, {column: value}))
    assert getattr(_event(2), column) == value  # the edit is stored as such
    _assert_broken_at(2, EDITED)


def test_an_edit_with_rehashed_event_and_relinked_successor_is_found(
    chain: list[AuditEvent],
) -> None:
    """Kills: ``canonical_bytes`` leaving ``prev_hash`` out of the hashed payload. The tamperer
    edits event #2, recomputes its hash and points event #3's ``prev_hash`` at the new hash;
    only because #3's own hash covers its ``prev_hash`` is #3 found broken."""
    edited = _event(2)
    edited.after = {"state": "counted", "votes": {"AAA": 999, "BBB": 2}}
    new_hash = compute_hash(edited)
    _tamper((2, {"after": edited.after, "hash": new_hash}), (3, {"prev_hash": new_hash}))
    # The edited event itself now verifies; its successor links to it.
    assert compute_hash(_event(2)) == _event(2).hash
    assert _event(3).prev_hash == _event(2).hash
    _assert_broken_at(3, EDITED)


def test_a_gap_in_the_sequence_is_found(chain: list[AuditEvent]) -> None:
    """Kills: ``_verify`` accepting a sequence number above the expected one (``event.seq !=
    expected_seq`` changed to ``<``). The last event is renumbered #6 (leaving #4 and #5 out)
    and rehashed by the tamperer, so only the sequence check can find it."""
    renumbered = _event(4)
    renumbered.seq = 6
    _tamper((4, {"seq": 6, "hash": compute_hash(renumbered)}))
    _assert_broken_at(
        6,
        "expected event #4 here (an event was deleted or the events were reordered)",
        intact=3,
    )


def test_a_timestamp_moved_by_microseconds_is_found(chain: list[AuditEvent]) -> None:
    """Kills: ``_iso`` hashing timestamps to the second (``timespec="seconds"``): moving an
    event's ``created_at`` by 7 microseconds, within the same second, must break its hash."""
    stored = chain[2].created_at
    step = dt.timedelta(microseconds=7 if stored.microsecond < 500_000 else -7)
    moved = stored + step
    assert moved.replace(microsecond=0) == stored.replace(microsecond=0)
    _tamper((3, {"created_at": moved}))
    assert _event(3).created_at == moved  # both databases keep the microseconds
    _assert_broken_at(3, EDITED)


def test_an_event_whose_link_was_changed_is_found(chain: list[AuditEvent]) -> None:
    """Kills: ``_verify``'s link check answering anything but ``ok=False``, the events checked
    so far, its own words and the event's number (found by ``make mutants``: each field of that
    ``Verification`` replaced by None, or its text changed). Event #3 is made to point at
    another predecessor, so the link check, which comes before the hash check, finds it."""
    _tamper((3, {"prev_hash": "f" * 64}))
    _assert_broken_at(3, UNLINKED)


def test_verify_follows_the_sequence_not_the_order_rows_are_stored_in(
    chain: list[AuditEvent],
) -> None:
    """Kills: ``verify`` reading the events without ``ORDER BY seq`` (found by ``make mutants``).
    Event #1 gets a row id above the others' (on PostgreSQL the updated row is also written
    after them), so a scan without the order finds #2 first; ids are not hashed: intact."""
    _tamper((1, {"id": TABLE.c.id + 1000}))
    db.session.rollback()
    # What a scan of whole rows without ORDER BY meets first (as verify() reads them).
    assert db.session.execute(TABLE.select()).first().seq != 1
    outcome = verify()
    assert outcome.ok is True, outcome.message
    assert outcome.message == "audit chain intact: 4 events"


def _fixed_event(**changes: Any) -> AuditEvent:
    fields: dict[str, Any] = {
        "seq": 7,
        "created_at": dt.datetime(
            2024, 3, 1, 18, 30, 5, 123456, tzinfo=dt.timezone(dt.timedelta(hours=2))
        ),
        "actor": "פקיד",
        "action": "sheet.enter",
        "object_type": "sheet",
        "object_id": "test-2024/2/B1",
        "election": "test-2024",
        "round_number": 2,
        "branch": "B1",
        "before": {"state": "empty"},
        "after": {"votes": {"BBB": 146, "AAA": 150}, "state": "counted"},
        "prev_hash": "ab" * 32,
    }
    fields.update(changes)
    return AuditEvent(**fields)


# The bytes the hash covers, written out by hand from the documented form (chain.py): the
# fields under these names, keys sorted at every level, no spaces, UTF-8 (not \u escapes),
# the timestamp in UTC with microseconds. Chains already stored were hashed over exactly this.
FIXED_CANONICAL = (
    '{"action":"sheet.enter","actor":"פקיד",'
    '"after":{"state":"counted","votes":{"AAA":150,"BBB":146}},'
    '"before":{"state":"empty"},"branch":"B1",'
    '"created_at":"2024-03-01T16:30:05.123456+00:00","election":"test-2024",'
    '"object_id":"test-2024/2/B1","object_type":"sheet",'
    '"prev_hash":"' + "ab" * 32 + '","round":2,"seq":7}'
).encode("utf-8")


def test_the_hashed_form_of_an_event_is_the_documented_one() -> None:
    """Kills: any change of the hashed form that record() and verify() would share, so that
    the chain still verifies against itself but no longer against the events already stored
    (found by ``make mutants``): a field's key renamed (``"seq"`` to ``"XXseqXX"`` or
    ``"SEQ"``, and so on for each field), ``sort_keys``, ``separators`` or ``ensure_ascii``
    changed or left out."""
    event = _fixed_event()
    assert canonical_bytes(event) == FIXED_CANONICAL
    assert compute_hash(event) == hashlib.sha256(FIXED_CANONICAL).hexdigest()


def test_an_event_that_json_cannot_state_exactly_is_refused() -> None:
    """Kills: ``canonical_bytes`` allowing NaN (``allow_nan`` made True or left out; found by
    ``make mutants``): NaN is not JSON, and an event carrying it must not get a hash."""
    with pytest.raises(ValueError, match="not JSON compliant"):
        compute_hash(_fixed_event(after={"ratio": float("nan")}))


def test_the_hashed_form_does_not_depend_on_the_servers_timezone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Kills: the timestamp hashed in the server's local time (``astimezone()`` without
    ``dt.UTC``; found by ``make mutants``): a chain written on one server must verify on a
    server set to another timezone, so the hashed form is UTC wherever the code runs."""
    monkeypatch.setenv("TZ", "EST+5")  # POSIX: five hours behind UTC, no tz database needed
    time.tzset()
    try:
        assert canonical_bytes(_fixed_event()) == FIXED_CANONICAL
    finally:
        monkeypatch.undo()
        time.tzset()


def test_head_is_the_newest_events_number_and_hash(app: Flask) -> None:
    """Kills: ``head`` returning anything but the newest event's ``(seq, hash)`` (the head a
    certified round notes), or not the genesis hash for an empty chain."""
    assert head() == (0, GENESIS)
    for i in (1, 2):
        begin_change()
        record("sheet.enter", actor=f"clerk{i}", object_type="sheet", object_id=f"e/1/B{i}")
        db.session.commit()
    newest = _event(2)
    assert head() == (2, newest.hash)
    assert newest.hash != _event(1).hash


def test_what_verify_answers_about_noted_heads(chain: list[AuditEvent]) -> None:
    """The whole answer, not only its words (found by mutation testing: the answer's fields on
    these paths were not checked)."""
    from primaries.audit.chain import Verification
    from primaries.audit.head import Head

    second, fourth = Head(2, chain[1].hash), Head(4, chain[3].hash)
    intact = verify(heads=[second, fourth])
    assert intact == Verification(
        True,
        4,
        f"audit chain intact: 4 events\nthe noted head {second} is in it"
        f"\nthe noted head {fourth} is in it",
    )
    beyond = Head(9, "ab" * 32)
    cut = verify(heads=[second, beyond])
    assert cut == Verification(
        False,
        4,
        f"audit chain cut short: the noted head {beyond} is not in it; it ends at event #4 "
        "(events were deleted)",
        9,
    )
    no_head = Head(0, "cd" * 32)
    assert verify(heads=[no_head]) == Verification(
        False, 4, f"the noted head {no_head} is no head: #0 is empty"
    )
