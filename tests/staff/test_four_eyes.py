"""Four eyes: a correction, an annulment or its reversal, a web import that corrects a sheet and a
decertification take effect only when a second supervisor or admin approves them (not the one who
asked, not one who made an entry of the sheet); refusals and withdrawals change nothing else;
every step is audited; an election's setting turns it off (a request itself), and the
certificate says whether it was on. The command line acts at once and records the bypass."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask.testing import FlaskClient

from primaries.audit.chain import verify
from primaries.changes import Actor
from primaries.core.approvals import COMMAND_LINE_BYPASS
from primaries.core.sheets import Numbers
from primaries.elections.lookup import get_election, get_round
from primaries.errors import Refused
from primaries.extensions import db
from primaries.models import AuditEvent, ChangeRequest, User
from primaries.sheets.decisions import annul, correct
from primaries.sheets.place import SheetRef

SHEET = "/staff/elections/test-2024/rounds/2/sheets/{}"
ROUND2 = "/staff/elections/test-2024/rounds/2"
API = "/api/v1/elections/test-2024/rounds/2"
RECOUNT = {"ballots_cast": "500", "invalid": "5", "votes_AAA": "240", "votes_BBB": "255"}


def votes(client: FlaskClient) -> dict[str, int]:
    return {c["code"]: c["votes"] for c in client.get(API).get_json()["candidates"]}


def events(action: str) -> list[AuditEvent]:
    db.session.rollback()
    stmt = db.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
    return list(db.session.scalars(stmt))


def request_row(request_id: int) -> ChangeRequest:
    db.session.rollback()
    return db.session.get_one(ChangeRequest, request_id)


def only_request() -> ChangeRequest:
    db.session.rollback()
    return db.session.scalars(db.select(ChangeRequest)).one()


@pytest.fixture
def counted_b2(runoff, sign_in, enter, paper) -> None:
    """B2 counted in round 2 (clerk1 and clerk2 typed the same numbers)."""
    enter(sign_in("clerk1"), "B2", paper["B2"])
    enter(sign_in("clerk2"), "B2", paper["B2"])


def ask_recount(client: FlaskClient, staff_db: Any, **extra: str) -> Any:
    data = {**RECOUNT, "version": str(staff_db.version(2, "B2")), "reason": "recount, protocol 7"}
    return client.post(SHEET.format("B2") + "/correct", data={**data, **extra})


def test_a_correction_waits_for_a_second_supervisor_who_made_no_entry(
    counted_b2, sign_in, staff_db, client, decide
) -> None:
    super1 = sign_in("super1")
    form = super1.get(SHEET.format("B2") + "/correct").text
    assert "Four eyes is on: a correction is a request." in form
    assert "Request the correction" in form
    asked = ask_recount(super1, staff_db)
    assert asked.status_code == 302
    assert "Request #1: the correction takes effect only when" in super1.get(asked.location).text
    assert votes(client) == {"AAA": 250, "BBB": 245}  # nothing changed yet
    assert staff_db.entries("correction") == 0
    version = staff_db.version(2, "B2")

    # The dashboards show it: who asked, what, why, when.
    for name in ("super2", "observer1"):
        home = sign_in(name).get("/staff/").text
        assert "#1 correction" in home and "Asked by super1" in home
        assert "recount, protocol 7" in home and "ballots cast 500" in home
        assert "Counting now: ballots cast 500, invalid 5, AAA 250, BBB 245" in home
    assert "Approve</button>" in sign_in("super2").get("/staff/").text
    assert "Approve</button>" not in sign_in("observer1").get("/staff/").text
    assert "#1 correction" not in sign_in("clerk1").get("/staff/").text
    assert "#1 correction" in sign_in("admin1").get(ROUND2).text

    # Not the one who asked, not an entrant of the sheet, not a clerk or an observer.
    refused = decide(super1)
    assert "you asked for this change" in super1.get(refused.location).text
    set_role("clerk2", "supervisor")  # an entrant of B2 who became a supervisor
    entrant = sign_in("clerk2")
    refused = decide(entrant)
    assert "you made an entry of this sheet" in entrant.get(refused.location).text
    set_role("clerk2", "clerk")
    assert decide("clerk1").status_code == 403
    assert decide("observer1").status_code == 403
    assert votes(client) == {"AAA": 250, "BBB": 245}
    assert staff_db.version(2, "B2") == version
    assert only_request().status == "pending"

    super2 = sign_in("super2")
    approved = decide(super2, note="checked against the protocol")
    assert "Request #1 is approved" in super2.get(approved.location).text
    assert votes(client) == {"AAA": 240, "BBB": 255}
    request = only_request()
    assert request.status == "approved" and request.decided_by.username == "super2"
    assert request.decision_note == "checked against the protocol"
    # The same effect event as without four eyes, by the approver, naming both.
    (event,) = events("sheet.correct")
    assert event.actor == "super2"
    assert event.after["requested_by"] == "super1" and event.after["approved_by"] == "super2"
    assert event.after["request"] == 1 and event.after["votes"] == {"AAA": 240, "BBB": 255}
    (asked_event,) = events("request.ask")
    assert asked_event.actor == "super1" and asked_event.branch == "B2"
    assert asked_event.after["numbers"]["votes"] == {"AAA": 240, "BBB": 255}
    assert asked_event.after["reason"] == "recount, protocol 7"
    (approve_event,) = events("request.approve")
    assert approve_event.actor == "super2" and approve_event.seq > event.seq
    assert not events("request.refuse")
    # Decided once: a second approval is refused.
    admin = sign_in("admin1")
    again = decide(admin)
    assert "request #1 is already approved by super2" in admin.get(again.location).text
    assert staff_db.entries("correction") == 1
    assert verify().ok


def set_role(username: str, role: str) -> None:
    db.session.rollback()
    db.session.scalars(db.select(User).filter_by(username=username)).one().role = role
    db.session.commit()


def test_a_refusal_changes_nothing_and_a_withdrawal_is_the_askers(
    counted_b2, sign_in, staff_db, client, decide
) -> None:
    super1 = sign_in("super1")
    ask_recount(super1, staff_db)
    version = staff_db.version(2, "B2")
    # One pending request per sheet at a time.
    twice = super1.post(
        SHEET.format("B2") + "/annulment", data={"version": str(version), "reason": "stuffed"}
    )
    assert twice.status_code == 409
    assert "already has a request awaiting a second supervisor or admin (#1" in twice.text
    decide("admin1", "refuse", note="the protocol says 250")
    assert request_row(1).status == "refused"
    assert votes(client) == {"AAA": 250, "BBB": 245}
    assert staff_db.version(2, "B2") == version and staff_db.entries("correction") == 0
    (refusal,) = events("request.refuse")
    assert refusal.actor == "admin1" and refusal.after["note"] == "the protocol says 250"
    assert not events("sheet.correct")
    assert "Refused by admin1" in sign_in("super2").get("/staff/requests").text

    # Asked again, then withdrawn: only by the one who asked.
    ask_recount(super1, staff_db, reason="second recount")
    second = only_pending()
    assert decide("super2", "withdraw", request_id=second).status_code == 302
    assert request_row(second).status == "pending"
    decide("super1", "withdraw", request_id=second)
    assert request_row(second).status == "withdrawn"
    assert [e.actor for e in events("request.withdraw")] == ["super1"]
    assert votes(client) == {"AAA": 250, "BBB": 245}
    assert verify().ok


def only_pending() -> int:
    db.session.rollback()
    stmt = db.select(ChangeRequest.id).where(ChangeRequest.status == "pending")
    return int(db.session.scalars(stmt).one())


def test_annulment_and_reinstatement_are_requests(
    counted_b2, sign_in, staff_db, client, decide
) -> None:
    url = SHEET.format("B2") + "/annulment"
    super1 = sign_in("super1")
    assert "Request the annulment" in super1.get(url).text
    super1.post(url, data={"version": str(staff_db.version(2, "B2")), "reason": "box stuffed"})
    assert client.get(API).get_json()["branches"]["annulled"] == 0
    assert "#1 annulment" in super1.get(url).text  # the sheet's page shows what is pending
    decide("super2")
    assert client.get(API).get_json()["branches"]["annulled"] == 1
    (annulled,) = events("sheet.annul")
    assert annulled.actor == "super2" and annulled.after["requested_by"] == "super1"

    super2 = sign_in("super2")
    assert "Request the reversal of the annulment" in super2.get(url).text
    super2.post(url, data={"version": str(staff_db.version(2, "B2")), "reason": "court ruling"})
    assert client.get(API).get_json()["branches"]["annulled"] == 1
    decide("super2")  # the asker may not approve
    assert client.get(API).get_json()["branches"]["annulled"] == 1
    decide("super1")
    assert client.get(API).get_json()["branches"]["annulled"] == 0
    (reinstated,) = events("sheet.reinstate")
    assert reinstated.after["approved_by"] == "super1"
    assert reinstated.after["requested_by"] == "super2"
    # The branch's history lists the requests: who asked, who approved.
    history = sign_in("observer1").get("/staff/elections/test-2024/branches/B2").text
    assert "#1 annulment" in history and "#2 reversal of an annulment" in history
    assert "Approved by super1" in history and "Asked by super2" in history


def test_a_stale_request_cannot_be_approved(
    counted_b2, sign_in, staff_db, client, decide, runner
) -> None:
    ask_recount(sign_in("super1"), staff_db)
    # The command line annuls B2 meanwhile (at once): the request no longer fits the sheet.
    result = runner.invoke(args=["annul", "test-2024", "--round", "2", "B2", "--reason", "x"])
    assert result.exit_code == 0, result.output
    page = sign_in("super2").get("/staff/requests").text
    assert "Stale:" in page and "the sheet has changed since this request was made" in page
    super2 = sign_in("super2")
    refused = decide(super2)
    told = super2.get(refused.location).text
    assert "request #1 cannot be approved: the sheet has changed since this request was made" in (
        told
    )
    assert request_row(1).status == "pending" and staff_db.entries("correction") == 0
    decide("super2", "refuse", note="stale")
    assert request_row(1).status == "refused"


def upload(client: FlaskClient, content: str, **extra: str) -> Any:
    data = {"file": (io.BytesIO(content.encode()), "sheets.csv"), **extra}
    url = ROUND2 + "/import/sheets"
    return client.post(url, data=data, content_type="multipart/form-data")


def test_a_web_import_that_corrects_counted_sheets_asks_for_each(
    counted_b2, sign_in, staff_db, client, decide
) -> None:
    super1 = sign_in("super1")
    assert (
        "each sheet the file would correct becomes a request"
        in super1.get(ROUND2 + "/import/sheets").text
    )
    lines = "branch,ballots_cast,invalid,AAA,BBB\nB1,300,4,150,146\nB2,500,5,240,255\n"
    page = upload(super1, lines, correct="y", reason="the committee's recount")
    assert page.status_code == 200, page.text
    assert "Added: B1." in page.text  # a new sheet counts at once, as on the command line
    assert "Corrections requested (four eyes): B2" in page.text and "#1" in page.text
    assert votes(client) == {"AAA": 400, "BBB": 391}
    request = only_request()
    assert request.kind == "import" and request.proposal["sha256"]
    decide("clerk2")  # an entrant of B2 (and a clerk)
    decide("admin1")
    assert votes(client) == {"AAA": 390, "BBB": 401}
    (event,) = events("sheet.correct")
    assert event.after["reason"] == "the committee's recount"
    assert event.after["requested_by"] == "super1" and event.after["approved_by"] == "admin1"


def test_decertifying_is_a_request_and_the_certificate_says_four_eyes(
    runoff, sign_in, client, decide, runner, tmp_path
) -> None:
    csv = tmp_path / "round2.csv"
    rows = ["B1,300,4,150,146", "B2,500,5,250,245", "B3,120,0,70,50", "B4,100,1,49,50"]
    csv.write_text("branch,ballots_cast,invalid,AAA,BBB\n" + "\n".join(rows) + "\nB5,200,2,99,99\n")
    assert (
        runner.invoke(args=["import-sheets", "test-2024", "--round", "2", str(csv)]).exit_code == 0
    )
    super1 = sign_in("super1")
    super1.post(ROUND2 + "/close")
    # B4's BBB went from 20% to 51% since round 1: a red flag holds it until it is cleared
    super1.post(ROUND2 + "/reviews/B4/clear", data={"clear-reason": "the paper says so"})
    super1.post(ROUND2 + "/certify")
    assert status() == "certified"
    assert (
        client.get("/api/v1/elections/test-2024").get_json()["rounds"][1]["certificate"][
            "four_eyes"
        ]
        is True
    )
    public = client.get("/elections/test-2024/rounds/2").text
    assert "On: corrections, annulments and decertifying took effect only when" in public
    assert "ארבע עיניים" in client.get("/elections/test-2024/rounds/2?lang=he").text

    admin = sign_in("admin1")
    assert "Request decertification (admin)" in admin.get(ROUND2).text
    admin.post(ROUND2 + "/decertify", data={"decertify-reason": "party court order 3/24"})
    assert status() == "certified"
    assert "#1 decertification" in super1.get(ROUND2).text
    decide("admin1")
    assert status() == "certified"
    decide("super2")
    assert status() == "closed"
    (event,) = events("round.decertify")
    assert event.actor == "super2" and event.after["requested_by"] == "admin1"

    # Four eyes off (a request an admin makes and a second person approves), then certified.
    admin.post("/staff/elections/test-2024/four-eyes", data={"on": "off", "reason": "2 of us"})
    assert get_election("test-2024").four_eyes is True
    decide("super1")
    db.session.rollback()
    assert get_election("test-2024").four_eyes is False
    setting = events("election.four_eyes")[-1]
    assert setting.after["four_eyes"] is False and setting.after["approved_by"] == "super1"
    super1.post(ROUND2 + "/certify")
    assert status() == "certified"
    certificate = client.get("/api/v1/elections/test-2024").get_json()["rounds"][1]["certificate"]
    assert certificate["four_eyes"] is False
    public = client.get("/elections/test-2024/rounds/2?lang=en").text
    assert "Off: one supervisor could correct, annul and decertify alone." in public
    assert "Four eyes was off when it was certified" in super1.get(ROUND2).text
    assert events("round.certify")[-1].after["four_eyes"] is False


def status() -> str:
    db.session.rollback()
    return get_round(get_election("test-2024"), 2).status


def test_with_four_eyes_off_one_supervisor_decides_at_once(
    four_eyes_off, counted_b2, sign_in, staff_db, client
) -> None:
    super1 = sign_in("super1")
    form = super1.get(SHEET.format("B2") + "/correct").text
    assert "Four eyes is on" not in form and "Save the correction" in form
    assert "four eyes off" in super1.get(ROUND2).text
    assert ask_recount(super1, staff_db).status_code == 302
    assert votes(client) == {"AAA": 240, "BBB": 255}
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(ChangeRequest.id))) == 0
    (event,) = events("sheet.correct")
    assert event.actor == "super1" and event.after["four_eyes"] == "off"
    # Turned on again by an admin, at once (only turning it off needs a second person).
    admin = sign_in("admin1")
    admin.post("/staff/elections/test-2024/four-eyes", data={"on": "on", "reason": "the count"})
    db.session.rollback()
    assert get_election("test-2024").four_eyes is True
    assert (
        sign_in("super1")
        .post("/staff/elections/test-2024/four-eyes", data={"on": "off", "reason": "x"})
        .status_code
        == 403
    )


def test_the_services_refuse_a_staff_account_acting_alone(counted_b2, accounts) -> None:
    """Whatever page calls them: with four eyes on, a staff account's correction or annulment
    is refused unless it is the approval of a request."""
    db.session.rollback()
    user = db.session.scalars(db.select(User).filter_by(username="super1")).one()
    numbers = Numbers(500, 5, {"AAA": 240, "BBB": 255})
    with pytest.raises(Refused, match="four eyes is on for this election"):
        correct(SheetRef("test-2024", 2, "B2"), numbers, reason="r", actor=Actor.of(user))
    db.session.rollback()
    with pytest.raises(Refused, match="four eyes is on for this election"):
        annul(SheetRef("test-2024", 2, "B2"), "r", actor=Actor.of(user))
    db.session.rollback()


def test_the_command_line_acts_at_once_and_records_the_bypass(loaded, runner) -> None:
    shown = runner.invoke(args=["four-eyes", "test-2024"])
    assert shown.exit_code == 0 and "four eyes is on for test-2024" in shown.output
    result = runner.invoke(
        args=["annul", "test-2024", "--round", "1", "B3", "--reason", "suspected forgery"]
    )
    assert result.exit_code == 0, result.output
    (event,) = events("sheet.annul")
    assert event.after["four_eyes"] == COMMAND_LINE_BYPASS
    assert runner.invoke(args=["four-eyes", "test-2024", "off"]).exit_code == 2  # a reason
    off = runner.invoke(args=["four-eyes", "test-2024", "off", "--reason", "small committee"])
    assert off.exit_code == 0 and "four eyes is off for test-2024" in off.output
    again = runner.invoke(args=["four-eyes", "test-2024", "off", "--reason", "again"])
    assert again.exit_code == 1 and "already off" in again.stderr
    (setting,) = events("election.four_eyes")
    assert setting.after == {
        "four_eyes": False,
        "reason": "small committee",
        "bypassed": COMMAND_LINE_BYPASS,
    }
    assert setting.before == {"four_eyes": True} and setting.actor.startswith("cli:")
    runner.invoke(args=["annul", "test-2024", "--round", "1", "B4", "--reason", "x"])
    assert events("sheet.annul")[-1].after["four_eyes"] == "off"


def test_an_approval_needs_its_csrf_token(make_app, counted_b2, staff_db) -> None:
    strict = make_app(WTF_CSRF_ENABLED=True)
    with strict.app_context():
        client = strict.test_client()
        token = client.get("/staff/sign-in").text.split('name="csrf_token" type="hidden" value="')
        signed = client.post(
            "/staff/sign-in",
            data={
                "username": "super2",
                "password": "correct horse battery",
                "csrf_token": token[1].split('"')[0],
            },
        )
        assert signed.status_code == 302
        assert client.post("/staff/requests/1/approve", data={}).status_code == 400
