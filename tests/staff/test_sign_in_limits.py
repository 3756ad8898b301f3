"""Failed sign-ins slow the failing address down and never lock an account's owner out.

The attack of issue 11: 20 and more wrong passwords for the admin from one address. The admin's
right password from another address still works at once; the attacking address is refused with
429, a sentence that says how long to wait, and ``Retry-After``; the waits grow with further
failures. Counters in memory (the default) and in the Redis of the test machine, shared by two
apps as by two servers (``tests/reliability/test_sign_in_servers.py`` runs real gunicorn ones).
"""

from __future__ import annotations

import time

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from primaries.auth.limits import account_token, client_network, wait_words
from primaries.extensions import db
from primaries.models import AuditEvent
from tests.reliability.conftest import REDIS_URL, free_port, redis_prefix_fixture  # noqa: F401

PASSWORD = "correct horse battery"
ATTACKER = "198.51.100.7"
OWNER = "192.0.2.10"


def attempt(
    client: FlaskClient, username: str, password: str, address: str, **headers: str
) -> TestResponse:
    return client.post(
        "/staff/sign-in",
        data={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
        headers=headers,
    )


def failed_events() -> list[tuple[str, str, str | None]]:
    db.session.rollback()
    return [
        (e.action, e.actor, (e.after or {}).get("address"))
        for e in db.session.query(AuditEvent).order_by(AuditEvent.seq)
        if e.action.startswith("auth.")
    ]


def assert_refused(response: TestResponse, sentence: str) -> int:
    """A refusal: 429, the sentence, a Retry-After in seconds; returns the seconds."""
    assert response.status_code == 429, response.status_code
    assert sentence in response.text
    wait = int(response.headers["Retry-After"])
    assert wait >= 1
    assert "Try again in " in response.text  # the words of the wait, as wait_words writes it
    return wait


def test_twenty_failures_for_admin_do_not_lock_the_admin_out(make_app, accounts) -> None:
    limited = make_app(RATELIMIT_ENABLED=True)  # the default limits
    with limited.app_context():
        client = limited.test_client()
        answers = [attempt(client, "admin1", "guess", ATTACKER).status_code for _ in range(25)]
        assert answers == [401] * 5 + [429] * 20
        refused = attempt(client, "admin1", "guess", ATTACKER)
        wait = assert_refused(refused, "Too many failed sign-ins for this account from your")
        assert wait <= 60  # the first tier: 5 a minute
        assert "The account is not locked" in refused.text
        # The attacking address does not get in even with the right password: it must wait.
        assert attempt(client, "admin1", PASSWORD, ATTACKER).status_code == 429

        # The admin, from another address, signs in at once.
        owner = limited.test_client()
        signed_in = attempt(owner, "admin1", PASSWORD, OWNER)
        assert signed_in.status_code == 302
        assert owner.get("/staff/", environ_base={"REMOTE_ADDR": OWNER}).status_code == 200
        # The same address may still sign in to another account (the per-address allowance is
        # far from used up by five failures).
        assert attempt(limited.test_client(), "clerk1", PASSWORD, ATTACKER).status_code == 302

        # Failures are audited as before (the refused attempts never reached the password check).
        events = failed_events()
        assert events.count(("auth.sign_in_failed", "admin1", ATTACKER)) == 5
        assert ("auth.sign_in", "admin1", OWNER) in events


def test_failures_over_many_accounts_slow_the_address(make_app, accounts) -> None:
    limited = make_app(RATELIMIT_ENABLED=True)
    with limited.app_context():
        client = limited.test_client()
        for number in range(20):  # 20 names, one failure each: the per-address allowance
            assert attempt(client, f"user{number}", "guess", ATTACKER).status_code == 401
        refused = attempt(client, "clerk1", PASSWORD, ATTACKER)
        assert_refused(refused, "Too many failed sign-ins from your address")
        assert attempt(client, "clerk1", PASSWORD, OWNER).status_code == 302


def test_the_waits_grow_with_the_failures(make_app, accounts) -> None:
    limited = make_app(
        RATELIMIT_ENABLED=True, SIGN_IN_LIMIT_PER_ADDRESS_AND_ACCOUNT="2 per 2 seconds; 4 per hour"
    )
    with limited.app_context():
        client = limited.test_client()
        assert [attempt(client, "clerk1", "x", ATTACKER).status_code for _ in range(3)] == [
            401,
            401,
            429,
        ]
        first = assert_refused(attempt(client, "clerk1", "x", ATTACKER), "for this account")
        assert first <= 2
        deadline = time.monotonic() + 10
        while attempt(client, "clerk1", "x", ATTACKER).status_code == 429:  # the 2 s pass
            assert time.monotonic() < deadline
            time.sleep(0.2)
        assert attempt(client, "clerk1", "x", ATTACKER).status_code == 401  # the fourth failure
        longer = attempt(client, "clerk1", "x", ATTACKER)
        wait = assert_refused(longer, "for this account")
        assert wait > 60, wait  # now the hour's tier
        assert "Try again in 60 minutes" in longer.text or "Try again in 59 minutes" in longer.text
        assert attempt(client, "clerk1", PASSWORD, OWNER).status_code == 302


def test_an_ipv6_client_is_counted_by_its_64_network(make_app, accounts) -> None:
    assert client_network("2001:db8::1") == client_network("2001:db8::ffff:1") == "2001:db8::/64"
    assert client_network("::ffff:192.0.2.1") == "192.0.2.1"
    assert client_network("192.0.2.1") == "192.0.2.1"
    assert client_network(None) == "unknown"
    assert [wait_words(s) for s in (0.2, 59, 119, 900, 7200)] == [
        "1 second",
        "59 seconds",
        "119 seconds",
        "15 minutes",
        "2 hours",
    ]
    assert account_token(" Admin1 ") == account_token("admin1") != account_token("admin2")
    limited = make_app(RATELIMIT_ENABLED=True)
    with limited.app_context():
        client = limited.test_client()
        for host in range(1, 6):  # five addresses of one /64: one client
            assert attempt(client, "admin1", "x", f"2001:db8::{host}").status_code == 401
        assert attempt(client, "admin1", PASSWORD, "2001:db8::99").status_code == 429
        assert attempt(client, "admin1", PASSWORD, "2001:db8:0:1::1").status_code == 302


def test_a_forged_forwarded_for_changes_nothing_without_a_configured_proxy(
    make_app, accounts
) -> None:
    direct = make_app(RATELIMIT_ENABLED=True)
    with direct.app_context():
        client = direct.test_client()
        answers = [
            attempt(client, "admin1", "x", ATTACKER, **{"X-Forwarded-For": f"10.0.0.{n}"})
            for n in range(8)
        ]
        assert [a.status_code for a in answers] == [401] * 5 + [429] * 3
        assert failed_events()[0][2] == ATTACKER  # the audit has the connection's address


def test_behind_a_configured_proxy_the_forwarded_address_is_counted(make_app, accounts) -> None:
    proxied = make_app(RATELIMIT_ENABLED=True, TRUSTED_PROXIES=1)
    with proxied.app_context():
        client = proxied.test_client()
        nginx = "127.0.0.1"
        for _ in range(5):
            wrong = attempt(client, "admin1", "x", nginx, **{"X-Forwarded-For": ATTACKER})
            assert wrong.status_code == 401
        refused = attempt(client, "admin1", PASSWORD, nginx, **{"X-Forwarded-For": ATTACKER})
        assert refused.status_code == 429
        owner = attempt(client, "admin1", PASSWORD, nginx, **{"X-Forwarded-For": OWNER})
        assert owner.status_code == 302
        assert ("auth.sign_in_failed", "admin1", ATTACKER) in failed_events()


# --------------------------------------------------------------------------------------------
# Counters in Redis: two apps (as two servers) with one storage see one count.


def test_two_apps_sharing_redis_count_failures_together(
    make_app, accounts, redis_prefix: str
) -> None:
    settings = {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": redis_prefix,
    }
    first, second = make_app(**settings), make_app(**settings)
    alone = make_app(RATELIMIT_ENABLED=True)  # memory: counts on its own
    with first.app_context():
        for _ in range(3):
            assert attempt(first.test_client(), "admin1", "x", ATTACKER).status_code == 401
    with second.app_context():
        for _ in range(2):
            assert attempt(second.test_client(), "admin1", "x", ATTACKER).status_code == 401
        assert attempt(second.test_client(), "admin1", PASSWORD, ATTACKER).status_code == 429
        assert attempt(second.test_client(), "admin1", PASSWORD, OWNER).status_code == 302
    with first.app_context():
        assert attempt(first.test_client(), "admin1", "x", ATTACKER).status_code == 429
    with alone.app_context():
        assert attempt(alone.test_client(), "admin1", PASSWORD, ATTACKER).status_code == 302


def test_sign_in_goes_on_when_redis_does_not_answer(make_app, accounts) -> None:
    unreachable = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    limited = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=unreachable)
    with limited.app_context():
        client = limited.test_client()
        started = time.monotonic()
        answers = [attempt(client, "admin1", "x", ATTACKER).status_code for _ in range(6)]
        assert answers == [401] * 5 + [429]  # counted in memory meanwhile
        assert attempt(client, "admin1", PASSWORD, OWNER).status_code == 302
        assert time.monotonic() - started < 30


def test_limits_can_be_turned_off(app: Flask, accounts) -> None:
    client = app.test_client()  # the suite's apps run with RATELIMIT_ENABLED = False
    for _ in range(30):
        assert attempt(client, "admin1", "x", ATTACKER).status_code == 401
    assert attempt(client, "admin1", PASSWORD, ATTACKER).status_code == 302
