"""Slow clients cannot stall the site: gthread workers, a share of the threads for request bodies,
and a deadline for each body.

gunicorn runs as production runs it (``primaries.gunicorn_config``, two workers) on the test's
database. Eight clients each open a POST to the sign-in form and send its body a byte a second
(with the former two sync workers four such clients stalled the site until they left).
Meanwhile ``/healthz`` and the results index answer within a second, every time. Each slow body
is answered 408 once its deadline has passed (``REQUEST_BODY_SECONDS``, 15 s by default, a little
more for the bytes it sent), or 503 when every upload slot of its worker stayed taken for a
second; none of them changed anything.
"""

from __future__ import annotations

import select
import socket
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from flask import Flask

from tests.reliability.conftest import Gunicorn, audit_count

pytestmark = pytest.mark.slow

SLOW_CLIENTS = 8
BODY_BYTES = 2_000  # at a byte a second: far longer than the deadline
HELD_SECONDS = 12.0  # how long the pages are timed while the slow bodies are held open
DEADLINE = 15.0  # REQUEST_BODY_SECONDS' default


class SlowBody(threading.Thread):
    """A client that sends a POST's headers at once and then its body a byte a second."""

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.status: int | None = None
        self.answered_after: float | None = None
        self.sent = 0
        self.opened = threading.Event()

    def run(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port), timeout=60) as sock:
            head = (
                "POST /staff/sign-in HTTP/1.1\r\n"
                f"Host: 127.0.0.1:{self.port}\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {BODY_BYTES}\r\n\r\n"
            )
            sock.sendall(head.encode())
            started = time.monotonic()
            self.opened.set()
            answer = b""
            while self.sent < BODY_BYTES and time.monotonic() - started < 60:
                readable, _, _ = select.select([sock], [], [], 1.0)
                if readable:
                    answer = sock.recv(4096)
                    break
                try:
                    sock.sendall(b"a")
                except OSError:
                    break
                self.sent += 1
            if not answer:
                sock.settimeout(10)
                try:
                    answer = sock.recv(4096)
                except OSError:
                    answer = b""
            self.answered_after = time.monotonic() - started
            if answer.startswith(b"HTTP/1.1 "):
                self.status = int(answer.split(b" ", 2)[1])


def timed_get(url: str) -> tuple[int, float]:
    started = time.monotonic()
    with urllib.request.urlopen(url, timeout=10) as answer:
        answer.read()
        return answer.status, time.monotonic() - started


def test_slow_uploads_do_not_stall_healthz(app: Flask, database_url: str, tmp_path: Path) -> None:
    events_before = audit_count()
    with Gunicorn(database_url, tmp_path / "gunicorn.log", threads=None) as server:
        timed_get(server.url + "/")  # the index computed once, as after any deployment
        slow = [SlowBody(server.port) for _ in range(SLOW_CLIENTS)]
        for client in slow:
            client.start()
        for client in slow:
            assert client.opened.wait(10)
        time.sleep(1.0)  # every slow body is being read (or was refused) by now

        timings: list[tuple[str, int, float]] = []
        held_until = time.monotonic() + HELD_SECONDS
        while time.monotonic() < held_until:
            for path in ("/healthz", "/"):
                status, seconds = timed_get(server.url + path)
                timings.append((path, status, seconds))
            time.sleep(0.2)
        still_sending = sum(1 for client in slow if client.status is None)

        for client in slow:
            client.join(DEADLINE + 30)
        busy = '"status": 503'  # a slow body refused while every upload slot was taken
        assert [line for line in server.log_problems() if busy not in line] == []

    statuses = [client.status for client in slow]
    slowest = max(seconds for _, _, seconds in timings)
    print(
        f"\n{SLOW_CLIENTS} slow bodies: answered {statuses} after "
        f"{[round(c.answered_after or 0, 1) for c in slow]} s; {len(timings)} page requests "
        f"meanwhile, slowest {slowest * 1000:.0f} ms"
    )
    assert all(status == 200 for _, status, _ in timings)
    assert slowest < 1.0, sorted(timings, key=lambda t: -t[2])[:5]
    assert still_sending >= 1  # the pages were timed while slow bodies were held open
    assert set(statuses) <= {408, 503}, statuses
    for client in slow:
        if client.status == 408:  # cut off at its deadline, not before, not much later
            assert client.answered_after is not None
            assert DEADLINE - 1 <= client.answered_after <= DEADLINE + 10, client.answered_after
    assert 408 in statuses
    assert audit_count() == events_before  # nothing was saved
