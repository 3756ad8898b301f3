"""Sign-in: audit events, a fresh session, cookies and the idle time-out (the limits of failed
sign-ins: ``test_sign_in_limits.py``)."""

from __future__ import annotations

import time

from flask import Flask

from primaries.extensions import db
from primaries.models import AuditEvent, SheetEntry

PASSWORD = "correct horse battery"


def actions() -> list[tuple[str, str]]:
    db.session.rollback()
    return [(e.action, e.actor) for e in db.session.query(AuditEvent).order_by(AuditEvent.seq)]


def test_sign_in_failure_and_sign_out_are_audited(app: Flask, accounts) -> None:
    client = app.test_client()
    assert (
        client.post("/staff/sign-in", data={"username": "clerk1", "password": "wrong"}).status_code
        == 401
    )
    response = client.post(
        "/staff/sign-in?next=/staff/audit", data={"username": "clerk1", "password": PASSWORD}
    )
    assert response.location == "/staff/audit"
    client.post("/staff/sign-out")
    assert actions() == [
        ("auth.sign_in_failed", "clerk1"),
        ("auth.sign_in", "clerk1"),
        ("auth.sign_out", "clerk1"),
    ]
    assert client.get("/staff/").status_code == 302


def test_next_only_goes_to_this_site(app: Flask, accounts) -> None:
    client = app.test_client()
    response = client.post(
        "/staff/sign-in?next=//evil.example/", data={"username": "clerk1", "password": PASSWORD}
    )
    assert response.location == "/staff/"


def test_the_session_cookie_is_new_httponly_and_samesite(app: Flask, accounts) -> None:
    client = app.test_client()
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    response = client.post("/staff/sign-in", data={"username": "clerk1", "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    with client.session_transaction() as session:
        assert "planted" not in session


def test_secure_cookies_when_configured(make_app, accounts) -> None:
    secure = make_app(SESSION_COOKIE_SECURE=True)
    with secure.app_context():
        response = secure.test_client().post(
            "/staff/sign-in", data={"username": "clerk1", "password": PASSWORD}
        )
        assert "Secure" in response.headers["Set-Cookie"]


def test_an_idle_session_ends(app: Flask, sign_in) -> None:
    client = sign_in("clerk1")
    assert client.get("/staff/").status_code == 200
    with client.session_transaction() as session:
        session["last_seen"] = int(time.time()) - 31 * 60
    response = client.get("/staff/")
    assert response.status_code == 302
    assert "/staff/sign-in" in response.location
    page = client.get(response.location).text
    assert "You were signed out after 30 minutes without activity." in page
    assert ("auth.timeout", "clerk1") in actions()
    # Activity keeps a session alive.
    other = sign_in("clerk2")
    with other.session_transaction() as session:
        session["last_seen"] = int(time.time()) - 29 * 60
    assert other.get("/staff/").status_code == 200


def test_a_dashboard_refreshing_itself_does_not_keep_the_session_alive(
    app: Flask, runoff, sign_in
) -> None:
    """The round dashboard's self-refresh (static/staff.js) is not activity: a supervisor who
    walked away is still signed out after the idle time-out."""
    client = sign_in("super1")
    refresh = {"X-Primaries-Refresh": "1"}
    with client.session_transaction() as session:
        session["last_seen"] = int(time.time()) - 29 * 60
    assert client.get("/staff/elections/test-2024/rounds/2", headers=refresh).status_code == 200
    with client.session_transaction() as session:
        seen = session["last_seen"]
    assert int(time.time()) - seen >= 29 * 60  # the refresh did not count as activity
    with client.session_transaction() as session:
        session["last_seen"] = seen - 2 * 60
    response = client.get("/staff/elections/test-2024/rounds/2", headers=refresh)
    assert response.status_code == 302
    assert "/staff/sign-in" in response.location


def test_a_cookie_replayed_after_sign_out_is_signed_out(app: Flask, runoff, sign_in, enter) -> None:
    entries = db.session.query(SheetEntry).count()
    client = sign_in("clerk1")
    other = sign_in("clerk1")  # the same account in another browser
    assert client.get("/staff/").status_code == 200
    cookie = client.get_cookie("session")
    assert cookie is not None
    client.post("/staff/sign-out")
    replay = app.test_client()
    replay.set_cookie("session", cookie.value)
    assert replay.get("/staff/").status_code == 302
    response = enter(replay, "B1", (300, 4, 150, 146), version=0)
    assert response.status_code == 302 and "/staff/sign-in" in response.location
    db.session.rollback()
    assert db.session.query(SheetEntry).count() == entries
    # Signing out ends the account's sessions everywhere.
    assert other.get("/staff/").status_code == 302


def test_a_failed_sign_in_records_hidden_characters_escaped(app: Flask, accounts) -> None:
    client = app.test_client()
    typed = "nimda\u202e\u200b\x07"
    response = client.post("/staff/sign-in", data={"username": typed, "password": "wrong"})
    assert response.status_code == 401
    assert actions() == [("auth.sign_in_failed", "nimda\\u202e\\u200b\\u0007")]
