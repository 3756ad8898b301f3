"""The election fingerprint on the pages (issue 13, item 3): on the supervisor's dashboard while
the round is counted, on the public round page once the round is certified, in English and
Hebrew; the plot, its text summary and its table agree with the core's figures."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from primaries.core.fingerprint import fingerprint
from primaries.extensions import db
from primaries.models import Election, Round
from primaries.results.flags import boxes_of
from tests.results.conftest import text_of

YACIMOVICH = "Shelly Yacimovich"


@pytest.fixture
def demo(app: Flask, runner: FlaskCliRunner) -> None:
    """Labor 2011: round 1 certified (171 boxes), the runoff 150 of 171 counted."""
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output


def round_of(number: int) -> Round:
    found = db.session.scalar(
        select(Round).join(Election).where(Election.slug == "labor-2011", Round.number == number)
    )
    assert found is not None
    return found


def squares(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<rect class="square"[^>]*data-boxes="(\d+)"', page)]


def test_the_public_page_shows_the_fingerprint_of_a_certified_round(
    demo: None, client: FlaskClient
) -> None:
    page = client.get("/elections/labor-2011/rounds/1").text
    expected = fingerprint(boxes_of(round_of(1)), "YAC")
    assert expected.placed == 171 and expected.left_out == 0
    assert "Election fingerprint" in page
    assert sum(squares(page)) == 171
    assert len(squares(page)) == len(expected.filled())
    assert sorted(squares(page)) == sorted(count for _, _, count in expected.filled())
    text = text_of(page)
    assert "171 counted boxes." in text
    assert f"went to {YACIMOVICH}, who leads the round" in text
    assert f"in the dashed corner (a turnout of 95% or more and 95% or more for {YACIMOVICH})" in (
        text
    )
    t, s, most = expected.densest() or (0, 0, 0)
    assert (
        f"The fullest square holds {most} boxes: turnout {t * 5}–{t * 5 + 5}%, "
        f"{s * 5}–{s * 5 + 5}% for {YACIMOVICH}."
    ) in text
    table = re.search(r"<details>.*?</details>", page, re.S)
    assert table is not None and table.group().count("<tr>") == len(expected.filled()) + 1
    assert 'role="img" aria-labelledby="fingerprint-title fingerprint-summary"' in page


def test_the_public_page_of_a_round_not_certified_has_no_fingerprint(
    demo: None, client: FlaskClient
) -> None:
    page = client.get("/elections/labor-2011/rounds/2").text
    assert "Election fingerprint" not in page and 'class="square"' not in page


def test_the_fingerprint_in_hebrew(demo: None, client: FlaskClient) -> None:
    text = text_of(client.get("/elections/labor-2011/rounds/1?lang=he").text)
    assert "טביעת האצבע של הבחירות" in text
    assert "171 קלפיות שנספרו." in text
    assert "Election fingerprint" not in text and "dashed corner" not in text


def test_the_dashboard_shows_the_fingerprint_while_the_round_is_counted(
    demo: None, sign_in: Callable[[str], FlaskClient]
) -> None:
    supervisor = sign_in("super1")
    page = supervisor.get("/staff/elections/labor-2011/rounds/2").text
    expected = fingerprint(boxes_of(round_of(2)), "YAC")
    assert expected.placed == 150
    assert "Election fingerprint" in page and "150 counted boxes." in text_of(page)
    assert sorted(squares(page)) == sorted(count for _, _, count in expected.filled())
    observer = sign_in("observer1").get("/staff/elections/labor-2011/rounds/2").text
    assert squares(observer) == squares(page)


def test_no_fingerprint_before_a_vote_is_counted(
    runoff: Any, sign_in: Callable[[str], FlaskClient]
) -> None:
    page = sign_in("super1").get("/staff/elections/test-2024/rounds/2").text
    assert "Live outcome" in page
    assert "Election fingerprint" not in page
