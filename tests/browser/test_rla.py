"""The risk-limiting audit's ceremony in Chromium: a supervisor starts the audit of round 1 with
the seed rolled in public, the retrieval list, two clerks type a drawn box's hand count blind,
the audit's page and the public report, with screenshots. Each step is seen in English and in
Hebrew: a Hebrew supervisor fills the start form and prints the retrieval list, the second clerk
types in Hebrew."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.security import generate_password_hash

from primaries.extensions import db
from primaries.models import User
from tests.browser.conftest import LiveServer, screenshot

PASSWORD = "correct horse battery"
ROLES = {"clerk1": "clerk", "clerk2": "clerk", "super1": "supervisor"}
SEED = "31415926535897932384"
PAGE = "/staff/elections/test-2024/rounds/1/rla"
REPORTED = {
    "B1": (300, 4, 100, 90, 60, 46),
    "B2": (500, 5, 150, 160, 120, 65),
    "B3": (120, 0, 30, 46, 10, 34),
    "B4": (100, 1, 40, 20, 20, 19),
}
NAMES = ("Alice Aharoni", "Boaz Ben-David", "Carmel Cohen", "Dana Dror")
HEBREW = {  # the catalogue's words for the labels and buttons the walk uses
    "Risk limit (percent)": "מגבלת סיכון (באחוזים)",
    "Seed": "זרע ההגרלה",
    "Draws (optional)": "הגרלות (לא חובה)",
    "Start the audit and draw": "התחלת הביקורת וההגרלה",
    "Box (branch)": "קלפי (סניף)",
    "Ballots cast": "מצביעים",
    "Invalid ballots": "קולות פסולים",
    "Record the hand count": "רישום הספירה הידנית",
}


@pytest.fixture
def accounts(app: Flask, loaded: Any) -> None:
    cheap = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    db.session.add_all(
        User(username=name, role=role, password_hash=cheap, active=True)
        for name, role in ROLES.items()
    )
    db.session.commit()


@pytest.fixture
def people(browser: Any) -> Iterator[Any]:
    contexts: list[Any] = []

    def new_page(locale: str = "en-GB") -> Any:
        context = browser.new_context(viewport={"width": 1200, "height": 900}, locale=locale)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield new_page
    for context in contexts:
        context.close()


def sign_in(page: Any, server: LiveServer, username: str) -> None:
    """Sign in by the fields' names: a Hebrew browser gets the sign-in page in Hebrew."""
    page.goto(server.url + "/staff/sign-in")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url("**/staff/")


def type_count(page: Any, server: LiveServer, code: str, hebrew: bool = False) -> None:
    """Type a hand count by the labels a clerk reads, in English or in Hebrew."""
    label = HEBREW if hebrew else {key: key for key in HEBREW}
    page.goto(server.url + PAGE)
    page.get_by_label(label["Box (branch)"]).select_option(code)
    cast, invalid, *votes = REPORTED[code]
    page.get_by_label(label["Ballots cast"], exact=True).fill(str(cast))
    page.get_by_label(label["Invalid ballots"]).fill(str(invalid))
    for name, value in zip(NAMES, votes, strict=True):
        page.get_by_label(name).fill(str(value))
    page.get_by_role("button", name=label["Record the hand count"]).click()
    page.wait_for_url("**" + PAGE)


def test_the_audit_ceremony(accounts: None, live_server: LiveServer, people: Any) -> None:
    hebrew_staff = people("he-IL")
    sign_in(hebrew_staff, live_server, "super1")
    hebrew_staff.goto(live_server.url + PAGE)
    hebrew_staff.get_by_label(HEBREW["Risk limit (percent)"]).fill("5")
    hebrew_staff.get_by_label(HEBREW["Seed"]).fill(SEED)
    hebrew_staff.get_by_label(HEBREW["Draws (optional)"]).fill("2")
    assert hebrew_staff.get_by_role("button", name=HEBREW["Start the audit and draw"]).is_visible()
    assert "Risk limit" not in hebrew_staff.content()
    screenshot(hebrew_staff, "rla-start-he")

    supervisor = people()
    sign_in(supervisor, live_server, "super1")
    supervisor.goto(live_server.url + PAGE)
    supervisor.get_by_label("Risk limit (percent)").fill("5")
    supervisor.get_by_label("Seed").fill(SEED)
    supervisor.get_by_label("Draws (optional)").fill("2")
    screenshot(supervisor, "rla-start-en")
    supervisor.get_by_role("button", name="Start the audit and draw").click()
    supervisor.wait_for_url("**" + PAGE)
    assert "The audit has started" in supervisor.content()
    answer = supervisor.request.get(live_server.url + "/elections/test-2024/rounds/1/audit.json")
    document = json.loads(answer.text())
    assert document["seed"] == SEED and len(document["draws"]) == 2
    drawn = sorted({d["branch"] for d in document["draws"]})
    supervisor.goto(live_server.url + PAGE + "/retrieval")
    assert all(code in supervisor.content() for code in drawn)
    screenshot(supervisor, "rla-retrieval-en")
    hebrew_staff.goto(live_server.url + PAGE + "/retrieval")
    assert "רשימת איסוף" in hebrew_staff.content()
    assert all(code in hebrew_staff.content() for code in drawn)
    screenshot(hebrew_staff, "rla-retrieval-he")

    first, second = people(), people("he-IL")
    sign_in(first, live_server, "clerk1")
    sign_in(second, live_server, "clerk2")
    for code in drawn:
        type_count(first, live_server, code)
        assert "a second person types it" in first.content()
        type_count(second, live_server, code, hebrew=True)
        assert "הספירה הידנית נרשמה" in second.content()

    supervisor.goto(live_server.url + PAGE)
    assert "escalate" in supervisor.content() or "confirmed" in supervisor.content()
    screenshot(supervisor, "rla-audit-en")

    reader = people()
    reader.goto(live_server.url + "/elections/test-2024/rounds/1/audit")
    assert SEED in reader.content() and "Risk after this draw" in reader.content()
    screenshot(reader, "rla-report-en")
    hebrew = people("he-IL")
    hebrew.goto(live_server.url + "/elections/test-2024/rounds/1/audit?lang=he")
    assert "ביקורת מגבילת סיכון" in hebrew.content()
    screenshot(hebrew, "rla-report-he")
    hebrew_staff.goto(live_server.url + PAGE)
    assert "רשימת איסוף" in hebrew_staff.content()
    screenshot(hebrew_staff, "rla-audit-he")
