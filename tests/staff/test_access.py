"""Who may use which staff page: every staff route, with every role and signed out.

The expectations are written out here, route by route, so that a changed decorator (or a new
route nobody thought about) fails this test rather than silently opening a page.
"""

from __future__ import annotations

import pytest
from flask import Flask

ALL = {"clerk", "supervisor", "admin", "observer"}
ENTER = {"clerk", "supervisor", "admin"}
COUNT = {"supervisor", "admin"}
SEE = COUNT | {"observer"}
ADMIN = {"admin"}
PUBLIC = {None} | ALL

# endpoint -> {method: roles that may use it}
EXPECTED: dict[str, dict[str, set[str | None]]] = {
    "staff.home": {"GET": ALL},
    "staff.next_sheet": {"GET": ALL},
    "staff.sheet": {"GET": ALL, "POST": ENTER},
    "staff.resolve": {"GET": SEE, "POST": COUNT},
    "staff.send_back_sheet": {"POST": COUNT},
    "staff.correct_sheet": {"GET": SEE, "POST": COUNT},
    "staff.annulment": {"GET": SEE, "POST": COUNT},
    "staff.round_dashboard": {"GET": SEE},
    "staff.close": {"POST": COUNT},
    "staff.reopen": {"POST": COUNT},
    "staff.certify": {"POST": COUNT},
    "staff.decertify": {"POST": ADMIN},
    "staff.lot": {"GET": SEE, "POST": COUNT},
    "staff.runoff": {"GET": SEE, "POST": COUNT},
    "staff.branch_history_page": {"GET": SEE},
    "staff.paper": {"GET": SEE},
    "staff.paper_sheet": {"GET": SEE},
    "staff.protocol": {"GET": SEE},
    "staff.protocol_pdf_view": {"GET": SEE},
    "staff.import_branches_page": {"GET": SEE, "POST": ADMIN},
    "staff.import_sheets_page": {"GET": SEE, "POST": COUNT},
    "staff.branches_template": {"GET": SEE},
    "staff.sheets_template": {"GET": SEE},
    "staff.audit_log": {"GET": SEE},
    "staff.audit_verify": {"GET": SEE},
    "staff.audit_csv": {"GET": SEE},
    "staff.audit_xlsx": {"GET": SEE},
    "staff.requests_page": {"GET": SEE},
    "staff.approve_request": {"POST": COUNT},
    "staff.refuse_request": {"POST": COUNT},
    "staff.withdraw_request": {"POST": COUNT},
    "staff.four_eyes": {"POST": ADMIN},
    "staff.flag_settings": {"GET": SEE, "POST": ADMIN},
    "staff.names": {"GET": SEE, "POST": ADMIN},
    "staff.new_election": {"GET": ADMIN, "POST": ADMIN},
    "staff.setup": {"GET": SEE, "POST": ADMIN},
    "staff.setup_package": {"GET": SEE},
    "staff.clear_held_box": {"POST": COUNT},
    "staff.receipts": {"GET": ALL},
    "staff.publishing": {"POST": COUNT},
    "staff.photos_public": {"POST": ADMIN},
    "staff.objections": {"GET": SEE},
    "staff.file_objection_page": {"POST": SEE},
    "staff.decide_objection_page": {"POST": COUNT},
    "staff.objection_attachment": {"GET": SEE},
    "staff.add_sheet_photo": {"POST": ENTER},
    "staff.sheet_photo": {"GET": ALL},
    "staff.mark_receipt": {"POST": ENTER},
    "staff.withdraw_paper": {"POST": COUNT},
    "staff.rla_page": {"GET": ALL},
    "staff.rla_retrieval": {"GET": ALL},
    "staff.rla_start": {"POST": COUNT},
    "staff.rla_draw": {"POST": COUNT},
    "staff.rla_count": {"POST": ENTER},
    "auth.accounts": {"GET": SEE, "POST": ADMIN},
    "auth.account": {"GET": SEE},
    "auth.account_active": {"POST": ADMIN},
    "auth.account_password": {"POST": ADMIN},
    "auth.account_role": {"POST": ADMIN},
    "auth.account_name": {"POST": ADMIN},
    "auth.sign_in": {"GET": PUBLIC, "POST": PUBLIC},
    "auth.sign_out": {"POST": PUBLIC},
}
VALUES = {
    "slug": "test-2024",
    "number": 2,
    "branch": "B1",
    "code": "B1",
    "username": "clerk2",
    "request_id": 1,
    "objection_id": 1,
    "sha256": "0" * 64,
}
ACCOUNT_OF = {"clerk": "clerk1", "supervisor": "super1", "admin": "admin1", "observer": "observer1"}


def staff_rules(app: Flask) -> list[tuple[str, str, str]]:
    out = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/staff"):
            continue
        url = rule.build(
            {k: v for k, v in VALUES.items() if k in rule.arguments}, append_unknown=False
        )[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((rule.endpoint, method, url))
    return out


def test_every_staff_route_has_an_expectation(app: Flask) -> None:
    found = {(endpoint, method) for endpoint, method, _ in staff_rules(app)}
    expected = {(e, m) for e, methods in EXPECTED.items() for m in methods}
    assert found == expected


@pytest.mark.parametrize("role", [None, "clerk", "supervisor", "admin", "observer"])
def test_every_staff_route_with_every_role(app: Flask, runoff, sign_in, role: str | None) -> None:
    client = sign_in(ACCOUNT_OF[role]) if role else app.test_client()
    checked = 0
    for endpoint, method, url in staff_rules(app):
        if endpoint == "auth.sign_out" or (endpoint == "auth.sign_in" and method == "POST"):
            continue  # these would end or change the client's own session
        allowed = role in EXPECTED[endpoint][method]
        response = client.open(url, method=method, data={})
        where = f"{method} {url} as {role or 'anonymous'}: {response.status_code}"
        if allowed:
            assert response.status_code not in (401, 403), where
            assert "/staff/sign-in" not in (response.location or ""), where
            assert response.status_code < 500, where
        elif role is None:
            assert response.status_code == 302, where
            assert "/staff/sign-in?next=" in response.location, where
        else:
            assert response.status_code == 403, where
        checked += 1
    assert checked >= 30


def test_a_post_without_its_csrf_token_is_refused(make_app, runoff, accounts) -> None:
    from primaries.extensions import db
    from primaries.models import SheetEntry

    strict = make_app(WTF_CSRF_ENABLED=True)
    with strict.app_context():
        client = strict.test_client()
        page = client.get("/staff/sign-in").text
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        # Without the token even the sign-in is refused; with it, it works.
        assert (
            client.post(
                "/staff/sign-in", data={"username": "clerk1", "password": "correct horse battery"}
            ).status_code
            == 400
        )
        signed = client.post(
            "/staff/sign-in",
            data={"username": "clerk1", "password": "correct horse battery", "csrf_token": token},
        )
        assert signed.status_code == 302
        response = client.post(
            "/staff/elections/test-2024/rounds/2/sheets/B1",
            data={
                "version": "0",
                "ballots_cast": "300",
                "invalid": "4",
                "votes_AAA": "150",
                "votes_BBB": "146",
            },
        )
        assert response.status_code == 400
        assert "CSRF" in response.text
        assert db.session.query(SheetEntry).filter_by(kind="entry").count() == 0
