"""The in-process page cache (anonymous readers only) and the one-query API answer."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from flask import Flask, g, template_rendered
from flask.testing import FlaskClient
from sqlalchemy import text

from primaries.auth.services import create_user
from primaries.changes import Actor
from primaries.extensions import db

from .test_http import count_queries

ROUND = "/elections/labor-2011/rounds/2"
PASSWORD = "a long enough password"


@contextmanager
def renders(app: Flask) -> Iterator[list[str]]:
    names: list[str] = []

    def record(sender, template, context, **extra):  # type: ignore[no-untyped-def]
        names.append(template.name)

    template_rendered.connect(record, app)
    try:
        yield names
    finally:
        template_rendered.disconnect(record, app)


def updated_time(html: str) -> str:
    found = re.search(r'data-live-updated>[^<]*<time datetime="([^"]+)">', html)
    assert found, "no Updated time on a live round's page"
    return found.group(1)


def test_a_second_anonymous_request_does_not_render_again(
    app: Flask, client: FlaskClient, demo: str
) -> None:
    with renders(app) as first:
        one = client.get(ROUND)
    assert one.status_code == 200 and first == ["results/round.html"]
    with renders(app) as second, count_queries(app) as statements:
        two = client.get(ROUND)
    assert two.status_code == 200
    assert second == [], second
    assert len(statements) <= 2, statements  # the election and its versions, as for a 304
    # the same page, headers and all, but a fresh "Updated" time
    assert two.headers["ETag"] == one.headers["ETag"]
    assert two.headers["Cache-Control"] == one.headers["Cache-Control"]
    first_html, second_html = one.get_data(as_text=True), two.get_data(as_text=True)
    assert updated_time(first_html) != updated_time(second_html)
    time = re.compile(r"<time datetime=[^>]+>[^<]*</time>")
    assert time.sub("", first_html) == time.sub("", second_html)
    assert client.get(ROUND, headers={"If-None-Match": one.headers["ETag"]}).status_code == 304


def test_each_language_and_address_is_kept_apart(
    app: Flask, client: FlaskClient, demo: str
) -> None:
    english = client.get(ROUND, headers={"Accept-Language": "en"}).get_data(as_text=True)
    hebrew = client.get(ROUND, headers={"Accept-Language": "he"}).get_data(as_text=True)
    assert 'lang="he"' in hebrew and 'dir="rtl"' in hebrew
    assert 'lang="en"' in english and 'dir="ltr"' in english
    with renders(app) as other:  # an argument the page does not read changes nothing
        junk = client.get(ROUND + "?x=1&q=2", headers={"Accept-Language": "en"})
        client.get(ROUND + "?x=3", headers={"Accept-Language": "en"})
    assert other == []  # the English page kept above
    assert "x=1" not in junk.get_data(as_text=True) and "q=2" not in junk.get_data(as_text=True)


def test_a_signed_in_reader_never_gets_a_kept_page(app: Flask, demo: str) -> None:
    create_user("alice", "observer", PASSWORD, actor=Actor("test"))
    create_user("bob", "clerk", PASSWORD, actor=Actor("test"))
    db.session.commit()
    anonymous = app.test_client()
    anonymous.get(ROUND)  # the anonymous page is kept
    pages = {}
    for name in ("alice", "bob"):
        g.pop("_login_user", None)  # the tests' pushed app context outlives each request
        reader = app.test_client()
        reader.post("/staff/sign-in", data={"username": name, "password": PASSWORD})
        with renders(app) as rendered:
            pages[name] = [reader.get(ROUND).get_data(as_text=True) for _ in range(2)]
        assert rendered == ["results/round.html"] * 2  # rendered for them every time
    for name, other in (("alice", "bob"), ("bob", "alice")):
        for html in pages[name]:
            assert f"{name} (" in html and f"{other} (" not in html
            assert "Sign out" in html
    assert pages["alice"][0] != pages["bob"][0]
    g.pop("_login_user", None)
    again = anonymous.get(ROUND).get_data(as_text=True)
    assert "alice" not in again and "bob" not in again and "csrf_token" not in again


def test_a_flashed_message_is_never_kept(app: Flask, client: FlaskClient, demo: str) -> None:
    client.get(ROUND)
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "just for you")]
    assert "just for you" in client.get(ROUND).get_data(as_text=True)
    assert "just for you" not in client.get(ROUND).get_data(as_text=True)


def test_the_result_json_costs_one_query_while_nothing_changed(
    app: Flask, client: FlaskClient, demo: str, import_pending: Callable[[int], None]
) -> None:
    path = "/api/v1/elections/labor-2011/rounds/2"
    first = client.get(path)
    with count_queries(app) as statements:
        second = client.get(path)
    # The round's version was asked less than RESULTS_RECHECK_SECONDS ago: no query at all.
    assert statements == []
    app.config["RESULTS_RECHECK_SECONDS"] = 0
    with count_queries(app) as statements:
        assert client.get(path).get_data() == first.get_data()
    # Without the recheck interval: the version, and the audit chain's head (the header).
    assert len(statements) == 2, statements
    app.config["RESULTS_RECHECK_SECONDS"] = 0.5
    assert second.get_data() == first.get_data()
    assert second.headers["ETag"] == first.headers["ETag"]
    assert second.headers["Cache-Control"] == first.headers["Cache-Control"]
    assert second.mimetype == "application/json"
    import_pending(1)
    changed = client.get(path)
    assert changed.headers["ETag"] != first.headers["ETag"]
    assert changed.get_json()["branches"]["counted"] == first.get_json()["branches"]["counted"] + 1
    for missing in ("/api/v1/elections/nope/rounds/1", "/api/v1/elections/labor-2011/rounds/9"):
        answer = client.get(missing)
        assert answer.status_code == 404 and "error" in answer.get_json()


def _bump_elsewhere(app: Flask) -> None:
    """A change committed by another process: its own connection, not this app's session."""
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(
            text("UPDATE rounds SET data_version = data_version + 1 WHERE number = 2")
        )


def test_versions_are_asked_again_after_the_recheck_interval(
    app: Flask, client: FlaskClient, demo: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process's change shows within RESULTS_RECHECK_SECONDS, on pages and in the API."""
    clock = [1000.0]
    monkeypatch.setattr("primaries.results.cache.time.monotonic", lambda: clock[0])
    app.config["RESULTS_RECHECK_SECONDS"] = 0.5
    api = "/api/v1/elections/labor-2011/rounds/2"
    before = {path: client.get(path).headers["ETag"] for path in (api, ROUND)}
    _bump_elsewhere(app)
    db.session.rollback()  # the test's requests share one session: end its read, as a request does
    clock[0] += 0.4
    assert {path: client.get(path).headers["ETag"] for path in (api, ROUND)} == before
    clock[0] += 0.2  # 0.6 s after the versions were read
    after = {path: client.get(path).headers["ETag"] for path in (api, ROUND)}
    assert after[api] != before[api] and after[ROUND] != before[ROUND]


def test_a_change_made_here_is_seen_at_once(
    app: Flask, client: FlaskClient, demo: str, import_pending: Callable[[int], None]
) -> None:
    app.config["RESULTS_RECHECK_SECONDS"] = 3600
    api = "/api/v1/elections/labor-2011/rounds/2"
    counted = client.get(api).get_json()["branches"]["counted"]
    page = client.get(ROUND).headers["ETag"]
    import_pending(1)  # committed by this process: the versions it had read are forgotten
    assert client.get(api).get_json()["branches"]["counted"] == counted + 1
    assert client.get(ROUND).headers["ETag"] != page


def test_unknown_names_are_not_remembered(app: Flask, client: FlaskClient, demo: str) -> None:
    app.config["RESULTS_RECHECK_SECONDS"] = 3600
    for _ in range(2):
        assert client.get("/api/v1/elections/labor-2011/rounds/9").status_code == 404
        assert client.get("/elections/nope").status_code == 404
    assert len(app.extensions["primaries.results_recent"]._items) == 0


def test_a_branch_page_does_not_compute_every_branch(
    app: Flask, client: FlaskClient, demo: str
) -> None:
    """At national scale (12,926 branches) the rows of every branch take seconds; a branch's own
    page asks only for its own rows in each round."""
    cache = app.extensions.get("primaries.results_cache")
    if cache is not None:
        cache.clear()
    answer = client.get("/elections/labor-2011/branches/B001")
    assert answer.status_code == 200
    kinds = {key[0] for key in app.extensions["primaries.results_cache"]._items}
    assert "row" in kinds and not kinds & {"rows", "branches"}, kinds
