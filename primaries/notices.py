"""Change notices between app servers: what one process commits, every other learns of at once.

Each process keeps which data version is current for ``RESULTS_RECHECK_SECONDS``
(:func:`primaries.results.cache.recent`) and forgets it when it commits a change itself. On
PostgreSQL every committed change also sends ``NOTIFY primaries_changes``, in its own transaction
(so only once it commits), from web workers and ``primaries`` commands alike. Each app process
runs one daemon :class:`Listener` thread (``LISTEN`` on a connection of its own, in autocommit),
started on its first results request, so after gunicorn forks a worker. A notice makes the
process forget what it kept, and its next request asks the database.

``RESULTS_CHANGE_NOTIFY`` (default on) turns the listener on or off. The recheck interval stays as
the safety net: while the listener's connection is down (it reconnects, and logs both) or a
notice is late, a change still shows within ``RESULTS_RECHECK_SECONDS``. SQLite serves one
machine and has no notices of its own: with ``RESULTS_CHANGE_REDIS_URL`` set, a committed change
is published on that Redis (after the commit: Redis is not part of the transaction) and the
listener subscribes there, so that several workers on that machine learn of it too. Disposing of
the app's engine (tests do, before dropping their database) stops its listener.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg
import redis
from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from .database import is_change
from .extensions import db

CHANNEL = "primaries_changes"
CLIENT_NAME = "primaries-notices"  # the Redis subscriber's name, with its process id
EXTENSION_KEY = "primaries.change_listener"
WAIT_SECONDS = 0.2  # the longest a stop waits for the listener thread
PING_SECONDS = 10.0  # an idle connection is checked this often (a silent drop is noticed)
RETRY_SECONDS = (0.2, 0.5, 1.0, 2.0, 5.0)  # waits between reconnections, the last repeated

log = logging.getLogger(__name__)
_pid = os.getpid()
_starting = threading.Lock()


def _forked() -> None:
    global _pid
    _pid = os.getpid()  # a forked worker starts its own listener: its parent's thread is not here


os.register_at_fork(after_in_child=_forked)


@event.listens_for(Session, "before_commit")
def _send_notice(session: Session) -> None:
    # A change's transaction still holds its connection here; the notice leaves on COMMIT.
    if not is_change(session):
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # On the driver's connection, past SQLAlchemy's statement events: not one of the change's
        # statements, just the signal that it happened.
        connection.connection.driver_connection.execute(f"NOTIFY {CHANNEL}")  # type: ignore[union-attr]


@event.listens_for(Session, "after_commit")
def _publish_notice(session: Session) -> None:
    # SQLite with Redis: published once committed (a change the publisher never sees is caught
    # by the recheck interval).
    if not (is_change(session) and has_app_context()):
        return
    url = current_app.config.get("RESULTS_CHANGE_REDIS_URL")
    if not url or session.get_bind().dialect.name == "postgresql":
        return
    try:
        with redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1) as client:
            client.publish(CHANNEL, "")
    except redis.RedisError as exc:
        log.warning("change notices: not published on Redis: %s", exc)


class Listener:
    """A daemon thread that calls ``on_change(app)`` on every notice, and once on each
    (re)connection (what changed while it was not listening): PostgreSQL's ``LISTEN`` on
    ``conninfo``, or with ``redis_url`` a Redis subscription."""

    def __init__(
        self,
        app: Flask,
        on_change: Callable[[Flask], None],
        *,
        conninfo: str = "",
        redis_url: str = "",
    ) -> None:
        self.app = app
        self.conninfo = conninfo
        self.redis_url = redis_url
        self.on_change = on_change
        self.pid = os.getpid()
        self.connected = threading.Event()
        self.connections = 0  # how many times it has connected (tests watch it reconnect)
        self.failures = 0  # connections lost or refused in a row
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="primaries-notices", daemon=True)

    def start(self) -> Listener:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if self.redis_url:
                    self._subscribe()
                elif not self._listen():
                    return
            except (psycopg.Error, redis.RedisError) as exc:
                if self._stop.is_set():
                    break
                wait = RETRY_SECONDS[min(self.failures, len(RETRY_SECONDS) - 1)]
                self.failures += 1
                log.warning(
                    "change notices: %s; reconnecting in %.1f s (meanwhile a change made by another"
                    " server shows within RESULTS_RECHECK_SECONDS)",
                    " ".join(str(exc).split()) or type(exc).__name__,
                    wait,
                )
                self._stop.wait(wait)
            finally:
                self.connected.clear()

    def _connected(self) -> None:
        # Log the reconnection and forget what was kept (a change may have gone unnoticed
        # meanwhile) before showing as connected: whoever sees it connected sees both done.
        if self.failures:
            log.warning("change notices: listening again after %d failures", self.failures)
        self.failures = 0
        self._changed()
        self.connections += 1
        self.connected.set()

    def _changed(self) -> None:
        try:
            self.on_change(self.app)
        except Exception:  # pragma: no cover - a bug: logged, and the thread keeps listening
            log.exception("change notices: forgetting what was kept failed")

    def _listen(self) -> bool:
        """PostgreSQL's notices until stopped (False: there are none to listen for)."""
        with psycopg.connect(self.conninfo, autocommit=True, connect_timeout=5) as conn:
            if _replica(conn):
                log.warning(
                    "change notices: the database is a read replica, which relays none;"
                    " changes show within RESULTS_RECHECK_SECONDS"
                )
                return False
            conn.execute(f"LISTEN {CHANNEL}")
            self._connected()
            pinged = time.monotonic()
            while not self._stop.is_set():
                for _notice in conn.notifies(timeout=WAIT_SECONDS):
                    self._changed()
                if time.monotonic() - pinged > PING_SECONDS:
                    conn.execute("SELECT 1")
                    pinged = time.monotonic()
        return True

    def _subscribe(self) -> None:
        """Redis's notices until stopped."""
        client = redis.Redis.from_url(
            self.redis_url, socket_connect_timeout=5, client_name=f"{CLIENT_NAME}-{os.getpid()}"
        )
        with client, client.pubsub() as pubsub:  # type: ignore[no-untyped-call]
            pubsub.subscribe(CHANNEL)
            pubsub.get_message(timeout=5)  # the subscription's confirmation: now listening
            self._connected()
            pinged = time.monotonic()
            while not self._stop.is_set():
                if pubsub.get_message(ignore_subscribe_messages=True, timeout=WAIT_SECONDS):
                    self._changed()
                if time.monotonic() - pinged > PING_SECONDS:
                    pubsub.ping()
                    pinged = time.monotonic()


def _replica(conn: psycopg.Connection[Any]) -> bool:
    row = conn.execute("SELECT pg_is_in_recovery()").fetchone()
    return bool(row and row[0])


def _conninfo(engine: Engine) -> str:
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def make_listener(
    app: Flask, engine: Engine, on_change: Callable[[Flask], None]
) -> Listener | None:
    """This app's listener, if it listens: ``RESULTS_CHANGE_NOTIFY`` (default on), on PostgreSQL
    or with ``RESULTS_CHANGE_REDIS_URL``."""
    if not app.config.get("RESULTS_CHANGE_NOTIFY", True):
        return None
    if engine.dialect.name == "postgresql":
        return Listener(app, on_change, conninfo=_conninfo(engine))
    url = app.config.get("RESULTS_CHANGE_REDIS_URL")
    return Listener(app, on_change, redis_url=str(url)) if url else None


class _Off:
    """What the app keeps when it does not listen (so that it is decided once per process)."""

    def __init__(self) -> None:
        self.pid = os.getpid()


def ensure_listening(app: Flask, on_change: Callable[[Flask], None]) -> None:
    """Start this process's listener for ``app`` unless it runs (cheap: called per request);
    ``app`` may be ``current_app``."""
    found = app.extensions.get(EXTENSION_KEY)
    if found is not None and found.pid == _pid:
        return
    with _starting:
        found = app.extensions.get(EXTENSION_KEY)
        if found is not None and found.pid == _pid:
            return
        app = getattr(app, "_get_current_object", lambda: app)()  # not current_app's proxy
        engine = db.engine
        listener = make_listener(app, engine, on_change)
        if listener is None:
            app.extensions[EXTENSION_KEY] = _Off()
            return
        app.extensions[EXTENSION_KEY] = listener

        def stop(_engine: Engine) -> None:
            listener.stop()
            if app.extensions.get(EXTENSION_KEY) is listener:
                del app.extensions[EXTENSION_KEY]  # a later request starts a new one

        event.listen(engine, "engine_disposed", stop)
        listener.start()


def listener_of(app: Flask) -> Listener | None:
    """The app's running listener in this process, if any (for tests and curiosity)."""
    found = app.extensions.get(EXTENSION_KEY)
    return found if isinstance(found, Listener) and found.pid == _pid else None
