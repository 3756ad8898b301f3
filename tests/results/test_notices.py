"""Two app servers on one database: a change saved through one is seen by the other at once, not
after ``RESULTS_RECHECK_SECONDS`` (primaries.notices: on PostgreSQL ``NOTIFY`` on commit and a
``LISTEN`` thread per process; on SQLite the same through Redis, ``RESULTS_CHANGE_REDIS_URL``);
the listener comes back after its connection is killed."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from primaries.extensions import db
from primaries.notices import CLIENT_NAME, Listener, listener_of
from primaries.results.cache import Recent
from tests.conftest import skip_or_fail, superuser_connection
from tests.reliability.conftest import REDIS_URL  # the suite's Redis (channels span its databases)

API = "/api/v1/elections/labor-2011/rounds/2"
ROUND = "/elections/labor-2011/rounds/2"
RECHECK = 30.0  # far longer than any wait below: only a notice can explain a change seen in time


@pytest.fixture
def notices(backend: str, app: Flask) -> dict[str, str]:
    """The settings that make an app listen (and the test's ``app``, the writer, send)."""
    if backend == "postgresql":
        return {}
    try:
        with redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1) as client:
            client.ping()
    except redis.RedisError:
        skip_or_fail(f"Redis is not reachable at {REDIS_URL}")
    app.config["RESULTS_CHANGE_REDIS_URL"] = REDIS_URL
    return {"RESULTS_CHANGE_REDIS_URL": REDIS_URL}


def kill_listeners(backend: str) -> int:
    """Kill this process's listener connections, as a restarted server or a network cut would."""
    if backend == "postgresql":
        with superuser_connection() as conn:
            return len(
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE datname = current_database() AND query LIKE 'LISTEN %'"
                    )
                ).all()
            )
    with redis.Redis.from_url(REDIS_URL) as client:
        mine = f"{CLIENT_NAME}-{os.getpid()}"
        ids = [c["id"] for c in client.client_list(_type="pubsub") if c["name"] == mine]
        return sum(bool(client.client_kill_filter(_id=i)) for i in ids)


def counted(client: FlaskClient) -> int:
    return int(client.get(API).get_json()["branches"]["counted"])


def listening(app: Flask, client: FlaskClient) -> Listener:
    """The listener of ``app`` in this process, connected (started by a results request)."""
    client.get(API)
    listener = listener_of(app)
    assert listener is not None, "no listener thread after a results request"
    assert listener.connected.wait(10), "the listener did not connect"
    return listener


def seen_within(seconds: float, check: Callable[[], bool]) -> float | None:
    """How long until ``check()`` holds (None: not within ``seconds``)."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if check():
            return time.monotonic() - start
        time.sleep(0.01)
    return None


def test_a_change_saved_through_one_server_is_seen_by_the_other_at_once(
    app: Flask,
    demo: str,
    notices: dict[str, str],
    make_app: Callable[..., Flask],
    import_pending: Callable[[int], None],
) -> None:
    reader = make_app(RESULTS_CHANGE_NOTIFY=True, RESULTS_RECHECK_SECONDS=RECHECK, **notices)
    deaf = make_app(RESULTS_CHANGE_NOTIFY=False, RESULTS_RECHECK_SECONDS=RECHECK, **notices)
    readers, others = reader.test_client(), deaf.test_client()
    listener = listening(reader, readers)
    assert listener_of(deaf) is None
    before, page = counted(readers), readers.get(ROUND).headers["ETag"]
    assert counted(others) == before
    import_pending(1)  # saved through the first app (its command line), another session
    took = seen_within(5, lambda: counted(readers) == before + 1)
    assert took is not None and took < 1.0, took
    assert readers.get(ROUND).headers["ETag"] != page
    # The control: without notices the other server keeps its answer for RESULTS_RECHECK_SECONDS.
    assert counted(others) == before
    # Disposing of the engine (as tests do before dropping the database) stops the thread.
    with reader.app_context():
        db.engine.dispose()
    assert not listener.alive and listener_of(reader) is None


def test_the_listener_comes_back_after_its_connection_is_killed(
    app: Flask,
    backend: str,
    demo: str,
    notices: dict[str, str],
    make_app: Callable[..., Flask],
    import_pending: Callable[[int], None],
    caplog: pytest.LogCaptureFixture,
) -> None:
    reader = make_app(RESULTS_CHANGE_NOTIFY=True, RESULTS_RECHECK_SECONDS=RECHECK, **notices)
    readers = reader.test_client()
    listener = listening(reader, readers)
    before = counted(readers)
    caplog.set_level(logging.WARNING, logger="primaries.notices")
    assert kill_listeners(backend) == 1
    assert seen_within(10, lambda: listener.connections == 2 and listener.connected.is_set())
    assert any("reconnecting" in r.getMessage() for r in caplog.records), caplog.text
    assert any("listening again" in r.getMessage() for r in caplog.records), caplog.text
    assert counted(readers) == before  # kept again: from now on only a notice makes it forgotten
    import_pending(1)
    took = seen_within(5, lambda: counted(readers) == before + 1)
    assert took is not None and took < 1.0, took


@pytest.mark.backends("sqlite")
def test_sqlite_without_redis_has_no_listener(make_app: Callable[..., Flask]) -> None:
    one = make_app(RESULTS_CHANGE_NOTIFY=True)
    one.test_client().get(API)
    assert listener_of(one) is None


def test_an_answer_computed_while_the_kept_ones_were_forgotten_is_not_kept() -> None:
    """A notice that arrives while a request reads the version: what it read may predate it."""
    kept = Recent()

    def read_during_a_change() -> int:
        kept.clear()
        return 1

    assert kept.get_or_compute("v", 60, read_during_a_change) == 1
    assert kept.get_or_compute("v", 60, lambda: 2) == 2  # asked again, then kept
    assert kept.get_or_compute("v", 60, lambda: 3) == 2
