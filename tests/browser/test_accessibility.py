"""axe-core (the accessibility engine browsers' own tools use; bundled by axe-playwright-python,
no download) finds no violation on the pages members and the committee use most, in every
interface language: the public results, the staff workspace, a sheet's entry form, a round's
dashboard and the set-up page. A failure lists each rule broken, its impact and where."""

from __future__ import annotations

from typing import Any

import pytest

from primaries.i18n import LANGUAGES
from tests.browser.conftest import LiveServer
from tests.browser.test_rla import sign_in

PUBLIC = [
    "/",
    "/elections/test-2024",
    "/elections/test-2024/rounds/1",
    "/elections/test-2024/rounds/1/branches",
    "/elections/test-2024/branches/B1",
    "/elections/test-2024/rounds/2/compare",
]
ROUND1, ROUND2 = "/staff/elections/test-2024/rounds/1", "/staff/elections/test-2024/rounds/2"
STAFF = [
    "/staff/",
    f"{ROUND2}/sheets",
    f"{ROUND2}/sheets/B1",
    ROUND2,
    ROUND1,
    f"{ROUND1}/sheets/B1/correct",
    f"{ROUND1}/sheets/B1/annulment",
    f"{ROUND1}/lot",
    "/staff/elections/test-2024/runoff",
    "/staff/elections/test-2024/branches/B1",
    f"{ROUND2}/objections",
    f"{ROUND2}/paper-received",
    f"{ROUND2}/import/sheets",
    "/staff/elections/test-2024/import/branches",
    "/staff/elections/test-2024/flag-settings",
    "/staff/elections/test-2024/setup",
    "/staff/elections/new",
    f"{ROUND1}/rla",
    f"{ROUND2}/paper/B1",
    f"{ROUND2}/protocol",
    "/staff/audit",
    "/staff/requests",
    "/staff/accounts",
    "/staff/accounts/clerk1",
]


def violations(page: Any) -> list[str]:
    axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")
    results = axe_module.Axe().run(page)
    found = []
    for violation in results.response["violations"]:
        where = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
        found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {where}")
    return found


@pytest.mark.backends("sqlite")
@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_the_main_pages_have_no_accessibility_violation(
    live_server: LiveServer, page: Any, night: None, language: str
) -> None:
    found: dict[str, list[str]] = {}
    for address in PUBLIC:
        page.goto(f"{live_server.url}{address}?lang={language}")
        found[address] = violations(page)
    sign_in(page, live_server, "admin1")
    for address in STAFF:
        page.goto(f"{live_server.url}{address}?lang={language}")
        found[address] = violations(page)
    assert {k: v for k, v in found.items() if v} == {}


def test_axe_finds_what_is_wrong(page: Any) -> None:
    """The check itself works: a page with an unlabelled field and an image without text."""
    page.set_content('<html lang="en"><title>x</title><main><img src="x.png"><input></main>')
    found = violations(page)
    assert any(v.startswith("image-alt") for v in found), found
    assert any(v.startswith("label") for v in found), found
