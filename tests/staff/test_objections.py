"""Objections (issue 13, item 4): an observer files one about a branch's count; a supervisor or
admin who did not file it decides it with a reason; an open one blocks certification; once the
round is certified the public page lists each branch's objections and decisions without who
filed them; each step is audited and checked by ``audit verify``."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from primaries.audit.data import verify_data
from primaries.changes import Actor
from primaries.elections.objections import decide_objection, file_objection
from primaries.elections.rounds import certify_round, close_round
from primaries.errors import Refused
from primaries.extensions import db
from primaries.models import AuditEvent, Objection, Round, User
from tests.results.conftest import text_of

PAGE = "/staff/elections/test-2024/rounds/1/objections"
DASHBOARD = "/staff/elections/test-2024/rounds/1"
WORDS = "Voters were escorted to the booth by a branch official, 18:40; two observers saw it."


def round_1() -> Round:
    db.session.rollback()
    found = db.session.scalar(select(Round).where(Round.number == 1))
    assert found is not None
    return found


def account(name: str) -> Actor:
    """The named account as the services' actor (verify checks the accounts events name)."""
    user = db.session.scalar(select(User).where(User.username == name))
    assert user is not None
    return Actor.of(user)


def objection_id(page: str) -> int:
    found = re.search(r'id="objection-(\d+)"', page)
    assert found is not None
    return int(found.group(1))


def test_an_observer_files_and_a_supervisor_decides(
    loaded: Any, sign_in: Callable[[str], FlaskClient], client: FlaskClient
) -> None:
    observer, supervisor = sign_in("observer1"), sign_in("super1")
    answer = observer.post(PAGE, data={"branch": "B2", "text": WORDS})
    assert answer.status_code == 302
    page = observer.get(PAGE).text
    assert "The objection about B2 is filed" in page and WORDS in page
    assert "not decided yet" in page and 'name="decide-reason"' not in page
    dashboard = text_of(supervisor.get(DASHBOARD).text)
    assert "1 objection is not decided yet" in dashboard and "1 not decided" in dashboard
    close_round(round_1(), actor=account("admin1"))
    db.session.commit()
    with pytest.raises(Refused, match="1 objection is not decided yet"):
        certify_round(round_1(), actor=account("admin1"))
    db.session.rollback()

    number = objection_id(supervisor.get(PAGE).text)
    assert observer.post(f"{PAGE}/{number}/decide", data={}).status_code == 403
    decided = supervisor.post(
        f"{PAGE}/{number}/decide",
        data={"decide-decision": "dismissed", "decide-reason": "the official was the chair"},
    )
    assert decided.status_code == 302
    page = supervisor.get(PAGE).text
    assert f"Objection #{number} is decided." in page
    assert "dismissed</strong>: the official was the chair" in page
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action.like("objection.%")).order_by(AuditEvent.seq)
    ).all()
    assert [(e.action, e.actor, e.branch) for e in events] == [
        ("objection.file", "observer1", "B2"),
        ("objection.decide", "super1", "B2"),
    ]
    assert events[1].after == {
        "objection": number,
        "decision": "dismissed",
        "reason": "the official was the chair",
    }
    certify_round(round_1(), actor=account("admin1"))
    db.session.commit()
    assert verify_data() is None

    public = client.get("/elections/test-2024/rounds/1").text
    assert "Objections and the committee’s decisions" in public
    assert WORDS in public and "dismissed: the official was the chair" in text_of(public)
    assert "observer1" not in public and "super1" not in public


def test_refusals_name_every_problem_and_change_nothing(loaded: Any, accounts: Any) -> None:
    with pytest.raises(Refused) as refused:
        file_objection("test-2024", 1, "NOPE", "  ", actor=account("observer1"))
    assert refused.value.problems == [
        "branch: test-2024 has no branch 'NOPE'",
        "objection: say what happened",
    ]
    db.session.rollback()
    filed = file_objection("test-2024", 1, "B1", WORDS, actor=account("observer1"))
    db.session.commit()
    number = filed.id
    with pytest.raises(Refused) as refused:
        decide_objection(number, "burned", "", actor=account("observer1"))
    assert refused.value.problems == [
        "decision: 'burned' is not one of dismissed, recount_ordered, box_annulled",
        f"objection #{number} is yours: another person decides it",
        "reason: say why",
    ]
    db.session.rollback()
    decide_objection(number, "recount_ordered", "the box is recounted", actor=account("super1"))
    db.session.commit()
    with pytest.raises(Refused, match="is already decided \\(recount ordered by super1\\)"):
        decide_objection(number, "dismissed", "again", actor=account("admin1"))
    db.session.rollback()
    objection = db.session.get(Objection, number)
    assert objection is not None and objection.decision == "recount_ordered"
    close_round(round_1(), actor=account("admin1"))
    db.session.commit()
    certify_round(round_1(), actor=account("admin1"))
    db.session.commit()
    with pytest.raises(Refused, match="round 1 is certified: objections are filed before"):
        file_objection("test-2024", 1, "B1", "late", actor=account("observer1"))
    db.session.rollback()


def test_verify_names_an_objection_changed_behind_the_back(loaded: Any, accounts: Any) -> None:
    file_objection("test-2024", 1, "B1", WORDS, actor=account("observer1"))
    db.session.commit()
    assert verify_data() is None
    db.session.execute(db.text("UPDATE objections SET text = 'nothing happened'"))
    found = verify_data()
    assert found is not None
    assert "the objections of round 1 of test-2024" in found and "objections row 1: text" in found
    db.session.rollback()
    db.session.execute(db.text("DELETE FROM objections"))
    found = verify_data()
    assert found is not None and "table says no such row" in found
    db.session.rollback()


def test_who_may_file_and_decide(loaded: Any, sign_in: Callable[[str], FlaskClient]) -> None:
    assert sign_in("clerk1").get(PAGE).status_code == 403
    assert sign_in("clerk1").post(PAGE, data={"branch": "B1", "text": "x"}).status_code == 403
    admin = sign_in("admin1")
    assert admin.post(PAGE, data={"branch": "B1", "text": WORDS}).status_code == 302
    page = admin.get(PAGE).text
    assert 'name="decide-reason"' not in page  # the one who filed it may not decide it
    assert 'name="decide-reason"' in sign_in("super1").get(PAGE).text
    refused = admin.post(PAGE, data={"branch": "B1", "text": ""})
    assert refused.status_code == 422 and "Say what happened." in refused.text


def test_the_objections_page_in_hebrew(loaded: Any, sign_in: Callable[[str], FlaskClient]) -> None:
    page = sign_in("observer1").get(PAGE + "?lang=he").text
    assert "הגשת השגה" in page and "File an objection" not in page


def test_an_objection_with_a_photo(
    loaded: Any, sign_in: Callable[[str], FlaskClient], app: Any, tmp_path: Any
) -> None:
    """Issue 13, item 4: "optionally a document or photo": checked and stored as a sheet's
    photo is (its location removed), shown to the committee and observers, in the audit chain."""
    from io import BytesIO

    from tests.staff.test_photos import jpeg_with_location

    app.config["PHOTO_DIR"] = str(tmp_path / "photos")
    observer = sign_in("observer1")
    answer = observer.post(
        PAGE,
        data={
            "branch": "B2",
            "text": WORDS,
            "attachment": (BytesIO(jpeg_with_location()), "a.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert answer.status_code == 302, answer.text
    objection = db.session.scalars(select(Objection)).one()
    assert objection.attachment_type == "image/jpeg" and objection.attachment_sha256
    page = observer.get(PAGE).text
    link = f"{PAGE}/{objection.id}/attachment"
    assert link in page
    served = sign_in("super1").get(link)
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert b"Haifa" not in served.data  # the metadata is gone
    assert served.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert sign_in("clerk1").get(link).status_code == 403
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "objection.file")
    ).one()
    assert event.after["attachment"]["sha256"] == objection.attachment_sha256
    assert verify_data() is None
    objection.attachment_sha256 = "0" * 64
    db.session.commit()
    found = verify_data()
    assert found is not None and "attachment" in found


def test_a_bad_attachment_is_refused_with_the_rest(loaded: Any, accounts: Any) -> None:
    with pytest.raises(Refused) as refused:
        file_objection(
            "test-2024",
            1,
            "B2",
            "",
            actor=account("observer1"),
            attachment=b"MZ\x90\x00 not a photo",
        )
    problems = refused.value.problems
    assert problems[0] == "objection: say what happened"
    assert problems[1].startswith("attachment: ")
    db.session.rollback()
    assert db.session.scalar(select(Objection.id)) is None
