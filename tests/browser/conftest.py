"""Browser tests: the app served for real on 127.0.0.1, driven in Debian's Chromium by Playwright.

Playwright's own browser download is never used: ``executable_path`` points at /usr/bin/chromium.
Without Chromium (or the playwright package) these tests are skipped with the reason, except in
CI, where that is a failure. Screenshots go to ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

from primaries.changes import Actor
from primaries.elections.runoff import open_runoff
from primaries.extensions import db
from primaries.models import User
from tests.conftest import skip_or_fail

CHROMIUM = os.environ.get("PRIMARIES_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


# Chromium drops the connection of a static file it no longer wants (the favicon, as a page is
# left): the served file is then closed by the garbage collector, not by the response, which
# Python reports as an unraisable ResourceWarning in the server's thread. Not the app's doing.
STATIC_FILE_DROPPED = (
    "ignore:Exception ignored in.*_io.(FileIO|BufferedReader) name='[^']*/static/"
    ":pytest.PytestUnraisableExceptionWarning"
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.filterwarnings(STATIC_FILE_DROPPED))


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        skip_or_fail(f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("the playwright package is not installed (pip install -e '.[test]')")
    manager = sync_playwright().start()
    browser = manager.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()
    manager.stop()


class LiveServer:
    """The app served by werkzeug in a thread, on a free port of 127.0.0.1."""

    def __init__(self, app: Flask) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)
        self.server.server_close()


@pytest.fixture
def live_server(app: Flask) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def screenshot(page: Any, name: str) -> Path:
    """Keep a screenshot of the page as a test artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


PASSWORD = "correct horse battery"
ROLES = {"clerk1": "clerk", "clerk2": "clerk", "super1": "supervisor", "admin1": "admin"}


@pytest.fixture
def night(app: Flask, loaded: Any) -> None:
    """The small election's runoff open for entry, and one account per role."""
    cheap = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    db.session.add_all(
        User(username=name, role=role, password_hash=cheap, active=True)
        for name, role in ROLES.items()
    )
    db.session.commit()  # before the runoff: a change begins by dropping unsaved work
    open_runoff("test-2024", actor=Actor("test"))
    db.session.commit()


@pytest.fixture
def people(browser: Any) -> Iterator[Any]:
    """A fresh browser context (its own cookies) per person."""
    contexts: list[Any] = []

    def new_page() -> Any:
        context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-GB")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on("dialog", lambda dialog: dialog.accept())
        return page

    yield new_page
    for context in contexts:
        context.close()
