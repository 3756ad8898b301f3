"""The round's paper printed by Chromium: one A4 page per branch's blank count sheet, in English
and in Hebrew, whose QR code reads back from the printed page; the protocol prints too. PDFs
and screenshots kept as test artifacts (test-artifacts/screenshots/)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import ARTIFACTS, LiveServer, screenshot
from tests.browser.test_staff import sign_in

ROUND2 = "/staff/elections/test-2024/rounds/2"


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


@pytest.mark.backends("sqlite")
@pytest.mark.parametrize("language", ["en", "he", "ar"])
def test_the_rounds_paper_prints_one_page_per_branch(
    live_server: LiveServer, page: Any, night: None, language: str
) -> None:
    sign_in(page, live_server, "super1")
    page.goto(f"{live_server.url}{ROUND2}/paper?lang={language}")
    screenshot(page, f"paper-round2-{language}")
    branches = page.locator("article.paper-sheet").count()
    assert branches == 5
    page.emulate_media(media="print")
    assert page.locator("nav.staff-nav").is_hidden()
    pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"paper-round2-{language}.pdf").write_bytes(pdf)
    assert pdf_pages(pdf) == branches

    page.goto(f"{live_server.url}{ROUND2}/paper/B2?lang={language}")
    assert pdf_pages(page.pdf(format="A4", prefer_css_page_size=True)) == 1
    # The QR code as Chromium draws it on the printed page reads back as the sheet's link.
    png = screenshot(page, f"paper-B2-print-{language}")
    assert read_qr(png) == [f"{live_server.url}{ROUND2}/sheets/B2"]


def read_qr(png: Path) -> list[str]:
    zxingcpp = pytest.importorskip("zxingcpp")
    image = pytest.importorskip("PIL.Image")
    return [str(code.text) for code in zxingcpp.read_barcodes(image.open(png))]


@pytest.mark.backends("sqlite")
def test_the_protocol_prints(live_server: LiveServer, page: Any, night: None) -> None:
    sign_in(page, live_server, "super1")
    page.goto(f"{live_server.url}{ROUND2}/protocol")
    page.emulate_media(media="print")
    screenshot(page, "protocol-round2-print")
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    (ARTIFACTS / "protocol-round2.pdf").write_bytes(pdf)
    assert pdf_pages(pdf) == 2  # the protocol, then the annex on a page of its own


@pytest.mark.backends("sqlite")
@pytest.mark.parametrize("candidates", [16, 30])
def test_a_long_ballot_still_prints_one_page_per_branch(
    live_server: LiveServer,
    page: Any,
    night: None,
    runner: Any,
    write_json: Any,
    candidates: int,
) -> None:
    """A first round with many candidates: each sheet still fits its A4 page (up to some 30
    candidates: the boxes get smaller above 10 and 20; static/paper.css)."""
    from tests.conftest import small_package

    big = small_package()
    big["election"]["slug"] = "long-2024"
    big["election"]["candidates"] = [
        {"code": f"C{i:02d}", "name": f"Candidate number {i} with a long family name"}
        for i in range(1, candidates + 1)
    ]
    big["rounds"] = [{"number": 1, "held_on": "2024-03-01", "sheets": []}]
    result = runner.invoke(args=["load", str(write_json(big, "long.json"))])
    assert result.exit_code == 0, result.output
    sign_in(page, live_server, "super1")
    for language in ("en", "he"):
        page.goto(f"{live_server.url}/staff/elections/long-2024/rounds/1/paper?lang={language}")
        assert (
            page.locator("article.paper-sheet").first.locator("tr.candidate").count() == candidates
        )
        page.emulate_media(media="print")
        pdf = page.pdf(format="A4", prefer_css_page_size=True)
        (ARTIFACTS / f"paper-ballot-of-{candidates}-{language}.pdf").write_bytes(pdf)
        assert pdf_pages(pdf) == 5, language
        page.emulate_media(media="screen")


@pytest.mark.backends("sqlite")
@pytest.mark.parametrize("language", ["en", "he"])
def test_the_printed_sheets_code_marks_its_paper_received(
    live_server: LiveServer, page: Any, night: None, language: str
) -> None:
    """Issue 15, item 4: the QR code read back from a printed sheet, typed by a scanner into
    the paper-received page, marks that box's signed sheet received; the page counts it."""
    sign_in(page, live_server, "super1")  # a supervisor prints; clerks may not see the paper
    page.goto(f"{live_server.url}{ROUND2}/paper/B3?lang={language}")
    page.emulate_media(media="print")
    (link,) = read_qr(screenshot(page, f"paper-B3-print-{language}"))
    page.emulate_media(media="screen")
    page.goto(f"{live_server.url}{ROUND2}/paper-received?lang={language}")
    field = page.locator("input[name=branch]")
    assert field.evaluate("element => element === document.activeElement")
    field.fill(link)  # a USB scanner types the link, then Enter
    field.press("Enter")
    page.wait_for_url(f"**{ROUND2}/paper-received")
    assert page.locator("#paper-received-total").inner_text() == "1"
    assert page.locator("#paper-missing-total").inner_text() == "4"
    assert "B3" in page.locator("section[aria-labelledby=recent]").inner_text()
    screenshot(page, f"paper-received-{language}")
