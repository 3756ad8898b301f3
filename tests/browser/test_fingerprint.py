"""The election fingerprint in Chromium (issue 13, item 3): the certified round 1 of the demo on
the public page in English and Hebrew, on a desktop and a 360-pixel phone, and the runoff being
counted on the supervisor's dashboard; with screenshots."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from werkzeug.security import generate_password_hash

from primaries.extensions import db
from primaries.models import User
from tests.browser.conftest import PASSWORD, LiveServer, screenshot


@pytest.fixture
def demo(app: Flask, runner: FlaskCliRunner) -> None:
    assert runner.invoke(args=["demo"]).exit_code == 0
    cheap = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    db.session.add(User(username="super1", role="supervisor", password_hash=cheap, active=True))
    db.session.commit()


@pytest.mark.backends("sqlite")
@pytest.mark.parametrize(
    ("language", "heading"),
    [("en-GB", "Election fingerprint"), ("he-IL", "טביעת האצבע של הבחירות")],
)
def test_the_fingerprint_of_a_certified_round(
    live_server: LiveServer, browser: Any, demo: None, language: str, heading: str
) -> None:
    for width in (1200, 360):
        context = browser.new_context(viewport={"width": width, "height": 800}, locale=language)
        page = context.new_page()
        page.goto(live_server.url + "/elections/labor-2011/rounds/1")
        section = page.locator("section.fingerprint")
        assert section.get_by_role("heading", name=heading).is_visible()
        plot = section.get_by_role("img")
        assert plot.is_visible()
        box = plot.bounding_box()
        assert box is not None and box["width"] <= width and box["height"] > 100
        assert page.locator("rect.square").count() > 5
        if width == 360:
            assert page.evaluate("document.documentElement.scrollWidth") <= 362
        section.scroll_into_view_if_needed()
        screenshot(page, f"fingerprint-public-{language}-{width}")
        context.close()


@pytest.mark.backends("sqlite")
def test_the_fingerprint_on_the_dashboard(live_server: LiveServer, page: Any, demo: None) -> None:
    page.goto(live_server.url + "/staff/sign-in")
    page.locator("input[name=username]").fill("super1")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url("**/staff/")
    page.goto(live_server.url + "/staff/elections/labor-2011/rounds/2")
    section = page.locator("section.fingerprint")
    assert "150 counted boxes." in section.inner_text()
    page.get_by_text("The same figures as a table").click()
    assert section.locator("tbody tr").count() == page.locator("rect.square").count()
    screenshot(page, "fingerprint-dashboard-en")


@pytest.mark.backends("sqlite")
def test_the_red_flag_settings_page(live_server: LiveServer, browser: Any, demo: None) -> None:
    """An admin changes a threshold with a reason, in Hebrew (screenshots in both languages)."""
    cheap = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    db.session.add(User(username="admin1", role="admin", password_hash=cheap, active=True))
    db.session.commit()
    for language in ("en-GB", "he-IL"):
        context = browser.new_context(viewport={"width": 1200, "height": 900}, locale=language)
        page = context.new_page()
        page.goto(live_server.url + "/staff/sign-in")
        page.locator("input[name=username]").fill("admin1")
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("input[name=password]").press("Enter")
        page.wait_for_url("**/staff/")
        page.goto(live_server.url + "/staff/elections/labor-2011/flag-settings")
        screenshot(page, f"flag-settings-{language}")
        if language == "he-IL":
            page.get_by_label("סחיפה למועמד/ת אחד/ת (באחוזים)").fill("99")
            page.get_by_label("סיבה").fill("סניפים קטנים")
            page.get_by_role("button", name="שמירת ההגדרות").click()
            page.wait_for_url("**/flag-settings")
            assert "נשמרו" in page.content()
            assert page.get_by_label("סחיפה למועמד/ת אחד/ת (באחוזים)").input_value() == "99"
            screenshot(page, "flag-settings-saved-he-IL")
        context.close()


@pytest.mark.backends("sqlite")
def test_an_objection_filed_and_decided(live_server: LiveServer, browser: Any, demo: None) -> None:
    """Issue 13, item 4: an observer files an objection about a runoff box in Hebrew, a
    supervisor decides it in English; screenshots of both."""
    cheap = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    db.session.add(User(username="observer1", role="observer", password_hash=cheap, active=True))
    db.session.commit()
    page_url = live_server.url + "/staff/elections/labor-2011/rounds/2/objections"

    def person(name: str, language: str) -> Any:
        context = browser.new_context(viewport={"width": 1200, "height": 900}, locale=language)
        page = context.new_page()
        page.goto(live_server.url + "/staff/sign-in")
        page.locator("input[name=username]").fill(name)
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("input[name=password]").press("Enter")
        page.wait_for_url("**/staff/")
        return page

    observer = person("observer1", "he-IL")
    observer.goto(page_url)
    observer.get_by_label("קלפי (סמל)").fill("B001")
    observer.get_by_label("מה קרה").fill("מצביעים לוו אל הקלפי בידי פעיל, 18:40.")
    observer.get_by_role("button", name="הגשת ההשגה").click()
    observer.wait_for_url("**/objections")
    assert "ההשגה על B001 הוגשה" in observer.content()
    screenshot(observer, "objection-filed-he-IL")

    supervisor = person("super1", "en-GB")
    supervisor.goto(live_server.url + "/staff/elections/labor-2011/rounds/2")
    assert "1 objection is not decided yet" in supervisor.inner_text("main")
    supervisor.goto(page_url)
    supervisor.get_by_label("Decision").select_option("recount_ordered")
    supervisor.get_by_label("Reason").fill("the box is recounted tomorrow")
    supervisor.get_by_role("button", name="Decide").click()
    supervisor.wait_for_url("**/objections")
    assert "recount ordered" in supervisor.inner_text("main")
    screenshot(supervisor, "objection-decided-en-GB")
