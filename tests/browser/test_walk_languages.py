"""The election night entirely in Hebrew, and again in Arabic (issue 14's "done when"): two clerks
enter round 2's sheets blind (one sheet differs), a supervisor resolves the mismatch, closes the
round, clears the box a red flag holds and certifies. Every page on the way is kept as a
screenshot at desktop and 360-pixel widths, and none of them has an English interface word left
(only data: the test election's names, codes and numbers)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import PASSWORD, LiveServer, screenshot
from tests.staff.conftest import SHEETS
from tests.staff.test_staff_hebrew import english_runs

ROUND2 = "/staff/elections/test-2024/rounds/2"
DIFFERS = {"B2": (500, 5, 245, 250)}  # clerk2's B2: AAA and BBB swapped


def visit(page: Any, url: str, name: str, language: str) -> None:
    """Open ``url`` in ``language``; keep it at both widths; no English interface words."""
    joiner = "&" if "?" in url else "?"
    page.goto(f"{url}{joiner}lang={language}")
    check(page, name, language)


def check(page: Any, name: str, language: str) -> None:
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("html").get_attribute("dir") == "rtl"
    runs = english_runs(page.content())
    assert runs == [], f"{name} ({language}): English left: {runs}"
    screenshot(page, f"walk-{language}-{name}")
    width = page.viewport_size
    page.set_viewport_size({"width": 360, "height": 740})
    screenshot(page, f"walk-{language}-{name}-360")
    page.set_viewport_size(width)


def sign_in(page: Any, server: LiveServer, username: str, language: str) -> None:
    page.goto(f"{server.url}/staff/sign-in?lang={language}")
    check(page, "sign-in", language)
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url("**/staff/")
    check(page, f"workspace-{username}", language)


def enter(page: Any, server: LiveServer, code: str, numbers: tuple[int, ...], lang: str) -> None:
    visit(page, f"{server.url}{ROUND2}/sheets/{code}", f"sheet-{code}", lang)
    fields = ("ballots_cast", "invalid", "votes_AAA", "votes_BBB")
    for name, value in zip(fields, numbers, strict=True):
        page.locator(f"input[name={name}]").fill(str(value))
    page.locator("input[name=votes_BBB]").press("Enter")
    page.wait_for_url(lambda url: f"/sheets/{code}" not in url.split("?")[0])


@pytest.mark.backends("sqlite")
@pytest.mark.parametrize("language", ["he", "ar"])
def test_the_night_in_one_language(
    night: None, live_server: LiveServer, people: Any, language: str
) -> None:
    for name in ("clerk1", "clerk2"):
        clerk = people()
        sign_in(clerk, live_server, name, language)
        for code, numbers in SHEETS.items():
            typed = DIFFERS.get(code, numbers) if name == "clerk2" else numbers
            enter(clerk, live_server, code, typed, language)
        check(clerk, f"after-entry-{name}", language)

    supervisor = people()
    sign_in(supervisor, live_server, "super1", language)
    visit(supervisor, f"{live_server.url}{ROUND2}", "dashboard", language)
    visit(supervisor, f"{live_server.url}{ROUND2}/sheets/B2/resolve", "resolve", language)
    for row in supervisor.locator("tr.differs").all():
        row.locator("input[type=radio][value='1']").check()
    supervisor.locator("form:has(input[type=radio]) button[type=submit]").first.click()
    supervisor.wait_for_url(lambda url: "/resolve" not in url)
    check(supervisor, "resolved", language)

    supervisor.on("dialog", lambda dialog: dialog.accept())
    visit(supervisor, f"{live_server.url}{ROUND2}", "dashboard-complete", language)
    supervisor.locator(f"form[action='{ROUND2}/close'] button").click()
    supervisor.wait_for_url(f"**{ROUND2}")
    check(supervisor, "closed", language)
    supervisor.locator("#clear-reason-B4").fill("נבדק / تم الفحص")
    supervisor.locator("#held-B4 button[type=submit]").click()
    supervisor.wait_for_url(f"**{ROUND2}#held")
    supervisor.locator(f"form[action='{ROUND2}/certify'] button").click()
    supervisor.wait_for_url(f"**{ROUND2}")
    check(supervisor, "certified", language)
    assert supervisor.locator(".certificate").count() == 1
    visit(supervisor, f"{live_server.url}/elections/test-2024/rounds/2", "public", language)
