"""The public JSON API (CONTRACT section 7) and the first pages for people."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient, FlaskCliRunner

from primaries.api.openapi import openapi_document


def test_elections_list(client: FlaskClient, loaded: Any) -> None:
    response = client.get("/api/v1/elections")
    assert response.status_code == 200
    assert response.content_type == "application/json"
    elections = response.get_json()["elections"]
    assert [e["slug"] for e in elections] == ["test-2024"]
    assert elections[0]["rounds"][0]["number"] == 1


def test_election_detail(client: FlaskClient, loaded: Any) -> None:
    body = client.get("/api/v1/elections/test-2024").get_json()
    assert body["rules"]["threshold_percent"] == "40"
    assert [c["code"] for c in body["candidates"]] == ["AAA", "BBB", "CCC", "DDD"]
    assert body["branches"] == 5


def test_round_result_equals_the_cli_tally(
    client: FlaskClient, runner: FlaskCliRunner, loaded: Any
) -> None:
    api = client.get("/api/v1/elections/test-2024/rounds/1")
    assert api.status_code == 200
    cli = json.loads(runner.invoke(args=["tally", "test-2024", "--round", "1", "--json"]).stdout)
    assert api.get_json() == cli


def test_round_branches(client: FlaskClient, loaded: Any) -> None:
    body = client.get("/api/v1/elections/test-2024/rounds/1/branches").get_json()
    assert body["election"] == "test-2024" and body["round"] == 1
    by_code = {b["code"]: b for b in body["branches"]}
    assert by_code["B1"] == {
        "code": "B1",
        "name": "Haifa - Carmel",
        "region": "North",
        "eligible": 500,
        "status": "counted",
        "ballots_cast": 300,
        "invalid": 4,
        "votes": {"AAA": 100, "BBB": 90, "CCC": 60, "DDD": 46},
    }
    assert by_code["B5"]["status"] == "annulled"
    assert by_code["B5"]["region"] is None
    assert "votes" not in by_code["B5"]


def test_pending_branch_after_runoff(
    client: FlaskClient, runner: FlaskCliRunner, loaded: Any
) -> None:
    runner.invoke(args=["runoff", "test-2024"])
    body = client.get("/api/v1/elections/test-2024/rounds/2/branches").get_json()
    assert {b["status"] for b in body["branches"]} == {"pending"}
    result = client.get("/api/v1/elections/test-2024/rounds/2").get_json()
    assert result["outcome"]["status"] == "no_votes"
    assert result["totals"]["turnout_percent"] is None
    assert [c["percent"] for c in result["candidates"]] == [None, None]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/elections/nope",
        "/api/v1/elections/nope/rounds/1",
        "/api/v1/elections/test-2024/rounds/9",
        "/api/v1/elections/test-2024/rounds/9/branches",
        "/api/v1/elections/test-2024/rounds/x",
        "/api/v1/nothing-here",
    ],
)
def test_unknown_things_answer_404_json(client: FlaskClient, loaded: Any, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.content_type == "application/json"
    assert response.get_json()["error"]


def test_openapi_covers_every_api_route(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    assert document == openapi_document()
    routes = {
        rule.rule.replace("<slug>", "{slug}").replace("<int:number>", "{number}")
        for rule in client.application.url_map.iter_rules()
        if rule.rule.startswith("/api/")
    }
    assert routes == set(document["paths"])


def test_home_page_lists_the_elections(client: FlaskClient, loaded: Any) -> None:
    page = client.get("/").get_data(as_text=True)
    assert "Test primary" in page


def test_round_page_shows_the_table_and_outcome(client: FlaskClient, loaded: Any) -> None:
    page = client.get("/elections/test-2024/rounds/1").get_data(as_text=True)
    assert "Alice Aharoni" in page and "320" in page and "31.68%" in page
    assert "No candidate reached 40%: Alice Aharoni and Boaz Ben-David go to a runoff" in page
    assert "Provisional result" in page
    assert "5 of 5 branches reported, 1 annulled" in page


def test_unknown_round_page_is_404(client: FlaskClient, loaded: Any) -> None:
    assert client.get("/elections/test-2024/rounds/9").status_code == 404
    assert client.get("/elections/nope").status_code == 404


def test_openapi_document_is_valid() -> None:
    from openapi_spec_validator import validate

    validate(openapi_document())


def test_openapi_documents_conditional_requests() -> None:
    document = openapi_document()
    for path, item in document["paths"].items():
        responses = item["get"]["responses"]
        assert "304" in responses, path
        assert "ETag" in responses["200"]["headers"], path
        names = {p.get("name") for p in item["get"].get("parameters", [])}
        assert "If-None-Match" in names, path


def test_schemathesis_against_the_openapi_document(
    app: Any, runner: FlaskCliRunner, loaded: Any
) -> None:
    """Generated requests for every documented operation; every answer must match the document."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings

    assert runner.invoke(args=["runoff", "test-2024"]).exit_code == 0
    # Loaded from the served document but not "from_wsgi", which would leave out the document's
    # own path; every path, openapi.json included, is called on the WSGI app.
    schema = schemathesis.openapi.from_dict(app.test_client().get("/api/v1/openapi.json").json)
    schema.app = app
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} == set(openapi_document()["paths"])
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=15,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Any) -> None:
            case.call_and_validate()

        check()
        for slug, number in (("test-2024", 1), ("test-2024", 2)):
            if "{slug}" in operation.path:
                values = {
                    "slug": slug,
                    **({"number": number} if "{number}" in operation.path else {}),
                }
                operation.Case(path_parameters=values).call_and_validate()
