"""The rules of request bodies, in process (:mod:`primaries.request_bodies`): a request beyond the
upload slots is answered 503 after a second's wait for one, its body unread, while pages go on;
a body slower than its deadline is answered 408 and saves nothing. ``test_slow_clients.py`` runs
both through gunicorn.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from flask import Flask

from primaries.request_bodies import SLOT_WAIT_SECONDS, TimedBody
from tests.reliability.conftest import audit_count

FORM = "application/x-www-form-urlencoded"


class HeldBody:
    """A body that sends nothing until released (then ``username=x``)."""

    def __init__(self) -> None:
        self.reading = threading.Event()
        self.release = threading.Event()
        self.data = b"username=x&password=y"

    def read(self, size: int = -1) -> bytes:
        self.reading.set()
        self.release.wait(30)
        data, self.data = self.data, b""
        return data


class TrickleBody:
    """A body that sends one byte every ``pause`` seconds."""

    def __init__(self, length: int, pause: float) -> None:
        self.left, self.pause = length, pause

    def read(self, size: int = -1) -> bytes:
        if not self.left:
            return b""
        time.sleep(self.pause)
        self.left -= 1
        return b"a"


def hold_the_slot(app: Flask, held: HeldBody, answers: list[int]) -> threading.Thread:
    """A sign-in whose body (``held``) is being read in another thread: it holds an upload slot
    until released; its answer's status goes to ``answers``."""

    def first() -> None:
        answer = app.test_client().post(
            "/staff/sign-in",
            data=held.data,
            content_type=FORM,
            environ_overrides={"wsgi.input": held},
        )
        answers.append(answer.status_code)

    thread = threading.Thread(target=first)
    thread.start()
    return thread


def test_a_body_beyond_the_upload_slots_is_refused(make_app: Any) -> None:
    app: Flask = make_app(REQUEST_BODY_SLOTS=1)
    held = HeldBody()
    answers: list[int] = []

    thread = hold_the_slot(app, held, answers)
    try:
        assert held.reading.wait(10)
        started = time.monotonic()
        refused = app.test_client().post(
            "/staff/sign-in", data={"username": "x", "password": "y"}, content_type=FORM
        )
        assert refused.status_code == 503
        assert refused.headers["Retry-After"] == "5"
        assert "nothing was saved" in refused.text
        # Refused once it has waited SLOT_WAIT_SECONDS for a slot, not later.
        assert SLOT_WAIT_SECONDS <= time.monotonic() - started < SLOT_WAIT_SECONDS + 1
        assert app.test_client().get("/healthz").status_code == 200  # no body: no slot needed
    finally:
        held.release.set()
        thread.join(30)
    assert answers == [401]  # the first one was read and answered as usual
    # The slot is free again.
    again = app.test_client().post("/staff/sign-in", data={"username": "x", "password": "y"})
    assert again.status_code == 401


def test_a_body_slower_than_its_deadline_is_answered_408(make_app: Any) -> None:
    app: Flask = make_app(REQUEST_BODY_SECONDS=0.3, REQUEST_BODY_MIN_RATE=1_000_000)
    with app.app_context():
        before = audit_count()
        started = time.monotonic()
        answer = app.test_client().post(
            "/staff/sign-in",
            data=b"a" * 200,
            content_type=FORM,
            environ_overrides={"wsgi.input": TrickleBody(200, 0.02)},
        )
        assert answer.status_code == 408
        assert "arrived too slowly" in answer.text
        assert time.monotonic() - started < 2
        assert audit_count() == before
        # A body at a normal pace is read as ever.
        normal = app.test_client().post("/staff/sign-in", data={"username": "x", "password": "y"})
        assert normal.status_code == 401


def test_the_deadline_grows_with_the_bytes_received() -> None:
    body = TimedBody(TrickleBody(10, 0), None, 10, seconds=1.0, rate=100)
    assert 0.9 < body.time_left() <= 1.0
    body.received = 50  # half a second more
    assert 1.4 < body.time_left() <= 1.5


def test_a_body_waits_a_moment_for_a_slot_that_frees(make_app: Any) -> None:
    """A burst of saves on a busy machine: a slot that frees within the wait serves the body
    (the reliability test's eight clerks got a 503 for a form otherwise)."""
    app: Flask = make_app(REQUEST_BODY_SLOTS=1)
    held = HeldBody()
    answers: list[int] = []

    thread = hold_the_slot(app, held, answers)
    try:
        assert held.reading.wait(10)
        threading.Timer(SLOT_WAIT_SECONDS / 4, held.release.set).start()
        second = app.test_client().post(
            "/staff/sign-in", data={"username": "x", "password": "y"}, content_type=FORM
        )
        assert second.status_code == 401  # read and answered, not refused as busy
    finally:
        held.release.set()
        thread.join(30)
    assert answers == [401]
