"""Slow request bodies: each must arrive within a deadline, and only so many are read at once.

A client that sends its body a byte a second would otherwise hold a server thread as long as it
likes, and a handful of them the whole server. :class:`BodyGuard` wraps the app (WSGI) and
applies two rules to every request with a body (a ``Content-Length`` above 0, or chunked):

- **Slots.** At most ``REQUEST_BODY_SLOTS`` requests per process read a body at the same time
  (under gunicorn, :mod:`primaries.gunicorn_config` gives them half of a worker's threads; else 4);
  a request takes one when it starts reading its body and gives it back when the body is read,
  so a body that arrives at once holds it for an instant. A request that finds none free within
  a second (``SLOT_WAIT_SECONDS``: a burst of quick saves frees its slots long before) is
  answered 503 with ``Retry-After``, its body unread: the other threads keep answering pages
  and ``/healthz`` whatever the uploads do.
- **A deadline.** A body may take ``REQUEST_BODY_SECONDS`` (default 15) plus a second for every
  ``REQUEST_BODY_MIN_RATE`` bytes it has sent (default 20,000: a 20 MB upload may take some
  17 minutes, a form of a few KB 15 seconds). Past that the request is answered 408 and nothing
  is saved. Under gunicorn a watchdog thread shuts the connection's reading side when the
  deadline passes, so a client that sends nothing more is cut off on time too; elsewhere (the
  development server, the test client) the deadline is checked at each read.

Behind nginx (``docs/deploy.md``) nginx receives the whole body before it passes the request
on, so these rules matter when the app servers are reached directly.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from flask import Flask
from werkzeug.exceptions import RequestTimeout, ServiceUnavailable

DEFAULT_SLOTS = 4
DEFAULT_SECONDS = 15.0
DEFAULT_MIN_RATE = 20_000  # bytes a second
WATCH_INTERVAL = 0.25
# How long a body waits for a slot before it is refused: bodies that arrive at once free their
# slots within milliseconds, so a burst of saves (eight clerks pressing Enter together on a busy
# machine) is served; only slots held by slow bodies make it wait this long, and then refuse.
SLOT_WAIT_SECONDS = 1.0
BUSY_RETRY_SECONDS = 5
BUSY_MESSAGE = (
    "The server is receiving many uploads at this moment and did not read yours: nothing was "
    "saved. Send it again in a few seconds."
)
SLOW_MESSAGE = (
    "Your request arrived too slowly and was not read to the end: nothing was saved. Send the "
    "form or the file again; if this keeps happening, the connection to the server is too slow."
)

log = logging.getLogger(__name__)
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class TimedBody:
    """``wsgi.input`` with a deadline that grows with every byte received."""

    def __init__(
        self,
        stream: Any,
        sock: socket.socket | None,
        length: int | None,
        seconds: float,
        rate: int,
        slots: threading.BoundedSemaphore | None = None,
    ) -> None:
        self.stream, self.sock, self.length = stream, sock, length
        self.seconds, self.rate = seconds, rate
        self.started = time.monotonic()
        self.received = 0
        self.cut = False  # the watchdog shut the reading side: the deadline had passed
        self.done = False  # read to the end (or the request is over): nothing left to cut
        self.refused = False  # no slot was free at the first read: answered 503
        self._slots = slots
        self._holding = False
        self._lock = threading.Lock()

    def _take_slot(self) -> None:
        """A slot from the first read until the body is read: a body that arrives at once holds
        it for microseconds, a slow one until it is done or cut off."""
        if self._holding or self.done or self._slots is None:
            return
        if not self._slots.acquire(timeout=SLOT_WAIT_SECONDS):
            self.refused = True
            log.warning("request body refused: every upload slot is taken")
            raise ServiceUnavailable(BUSY_MESSAGE)
        self._holding = True

    def finish(self) -> None:
        """The body is read (or will never be): its slot is free for another, once."""
        with self._lock:
            self.done = True
            holding, self._holding = self._holding, False
        if holding and self._slots is not None:
            self._slots.release()

    def time_left(self) -> float:
        return self.started + self.seconds + self.received / self.rate - time.monotonic()

    def _check(self) -> None:
        if self.cut or self.time_left() <= 0:
            raise RequestTimeout(SLOW_MESSAGE)
        self._take_slot()

    def _counted(self, data: bytes) -> bytes:
        if not data and self.cut:  # the end the watchdog made, not the client's
            raise RequestTimeout(SLOW_MESSAGE)
        self.received += len(data)
        if not data or (self.length is not None and self.received >= self.length):
            self.finish()
        return data

    def read(self, size: int | None = -1) -> bytes:
        self._check()
        try:
            data = self.stream.read(size) if size is not None else self.stream.read()
        except OSError:
            if self.cut:
                raise RequestTimeout(SLOW_MESSAGE) from None
            raise
        return self._counted(data)

    def readline(self, size: int | None = -1) -> bytes:
        self._check()
        try:
            data = self.stream.readline(size) if size is not None else self.stream.readline()
        except OSError:
            if self.cut:
                raise RequestTimeout(SLOW_MESSAGE) from None
            raise
        return self._counted(data)

    def readlines(self, hint: int | None = -1) -> list[bytes]:
        return list(iter(self.readline, b""))

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.readline, b"")

    def close(self) -> None:
        self.finish()


class _Watchdog:
    """One thread per process that cuts off bodies past their deadline."""

    def __init__(self) -> None:
        self.bodies: set[TimedBody] = set()
        self.lock = threading.Condition()
        self.thread: threading.Thread | None = None

    def watch(self, body: TimedBody) -> None:
        with self.lock:
            self.bodies.add(body)
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="body-deadline", daemon=True)
                self.thread.start()
            self.lock.notify()

    def forget(self, body: TimedBody) -> None:
        with self.lock:
            self.bodies.discard(body)

    def _run(self) -> None:
        while True:
            with self.lock:
                while not self.bodies:
                    self.lock.wait()
                late = [b for b in self.bodies if not b.done and b.time_left() <= 0]
                for body in late:
                    self.bodies.discard(body)
            for body in late:
                body.cut = True
                if body.sock is not None:
                    with contextlib.suppress(OSError):  # the blocked read returns at once
                        body.sock.shutdown(socket.SHUT_RD)
            time.sleep(WATCH_INTERVAL)


class BodyGuard:
    """The WSGI middleware of the two rules (see the module's docstring)."""

    def __init__(self, wsgi_app: WSGIApp, app: Flask) -> None:
        self.wsgi_app, self.app = wsgi_app, app
        self._slots: threading.BoundedSemaphore | None = None
        self._slots_lock = threading.Lock()
        self.watchdog = _Watchdog()

    def slots(self) -> threading.BoundedSemaphore:
        """Made at the first body, when gunicorn has said how many threads a worker has."""
        with self._slots_lock:
            if self._slots is None:
                count = int(self.app.config.get("REQUEST_BODY_SLOTS") or DEFAULT_SLOTS)
                self._slots = threading.BoundedSemaphore(max(1, count))
            return self._slots

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if not _has_body(environ):
            return self.wsgi_app(environ, start_response)
        config = self.app.config
        timed = TimedBody(
            environ["wsgi.input"],
            environ.get("gunicorn.socket"),
            _length(environ),
            float(config.get("REQUEST_BODY_SECONDS") or DEFAULT_SECONDS),
            int(config.get("REQUEST_BODY_MIN_RATE") or DEFAULT_MIN_RATE),
            self.slots(),
        )
        environ["wsgi.input"] = timed
        if timed.sock is not None:
            self.watchdog.watch(timed)

        def answer(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            if timed.refused and status.startswith("503"):
                headers = [*headers, ("Retry-After", str(BUSY_RETRY_SECONDS))]
            return start_response(status, headers, *rest)

        try:
            return self.wsgi_app(environ, answer)
        finally:
            timed.finish()
            self.watchdog.forget(timed)


def _length(environ: dict[str, Any]) -> int | None:
    try:
        return int(environ.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None


def _has_body(environ: dict[str, Any]) -> bool:
    if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        return True
    return (_length(environ) or 0) > 0


def init_request_bodies(app: Flask) -> None:
    app.wsgi_app = BodyGuard(app.wsgi_app, app)  # type: ignore[method-assign]
