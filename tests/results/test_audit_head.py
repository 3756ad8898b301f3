"""The audit chain's head on every results page and API answer, fresh although pages are kept.

A failed sign-in is an audit event that changes no result: the data versions, the ETags and the
kept pages stay as they are, and the head shown must still be the new one.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from primaries.audit.head import current_head
from primaries.extensions import db

PAGES = (
    "/",
    "/elections/labor-2011",
    "/elections/labor-2011/rounds/1",
    "/elections/labor-2011/rounds/2",
    "/elections/labor-2011/rounds/2/branches",
    "/elections/labor-2011/rounds/2/compare",
    "/elections/labor-2011/branches/TLV01",
)
API = (
    "/api/v1/elections",
    "/api/v1/elections/labor-2011",
    "/api/v1/elections/labor-2011/rounds/2",
    "/api/v1/elections/labor-2011/rounds/2/branches",
    "/api/v1/openapi.json",
    "/api/v1/audit",
)
SHOWN = re.compile(r'<p class="audit-head">[^<]*: <code>(\d+:[0-9a-f]{64})</code>')


def _head() -> str:
    db.session.rollback()
    return str(current_head())


def _shown(html: str) -> str:
    found = SHOWN.findall(html)
    assert len(found) == 1, "no audit chain head in the footer"
    return str(found[0])


def _fail_a_sign_in(client: FlaskClient) -> None:
    response = client.post("/staff/sign-in", data={"username": "nobody", "password": "wrong"})
    assert response.status_code == 401


def test_every_results_page_shows_the_current_head(
    app: Flask, client: FlaskClient, demo: str
) -> None:
    branch = db.session.execute(db.text("SELECT code FROM branches LIMIT 1")).scalar()
    head = _head()
    for path in PAGES:
        path = path.replace("TLV01", str(branch))
        response = client.get(path)
        assert response.status_code == 200, path
        assert _shown(response.text) == head, path
        assert "<!-- primaries:audit-head -->" not in response.text


def test_a_kept_page_shows_the_head_of_the_moment_it_is_served(
    app: Flask, client: FlaskClient, demo: str
) -> None:
    page = "/elections/labor-2011/rounds/2"
    first = client.get(page)
    before = _shown(first.text)
    _fail_a_sign_in(app.test_client())  # an audit event, no data version changed
    after = _head()
    assert after != before
    second = client.get(page)  # the same ETag, from the kept page: a fresh head in it
    assert second.headers["ETag"] == first.headers["ETag"]
    assert _shown(second.text) == after
    # A reader who has the page is told it is current (the results did not change).
    again = client.get(page, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize("language", ["he", "en"])
def test_the_head_line_is_in_the_readers_language(
    client: FlaskClient, demo: str, language: str
) -> None:
    html = client.get("/", headers={"Accept-Language": language}).text
    words = {"en": "Audit chain head", "he": "ראש שרשרת הביקורת"}[language]
    assert f'<p class="audit-head">{words}: <code>' in html


def test_every_api_answer_names_the_head_in_a_header(
    app: Flask, client: FlaskClient, demo: str
) -> None:
    head = _head()
    for path in API:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Audit-Chain-Head"] == head, path
    etag = client.get(API[2]).headers["ETag"]
    _fail_a_sign_in(app.test_client())
    after = _head()
    assert after != head
    unchanged = client.get(API[2], headers={"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.headers["Audit-Chain-Head"] == after
    assert client.get(API[5]).get_json()["head"]["noted"] == after
    missing = client.get("/api/v1/elections/nope")
    assert missing.status_code == 404 and missing.headers["Audit-Chain-Head"] == after
