"""A supervisor's decisions about one sheet: resolving a mismatch field by field, sending a sheet
back, correcting a counted sheet, annulling and reinstating."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from primaries.extensions import db
from primaries.models import AuditEvent

SHEET = "/staff/elections/test-2024/rounds/2/sheets/{}"


def result(client: FlaskClient) -> dict[str, Any]:
    return client.get("/api/v1/elections/test-2024/rounds/2").get_json()


@pytest.fixture
def mismatched(runoff, sign_in, enter, paper) -> None:
    """B1 in mismatch: clerk1 typed the paper; clerk2 swapped AAA and BBB and typed 5 invalid."""
    enter(sign_in("clerk1"), "B1", paper["B1"])
    enter(sign_in("clerk2"), "B1", (300, 5, 146, 149))


def test_the_supervisor_sees_both_entries_with_the_differences_marked(mismatched, sign_in) -> None:
    page = sign_in("super1").get(SHEET.format("B1") + "/resolve").text
    assert page.count('class="differs"') == 3  # invalid, AAA, BBB
    assert page.count('class="same"') == 1  # ballots cast
    assert "Entry 1: 150" in page and "Entry 2: 146" in page
    assert "clerk1" in page and "clerk2" in page


def test_a_mismatch_is_resolved_field_by_field(mismatched, sign_in, staff_db, client) -> None:
    supervisor = sign_in("super1")
    version = staff_db.version(2, "B1")
    response = supervisor.post(
        SHEET.format("B1") + "/resolve",
        data={
            "version": str(version),
            "choice_invalid": "1",
            "choice_votes_AAA": "1",
            "choice_votes_BBB": "paper",
            "paper_votes_BBB": "146",
        },
    )
    assert response.status_code == 302, response.text
    sheet = staff_db.sheet(2, "B1")
    assert sheet.state == "counted"
    assert sheet.counted_entry.kind == "resolution"
    assert result(client)["candidates"][0] == {
        "code": "AAA",
        "name": "Alice Aharoni",
        "votes": 150,
        "percent": "50.68",
        "rank": 1,
    }
    event = db.session.query(AuditEvent).filter_by(action="sheet.resolve").one()
    assert event.actor == "super1"
    assert event.after["decided"] == {
        "invalid": "entry 1",
        "votes_AAA": "entry 1",
        "votes_BBB": "paper",
    }
    assert event.before["entry_2"]["votes"] == {"AAA": 146, "BBB": 149}
    # Both entries and the decision are kept.
    assert staff_db.entries("entry") == 2 and staff_db.entries("resolution") == 1


def test_every_differing_field_needs_a_decision_and_the_sum_must_hold(
    mismatched, sign_in, staff_db
) -> None:
    supervisor = sign_in("super1")
    version = staff_db.version(2, "B1")
    missing = supervisor.post(
        SHEET.format("B1") + "/resolve",
        data={"version": str(version), "choice_invalid": "1", "choice_votes_AAA": "2"},
    )
    assert missing.status_code == 422
    assert "choose entry 1, entry 2, or type the number on the paper sheet" in missing.text
    wrong_sum = supervisor.post(
        SHEET.format("B1") + "/resolve",
        data={
            "version": str(version),
            "choice_invalid": "2",
            "choice_votes_AAA": "1",
            "choice_votes_BBB": "1",
        },
    )
    assert wrong_sum.status_code == 422
    assert "votes 296 + invalid 5 = 301, but ballots cast is 300" in wrong_sum.text
    no_paper = supervisor.post(
        SHEET.format("B1") + "/resolve",
        data={
            "version": str(version),
            "choice_invalid": "1",
            "choice_votes_AAA": "1",
            "choice_votes_BBB": "paper",
        },
    )
    assert "type the number on the paper sheet" in no_paper.text
    assert staff_db.sheet(2, "B1").state == "mismatch"
    assert staff_db.entries("resolution") == 0


def test_a_clerk_cannot_resolve(mismatched, sign_in, staff_db) -> None:
    clerk = sign_in("clerk1")
    assert clerk.get(SHEET.format("B1") + "/resolve").status_code == 403
    response = clerk.post(
        SHEET.format("B1") + "/resolve",
        data={
            "version": "3",
            "choice_invalid": "1",
            "choice_votes_AAA": "1",
            "choice_votes_BBB": "1",
        },
    )
    assert response.status_code == 403
    assert staff_db.sheet(2, "B1").state == "mismatch"


def test_send_back_empties_the_sheet_and_keeps_its_entries(
    mismatched, sign_in, enter, paper, staff_db
) -> None:
    supervisor = sign_in("super1")
    response = supervisor.post(
        SHEET.format("B1") + "/send-back",
        data={"version": str(staff_db.version(2, "B1")), "reason": "both differ from the paper"},
    )
    assert response.status_code == 302
    sheet = staff_db.sheet(2, "B1")
    assert (sheet.state, sheet.first_entry_id, sheet.second_entry_id) == ("empty", None, None)
    assert staff_db.entries("entry") == 2
    # Keyed again, by the same two clerks in the other order: it counts.
    enter(sign_in("clerk2"), "B1", paper["B1"])
    enter(sign_in("clerk1"), "B1", paper["B1"])
    assert staff_db.sheet(2, "B1").state == "counted"
    history = supervisor.get("/staff/elections/test-2024/branches/B1").text
    assert "sent back to be keyed again" in history
    assert "both differ from the paper" in history


def test_a_counted_sheet_is_not_sent_back(runoff, sign_in, enter, paper, staff_db) -> None:
    enter(sign_in("clerk1"), "B2", paper["B2"])
    enter(sign_in("clerk2"), "B2", paper["B2"])
    response = sign_in("super1").post(
        SHEET.format("B2") + "/send-back", data={"version": str(staff_db.version(2, "B2"))}
    )
    assert response.status_code == 302
    assert staff_db.sheet(2, "B2").state == "counted"


def test_a_correction_needs_a_reason_and_changes_the_result_once_approved(
    runoff, sign_in, enter, paper, staff_db, client, decide
) -> None:
    enter(sign_in("clerk1"), "B2", paper["B2"])
    enter(sign_in("clerk2"), "B2", paper["B2"])
    supervisor = sign_in("super1")
    form = supervisor.get(SHEET.format("B2") + "/correct").text
    assert 'value="250"' in form  # the counted numbers, ready to be changed
    data = {
        "version": str(staff_db.version(2, "B2")),
        "ballots_cast": "500",
        "invalid": "5",
        "votes_AAA": "240",
        "votes_BBB": "255",
    }
    no_reason = supervisor.post(SHEET.format("B2") + "/correct", data=data)
    assert no_reason.status_code == 422
    assert "A correction needs a reason." in no_reason.text
    response = supervisor.post(
        SHEET.format("B2") + "/correct", data={**data, "reason": "recount, protocol 7"}
    )
    assert response.status_code == 302
    # Four eyes (on by default): a request; nothing counts differently until it is approved.
    assert [c["votes"] for c in result(client)["candidates"]] == [250, 245]
    assert decide("super2").status_code == 302
    assert [c["votes"] for c in result(client)["candidates"]] == [255, 240]
    assert staff_db.sheet(2, "B2").counted_entry.reason == "recount, protocol 7"
    same_again = supervisor.post(
        SHEET.format("B2") + "/correct",
        data={**data, "version": str(staff_db.version(2, "B2")), "reason": "again"},
    )
    assert same_again.status_code == 409
    assert "nothing to correct" in same_again.text


def test_annul_and_reinstate_with_reasons(
    runoff, sign_in, enter, paper, staff_db, client, decide
) -> None:
    enter(sign_in("clerk1"), "B3", paper["B3"])
    enter(sign_in("clerk2"), "B3", paper["B3"])
    supervisor = sign_in("super1")
    url = SHEET.format("B3") + "/annulment"
    no_reason = supervisor.post(url, data={"version": str(staff_db.version(2, "B3"))})
    assert no_reason.status_code == 422
    assert "An annulment needs a reason." in no_reason.text
    assert (
        supervisor.post(
            url, data={"version": str(staff_db.version(2, "B3")), "reason": "box looks stuffed"}
        ).status_code
        == 302
    )
    assert result(client)["branches"]["annulled"] == 0  # a request, until approved
    assert decide("admin1").status_code == 302
    assert result(client)["branches"]["annulled"] == 1
    assert result(client)["totals"]["ballots_cast"] == 0
    assert "Reverse the annulment" in supervisor.get(url).text
    assert (
        supervisor.post(
            url, data={"version": str(staff_db.version(2, "B3")), "reason": "party court ruling"}
        ).status_code
        == 302
    )
    assert decide("super2").status_code == 302
    assert result(client)["totals"]["ballots_cast"] == 120
    history = supervisor.get("/staff/elections/test-2024/branches/B3").text
    assert "box looks stuffed" in history and "party court ruling" in history


def test_an_observer_sees_the_decision_pages_but_changes_nothing(
    mismatched, sign_in, staff_db
) -> None:
    observer = sign_in("observer1")
    page = observer.get(SHEET.format("B1") + "/resolve")
    assert page.status_code == 200
    assert "Save the decision" not in page.text
    version = str(staff_db.version(2, "B1"))
    for path, data in [
        ("/resolve", {"version": version, "choice_invalid": "1"}),
        ("/send-back", {"version": version}),
        ("/annulment", {"version": version, "reason": "x"}),
    ]:
        assert observer.post(SHEET.format("B1") + path, data=data).status_code == 403
    assert staff_db.sheet(2, "B1").state == "mismatch"
