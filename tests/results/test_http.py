"""ETags, 304s, Cache-Control, and the cache keyed by data version (test client, both databases)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from primaries.changes import Actor
from primaries.extensions import db
from primaries.results.cache import results_cache

LIVE = [
    "/elections/labor-2011/rounds/2",
    "/elections/labor-2011/rounds/2/branches",
    "/elections/labor-2011/rounds/2/branches?sort=turnout&dir=desc&q=a",
    "/elections/labor-2011/rounds/2/compare",
    "/elections/labor-2011/branches/B001",
    "/elections/labor-2011",
    "/",
    "/elections/labor-2011/rounds/2/branches.csv",
    "/elections/labor-2011/rounds/2/results-err.json",
    "/elections/labor-2011/package.json",
    "/api/v1/elections",
    "/api/v1/elections/labor-2011",
    "/api/v1/elections/labor-2011/rounds/2",
    "/api/v1/elections/labor-2011/rounds/2/branches",
]
FINAL = [
    "/elections/labor-2011/rounds/1",
    "/elections/labor-2011/rounds/1/branches",
    "/elections/labor-2011/rounds/1/branches.csv",
    "/elections/labor-2011/rounds/1/results-err.json",
    "/api/v1/elections/labor-2011/rounds/1",
    "/api/v1/elections/labor-2011/rounds/1/branches",
    "/api/v1/openapi.json",
]


@contextmanager
def count_queries(app: Flask) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.mark.parametrize("path", LIVE + FINAL)
def test_every_answer_has_an_etag_and_honours_if_none_match(
    client: FlaskClient, demo: str, path: str
) -> None:
    first = client.get(path)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert etag
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == first.headers["Cache-Control"]
    stale = client.get(path, headers={"If-None-Match": '"something-else"'})
    assert stale.status_code == 200


@pytest.mark.parametrize("path", LIVE)
def test_short_public_caching_while_counting(client: FlaskClient, demo: str, path: str) -> None:
    cache_control = client.get(path).headers["Cache-Control"]
    assert "public" in cache_control and "max-age=10" in cache_control


@pytest.mark.parametrize("path", FINAL)
def test_long_public_caching_once_final(client: FlaskClient, demo: str, path: str) -> None:
    cache_control = client.get(path).headers["Cache-Control"]
    assert "public" in cache_control and "max-age=3600" in cache_control


def test_pages_vary_by_language_and_api_answers_do_not(client: FlaskClient, demo: str) -> None:
    page = client.get("/elections/labor-2011/rounds/1")
    assert {"Accept-Language", "Cookie"} <= set(page.vary)
    english = page.headers["ETag"]
    hebrew = client.get("/elections/labor-2011/rounds/1", headers={"Accept-Language": "he"})
    assert hebrew.headers["ETag"] != english
    api = client.get("/api/v1/elections/labor-2011/rounds/1")
    assert "Accept-Language" not in api.vary


def test_a_new_sheet_changes_the_etag(
    client: FlaskClient, demo: str, import_pending: Callable[[int], None]
) -> None:
    paths = [
        "/elections/labor-2011/rounds/2",
        "/api/v1/elections/labor-2011/rounds/2",
        "/elections/labor-2011/rounds/2/branches.csv",
    ]
    before = {p: client.get(p).headers["ETag"] for p in paths}
    certified_before = client.get("/api/v1/elections/labor-2011/rounds/1").headers["ETag"]
    import_pending(1)
    for path in paths:
        response = client.get(path, headers={"If-None-Match": before[path]})
        assert response.status_code == 200, path
        assert response.headers["ETag"] != before[path]
    # round 1 did not change: its answers are still fresh
    unchanged = client.get(
        "/api/v1/elections/labor-2011/rounds/1", headers={"If-None-Match": certified_before}
    )
    assert unchanged.status_code == 304


def test_signed_in_pages_are_private(client: FlaskClient, demo: str) -> None:
    from primaries.auth.services import create_user

    create_user("watcher", "observer", "a long enough password", actor=Actor("test"))
    db.session.commit()
    client.post(
        "/staff/sign-in", data={"username": "watcher", "password": "a long enough password"}
    )
    page = client.get("/elections/labor-2011/rounds/2")
    assert page.status_code == 200
    assert "watcher" in page.get_data(as_text=True)
    assert "private" in page.headers["Cache-Control"]
    assert "public" not in page.headers["Cache-Control"]


def test_language_switch_answer_is_not_shared(client: FlaskClient, demo: str) -> None:
    response = client.get("/elections/labor-2011/rounds/1?lang=he")
    assert "private" in response.headers["Cache-Control"]
    assert "lang=he" in response.headers["Set-Cookie"]


def test_nothing_is_summed_again_while_nothing_changed(
    app: Flask, client: FlaskClient, demo: str, import_pending: Callable[[int], None]
) -> None:
    cache = results_cache()
    cache.clear()

    def reads_sheets(statements: list[str]) -> bool:
        return any("sheet_entries" in s or "entry_votes" in s for s in statements)

    path = "/elections/labor-2011/rounds/2"
    with count_queries(app) as first:
        assert client.get(path).status_code == 200
    computed = cache.misses
    assert computed > 0 and reads_sheets(first)
    with count_queries(app) as second:
        body = client.get(path)
        assert body.status_code == 200
    assert cache.misses == computed  # everything came from the cache
    assert not reads_sheets(second), second
    assert len(second) < len(first)
    with count_queries(app) as revalidate:
        assert client.get(path, headers={"If-None-Match": body.headers["ETag"]}).status_code == 304
    assert len(revalidate) <= 2, revalidate
    with count_queries(app) as api:
        assert client.get("/api/v1/elections/labor-2011/rounds/2").status_code == 200
    assert not reads_sheets(api), api
    # a new sheet is a new data version: computed once more, then cached again
    import_pending(2)
    with count_queries(app) as after_change:
        assert client.get(path).status_code == 200
    assert cache.misses > computed and reads_sheets(after_change)
    before = cache.misses
    assert client.get(path).status_code == 200
    assert cache.misses == before and cache.hits > 0


def test_cache_is_per_app(make_app: Callable[..., Flask]) -> None:
    first, second = make_app(), make_app()
    with first.app_context():
        one = results_cache()
    with second.app_context():
        assert results_cache() is not one
