"""A certified round whose result no longer matches its certificate is never shown as certified:
the issue's case, 3,000 votes moved in ``candidate_totals`` after round 1 of the demo was
certified, which changes the runoff pair the API reports."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from .conftest import behind_the_back

MOVE_3000 = (
    "UPDATE candidate_totals SET votes = votes + CASE candidate_id "
    "WHEN (SELECT id FROM candidates WHERE code = 'PER') THEN -3000 ELSE 3000 END "
    "WHERE round_id = (SELECT id FROM rounds WHERE number = 1) AND candidate_id IN "
    "(SELECT id FROM candidates WHERE code IN ('PER', 'HER'))"
)
PAGES = ("/", "/elections/labor-2011", "/elections/labor-2011/rounds/1")


@pytest.fixture
def demo(app: Flask, runner: FlaskCliRunner) -> str:
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return "labor-2011"


@pytest.fixture
def restarted(make_app: Callable[..., Flask]) -> Callable[[], FlaskClient]:
    """A client of a new app on the same database: a restarted server, with empty caches."""
    return lambda: make_app().test_client()


def round_1_certificate(client: FlaskClient) -> dict[str, Any]:
    detail = client.get("/api/v1/elections/labor-2011").get_json()
    return dict(detail["rounds"][0]["certificate"])


def test_an_intact_certificate_matches(demo: str, client: FlaskClient) -> None:
    assert round_1_certificate(client)["result_matches"] is True
    listed = client.get("/api/v1/elections").get_json()["elections"][0]["rounds"][0]
    assert listed["certificate"]["result_matches"] is True
    for path in PAGES:
        page = client.get(path).get_data(as_text=True)
        assert "Certified result" in page, path
        assert "no longer matches its certificate" not in page, path


def test_votes_moved_after_certification_are_shown_and_verify_fails(
    demo: str, restarted: Callable[[], FlaskClient], runner: FlaskCliRunner, actors: Any
) -> None:
    behind_the_back(MOVE_3000)

    client = restarted()
    result = client.get("/api/v1/elections/labor-2011/rounds/1").get_json()
    assert result["outcome"]["qualifiers"] == ["YAC", "HER"]  # what the tables now say
    certificate = round_1_certificate(client)
    assert certificate["result_matches"] is False
    for path in PAGES:
        page = client.get(path).get_data(as_text=True)
        assert "Certified result" not in page, path
        assert "The result no longer matches its certificate" in page, path
    round_page = client.get("/elections/labor-2011/rounds/1").get_data(as_text=True)
    assert "to the runoff</span>" not in round_page and "Certificate issued" in round_page
    err = client.get("/elections/labor-2011/rounds/1/results-err.json").get_json()
    assert err["Status"] == "unofficial-complete"

    staff = restarted()
    signed_in = staff.post(
        "/staff/sign-in", data={"username": "admin1", "password": "correct horse battery"}
    )
    assert signed_in.status_code == 302
    staff_page = staff.get("/staff/elections/labor-2011/rounds/1").get_data(as_text=True)
    assert "The result no longer matches its certificate" in staff_page

    verify = runner.invoke(args=["audit", "verify"])
    assert verify.exit_code == 1
    assert "round 1 of labor-2011: candidate_totals.votes for PER" in verify.stderr
    assert "the chain says 13616, the table says 10616" in verify.stderr
