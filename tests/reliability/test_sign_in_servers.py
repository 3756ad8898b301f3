"""Two app servers count failed sign-ins together in Redis, as docs/deploy.md sets them up.

Two gunicorn instances (two workers each: four processes) on the test's database, behind a
pretend proxy (``TRUSTED_PROXIES=1``, the client's address in ``X-Forwarded-For``), with
``RATELIMIT_STORAGE_URI`` pointing at the Redis of the test machine under a key prefix of the
test's own. Failures for the admin from one address, sent to either server, add up to one count:
after the fifth that address is refused by both servers (per process, four processes would have
let some 20 through), while the admin signing in from another address gets in at once.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from tests.reliability.conftest import (
    REDIS_URL,
    STAFF_PASSWORD,
    Gunicorn,
    StaffSession,
    create_accounts,
    post_forms,
    redis_prefix_fixture,  # noqa: F401
)

pytestmark = pytest.mark.slow

ATTACKER = "198.51.100.7"
OWNER = "192.0.2.10"


def attempt(session: StaffSession, server: str, password: str, address: str) -> int:
    """The sign-in form, read and sent through ``server`` as ``address`` (the proxy says)."""
    headers = {"X-Forwarded-For": address}
    page = session.http.get(server + "/staff/sign-in", headers=headers, timeout=30)
    (form,) = post_forms(page.text)
    answer = session.http.post(
        server + "/staff/sign-in",
        data={"csrf_token": form.fields["csrf_token"], "username": "admin", "password": password},
        headers=headers,
        timeout=30,
        allow_redirects=False,
    )
    if answer.status_code == 429:
        assert int(answer.headers["Retry-After"]) >= 1
        assert "Too many failed sign-ins" in answer.text
    return int(answer.status_code)


def test_two_servers_share_one_count_of_failures_in_redis(
    app: Flask, runner: FlaskCliRunner, database_url: str, tmp_path: Path, redis_prefix: str
) -> None:
    create_accounts(runner, {"admin": "admin"})
    env = {
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": redis_prefix,
        "TRUSTED_PROXIES": "1",
    }
    with (
        Gunicorn(database_url, tmp_path / "gunicorn-a.log", env=env) as first,
        Gunicorn(database_url, tmp_path / "gunicorn-b.log", env=env) as second,
    ):
        attacker = StaffSession([first.url, second.url])
        answers = [
            attempt(attacker, server, "not the password", ATTACKER)
            for server in [first.url, second.url] * 5
        ]
        assert answers == [401] * 5 + [429] * 5, answers
        for server in (first.url, second.url):
            assert attempt(attacker, server, STAFF_PASSWORD, ATTACKER) == 429
        owner = StaffSession([first.url, second.url])
        assert attempt(owner, second.url, STAFF_PASSWORD, OWNER) in (302, 303)
        assert owner.get("/staff/", server=first.url).status_code == 200
        attacker.close()
        owner.close()
        assert first.log_problems() == []
        assert second.log_problems() == []
