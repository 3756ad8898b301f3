"""Every results page renders the right numbers and words (test client; SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from primaries.changes import Actor
from primaries.i18n import number
from tests.conftest import small_package
from tests.results.conftest import tally, text_of

ROUND_1 = "/elections/labor-2011/rounds/1"
RUNOFF = "/elections/labor-2011/rounds/2"


def fmt(value: int) -> str:
    return f"{value:,}"


def get_text(client: FlaskClient, path: str, **headers: str) -> str:
    response = client.get(path, headers={"Accept-Language": "en-GB", **headers})
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_home_lists_each_election_with_state_and_outcome(client: FlaskClient, demo: str) -> None:
    page = text_of(get_text(client, "/"))
    assert "Israeli Labor Party leadership primary, 2011" in page
    assert "Counting" in page  # the runoff is being counted
    assert "Shelly Yacimovich leads the runoff; 150 of 171 branches reported." in page
    assert "Round 1 · 12 September 2011 · Certified result · 171 of 171 branches reported" in page
    assert "Runoff · 21 September 2011 · Provisional result · 150 of 171 branches reported" in page


def test_election_page_gives_the_outcome_in_words_and_the_certificate(
    client: FlaskClient, demo: str
) -> None:
    page = text_of(get_text(client, "/elections/labor-2011"))
    assert (
        "No candidate reached 40%: runoff between Shelly Yacimovich and Amir Peretz "
        "on 21 September 2011." in page
    )
    assert "A candidate with at least 40% of valid votes in round 1 wins outright" in page
    assert "Certificate" in page and "Result SHA-256" in page and "cli:" in page
    assert "Shelly Yacimovich: 14,203 (32.34%)" in page


def test_round_page_numbers_agree_with_the_tally(
    client: FlaskClient, runner: FlaskCliRunner, demo: str
) -> None:
    for number_, path in ((1, ROUND_1), (2, RUNOFF)):
        expected = tally(runner, "labor-2011", number_)
        html = get_text(client, path)
        rows = re.findall(
            r'<tr data-code="(\w+)">\s*<td class="num">(\d+)</td>.*?'
            r'<td class="num">([\d,]+)</td>\s*<td class="num">([\d.]+)%</td>',
            html,
            re.S,
        )
        assert [(code, int(rank), votes, pct) for code, rank, votes, pct in rows] == [
            (c["code"], c["rank"], fmt(c["votes"]), c["percent"]) for c in expected["candidates"]
        ]
        totals = expected["totals"]
        for label, key in (
            ("Eligible members at reporting branches", "eligible"),
            ("Ballots cast", "ballots_cast"),
            ("Invalid ballots", "invalid"),
            ("Valid votes", "valid"),
        ):
            assert f'{label}</th><td class="num">{fmt(totals[key])}</td>' in html
        assert f'Turnout</th><td class="num">{totals["turnout_percent"]}%</td>' in html
        b = expected["branches"]
        assert f"{b['counted'] + b['annulled']} of {b['total']} branches reported" in html
        assert f'<progress max="{b["total"]}" value="{b["counted"] + b["annulled"]}"' in html


def test_round_page_labels_and_outcome(client: FlaskClient, demo: str) -> None:
    first = text_of(get_text(client, ROUND_1))
    assert "Certified result" in first and "Provisional result" not in first
    assert "171 of 171 branches reported" in first
    assert "14,203" in first and "32.34%" in first
    runoff = text_of(get_text(client, RUNOFF))
    assert "Provisional result" in runoff and "Certified result" not in runoff
    assert "150 of 171 branches reported" in runoff
    assert "Shelly Yacimovich leads the runoff; 150 of 171 branches reported." in runoff


def test_round_page_chart_has_bars_threshold_and_text_alternative(
    client: FlaskClient, demo: str
) -> None:
    html = get_text(client, ROUND_1)
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert svg.count('<rect class="bar"') == 4
    assert "Shelly Yacimovich: 14,203 (32.34%)" in svg  # the text alternative
    assert '<line class="threshold"' in svg and "40% needed to win outright" in svg
    widths = [float(w) for w in re.findall(r'class="bar"[^>]*width="([\d.]+)"', svg)]
    assert widths == sorted(widths, reverse=True) and widths[0] > 0
    runoff_svg = get_text(client, RUNOFF)
    assert '<line class="threshold"' not in runoff_svg  # a runoff has no threshold


def test_round_page_shows_regions_and_links(client: FlaskClient, demo: str) -> None:
    html = get_text(client, RUNOFF)
    assert "Results by region" in html
    assert "/elections/labor-2011/rounds/2/branches?region=Negev" in html
    assert "/elections/labor-2011/rounds/2/compare" in html
    for download in (
        "/elections/labor-2011/rounds/2/branches.csv",
        "/api/v1/elections/labor-2011/rounds/2",
        "/api/v1/elections/labor-2011/rounds/2/branches",
        "/elections/labor-2011/rounds/2/results-err.json",
        "/elections/labor-2011/package.json",
    ):
        assert f'href="{download}"' in html


def test_region_sums_add_up_to_the_tally(app: Flask, runner: FlaskCliRunner, demo: str) -> None:
    from primaries.elections.lookup import get_election, get_round
    from primaries.results.regions import region_rows

    for number_ in (1, 2):
        expected = tally(runner, "labor-2011", number_)
        rows = region_rows(get_round(get_election("labor-2011"), number_))
        assert sum(r.branches for r in rows) == expected["branches"]["total"]
        assert sum(r.counted for r in rows) == expected["branches"]["counted"]
        assert sum(r.ballots_cast for r in rows) == expected["totals"]["ballots_cast"]
        assert sum(r.eligible for r in rows) == expected["totals"]["eligible"]
        for candidate in expected["candidates"]:
            assert sum(r.votes[candidate["code"]] for r in rows) == candidate["votes"]


def test_live_page_points_the_script_at_the_api(client: FlaskClient, demo: str) -> None:
    runoff = get_text(client, RUNOFF)
    assert 'data-live-api="/api/v1/elections/labor-2011/rounds/2"' in runoff
    assert 'src="/static/live.js"' in runoff and "Updated" in runoff
    api_etag = client.get("/api/v1/elections/labor-2011/rounds/2").headers["ETag"]
    assert f'data-live-etag="{api_etag.replace(chr(34), "&#34;")}"' in runoff
    certified = get_text(client, ROUND_1)
    assert "data-live-api" not in certified and "live.js" not in certified


def test_a_certified_winner_is_said_to_have_won(
    client: FlaskClient, runner: FlaskCliRunner, demo: str, import_pending: Callable[[int], None]
) -> None:
    import_pending(21)
    page = text_of(get_text(client, RUNOFF))
    assert "Shelly Yacimovich wins the runoff, provisionally" in page
    for command in (["close"], ["certify"]):
        _round_action(runner, command[0])
    page = text_of(get_text(client, RUNOFF))
    assert "Shelly Yacimovich won the runoff." in page and "Certified result" in page
    assert "22,299" in page and "18,769" in page
    home = text_of(get_text(client, "/"))
    assert "Decided" in home and "Shelly Yacimovich won the runoff." in home


def _round_action(runner: FlaskCliRunner, action: str) -> None:
    from primaries.elections.lookup import get_election, get_round
    from primaries.elections.rounds import certify_round, close_round
    from primaries.extensions import db

    round_ = get_round(get_election("labor-2011"), 2)
    (close_round if action == "close" else certify_round)(round_, actor=Actor("test"))
    db.session.commit()


def test_branches_page_lists_searches_sorts_and_pages(client: FlaskClient, demo: str) -> None:
    path = "/elections/labor-2011/rounds/2/branches"
    html = get_text(client, path)
    assert html.count('<tr class="status-') == 50
    assert "Branches 1–50 of 171 shown (171 in all)." in text_of(html)
    assert 'rel="next" href="/elections/labor-2011/rounds/2/branches?page=2"' in html
    html = get_text(client, path + "?q=yeruham")
    assert re.findall(r'data-branch="(\w+)"', html) and "Yeruham" in html
    assert html.count('<tr class="status-') == 1
    pending = get_text(client, path + "?status=pending&per=100")
    assert pending.count('<tr class="status-pending"') == 21
    assert "Not yet reported" in pending
    by_turnout = get_text(client, path + "?sort=turnout&dir=desc&per=500")
    turnouts = [
        float(t)
        for t in re.findall(
            r'<td class="num">([\d.]+)%</td>\s*<td class="num">[\d,]+ <span', by_turnout
        )
    ]
    assert len(turnouts) == 150 and turnouts == sorted(turnouts, reverse=True)
    assert 'aria-sort="descending"' in by_turnout
    # nonsense in the address falls back to the defaults instead of failing
    assert client.get(path + "?sort=drop+table&dir=x&page=-3&per=7&q=%27").status_code == 200


def test_annulled_branch_is_shown_with_its_reason(client: FlaskClient, loaded: Any) -> None:
    html = get_text(client, "/elections/test-2024/rounds/1/branches?status=annulled")
    assert "Annulled" in html and "Reason: observers removed" in html
    assert "Ma&#39;alot" in html
    round_page = text_of(get_text(client, "/elections/test-2024/rounds/1"))
    assert "5 of 5 branches reported, 1 annulled" in round_page
    assert "No candidate reached 40%: Alice Aharoni and Boaz Ben-David go to a runoff" in round_page


def test_branch_page_shows_every_round_side_by_side(client: FlaskClient, demo: str) -> None:
    from primaries.demo.data import demo_package

    package = demo_package()
    branch = next(b for b in package["election"]["branches"] if b["name"] == "Yeruham")
    first = next(s for s in package["rounds"][0]["sheets"] if s["branch"] == branch["code"])
    second = next(
        (s for s in package["rounds"][1]["sheets"] if s["branch"] == branch["code"]), None
    )
    html = get_text(client, f"/elections/labor-2011/branches/{branch['code']}")
    page = text_of(html)
    assert "Yeruham" in page and "Round 1" in page and "Runoff" in page
    assert "Peretz" in page and fmt(first["votes"]["PER"]) in page and "46" in page
    assert "not on the ballot" in page  # Herzog and Mitzna were not in the runoff
    if second is not None:
        change = second["votes"]["PER"] - first["votes"]["PER"]
        sign = "+" if change > 0 else ("−" if change < 0 else "")
        assert f"{sign}{abs(change):,}" in page
        assert "points" in page
    assert client.get("/elections/labor-2011/branches/NOPE").status_code == 404


def test_compare_page_by_region_and_branch(client: FlaskClient, demo: str) -> None:
    from primaries.elections.lookup import get_election
    from primaries.results.compare import compare_rounds
    from primaries.results.overview import election_overview

    html = get_text(client, "/elections/labor-2011/rounds/2/compare")
    page = text_of(html)
    assert "The runoff compared with round 1" in page
    assert "Over the 150 branches counted in both rounds" in page
    assert "21 branches are left out" in page
    assert "By region" in page and "By branch" in page and "Gain or loss" in page
    overview = election_overview(get_election("labor-2011"))
    comparison = compare_rounds(overview.rounds[0], overview.rounds[1])
    assert comparison.total.units == 150 == len(comparison.branches)
    assert sum(r.units for r in comparison.regions) == 150
    gain = comparison.total.vote_change("YAC")
    assert gain == comparison.total.votes_after["YAC"] - comparison.total.votes_before["YAC"]
    assert (("+" if gain > 0 else "−") + f"{abs(gain):,}") in page
    # The region table counts each region's branches; the branch table has no such column
    # (it would say 1 on every row).
    region_table, branch_table = html.split('<table class="compare">')[1:3]
    assert ">Branches</th>" in region_table and ">Branches</th>" not in branch_table
    first_row = branch_table.split("<tbody>")[1].split("</tr>")[0]
    assert first_row.count('<td class="num') == 3 + 3 * len(comparison.candidates)
    # In Hebrew the sentence names each round once (the runoff was named twice).
    hebrew = text_of(get_text(client, "/elections/labor-2011/rounds/2/compare?lang=he"))
    assert "של כל אחד משני המועמדים, בסיבוב ראשון ובסיבוב שני" in hebrew
    assert client.get("/elections/labor-2011/rounds/1/compare").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/elections/nope",
        "/elections/nope/rounds/1",
        "/elections/labor-2011/rounds/3",
        "/elections/labor-2011/rounds/3/branches",
        "/elections/labor-2011/rounds/3/compare",
        "/elections/labor-2011/rounds/3/branches.csv",
        "/elections/labor-2011/rounds/3/results-err.json",
        "/elections/nope/package.json",
    ],
)
def test_unknown_things_are_404_pages(client: FlaskClient, demo: str, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "<h1>Not found</h1>" in response.get_data(as_text=True)


def test_names_are_escaped_everywhere_including_the_svg(
    client: FlaskClient, runner: FlaskCliRunner, write_json: Callable[..., Any]
) -> None:
    evil = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    package = small_package()
    package["election"]["name"] = "Primary " + evil
    package["election"]["candidates"][0]["name"] = "Alice " + evil
    package["election"]["branches"][0]["name"] = "Haifa " + evil
    package["election"]["branches"][0]["region"] = "North " + evil
    result = runner.invoke(args=["load", str(write_json(package))])
    assert result.exit_code == 0, result.output
    for path in (
        "/",
        "/elections/test-2024",
        "/elections/test-2024/rounds/1",
        "/elections/test-2024/rounds/1/branches",
        "/elections/test-2024/branches/B1",
    ):
        html = get_text(client, path)
        assert "<script>alert" not in html and "<img src=x" not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path
    csv_text = client.get("/elections/test-2024/rounds/1/branches.csv").get_data(as_text=True)
    assert "Haifa <script>" in csv_text  # a CSV is data: escaped by the reader, not by us


def test_pages_need_sign_in_when_results_are_not_public(
    make_app: Callable[..., Flask], package: dict[str, Any], write_json: Callable[..., Any]
) -> None:
    app = make_app(RESULTS_PUBLIC=False)
    with app.app_context():
        assert app.test_cli_runner().invoke(args=["load", str(write_json(package))]).exit_code == 0
        client = app.test_client()
        page = client.get("/elections/test-2024/rounds/1")
        assert page.status_code == 302 and "/staff/sign-in" in page.headers["Location"]
        assert client.get("/elections/test-2024/rounds/1/branches.csv").status_code == 302
        api = client.get("/api/v1/elections/test-2024/rounds/1")
        assert api.status_code == 401 and api.get_json()["error"]


def test_number_formatting_has_thousands_separators(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "he"}):
        assert number(1234567) == "1,234,567"


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/elections/labor-2011",
        "/elections/labor-2011/rounds/1",
        "/elections/labor-2011/rounds/2",
        "/elections/labor-2011/rounds/2/branches",
        "/elections/labor-2011/rounds/2/compare",
        "/elections/labor-2011/branches/B001",
        "/elections/nope",
    ],
)
def test_pages_fit_a_strict_content_security_policy(
    client: FlaskClient, demo: str, path: str
) -> None:
    """No inline script, event handler or style attribute: ``default-src 'self'`` is enough."""
    html = client.get(path).get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\son[a-z]+\s*=", html)
    assert not re.search(r"\sstyle\s*=", html)
    assert "<style" not in html
    assert re.search(r"<title>[^<]+ · primaries</title>", html)
    assert '<link rel="icon"' in html
