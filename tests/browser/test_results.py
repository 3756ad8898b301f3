"""The results site in Chromium: numbers, Hebrew right-to-left, live updates, the branch table."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from primaries.changes import Actor
from primaries.demo.data import pending_runoff_sheets
from primaries.extensions import db
from tests.browser.conftest import LiveServer, screenshot
from tests.results.conftest import sheets_csv

RUNOFF = "/elections/labor-2011/rounds/2"


@pytest.fixture
def demo(app: Flask, runner: FlaskCliRunner) -> str:
    assert runner.invoke(args=["demo"]).exit_code == 0
    return "labor-2011"


@pytest.fixture
def hebrew(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="he-IL")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def tally(runner: FlaskCliRunner, number: int) -> dict[str, Any]:
    out = runner.invoke(args=["tally", "labor-2011", "--round", str(number), "--json"])
    return json.loads(out.stdout)


def test_demo_results_page_shows_the_tally_and_outcome(
    live_server: LiveServer, page: Any, runner: FlaskCliRunner, demo: str, backend: str
) -> None:
    for number in (1, 2):
        expected = tally(runner, number)
        page.goto(f"{live_server.url}/elections/labor-2011/rounds/{number}")
        rows = page.locator("table.results tbody tr")
        assert rows.count() == len(expected["candidates"])
        for index, candidate in enumerate(expected["candidates"]):
            cells = rows.nth(index).locator("td, th").all_inner_texts()
            assert cells[0].strip() == str(candidate["rank"])
            assert candidate["name"] in cells[1]
            assert cells[2].strip() == f"{candidate['votes']:,}"
            assert cells[3].strip() == candidate["percent"] + "%"
        totals = page.locator("table.totals").inner_text()
        assert f"{expected['totals']['ballots_cast']:,}" in totals
        assert expected["totals"]["turnout_percent"] + "%" in totals
    page.goto(f"{live_server.url}/elections/labor-2011/rounds/1")
    assert "Certified result" in page.locator(".label").inner_text()
    assert page.locator(".outcome").inner_text() == (
        "No candidate reached 40%: runoff between Shelly Yacimovich and Amir Peretz "
        "on 21 September 2011."
    )
    assert page.locator("svg.bars rect.bar").count() == 4
    assert page.locator("svg.bars line.threshold").count() == 1
    page.goto(live_server.url + RUNOFF)
    assert "Provisional result" in page.locator(".label").inner_text()
    assert "150 of 171 branches reported" in page.locator(".progress").inner_text()
    assert page.locator("progress").get_attribute("value") == "150"


def test_hebrew_page_is_right_to_left(
    live_server: LiveServer, hebrew: Any, demo: str, backend: str
) -> None:
    hebrew.goto(f"{live_server.url}/elections/labor-2011/rounds/1")
    html = hebrew.locator("html")
    assert html.get_attribute("dir") == "rtl" and html.get_attribute("lang") == "he-IL"
    assert hebrew.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert "תוצאה מאושרת" in hebrew.locator(".label").inner_text()
    # the table reads from the right: the rank column is the rightmost one
    rank = hebrew.locator("table.results thead th").first.bounding_box()
    candidate = hebrew.locator("table.results thead th").nth(1).bounding_box()
    assert rank["x"] > candidate["x"]
    # the bars grow from the right edge of the chart
    svg = hebrew.locator("svg.bars").bounding_box()
    bar = hebrew.locator("svg.bars rect.bar").first.bounding_box()
    assert abs((bar["x"] + bar["width"]) - (svg["x"] + svg["width"])) < 2
    assert bar["x"] > svg["x"] + 10
    assert "14,203" in hebrew.locator("table.results").inner_text()


def test_an_open_results_page_updates_when_a_sheet_is_accepted(
    app: Flask, live_server: LiveServer, page: Any, demo: str, backend: str
) -> None:
    from playwright.sync_api import expect

    from primaries.elections.lookup import get_election, get_round
    from primaries.elections.rounds import certify_round, close_round
    from primaries.sheets.imports import import_sheets

    app.config["RESULTS_POLL_SECONDS"] = 1
    page.goto(live_server.url + RUNOFF)
    expect(page.locator(".progress")).to_contain_text("150 of 171 branches reported")
    page.evaluate("window.__notReloaded = true")

    pending = pending_runoff_sheets()
    import_sheets("labor-2011", 2, sheets_csv(pending[:1], ["YAC", "PER"]), actor=Actor("t"))
    db.session.commit()
    expect(page.locator(".progress")).to_contain_text("151 of 171 branches reported")
    expect(page.locator("progress")).to_have_attribute("value", "151")
    assert page.evaluate("window.__notReloaded") is True

    import_sheets("labor-2011", 2, sheets_csv(pending[1:], ["YAC", "PER"]), actor=Actor("t"))
    db.session.commit()
    expect(page.locator(".progress")).to_contain_text("171 of 171 branches reported")
    expect(page.locator("table.results")).to_contain_text("22,299")
    expect(page.locator(".outcome")).to_contain_text("wins the runoff, provisionally")

    round_ = get_round(get_election("labor-2011"), 2)
    close_round(round_, actor=Actor("t"))
    certify_round(get_round(get_election("labor-2011"), 2), actor=Actor("t"))
    db.session.commit()
    expect(page.locator(".label")).to_have_text("Certified result")
    expect(page.locator(".live-page")).to_have_attribute("data-live-stopped", "")
    assert page.evaluate("window.__notReloaded") is True
    screenshot(page, f"results-live-certified-{backend}")


def test_branch_table_sorts_and_searches(
    live_server: LiveServer, page: Any, demo: str, backend: str
) -> None:
    page.goto(f"{live_server.url}{RUNOFF}/branches")
    assert page.locator("table.branches tbody tr").count() == 50
    from playwright.sync_api import expect

    page.get_by_role("link", name="Turnout").click()
    expect(page.locator("th[aria-sort]")).to_have_attribute("aria-sort", "descending")
    page.get_by_role("link", name="Turnout").click()  # the second click flips the direction
    expect(page.locator("th[aria-sort]")).to_have_attribute("aria-sort", "ascending")
    assert "sort=turnout" in page.url
    turnouts = [
        float(text.rstrip("%"))
        for text in page.locator(
            "table.branches tbody tr.status-counted td:nth-child(6)"
        ).all_inner_texts()
    ]
    assert len(turnouts) == 50 and turnouts == sorted(turnouts)

    page.get_by_label("Search branches").fill("tel aviv")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**q=tel+aviv**")
    rows = page.locator("table.branches tbody tr").all_inner_texts()
    assert 0 < len(rows) < 171
    assert all("tel aviv" in row.lower() for row in rows)  # in the name or the region
    assert page.locator("th[aria-sort]").get_attribute("aria-sort") == "ascending"
    screenshot(page, f"results-branches-search-{backend}")


@pytest.mark.parametrize("language", ["en-GB", "he-IL"])
def test_screenshots_of_the_main_pages(
    live_server: LiveServer, browser: Any, demo: str, backend: str, language: str
) -> None:
    pages = {
        "home": "/",
        "election": "/elections/labor-2011",
        "round1": "/elections/labor-2011/rounds/1",
        "runoff": RUNOFF,
        "branches": f"{RUNOFF}/branches",
        "branch": "/elections/labor-2011/branches/B001",
        "compare": f"{RUNOFF}/compare",
    }
    for width in (1200, 360):
        context = browser.new_context(viewport={"width": width, "height": 800}, locale=language)
        page = context.new_page()
        problems: list[str] = []
        page.on("console", lambda message, seen=problems: seen.append(message.text))
        page.on("pageerror", lambda error, seen=problems: seen.append(str(error)))
        for name, path in pages.items():
            response = page.goto(live_server.url + path)
            assert response is not None and response.status == 200
            assert page.title() and "primaries" in page.title()
            if width == 360:
                # a phone: the page itself never scrolls sideways (wide tables scroll in a box)
                assert page.evaluate("document.documentElement.scrollWidth") <= 362, name
            screenshot(page, f"results-{name}-{language}-{width}-{backend}")
        assert problems == []
        context.close()


def test_print_puts_a_round_on_one_a4_page(
    live_server: LiveServer, page: Any, demo: str, backend: str
) -> None:
    for number in (1, 2):
        page.goto(f"{live_server.url}/elections/labor-2011/rounds/{number}")
        page.emulate_media(media="print")
        assert page.locator("table.regions").is_hidden()
        assert page.locator("header.site").is_hidden()
        pdf = page.pdf(format="A4", print_background=True)
        assert _pdf_pages(pdf) == 1, f"round {number} prints on {_pdf_pages(pdf)} pages"
        page.emulate_media(media="screen")


def _pdf_pages(pdf: bytes) -> int:
    import re

    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


@pytest.mark.backends("sqlite")
def test_a_live_update_keeps_the_committees_time_zone(
    app: Flask, live_server: LiveServer, browser: Any, demo: str, backend: str
) -> None:
    """Issue 14, finding 7: after a live update "Updated" is still in the election's time zone
    (Asia/Jerusalem), not in the reader's own clock (here New York)."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from playwright.sync_api import expect

    from primaries.sheets.imports import import_sheets

    app.config["RESULTS_POLL_SECONDS"] = 1
    context = browser.new_context(locale="en-GB", timezone_id="America/New_York")
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(live_server.url + RUNOFF)
        assert "Times are Asia/Jerusalem time" in page.content()
        pending = pending_runoff_sheets()
        import_sheets("labor-2011", 2, sheets_csv(pending[:1], ["YAC", "PER"]), actor=Actor("t"))
        db.session.commit()
        expect(page.locator(".progress")).to_contain_text("151 of 171 branches reported")
        shown = page.locator("[data-live-updated] time").inner_text()
        now = dt.datetime.now(ZoneInfo("Asia/Jerusalem"))
        hours = {(now - dt.timedelta(minutes=m)).strftime("%H:%M") for m in (0, 1)}
        assert shown[:5] in hours, (shown, hours)
    finally:
        context.close()
