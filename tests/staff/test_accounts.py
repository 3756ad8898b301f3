"""Accounts in the browser: admins create, disable, enable and reset; others only look."""

from __future__ import annotations

import re

import pytest

from primaries.auth.services import check_password_rules, common_passwords
from primaries.extensions import db
from primaries.models import AuditEvent, User

PASSWORD = "correct horse battery"


def user(name: str) -> User:
    db.session.rollback()
    return db.session.query(User).filter_by(username=name).one()


def test_an_admin_creates_an_account_with_a_generated_password(app, sign_in) -> None:
    admin = sign_in("admin1")
    response = admin.post("/staff/accounts", data={"username": "clerk9", "role": "clerk"})
    assert response.status_code == 201
    shown = re.search(r'<code class="secret">([^<]+)</code>', response.text)
    assert shown, "the generated password is shown once"
    assert shown.group(1) not in admin.get("/staff/accounts").text
    assert user("clerk9").role == "clerk"
    newcomer = app.test_client()
    signed = newcomer.post(
        "/staff/sign-in", data={"username": "clerk9", "password": shown.group(1)}
    )
    assert signed.status_code == 302
    assert db.session.query(AuditEvent).filter_by(action="user.create", actor="admin1").count()


def test_account_problems_are_shown_and_nothing_is_created(app, sign_in) -> None:
    admin = sign_in("admin1")
    duplicate = admin.post(
        "/staff/accounts", data={"username": "CLERK1", "role": "clerk", "password": PASSWORD}
    )
    assert duplicate.status_code == 422
    assert "already exists" in duplicate.text
    short = admin.post(
        "/staff/accounts", data={"username": "x1", "role": "clerk", "password": "short"}
    )
    assert "At least 8 characters." in short.text
    bad_name = admin.post("/staff/accounts", data={"username": "a b", "role": "clerk"})
    assert "Only letters, digits" in bad_name.text
    bad_role = admin.post("/staff/accounts", data={"username": "ok", "role": "king"})
    assert bad_role.status_code == 422
    assert db.session.query(User).count() == 6


def test_disabling_ends_the_sessions_and_the_sign_ins(app, sign_in) -> None:
    admin = sign_in("admin1")
    clerk = sign_in("clerk1")
    assert clerk.get("/staff/").status_code == 200
    response = admin.post("/staff/accounts/clerk1/active", data={"make_active": "no"})
    assert response.status_code == 302
    assert not user("clerk1").active
    assert clerk.get("/staff/").status_code == 302  # its session is over
    again = app.test_client().post(
        "/staff/sign-in", data={"username": "clerk1", "password": PASSWORD}
    )
    assert again.status_code == 401
    twice = admin.post("/staff/accounts/clerk1/active", data={"make_active": "no"})
    assert twice.status_code == 409 and "already disabled" in twice.text
    admin.post("/staff/accounts/clerk1/active", data={"make_active": "yes"})
    assert user("clerk1").active


def test_an_admin_cannot_lock_everyone_out(app, sign_in) -> None:
    admin = sign_in("admin1")
    own = admin.post("/staff/accounts/admin1/active", data={"make_active": "no"})
    assert own.status_code == 409
    assert "you cannot disable your own account" in own.text
    assert user("admin1").active


def test_reset_password_ends_sessions_and_the_old_password(app, sign_in) -> None:
    admin = sign_in("admin1")
    clerk = sign_in("clerk2")
    response = admin.post(
        "/staff/accounts/clerk2/password", data={"password": "a new long password"}
    )
    assert response.status_code == 200
    assert "a new long password" not in response.text  # typed by the admin: not echoed
    assert clerk.get("/staff/").status_code == 302
    fresh = app.test_client()
    assert (
        fresh.post("/staff/sign-in", data={"username": "clerk2", "password": PASSWORD}).status_code
        == 401
    )
    assert (
        fresh.post(
            "/staff/sign-in", data={"username": "clerk2", "password": "a new long password"}
        ).status_code
        == 302
    )
    generated = admin.post("/staff/accounts/clerk2/password", data={"password": ""})
    assert re.search(r'<code class="secret">[^<]{12,}</code>', generated.text)


def test_a_role_change_ends_the_sessions_and_is_audited(app, sign_in) -> None:
    admin = sign_in("admin1")
    clerk = sign_in("clerk1")
    assert clerk.get("/staff/").status_code == 200
    page = admin.get("/staff/accounts/clerk1")
    assert "Change the role" in page.text
    response = admin.post("/staff/accounts/clerk1/role", data={"role": "supervisor"})
    assert response.status_code == 302
    assert user("clerk1").role == "supervisor"
    assert clerk.get("/staff/").status_code == 302  # granted as a clerk: that session is over
    event = db.session.query(AuditEvent).filter_by(action="user.role").one()
    assert (event.actor, event.object_id) == ("admin1", "clerk1")
    assert (event.before, event.after) == ({"role": "clerk"}, {"role": "supervisor"})
    again = sign_in("clerk1")  # signs in again, now with the new role
    assert again.get("/staff/accounts").status_code == 200


def test_role_changes_that_are_refused_change_nothing(app, sign_in) -> None:
    admin = sign_in("admin1")
    own = admin.post("/staff/accounts/admin1/role", data={"role": "clerk"})
    assert own.status_code == 409 and "you cannot change your own role" in own.text
    same = admin.post("/staff/accounts/clerk1/role", data={"role": "clerk"})
    assert same.status_code == 409 and "already clerk" in same.text
    unknown = admin.post("/staff/accounts/clerk1/role", data={"role": "king"})
    assert unknown.status_code == 302
    assert user("admin1").role == "admin" and user("clerk1").role == "clerk"
    assert not db.session.query(AuditEvent).filter_by(action="user.role").count()
    for name in ("super1", "observer1", "clerk2"):
        assert (
            sign_in(name).post("/staff/accounts/clerk1/role", data={"role": "admin"}).status_code
            == 403
        )
    assert user("clerk1").role == "clerk"


def test_others_see_the_accounts_but_change_nothing(app, sign_in) -> None:
    for name in ("super1", "observer1"):
        client = sign_in(name)
        page = client.get("/staff/accounts")
        assert page.status_code == 200
        assert "clerk1" in page.text and "Create the account" not in page.text
        assert client.get("/staff/accounts/clerk1").status_code == 200
        assert (
            client.post(
                "/staff/accounts", data={"username": "x", "role": "admin", "password": PASSWORD}
            ).status_code
            == 403
        )
        assert (
            client.post("/staff/accounts/clerk1/active", data={"make_active": "no"}).status_code
            == 403
        )
    assert sign_in("clerk1").get("/staff/accounts").status_code == 403
    assert db.session.query(User).count() == 6


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        (" " * 12, "only spaces or invisible characters"),
        ("\u200b" * 12, "only spaces or invisible characters"),
        ("\u200b\u200c\u200d\u2060\ufeff\u00a0\u3000\t ", "only spaces or invisible characters"),
        ("password", "most common passwords"),
        ("Password1", "most common passwords"),
        ("iloveyou", "most common passwords"),
        ("12345678", "most common passwords"),
    ],
)
def test_blank_invisible_and_common_passwords_are_refused(
    app, sign_in, password: str, problem: str
) -> None:
    admin = sign_in("admin1")
    created = admin.post(
        "/staff/accounts", data={"username": "clerk9", "role": "clerk", "password": password}
    )
    assert created.status_code == 422
    assert problem in created.text
    reset = admin.post("/staff/accounts/clerk2/password", data={"password": password})
    assert reset.status_code == 422
    assert problem in reset.text
    assert db.session.query(User).filter_by(username="clerk9").count() == 0
    fresh = app.test_client()
    signed = fresh.post("/staff/sign-in", data={"username": "clerk2", "password": password})
    assert signed.status_code != 302


def test_the_common_password_list_is_shipped() -> None:
    common = common_passwords()
    assert len(common) == 1000
    assert "password" in common and "correct horse battery" not in common
    assert check_password_rules("correct horse battery") == []


def test_full_names_on_the_account_pages(app, sign_in) -> None:
    """Issue 14, finding 11: accounts carry the person's full name; only admins set it."""
    admin = sign_in("admin1")
    created = admin.post(
        "/staff/accounts",
        data={"username": "rina", "role": "supervisor", "full_name": " Rina Levi ", "password": ""},
    )
    assert created.status_code == 201
    assert user("rina").full_name == "Rina Levi"
    assert "Rina Levi" in admin.get("/staff/accounts").text
    page = admin.get("/staff/accounts/clerk1").text
    assert "The person&#39;s full name" in page or "The person's full name" in page
    saved = admin.post("/staff/accounts/clerk1/name", data={"full_name": "Yossi Cohen"})
    assert saved.status_code == 302
    assert user("clerk1").full_name == "Yossi Cohen"
    event = db.session.query(AuditEvent).filter_by(action="user.full_name").one()
    assert (event.actor, event.object_id) == ("admin1", "clerk1")
    assert (event.before, event.after) == ({"full_name": None}, {"full_name": "Yossi Cohen"})
    same = admin.post("/staff/accounts/clerk1/name", data={"full_name": "Yossi Cohen"})
    assert same.status_code == 409 and "already has the full name" in same.text
    hidden = admin.post("/staff/accounts/clerk1/name", data={"full_name": "Yossi\u202e"})
    assert hidden.status_code == 409 and "must not contain" in hidden.text
    assert (
        sign_in("super1").post("/staff/accounts/clerk1/name", data={"full_name": "X"}).status_code
        == 403
    )
    assert user("clerk1").full_name == "Yossi Cohen"
