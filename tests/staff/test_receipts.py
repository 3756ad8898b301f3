"""Paper received (issue 15, item 4): a clerk marks a box's signed sheet received by its code, its
name or its scanned QR link, with who brought it; twice is refused naming who marked it; a
supervisor withdraws a receipt with a reason (a new row, never a deletion); the page and the
dashboard show, by region, boxes entered, reported and received, and the papers still missing;
every step is an audit event."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from primaries.changes import Actor
from primaries.elections.receipts import mark_received, withdraw_receipt
from primaries.errors import Refused
from primaries.extensions import db
from primaries.models import AuditEvent, PaperReceipt
from tests.results.conftest import text_of

PAGE = "/staff/elections/test-2024/rounds/1/paper-received"


def events(action: str) -> list[AuditEvent]:
    db.session.rollback()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def totals(page: str) -> tuple[int, int]:
    received = re.search(r'id="paper-received-total">(\d+)<', page)
    missing = re.search(r'id="paper-missing-total">(\d+)<', page)
    assert received is not None and missing is not None
    return int(received.group(1)), int(missing.group(1))


def test_a_clerk_marks_papers_as_they_arrive(
    loaded: Any, sign_in: Callable[[str], FlaskClient]
) -> None:
    clerk = sign_in("clerk1")
    page = clerk.get(PAGE).text
    assert totals(page) == (0, 5)
    assert "reported without its paper" in page  # round 1's sheets count, no paper yet
    answer = clerk.post(PAGE, data={"branch": "B1", "delivered_by": "Dana, the box's chair"})
    assert answer.status_code == 302
    page = clerk.get(PAGE).text
    assert "The signed sheet of B1 is marked received." in page
    assert totals(page) == (1, 4)
    assert "received (brought by Dana, the box's chair) clerk1" in text_of(page)
    event = events("paper.received")[0]
    assert (event.actor, event.branch, event.round_number) == ("clerk1", "B1", 1)
    assert event.after == {"delivered_by": "Dana, the box's chair"}
    # by the scanned link of the printed sheet, and by a unique part of a name
    link = "http://localhost/staff/elections/test-2024/rounds/1/sheets/B2"
    assert clerk.post(PAGE, data={"branch": link}).status_code == 302
    assert totals(clerk.get(PAGE).text) == (2, 3)
    assert clerk.post(PAGE, data={"branch": "Yeruham"}).status_code == 302
    assert [e.branch for e in events("paper.received")] == ["B1", "B2", "B3"]


def test_a_paper_marked_twice_or_unknown_is_refused_and_nothing_changes(
    loaded: Any, sign_in: Callable[[str], FlaskClient]
) -> None:
    clerk = sign_in("clerk1")
    assert clerk.post(PAGE, data={"branch": "B1"}).status_code == 302
    again = sign_in("clerk2").post(PAGE, data={"branch": "B1"})
    assert again.status_code == 422
    assert "B1: its paper was already marked received by clerk1 at" in again.text
    unknown = clerk.post(PAGE, data={"branch": "ZZZ9"})
    assert unknown.status_code == 422 and "No branch of this election" in unknown.text
    other_round = clerk.post(
        PAGE, data={"branch": "http://x/staff/elections/test-2024/rounds/2/sheets/B1"}
    )
    assert other_round.status_code == 422 and "This sheet is of round 2" in other_round.text
    empty = clerk.post(PAGE, data={"branch": ""})
    assert empty.status_code == 422 and "Type the box" in empty.text
    db.session.rollback()
    assert db.session.scalar(select(func.count(PaperReceipt.id))) == 1
    assert len(events("paper.received")) == 1


def test_a_supervisor_withdraws_a_receipt_with_a_reason(
    loaded: Any, sign_in: Callable[[str], FlaskClient]
) -> None:
    clerk, supervisor = sign_in("clerk1"), sign_in("super1")
    clerk.post(PAGE, data={"branch": "B3"})
    withdraw = f"{PAGE}/B3/withdraw"
    assert clerk.post(withdraw, data={"withdraw-reason": "wrong box"}).status_code == 403
    page = supervisor.get(PAGE).text
    assert "Withdraw the receipt" in page
    supervisor.post(withdraw, data={"withdraw-reason": ""})
    assert totals(supervisor.get(PAGE).text) == (1, 4)  # no reason: nothing changed
    answer = supervisor.post(withdraw, data={"withdraw-reason": "scanned the wrong box"})
    assert answer.status_code == 302
    page = supervisor.get(PAGE).text
    assert totals(page) == (0, 5)
    assert "receipt withdrawn: scanned the wrong box" in page
    db.session.rollback()
    rows = db.session.scalars(select(PaperReceipt).order_by(PaperReceipt.id)).all()
    assert [(r.received, r.actor, r.reason) for r in rows] == [
        (True, "clerk1", None),
        (False, "super1", "scanned the wrong box"),
    ]
    event = events("paper.withdrawn")[0]
    assert event.before == {"received_by": "clerk1", "delivered_by": None}
    assert event.after == {"reason": "scanned the wrong box"}
    # withdrawn: it can be marked again; a paper not marked cannot be withdrawn
    assert clerk.post(PAGE, data={"branch": "B3"}).status_code == 302
    supervisor.post(f"{PAGE}/B4/withdraw", data={"withdraw-reason": "why not"})
    assert "B4: its paper is not marked received" in supervisor.get(PAGE).text


def test_the_service_names_every_problem(loaded: Any) -> None:
    with pytest.raises(Refused) as refused:
        withdraw_receipt("test-2024", 1, "B1", "  ", actor=Actor("test"))
    assert refused.value.problems == [
        "reason: withdrawing a receipt needs a reason",
        "B1: its paper is not marked received",
    ]
    db.session.rollback()
    with pytest.raises(Refused, match="branch: test-2024 has no branch 'NOPE'"):
        mark_received("test-2024", 1, "NOPE", actor=Actor("test"))
    db.session.rollback()
    with pytest.raises(Refused, match="delivered by: at most 200 characters"):
        mark_received("test-2024", 1, "B1", actor=Actor("test"), delivered_by="x" * 201)
    db.session.rollback()
    mark_received("test-2024", 1, "B1", actor=Actor("cli:root"), delivered_by="  ")
    db.session.commit()
    row = db.session.scalars(select(PaperReceipt)).one()
    assert (row.delivered_by, row.actor, row.user_id) == (None, "cli:root", None)


def test_the_dashboard_counts_the_paper(loaded: Any, sign_in: Callable[[str], FlaskClient]) -> None:
    sign_in("clerk1").post(PAGE, data={"branch": "B1"})
    supervisor = sign_in("super1")
    page = text_of(supervisor.get("/staff/elections/test-2024/rounds/1").text)
    assert "Signed sheets received on paper: 1 of 5 (4 missing)." in page
    observer = sign_in("observer1").get(PAGE).text
    assert "Mark the paper received" not in observer and "Withdraw the receipt" not in observer
    assert sign_in("observer1").post(PAGE, data={"branch": "B2"}).status_code == 403


def test_the_paper_page_in_hebrew(loaded: Any, sign_in: Callable[[str], FlaskClient]) -> None:
    page = sign_in("clerk1").get(PAGE + "?lang=he").text
    assert "קבלת הגיליונות" in page and "גיליונות שעדיין חסרים" in page
    assert "Mark the paper received" not in page and "Papers still missing" not in page
