"""The printed papers of a round: blank count sheets (with the QR code of their entry link and
check code), the results protocol, and the sheet chooser opening a sheet from a scanned link."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from primaries.core.paper import check_code

ROUND2 = "/staff/elections/test-2024/rounds/2"
LINK = "http://localhost/staff/elections/test-2024/rounds/2/sheets/{}"
SignIn = Callable[[str], FlaskClient]


def sheets_of(page: str) -> list[str]:
    return re.findall(r'<article class="paper-sheet" data-branch="([^"]+)"', page)


def svg_modules(svg: str) -> list[list[bool]]:
    """The dark modules of a QR code drawn by segno's SVG path (M/m moves, h strokes)."""
    size = int(re.search(r'viewBox="0 0 (\d+) ', svg).group(1)) // 3  # scale 3
    grid = [[False] * size for _ in range(size)]
    path = re.search(r'class="qrline"[^>]* d="([^"]+)"', svg).group(1)
    x = y = 0.0
    for op, a, b in re.findall(r"([MmHh])(-?[\d.]+)(?: (-?[\d.]+))?", path):
        if op == "M":
            x, y = float(a), float(b)
        elif op == "m":
            x, y = x + float(a), y + float(b)
        else:
            for col in range(int(x), int(x + float(a))):
                grid[int(y)][col] = True
            x += float(a)
    return grid


def decode(svg: str) -> str:
    """Decode the QR code of an inline SVG with zxing-cpp (a grayscale buffer, 4 px a module)."""
    zxingcpp = pytest.importorskip("zxingcpp")
    grid = svg_modules(svg)
    k = 4
    rows = [
        bytes(0 if dark else 255 for dark in row for _ in range(k))
        for row in grid
        for _ in range(k)
    ]
    image = memoryview(b"".join(rows)).cast("B", (len(rows), len(rows[0])))
    found = zxingcpp.read_barcodes(image)
    assert len(found) == 1
    return str(found[0].text)


def test_the_rounds_paper_has_every_branchs_blank_sheet(runoff: Any, sign_in: SignIn) -> None:
    page = sign_in("super1").get(ROUND2 + "/paper")
    assert page.status_code == 200
    html = page.text
    assert sheets_of(html) == ["B1", "B2", "B3", "B4", "B5"]
    for code in ["B1", "B2", "B3", "B4", "B5"]:
        check = check_code("test-2024", 2, code)
        assert f'data-check="{check}"' in html
        assert f'<strong class="check-code" dir="ltr">{check}</strong>' in html
        assert LINK.format(code) in html
    # The runoff's ballot, in ballot order, one empty box each; no numbers of the count.
    first = html.split('<article class="paper-sheet"')[1]
    assert first.index("Alice Aharoni") < first.index("Boaz Ben-David")
    assert "Carmel Cohen" not in first
    assert first.count('<td class="box"></td>') == 2 + 2  # two candidates, invalid, ballots cast
    assert "Eligible members" in first and ">500<" in first and "Haifa - Carmel" in first
    assert "ballots cast ≤ eligible members (500)" in first
    assert "Box committee" in first and "Observers" in first
    assert "style=" not in html and "<script>" not in html  # the CSP: static/paper.css only
    assert "paper.css" in html


def test_the_qr_code_on_the_sheet_decodes_to_its_entry_link(runoff: Any, sign_in: SignIn) -> None:
    html = sign_in("super1").get(ROUND2 + "/paper/B3").text
    assert sheets_of(html) == ["B3"]
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert decode(svg) == LINK.format("B3")


def test_one_regions_sheets_and_unknown_ones(runoff: Any, sign_in: SignIn) -> None:
    client = sign_in("observer1")
    assert sheets_of(client.get(ROUND2 + "/paper?region=South").text) == ["B3", "B4"]
    assert client.get(ROUND2 + "/paper?region=Nowhere").status_code == 404
    assert client.get(ROUND2 + "/paper/B9").status_code == 404
    assert client.get("/staff/elections/test-2024/rounds/7/paper").status_code == 404


def test_a_clerk_may_not_print_sheets(runoff: Any, sign_in: SignIn) -> None:
    assert sign_in("clerk1").get(ROUND2 + "/paper").status_code == 403


def test_the_dashboard_links_to_the_papers(runoff: Any, sign_in: SignIn) -> None:
    html = sign_in("super1").get(ROUND2).text
    assert f'href="{ROUND2}/paper"' in html and f'href="{ROUND2}/protocol"' in html


def test_the_sheet_is_in_the_readers_language(runoff: Any, sign_in: SignIn) -> None:
    html = sign_in("super1").get(ROUND2 + "/paper/B1?lang=he").text
    assert 'dir="rtl"' in html
    assert "Box committee" not in html and "Eligible members" not in html


@pytest.mark.parametrize(
    "typed",
    [
        LINK.format("B2"),
        "/staff/elections/test-2024/rounds/2/sheets/B2",
        LINK.format("B2").translate(
            str.maketrans("qwertyuiop[]asdfghjkl;'zxcvbnm,./", "/'קראטוןםפ][שדגכעיחלךף,זסבהנמצתץ.")
        ),
    ],
)
def test_the_chooser_opens_the_sheet_of_a_scanned_link(
    runoff: Any, sign_in: SignIn, typed: str
) -> None:
    response = sign_in("clerk1").get(ROUND2 + "/sheets", query_string={"branch": typed})
    assert response.status_code == 302
    assert response.location.endswith("/staff/elections/test-2024/rounds/2/sheets/B2")
    # The entry form shows the check code printed beside the sheet's QR code.
    form = sign_in("clerk1").get(response.location).text
    assert f'<span class="code check-code">{check_code("test-2024", 2, "B2")}</span>' in form


def test_the_chooser_warns_of_a_sheet_of_another_round(runoff: Any, sign_in: SignIn) -> None:
    client = sign_in("clerk1")
    typed = "/staff/elections/test-2024/rounds/1/sheets/B2"
    response = client.get(ROUND2 + "/sheets", query_string={"branch": typed})
    assert response.location.endswith(typed)
    assert "This sheet is of round 1 of test-2024." in client.get(response.location).text


def test_the_protocol_of_a_certified_round(loaded: Any, sign_in: SignIn) -> None:
    from primaries.changes import Actor
    from primaries.elections.lookup import get_election, get_round
    from primaries.elections.rounds import certify_round, close_round
    from primaries.extensions import db

    close_round(get_round(get_election("test-2024"), 1), actor=Actor("t"))
    event = certify_round(get_round(get_election("test-2024"), 1), actor=Actor("t"))
    db.session.commit()
    html = sign_in("observer1").get("/staff/elections/test-2024/rounds/1/protocol").text
    assert event.result_sha256 and event.result_sha256 in html
    assert event.audit_head and event.audit_head in html
    assert "Results protocol" in html and "Not certified" not in html
    assert "Certified result" in html
    annex = html.split('class="annex"')[1]
    assert re.findall(r'<tr data-branch="([^"]+)"', annex) == ["B1", "B2", "B3", "B4", "B5"]
    # B1's counted numbers, per candidate in ballot order; the totals from the result.
    b1 = annex.split('data-branch="B1"')[1].split("</tr>")[0]
    assert re.findall(r'<td class="num">([^<]+)</td>', b1) == [
        "500",
        "300",
        "4",
        "100",
        "90",
        "60",
        "46",
    ]
    assert "1,020" in annex  # ballots cast at the counted branches
    assert "The election committee" in html


def test_the_protocol_of_an_open_round_is_a_draft(runoff: Any, sign_in: SignIn) -> None:
    html = sign_in("super1").get(ROUND2 + "/protocol").text
    assert "Not certified: this protocol is a draft" in html


def test_a_big_round_prints_in_parts(
    runoff: Any, sign_in: SignIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    from primaries.staff import paper_pages

    monkeypatch.setattr(paper_pages, "PAPER_BATCH", 2)
    client = sign_in("super1")
    assert sheets_of(client.get(ROUND2 + "/paper").text) == ["B1", "B2"]
    html = client.get(ROUND2 + "/paper?part=3").text
    assert sheets_of(html) == ["B5"]
    assert (
        "Part 3 of 3" in html and 'href="/staff/elections/test-2024/rounds/2/paper?part=2"' in html
    )
    assert client.get(ROUND2 + "/paper?part=4").status_code == 404
