"""When results go public (issue 15, item 5): per round, live (the default), once complete or once
certified. Until then every public page, download and API answer about the round says it is
not published yet (404 with the words); the choice is a supervisor's or admin's, with a reason,
audited and checked by ``audit verify``; a runoff keeps the round before's choice."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from primaries.audit.data import verify_data
from primaries.changes import Actor
from primaries.core.rounds import Publishing, RoundStatus, is_published
from primaries.elections.rounds import certify_round, close_round
from primaries.elections.runoff import open_runoff
from primaries.elections.settings import set_publishing
from primaries.errors import Refused
from primaries.extensions import db
from primaries.models import AuditEvent, Round

R1 = "/elections/test-2024/rounds/1"
R2 = "/elections/test-2024/rounds/2"
PUBLIC_OF_ROUND_2 = (
    R2,
    f"{R2}/branches",
    f"{R2}/compare",
    f"{R2}/branches.csv",
    f"{R2}/branches.xlsx",
    f"{R2}/results-err.json",
    f"/api/v1{R2}",
    f"/api/v1{R2}/branches",
    "/elections/test-2024/package.json",
)


@pytest.mark.parametrize(
    ("publish", "status", "complete", "later", "expected"),
    [
        ("live", "open", False, False, True),
        ("complete", "open", False, False, False),
        ("complete", "open", True, False, True),
        ("complete", "closed", True, False, True),
        ("complete", "certified", False, False, True),
        ("certified", "open", True, False, False),
        ("certified", "closed", True, False, False),
        ("certified", "certified", True, False, True),
        ("certified", "open", False, True, True),  # a later round was opened from it
        ("complete", "open", False, True, True),
    ],
)
def test_the_rule(publish: str, status: str, complete: bool, later: bool, expected: bool) -> None:
    found = is_published(publish, status=status, complete=complete, has_later_round=later)
    assert found is expected


def runoff_with(publish: str) -> None:
    """Round 2 open with the given choice, one branch entered and counted by import."""
    from primaries.sheets.imports import import_sheets

    set_publishing("test-2024", 2, publish, "the committee decided", actor=Actor("admin1"))
    db.session.commit()
    import_sheets(
        "test-2024",
        2,
        b"branch,ballots_cast,invalid,AAA,BBB\nB1,300,4,150,146\n",
        actor=Actor("super1"),
    )
    db.session.commit()


def test_a_round_published_once_certified_is_hidden_until_then(
    runoff: Any, client: FlaskClient
) -> None:
    runoff_with(Publishing.CERTIFIED)
    for path in PUBLIC_OF_ROUND_2:
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert "not published yet" in answer.text, path
        assert "once the round is certified" in answer.text, path
    api = client.get(f"/api/v1{R2}").get_json()
    assert api == {
        "error": "The results of round 2 are not published yet: the committee publishes them "
        "once the round is certified."
    }
    election = client.get("/elections/test-2024").text
    assert "The results of round 2 are not published yet" in election
    round_2 = election.split('id="round-2"')[-1].split('<footer class="site">')[0]
    # not its votes; a whole number, since a hash in the footer may hold "150"
    assert re.search(r"\b150\b", round_2) is None
    assert client.get(R1).status_code == 200  # round 1 is published (a runoff followed it)
    round_ = db.session.scalar(select(Round).where(Round.number == 2))
    assert round_ is not None
    import_rest(round_)
    close_round(round_, actor=Actor("admin1"))
    db.session.commit()
    assert client.get(R2).status_code == 404  # complete and closed: still not certified
    certify_round(round_, actor=Actor("admin1"))
    db.session.commit()
    for path in PUBLIC_OF_ROUND_2:
        assert client.get(path).status_code == 200, path


def import_rest(round_: Round) -> None:
    from primaries.sheets.imports import import_sheets

    rows = "\n".join(f"B{i},100,0,50,50" for i in (2, 3, 4, 5))
    import_sheets(
        "test-2024",
        2,
        ("branch,ballots_cast,invalid,AAA,BBB\n" + rows + "\n").encode(),
        actor=Actor("super1"),
    )
    db.session.commit()


def test_a_round_published_once_complete(runoff: Any, client: FlaskClient) -> None:
    runoff_with(Publishing.COMPLETE)
    answer = client.get(R2)
    assert answer.status_code == 404 and "once every branch is counted" in answer.text
    round_ = db.session.scalar(select(Round).where(Round.number == 2))
    assert round_ is not None
    import_rest(round_)
    assert client.get(R2).status_code == 200
    assert client.get(f"/api/v1{R2}").get_json()["branches"]["pending"] == 0


def test_live_is_the_default_and_a_runoff_keeps_the_choice(loaded: Any) -> None:
    round_1 = db.session.scalar(select(Round).where(Round.number == 1))
    assert round_1 is not None and round_1.publish == Publishing.LIVE
    set_publishing("test-2024", 1, "certified", "a court case", actor=Actor("admin1"))
    db.session.commit()
    close_round(round_1, actor=Actor("admin1"))
    db.session.commit()
    certify_round(round_1, actor=Actor("admin1"))
    db.session.commit()
    open_runoff("test-2024", actor=Actor("admin1"))
    db.session.commit()
    round_2 = db.session.scalar(select(Round).where(Round.number == 2))
    assert round_2 is not None and round_2.publish == Publishing.CERTIFIED
    assert round_2.status == RoundStatus.OPEN
    assert verify_data() is None


def test_the_choice_is_audited_and_refusals_name_every_problem(loaded: Any) -> None:
    with pytest.raises(Refused) as refused:
        set_publishing("test-2024", 1, "tomorrow", " ", actor=Actor("admin1"))
    assert refused.value.problems == [
        "publish: 'tomorrow' is not one of live, complete, certified",
        "publishing: a change needs a reason",
    ]
    db.session.rollback()
    with pytest.raises(Refused, match="already published live: nothing changes"):
        set_publishing("test-2024", 1, "live", "again", actor=Actor("admin1"))
    db.session.rollback()
    version = db.session.scalar(select(Round.data_version).where(Round.number == 1))
    set_publishing("test-2024", 1, "complete", "wait for every box", actor=Actor("admin1"))
    db.session.commit()
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "round.publishing")
    ).one()
    assert (event.actor, event.round_number) == ("admin1", 1)
    assert event.before == {"publish": "live"}
    assert event.after == {"publish": "complete", "reason": "wait for every box"}
    assert db.session.scalar(select(Round.data_version).where(Round.number == 1)) == version + 1
    assert verify_data() is None
    db.session.execute(db.text("UPDATE rounds SET publish = 'live' WHERE number = 1"))
    found = verify_data()
    assert found is not None and "rounds.publish" in found and "complete" in found
    db.session.rollback()


def test_the_dashboard_chooses(
    loaded: Any, sign_in: Callable[[str], FlaskClient], client: FlaskClient
) -> None:
    supervisor = sign_in("super1")
    page = supervisor.get("/staff/elections/test-2024/rounds/1").text
    assert "Results go public: live, from the first counted sheet." in page
    assert "Published now." in page
    answer = supervisor.post(
        "/staff/elections/test-2024/rounds/1/publishing",
        data={"publishing-publish": "certified", "publishing-reason": "the court asked"},
    )
    assert answer.status_code == 302
    page = supervisor.get("/staff/elections/test-2024/rounds/1").text
    assert "go public once the round is certified" in page
    assert "Not published yet" in page
    assert client.get(R1).status_code == 404
    observer = sign_in("observer1")
    assert (
        "Change when results go public"
        not in observer.get("/staff/elections/test-2024/rounds/1").text
    )
    refused = observer.post(
        "/staff/elections/test-2024/rounds/1/publishing",
        data={"publishing-publish": "live", "publishing-reason": "x"},
    )
    assert refused.status_code == 403


def test_not_published_in_hebrew(runoff: Any, client: FlaskClient) -> None:
    runoff_with(Publishing.CERTIFIED)
    answer = client.get(R2 + "?lang=he")
    assert answer.status_code == 404
    assert "התוצאות של סבב 2 עדיין לא פורסמו: הוועדה תפרסם אותן כשהסבב יאושר." in answer.text
