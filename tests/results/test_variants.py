"""Views of the branches table for anonymous readers (:mod:`primaries.results.variants`): kept by
their normal form in a bounded store of their own, limited per address, rendered one at a time.
``tests/perf/test_variants_scale.py`` measures them on a large election.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

from primaries.results.variants import _slots, variant_store

from .test_page_cache import renders

BRANCHES = "/elections/labor-2011/rounds/2/branches"
ROUND = "/elections/labor-2011/rounds/2"


def demo_app(make_app: Callable[..., Flask], **settings: Any) -> Flask:
    app = make_app(**settings)
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return app


def test_one_view_however_typed_is_rendered_once(make_app: Callable[..., Flask]) -> None:
    app = demo_app(make_app)
    client = app.test_client()
    with app.app_context(), renders(app) as rendered:
        first = client.get(BRANCHES + "?q=Tel%20%20Aviv&per=30&x=1")
        again = client.get(BRANCHES + "?per=50&q=tel+aviv")
        third = client.get(BRANCHES + "?q=+TEL+Avi%E2%80%8Bv+&sort=code&dir=up")
    assert rendered == ["results/branches.html"]
    assert {first.status_code, again.status_code, third.status_code} == {200}
    html = first.get_data(as_text=True)
    assert 'value="tel aviv"' in html  # the search box shows the normal form
    # The language switch keeps the view in its normal form, never the typed junk.
    assert f'href="{BRANCHES}?q=tel+aviv&amp;lang=he"' in html and "x=1" not in html
    assert first.headers["ETag"] == again.headers["ETag"] == third.headers["ETag"]
    with app.app_context():
        assert len(variant_store()) == 1


def test_variants_never_push_the_main_pages_out(make_app: Callable[..., Flask]) -> None:
    app = demo_app(make_app, RESULTS_VARIANT_CACHE_CHARS=300_000)
    client = app.test_client()
    with app.app_context():
        assert client.get(ROUND).status_code == 200
        assert client.get(BRANCHES).status_code == 200  # no arguments: a main page
        main = len(app.extensions["primaries.results_cache"])
        for number in range(40):
            assert client.get(f"{BRANCHES}?q={number}&per=100").status_code == 200
        store = variant_store()
        assert 0 < len(store) < 40 and store.weight <= 300_000  # bounded: the oldest went
        assert len(app.extensions["primaries.results_cache"]) <= main + 2
        with renders(app) as rendered:
            assert client.get(ROUND).status_code == 200
            assert client.get(BRANCHES).status_code == 200
        assert rendered == []  # still kept


def test_an_address_asking_many_new_views_is_slowed_down(make_app: Callable[..., Flask]) -> None:
    app = demo_app(make_app, RATELIMIT_ENABLED=True, RESULTS_VARIANT_LIMIT="3 per minute")
    client = app.test_client()
    greedy = {"REMOTE_ADDR": "198.51.100.7"}
    with app.app_context():
        for sort in ("name", "region", "cast"):
            assert client.get(f"{BRANCHES}?sort={sort}", environ_base=greedy).status_code == 200
        refused = client.get(f"{BRANCHES}?sort=turnout", environ_base=greedy)
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["Retry-After"]) <= 61
        assert "many different views of this table" in refused.get_data(as_text=True)
        # What is kept is served whatever the count; the table as it opens too.
        assert client.get(f"{BRANCHES}?sort=name", environ_base=greedy).status_code == 200
        assert client.get(BRANCHES, environ_base=greedy).status_code == 200
        assert client.get(ROUND, environ_base=greedy).status_code == 200
        # Another reader is not affected, and may ask for the refused view.
        other = {"REMOTE_ADDR": "192.0.2.10"}
        assert client.get(f"{BRANCHES}?sort=turnout", environ_base=other).status_code == 200
        # in Hebrew too
        hebrew = client.get(f"{BRANCHES}?sort=leader&lang=he", environ_base=greedy)
        assert hebrew.status_code == 429 and 'dir="rtl"' in hebrew.get_data(as_text=True)


def test_one_view_is_rendered_at_a_time(make_app: Callable[..., Flask]) -> None:
    app = demo_app(make_app, RESULTS_VARIANT_WAIT=0.1)
    client = app.test_client()
    with app.app_context():
        assert client.get(f"{BRANCHES}?sort=name").status_code == 200
        slots = _slots()
        assert slots.acquire(blocking=False)  # another thread is rendering a view
        try:
            busy = client.get(f"{BRANCHES}?sort=region")
            assert busy.status_code == 503
            assert busy.headers["Retry-After"] == "2"
            assert "preparing other views" in busy.get_data(as_text=True)
            assert client.get(f"{BRANCHES}?sort=name").status_code == 200  # kept: served
            assert client.get(BRANCHES).status_code == 200
        finally:
            slots.release()
        assert client.get(f"{BRANCHES}?sort=region").status_code == 200


def test_a_signed_in_reader_gets_views_of_their_own(make_app: Callable[..., Flask]) -> None:
    from primaries.auth.services import create_user
    from primaries.changes import Actor
    from primaries.extensions import db

    app = demo_app(make_app, RATELIMIT_ENABLED=True, RESULTS_VARIANT_LIMIT="1 per minute")
    with app.app_context():
        create_user("alice", "observer", "a long enough password", actor=Actor("test"))
        db.session.commit()
        reader = app.test_client()
        reader.post(
            "/staff/sign-in", data={"username": "alice", "password": "a long enough password"}
        )
        with renders(app) as rendered:
            for sort in ("name", "region", "name"):
                page = reader.get(f"{BRANCHES}?sort={sort}")
                assert page.status_code == 200 and "alice (" in page.get_data(as_text=True)
        assert rendered == ["results/branches.html"] * 3  # never kept, never limited
        assert len(variant_store()) == 0
