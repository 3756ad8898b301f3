"""Boxes held for review and photos of the signed sheet in Chromium (issue 13, items 2 and 5), in
English and Hebrew, with screenshots: the stuffed box is held on the dashboard with whether it
could change the outcome, once the round is closed the public page says one box is under
review, a supervisor clears it with a reason; a clerk adds a photo of a sheet from the sheet's
page and sees it there."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from PIL import Image
from werkzeug.security import generate_password_hash

from primaries.extensions import db
from primaries.models import User
from tests.browser.conftest import PASSWORD, LiveServer, screenshot
from tests.browser.test_rla import sign_in
from tests.test_cli_flags import package

ROUND1 = "/staff/elections/flags-2024/rounds/1"


@pytest.fixture
def stuffed(app: Flask, runner: FlaskCliRunner, write_json: Any) -> None:
    """The flags election's round 1 with its stuffed box X1 (149 of 150 votes for BBB)."""
    loaded = runner.invoke(args=["load", str(write_json(package(stuffed=True, runoff=False)))])
    assert loaded.exit_code == 0, loaded.output
    cheap = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    db.session.add_all(
        User(username=name, role=role, password_hash=cheap, active=True)
        for name, role in (("super1", "supervisor"), ("clerk1", "clerk"))
    )
    db.session.commit()


@pytest.mark.backends("sqlite")
@pytest.mark.parametrize(
    ("language", "held", "cleared", "under_review"),
    [
        ("en", "Held for review", "box is cleared", "1 box is under review"),
        ("he", "מעוכבות לבדיקה", "אושרה", "בבדיקה"),
    ],
)
def test_a_held_box_is_cleared_on_the_dashboard(
    live_server: LiveServer,
    page: Any,
    stuffed: None,
    language: str,
    held: str,
    cleared: str,
    under_review: str,
) -> None:
    sign_in(page, live_server, "super1")
    page.goto(f"{live_server.url}{ROUND1}?lang={language}")
    page.on("dialog", lambda dialog: dialog.accept())
    page.locator(f"form[action='{ROUND1}/close'] button").click()
    page.wait_for_url(f"**{ROUND1}")
    page.goto(f"{live_server.url}/elections/flags-2024/rounds/1?lang={language}")
    assert under_review in page.inner_text("main")
    screenshot(page, f"review-public-{language}")
    page.goto(f"{live_server.url}{ROUND1}?lang={language}")
    section = page.locator("section.held")
    assert held in section.inner_text() and "X1" in section.inner_text()
    assert section.locator(".reach").count() == 1  # could, or cannot, change the outcome
    screenshot(page, f"review-held-{language}")
    page.locator("#clear-reason-X1").fill("149 signatures on the voters' list: checked")
    page.locator("#held-X1 button[type=submit]").click()
    page.wait_for_url(f"**{ROUND1}#held")
    assert cleared in page.inner_text("main")
    assert page.locator("section.held").count() == 0
    screenshot(page, f"review-cleared-{language}")
    page.goto(f"{live_server.url}/elections/flags-2024/rounds/1?lang={language}")
    assert under_review not in page.inner_text("main")


@pytest.mark.backends("sqlite")
@pytest.mark.parametrize("language", ["en", "he"])
def test_a_clerk_adds_a_photo_of_the_signed_sheet(
    live_server: LiveServer, page: Any, stuffed: None, language: str, tmp_path: Path
) -> None:
    photo = tmp_path / "sheet.jpg"
    out = io.BytesIO()
    Image.new("RGB", (120, 160), (250, 250, 240)).save(out, format="JPEG")
    photo.write_bytes(out.getvalue())
    sign_in(page, live_server, "clerk1")
    page.goto(f"{live_server.url}{ROUND1}/sheets/B01?lang={language}")
    page.locator("input[name=photo-photo]").set_input_files(str(photo))
    page.locator("form.photo-form button[type=submit]").click()
    page.wait_for_url(f"**{ROUND1}/sheets/B01*")
    image = page.locator("section.sheet-photos img")
    assert image.count() == 1
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")  # it is served
    screenshot(page, f"photo-added-{language}")
