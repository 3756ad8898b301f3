"""The staff workspace in Chromium: blind double entry from sign-in to the public API, a mismatch
decided field by field, the refusals (same clerk twice, a clerk on supervisor pages, a form
without its CSRF token), with screenshots of the main pages."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.browser.conftest import PASSWORD, LiveServer, screenshot

SHEET = "/staff/elections/test-2024/rounds/2/sheets/{}"


def sign_in(page: Any, server: LiveServer, username: str) -> None:
    page.goto(server.url + "/staff/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/staff/")


def type_sheet(page: Any, cast: int, invalid: int, a: int, b: int) -> None:
    """Type the sheet top to bottom with the keyboard, the way a clerk does, and press Enter."""
    # The form's first field has the focus once the page has loaded (autofocus).
    page.wait_for_function(
        "document.activeElement && document.activeElement.name === 'ballots_cast'",
        timeout=10_000,
    )
    for value in (cast, invalid, a, b):
        page.keyboard.type(str(value))
        page.keyboard.press("Tab")
    page.get_by_label("Boaz Ben-David").press("Enter")


def branch_status(page: Any, server: LiveServer, code: str) -> dict[str, Any]:
    answer = page.request.get(server.url + "/api/v1/elections/test-2024/rounds/2/branches")
    return next(b for b in json.loads(answer.text())["branches"] if b["code"] == code)


def test_two_clerks_enter_a_sheet_and_the_api_shows_it_counted(
    night: None, live_server: LiveServer, people: Any, backend: str
) -> None:
    clerk1 = people()
    screenshot_page = clerk1
    clerk1.goto(live_server.url + "/staff/sign-in")
    screenshot(screenshot_page, f"staff-sign-in-{backend}")
    sign_in(clerk1, live_server, "clerk1")
    clerk1.get_by_role("link", name="Enter sheets").click()
    clerk1.get_by_label("Branch (code or name)").fill("Haifa")
    clerk1.keyboard.press("Enter")
    clerk1.wait_for_url("**/sheets/B1")
    assert clerk1.get_by_label("Ballots cast").is_visible()
    assert clerk1.get_by_label("Invalid ballots").is_visible()
    assert clerk1.get_by_label("Alice Aharoni").is_visible()
    # A sum that does not add up is refused, with the numbers, next to the field.
    type_sheet(clerk1, 301, 4, 150, 146)
    assert "votes 296 + invalid 4 = 300, but ballots cast is 301" in clerk1.content()
    screenshot(clerk1, f"staff-entry-error-{backend}")
    clerk1.get_by_label("Ballots cast").fill("300")
    clerk1.get_by_role("button", name="Save the sheet").click()
    clerk1.wait_for_url("**/rounds/2/sheets")
    assert "Saved the first entry of branch B1 in round 2" in clerk1.content()
    screenshot(clerk1, f"staff-next-sheet-{backend}")
    assert branch_status(clerk1, live_server, "B1")["status"] == "pending"

    clerk2 = people()
    sign_in(clerk2, live_server, "clerk2")
    clerk2.goto(live_server.url + SHEET.format("B1"))
    assert "Second entry" in clerk2.content()
    assert clerk2.get_by_label("Alice Aharoni").input_value() == ""
    screenshot(clerk2, f"staff-entry-second-{backend}")
    type_sheet(clerk2, 300, 4, 150, 146)
    clerk2.wait_for_url("**/rounds/2/sheets")
    assert "both entries agree, it counts" in clerk2.content()
    status = branch_status(clerk2, live_server, "B1")
    assert status["status"] == "counted"
    assert status["votes"] == {"AAA": 150, "BBB": 146}


def test_a_mismatch_is_resolved_field_by_field_by_a_supervisor(
    night: None, live_server: LiveServer, people: Any, backend: str
) -> None:
    for name, numbers in (("clerk1", (500, 5, 250, 245)), ("clerk2", (500, 5, 245, 250))):
        clerk = people()
        sign_in(clerk, live_server, name)
        clerk.goto(live_server.url + SHEET.format("B2"))
        type_sheet(clerk, *numbers)
        clerk.wait_for_url("**/rounds/2/sheets")
    supervisor = people()
    sign_in(supervisor, live_server, "super1")
    supervisor.get_by_role("link", name="Dashboard").last.click()
    supervisor.get_by_role("link", name="1 mismatch").click()
    screenshot(supervisor, f"staff-dashboard-{backend}")
    supervisor.get_by_role("link", name="Resolve").click()
    assert supervisor.locator("tr.differs").count() == 2
    screenshot(supervisor, f"staff-resolve-{backend}")
    supervisor.locator("tr", has_text="Alice Aharoni").get_by_label("Entry 1").check()
    # Typing the paper's number picks "the paper says" (staff.js).
    supervisor.get_by_label("Boaz Ben-David on the paper sheet").fill("245")
    paper_radio = supervisor.locator("tr", has_text="Boaz Ben-David").get_by_label("The paper says")
    assert paper_radio.is_checked()
    supervisor.get_by_role("button", name="Save the decision").click()
    supervisor.wait_for_url("**/rounds/2?state=mismatch")
    assert "the mismatch is resolved" in supervisor.content()
    status = branch_status(supervisor, live_server, "B2")
    assert status["status"] == "counted"
    assert status["votes"] == {"AAA": 250, "BBB": 245}
    supervisor.goto(live_server.url + "/staff/elections/test-2024/branches/B2")
    assert "mismatch resolved by a supervisor" in supervisor.content()
    screenshot(supervisor, f"staff-history-{backend}")
    supervisor.goto(live_server.url + "/staff/audit")
    screenshot(supervisor, f"staff-audit-{backend}")


def test_the_same_clerk_cannot_make_both_entries(
    night: None, live_server: LiveServer, people: Any
) -> None:
    clerk = people()
    sign_in(clerk, live_server, "clerk1")
    clerk.goto(live_server.url + SHEET.format("B3"))
    type_sheet(clerk, 120, 0, 70, 50)
    clerk.wait_for_url("**/rounds/2/sheets")
    clerk.goto(live_server.url + SHEET.format("B3"))
    assert "You made the first entry of this sheet" in clerk.content()
    assert clerk.get_by_label("Ballots cast").count() == 0
    # Even a hand-made POST is refused.
    answer = clerk.request.post(
        live_server.url + SHEET.format("B3"),
        form={
            "version": "2",
            "ballots_cast": "120",
            "invalid": "0",
            "votes_AAA": "70",
            "votes_BBB": "50",
        },
    )
    assert answer.status == 409
    assert "the second entry must come from a different account" in answer.text()
    assert branch_status(clerk, live_server, "B3")["status"] == "pending"


def test_a_clerk_cannot_open_supervisor_pages(
    night: None, live_server: LiveServer, people: Any
) -> None:
    clerk = people()
    sign_in(clerk, live_server, "clerk1")
    assert clerk.get_by_role("link", name="Dashboard").count() == 0
    for path in (
        "/staff/elections/test-2024/rounds/2",
        "/staff/elections/test-2024/branches/B1",
        "/staff/audit",
        "/staff/accounts",
        "/staff/elections/test-2024/rounds/2/lot",
    ):
        response = clerk.goto(live_server.url + path)
        assert response.status == 403, path
        assert "Forbidden" in clerk.content()


def test_a_form_without_its_csrf_token_is_refused(
    night: None, make_app: Any, people: Any, backend: str
) -> None:
    strict = make_app(WTF_CSRF_ENABLED=True)
    with LiveServer(strict) as server:
        clerk = people()
        sign_in(clerk, server, "clerk1")  # the sign-in form carries its token: it works
        clerk.goto(server.url + SHEET.format("B4"))
        clerk.evaluate(
            "document.querySelector('form[data-sheet-form] input[name=csrf_token]').remove()"
        )
        type_sheet(clerk, 100, 1, 49, 50)
        clerk.wait_for_load_state()
        assert "The CSRF token is missing." in clerk.content()
        screenshot(clerk, f"staff-csrf-refused-{backend}")
        assert branch_status(clerk, server, "B4")["status"] == "pending"
        # With the token the same form is accepted.
        clerk.goto(server.url + SHEET.format("B4"))
        type_sheet(clerk, 100, 1, 49, 50)
        clerk.wait_for_url("**/rounds/2/sheets")


def test_screenshots_of_the_admin_pages(
    night: None, live_server: LiveServer, people: Any, backend: str
) -> None:
    admin = people()
    sign_in(admin, live_server, "admin1")
    screenshot(admin, f"staff-home-{backend}")
    admin.get_by_role("link", name="Accounts").click()
    admin.get_by_label("Username").fill("clerk9")
    admin.get_by_role("button", name="Create the account").click()
    assert "shown only this once" in admin.content()
    screenshot(admin, f"staff-accounts-{backend}")
    admin.goto(live_server.url + "/staff/elections/test-2024/rounds/2/import/sheets")
    screenshot(admin, f"staff-import-{backend}")


STAFF_PAGES = (
    "/staff/",
    "/staff/elections/test-2024/rounds/2",
    "/staff/elections/test-2024/rounds/1",
    "/staff/elections/test-2024/rounds/2/sheets",
    "/staff/elections/test-2024/rounds/2/sheets/B1",
    "/staff/elections/test-2024/rounds/2/paper-received",
    "/staff/elections/test-2024/rounds/1/rla",
    "/staff/elections/test-2024/branches/B1",
    "/staff/elections/test-2024/flag-settings",
    "/staff/elections/test-2024/rounds/2/import/sheets",
    "/staff/audit",
    "/staff/requests",
    "/staff/accounts",
)


@pytest.mark.backends("sqlite")
@pytest.mark.parametrize("language", ["en-GB", "he-IL"])
def test_staff_pages_fit_a_phone(
    live_server: LiveServer, browser: Any, night: None, language: str
) -> None:
    """Issue 14, finding 5: on a 360-pixel phone no staff page scrolls sideways; a wide table
    scrolls in its own box (with a shadow at the edge that has more)."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale=language)
    page = context.new_page()
    page.goto(live_server.url + "/staff/sign-in")
    page.locator("input[name=username]").fill("admin1")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url("**/staff/")
    wide = []
    for path in STAFF_PAGES:
        answer = page.goto(live_server.url + path)
        assert answer is not None and answer.status == 200, path
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 362:
            wide.append(f"{path}: {width} px")
        name = path.strip("/").replace("/", "-") or "home"
        screenshot(page, f"phone-{language}-{name}")
    context.close()
    assert wide == []


def test_keys_typed_before_the_sheet_appears_are_kept(
    night: None, live_server: LiveServer, people: Any
) -> None:
    """Issue 14, finding 12: "480" typed as the form appeared was dropped. The branch code,
    Enter, and the first number at once, without waiting for the sheet's form."""
    clerk = people()
    sign_in(clerk, live_server, "clerk1")
    clerk.goto(live_server.url + "/staff/elections/test-2024/rounds/2/sheets")
    clerk.get_by_label("Branch (code or name)").fill("Haifa")
    clerk.keyboard.press("Enter")
    clerk.keyboard.type("480")  # at once
    clerk.wait_for_url("**/sheets/B1")
    clerk.wait_for_function(
        "document.activeElement && document.activeElement.name === 'ballots_cast'",
        timeout=10_000,
    )
    clerk.keyboard.type("1")  # typing goes on in the field, after what was kept
    assert clerk.get_by_label("Ballots cast").input_value() == "4801"
    # a page that stays keeps its keys: a declined confirmation is not a page leaving
    clerk.goto(live_server.url + "/staff/elections/test-2024/rounds/2/sheets")
    field = clerk.get_by_label("Branch (code or name)")
    field.fill("B2")
    assert field.input_value() == "B2"
