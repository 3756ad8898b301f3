"""Two people saving the same sheet at the same moment never both win (on both databases).

Each thread has its own test client, so its own requests, app contexts and database sessions;
a barrier releases both saves together.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

from primaries.extensions import db
from primaries.models import AuditEvent

URL = "/staff/elections/test-2024/rounds/2/sheets/B1"
STALE = "this sheet changed while you were editing it"


def together(*saves: Callable[[], Any]) -> list[Any]:
    barrier = threading.Barrier(len(saves))
    answers: list[Any] = [None] * len(saves)
    errors: list[BaseException] = []

    def run(index: int, save: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=20)
            answers[index] = save()
        except BaseException as exc:  # reported by the test thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, s)) for i, s in enumerate(saves)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return answers


def version_in(page: str) -> str:
    found = re.search(r'<input[^>]*name="version"[^>]*value="(\d+)"', page)
    assert found
    return found.group(1)


def numbers(cast: int, invalid: int, a: int, b: int) -> dict[str, str]:
    return {
        "ballots_cast": str(cast),
        "invalid": str(invalid),
        "votes_AAA": str(a),
        "votes_BBB": str(b),
    }


def test_two_first_entries_at_once_one_wins_the_other_is_told_and_keeps_its_numbers(
    runoff, sign_in, staff_db
) -> None:
    clients: list[FlaskClient] = [sign_in("clerk1"), sign_in("clerk2")]
    versions = [version_in(c.get(URL).text) for c in clients]
    assert versions == ["0", "0"]
    typed = [numbers(300, 4, 150, 146), numbers(300, 4, 150, 146)]
    answers = together(
        *(
            (lambda c=c, v=v, t=t: c.post(URL, data={"version": v, **t}))
            for c, v, t in zip(clients, versions, typed, strict=True)
        )
    )
    codes = sorted(a.status_code for a in answers)
    assert codes == [302, 409], codes
    loser = next(a for a in answers if a.status_code == 409)
    assert STALE in loser.text
    # Nothing is lost: the loser's numbers are still in the form, with the sheet's new version.
    assert 'value="146"' in loser.text
    assert version_in(loser.text) == str(staff_db.version(2, "B1"))
    assert staff_db.entries("entry") == 1
    assert staff_db.sheet(2, "B1").state == "awaiting_second"
    # Saving the kept numbers again makes them the (blind) second entry: the sheet counts.
    loser_client = clients[[a.status_code for a in answers].index(409)]
    again = loser_client.post(
        URL, data={"version": version_in(loser.text), **numbers(300, 4, 150, 146)}
    )
    assert again.status_code == 302
    assert staff_db.sheet(2, "B1").state == "counted"


def test_two_supervisors_deciding_one_mismatch_at_once(
    runoff, sign_in, enter, paper, staff_db
) -> None:
    enter(sign_in("clerk1"), "B1", paper["B1"])
    enter(sign_in("clerk2"), "B1", (300, 4, 146, 150))
    supervisors = [sign_in("super1"), sign_in("super2")]
    version = str(staff_db.version(2, "B1"))
    decisions = [
        {"version": version, "choice_votes_AAA": "1", "choice_votes_BBB": "1"},
        {"version": version, "choice_votes_AAA": "2", "choice_votes_BBB": "2"},
    ]
    answers = together(
        *(
            (lambda s=s, d=d: s.post(URL + "/resolve", data=d))
            for s, d in zip(supervisors, decisions, strict=True)
        )
    )
    codes = sorted(a.status_code for a in answers)
    assert codes in ([302, 302], [302, 409]), codes
    # The first decision counts; the second found the sheet changed (or no longer in mismatch:
    # it is then sent back to the sheet page, which says it counts).
    assert staff_db.entries("resolution") == 1
    db.session.rollback()
    assert db.session.query(AuditEvent).filter_by(action="sheet.resolve").count() == 1


def test_a_correction_and_an_annulment_at_once(
    four_eyes_off, sign_in, enter, paper, staff_db
) -> None:
    """With four eyes off each takes effect at once: the second finds the sheet changed."""
    enter(sign_in("clerk1"), "B2", paper["B2"])
    enter(sign_in("clerk2"), "B2", paper["B2"])
    version = str(staff_db.version(2, "B2"))
    url = "/staff/elections/test-2024/rounds/2/sheets/B2"
    super1, super2 = sign_in("super1"), sign_in("super2")
    answers = together(
        lambda: super1.post(
            url + "/correct",
            data={"version": version, "reason": "recount", **numbers(500, 5, 240, 255)},
        ),
        lambda: super2.post(url + "/annulment", data={"version": version, "reason": "stuffed"}),
    )
    assert sorted(a.status_code for a in answers) == [302, 409]
    assert STALE in next(a for a in answers if a.status_code == 409).text
    sheet = staff_db.sheet(2, "B2")
    assert (sheet.counted_entry.kind == "correction") != sheet.annulled


def test_two_approvals_of_one_request_at_once_make_the_change_once(
    runoff, sign_in, enter, paper, staff_db
) -> None:
    """Four eyes: a correction asked by super1; super2 and admin1 approve it at the same moment.
    One approval makes it; the other is told it was already approved, and nothing happens twice."""
    from primaries.models import ChangeRequest

    enter(sign_in("clerk1"), "B2", paper["B2"])
    enter(sign_in("clerk2"), "B2", paper["B2"])
    url = "/staff/elections/test-2024/rounds/2/sheets/B2"
    asked = sign_in("super1").post(
        url + "/correct",
        data={
            "version": str(staff_db.version(2, "B2")),
            "reason": "recount",
            **numbers(500, 5, 240, 255),
        },
    )
    assert asked.status_code == 302
    db.session.rollback()
    request_id = db.session.query(ChangeRequest).one().id
    approvers = [sign_in("super2"), sign_in("admin1")]
    answers = together(
        *(
            (lambda c=c: c.post(f"/staff/requests/{request_id}/approve", data={"note": ""}))
            for c in approvers
        )
    )
    assert [a.status_code for a in answers] == [302, 302]
    told = [c.get("/staff/requests").text for c in approvers]
    assert sum(f"request #{request_id} is already approved" in page for page in told) == 1
    assert staff_db.entries("correction") == 1
    db.session.rollback()
    assert db.session.query(AuditEvent).filter_by(action="sheet.correct").count() == 1
    assert db.session.query(AuditEvent).filter_by(action="request.approve").count() == 1
