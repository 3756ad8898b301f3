"""A sheet typed when the session has ended is not lost (issue 14, finding 2).

After 30 idle minutes the session cookie is gone; pressing Enter used to give a bare "Bad Request
- The CSRF session token is missing." Now the clerk is asked to sign in again and lands back on
the same form with the numbers still typed; nothing was saved in between. The same holds when the
cookie is still there but the idle time-out ended the session on the server.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.browser.conftest import PASSWORD, LiveServer, screenshot
from tests.browser.test_staff import SHEET, branch_status, sign_in, type_sheet


def sign_in_again(page: Any, sheet_path: str, username: str = "clerk1") -> None:
    """On the sign-in page the session's end led to: sign in and land back on the sheet."""
    page.wait_for_url(lambda url: "/staff/sign-in" in url)
    assert "nothing was saved" in page.content().lower()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: sheet_path + "?typed=kept" in url)


def numbers_in_form(page: Any) -> list[str]:
    return [
        page.get_by_label(label).input_value()
        for label in ("Ballots cast", "Invalid ballots", "Alice Aharoni", "Boaz Ben-David")
    ]


def test_the_typed_sheet_survives_an_expired_session_cookie(
    night: None, make_app: Any, people: Any, backend: str
) -> None:
    strict = make_app(WTF_CSRF_ENABLED=True)
    with LiveServer(strict) as server:
        clerk = people()
        sign_in(clerk, server, "clerk1")
        path = SHEET.format("B4")
        clerk.goto(server.url + path)
        clerk.wait_for_load_state("networkidle")  # no late answer sets the cookie again
        clerk.context.clear_cookies()  # the 30 idle minutes: the browser dropped the cookie
        type_sheet(clerk, 100, 1, 49, 50)
        sign_in_again(clerk, path)
        assert numbers_in_form(clerk) == ["100", "1", "49", "50"]
        assert clerk.locator("[data-kept-note]").is_visible()
        assert "votes 99 + invalid 1 = 100 = ballots cast" in clerk.content()
        screenshot(clerk, f"staff-typed-after-sign-in-{backend}")
        assert branch_status(clerk, server, "B4")["status"] == "pending"  # nothing saved yet
        clerk.get_by_role("button", name="Save the sheet").click()
        clerk.wait_for_url("**/rounds/2/sheets")
        assert "Saved the first entry of branch B4 in round 2" in clerk.content()
        # Kept numbers are forgotten once saved.
        kept = "Object.keys(sessionStorage).filter(k => k.startsWith('primaries:typed:'))"
        assert clerk.evaluate(kept) == []


@pytest.mark.backends("sqlite")
def test_the_typed_sheet_survives_the_idle_time_out_on_the_server(
    night: None, make_app: Any, people: Any, backend: str
) -> None:
    strict = make_app(WTF_CSRF_ENABLED=True, IDLE_TIMEOUT=2)
    with LiveServer(strict) as server:
        clerk = people()
        sign_in(clerk, server, "clerk1")
        path = SHEET.format("B4")
        clerk.goto(server.url + path)
        time.sleep(3)
        type_sheet(clerk, 100, 1, 49, 50)
        sign_in_again(clerk, path)
        assert numbers_in_form(clerk) == ["100", "1", "49", "50"]
        assert branch_status(clerk, server, "B4")["status"] == "pending"


@pytest.mark.backends("sqlite")
def test_another_account_does_not_get_what_a_clerk_typed(
    night: None, make_app: Any, people: Any, backend: str
) -> None:
    """Blind double entry: the numbers kept for clerk1 never fill clerk2's form."""
    strict = make_app(WTF_CSRF_ENABLED=True)
    with LiveServer(strict) as server:
        page = people()
        sign_in(page, server, "clerk1")
        path = SHEET.format("B4")
        page.goto(server.url + path)
        page.wait_for_load_state("networkidle")
        page.context.clear_cookies()
        type_sheet(page, 100, 1, 49, 50)
        sign_in_again(page, path, username="clerk2")
        assert numbers_in_form(page) == ["", "", "", ""]
        assert not page.locator("[data-kept-note]").is_visible()
