"""The browser harness works: Chromium opens the served results of a loaded election."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import LiveServer, screenshot


def test_results_page_in_chromium(
    live_server: LiveServer, page: Any, loaded: Any, backend: str
) -> None:
    page.goto(live_server.url + "/elections/test-2024/rounds/1")
    assert page.locator("h1").inner_text() == "Test primary"
    assert "Alice Aharoni" in page.locator("table.results").inner_text()
    screenshot(page, f"smoke-round-{backend}")
