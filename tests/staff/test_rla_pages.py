"""The audit's staff pages and public report: a supervisor starts the audit of round 1 with the
seed, sees the draws and the retrieval list; a clerk enters a hand count; a wrong count shows
side by side; a correction needs a reason; supervisors draw more; the public report and its JSON
(the same JSON as `primaries rla status --json`)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from primaries.extensions import db
from primaries.models import Round

SEED = "31415926535897932384"
PAGE = "/staff/elections/test-2024/rounds/1/rla"
REPORTED = {
    "B1": (300, 4, 100, 90, 60, 46),
    "B2": (500, 5, 150, 160, 120, 65),
    "B3": (120, 0, 30, 46, 10, 34),
    "B4": (100, 1, 40, 20, 20, 19),
}


def count(branch: str, numbers: tuple[int, ...], reason: str = "") -> dict[str, str]:
    cast, invalid, a, b, c, d = numbers
    return {
        "branch": branch,
        "ballots_cast": str(cast),
        "invalid": str(invalid),
        "votes_AAA": str(a),
        "votes_BBB": str(b),
        "votes_CCC": str(c),
        "votes_DDD": str(d),
        "reason": reason,
    }


def status(runner: FlaskCliRunner) -> dict[str, Any]:
    db.session.rollback()
    result = runner.invoke(args=["rla", "status", "test-2024", "--round", "1", "--json"])
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout))


def test_the_ceremony_on_the_staff_pages(
    loaded: Any,
    sign_in: Callable[[str], FlaskClient],
    runner: FlaskCliRunner,
    client: FlaskClient,
) -> None:
    supervisor, clerk, observer = sign_in("super1"), sign_in("clerk1"), sign_in("observer1")
    assert "Start the audit" in supervisor.get(PAGE).text
    assert "Start the audit" not in clerk.get(PAGE).text
    refused = supervisor.post(f"{PAGE}/start", data={"risk_limit": "5", "seed": "123"})
    assert refused.status_code == 422 and "20 to 64" in refused.text
    assert clerk.post(f"{PAGE}/start", data={"risk_limit": "5", "seed": SEED}).status_code == 403
    started = supervisor.post(f"{PAGE}/start", data={"risk_limit": "5", "seed": SEED, "draws": "3"})
    assert started.status_code == 302
    state = status(runner)
    assert state["seed"] == SEED and len(state["draws"]) == 3
    drawn = sorted({d["branch"] for d in state["draws"]})
    page = observer.get(PAGE).text
    assert "Retrieval list" in page and all(code in page for code in drawn)
    assert "Draw more boxes" not in page and "Record the hand count" not in page
    listing = clerk.get(f"{PAGE}/retrieval").text
    assert all(code in listing for code in drawn) and "Times drawn" in listing

    # blind double entry: the first entry waits, the same account may not type the second
    second = sign_in("clerk2")
    cast, invalid, a, b, c, d = REPORTED[drawn[0]]
    wrong = (cast, invalid, a - 2, b + 2, c, d)
    assert clerk.post(f"{PAGE}/count", data=count(drawn[0], wrong)).status_code == 302
    assert "awaiting second entry" in supervisor.get(PAGE).text
    assert status(runner)["audited"] == 0
    again = clerk.post(f"{PAGE}/count", data=count(drawn[0], wrong))
    assert again.status_code == 409 and "another account" in again.text
    assert second.post(f"{PAGE}/count", data=count(drawn[0], wrong)).status_code == 302
    state = status(runner)
    assert state["audited"] == 1
    assert [x["branch"] for x in state["discrepancies"]] == [drawn[0]]
    page = supervisor.get(PAGE).text
    assert "rla-discrepancies" in page and str(a - 2) in page
    bad_sum = clerk.post(f"{PAGE}/count", data=count(drawn[0], (cast + 1, *wrong[1:])))
    assert bad_sum.status_code == 409
    counted = clerk.post(f"{PAGE}/count", data=count(drawn[0], REPORTED[drawn[0]]))
    assert counted.status_code == 409 and "supervisor" in counted.text
    not_theirs = clerk.post(f"{PAGE}/count", data=count(drawn[0], REPORTED[drawn[0]], "x"))
    assert not_theirs.status_code == 422
    fixed = supervisor.post(f"{PAGE}/count", data=count(drawn[0], REPORTED[drawn[0]], "recounted"))
    assert fixed.status_code == 302
    assert status(runner)["discrepancies"] == []
    for code in drawn[1:]:  # entries that differ: a mismatch the supervisor decides
        assert clerk.post(f"{PAGE}/count", data=count(code, REPORTED[code])).status_code == 302
        cast, invalid, a, b, c, d = REPORTED[code]
        typo = (cast, invalid, a - 1, b + 1, c, d)
        assert second.post(f"{PAGE}/count", data=count(code, typo)).status_code == 302
        assert "mismatch: a supervisor decides" in supervisor.get(PAGE).text
        third = sign_in("super2").post(f"{PAGE}/count", data=count(code, REPORTED[code]))
        assert third.status_code == 409 and "differ" in third.text
        decided = supervisor.post(f"{PAGE}/count", data=count(code, REPORTED[code], "sheet read"))
        assert decided.status_code == 302
    state = status(runner)
    assert state["audited"] == len(drawn) and state["discrepancies"] == []
    assert state["status"] == "escalate" and state["risk"] is not None

    assert clerk.post(f"{PAGE}/draw", data={"draws": "2"}).status_code == 403
    assert supervisor.post(f"{PAGE}/draw", data={"draws": "2"}).status_code == 302
    assert len(status(runner)["draws"]) == 5

    report = client.get("/elections/test-2024/rounds/1/audit")
    assert report.status_code == 200
    assert SEED in report.text and "Risk after this draw" in report.text
    hebrew = client.get(
        "/elections/test-2024/rounds/1/audit", headers={"Accept-Language": "he"}
    ).text
    assert 'dir="rtl"' in hebrew and "ביקורת מגבילת סיכון" in hebrew and "הסיכון אחרי" in hebrew
    download = client.get("/elections/test-2024/rounds/1/audit.json")
    assert download.status_code == 200 and download.mimetype == "application/json"
    assert json.loads(download.text) == status(runner)
    assert client.get("/elections/test-2024/rounds/2/audit").status_code == 404
    results = client.get("/elections/test-2024/rounds/1").text
    assert "/elections/test-2024/rounds/1/audit" in results and "more boxes" in results
    db.session.rollback()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_a_round_under_audit_may_not_be_reopened(
    loaded: Any, sign_in: Callable[[str], FlaskClient], runner: FlaskCliRunner
) -> None:
    supervisor = sign_in("super1")
    dashboard = "/staff/elections/test-2024/rounds/1"
    started = supervisor.post(f"{PAGE}/start", data={"risk_limit": "5", "seed": SEED})
    assert started.status_code == 302
    page = supervisor.get(dashboard).text  # starting the audit closed the round
    assert "Certify the round" in page and "Reopen for entry" not in page
    assert "under a risk-limiting audit" in page
    refused = supervisor.post(
        f"{dashboard}/reopen", data={"reopen-reason": "a box arrived late"}, follow_redirects=True
    )
    assert (
        "Nothing was changed: round 1 is under a risk-limiting audit "
        "(`primaries rla status test-2024 --round 1`)" in refused.text
    )
    db.session.rollback()
    assert db.session.scalar(select(Round.status).where(Round.number == 1)) == "closed"


def test_the_audit_page_says_its_status_in_the_readers_language(
    loaded: Any, sign_in: Callable[[str], FlaskClient]
) -> None:
    supervisor = sign_in("super1")
    supervisor.post(f"{PAGE}/start", data={"risk_limit": "5", "seed": SEED})
    english = supervisor.get(PAGE).text
    assert "in progress" in english
    assert "Count the drawn boxes by hand and enter the counts." in english
    hebrew = supervisor.get(f"{PAGE}?lang=he").text
    assert '<strong class="rla-status">בעיצומה</strong>' in hebrew
    assert "ספרו ביד את הקלפיות שהוגרלו והקלידו את הספירות." in hebrew
    assert "in_progress" not in hebrew and "in progress" not in hebrew
    assert "קלפי (סניף)" in hebrew and "Box (branch)" not in hebrew  # the form's labels too


def test_each_hint_is_read_with_its_field(
    loaded: Any, sign_in: Callable[[str], FlaskClient]
) -> None:
    """A field's hint stands under its label and is tied to the input (aria-describedby), and a
    refusal's message is read after it."""
    supervisor = sign_in("super1")
    page = supervisor.get(PAGE).text
    assert '<small class="help" id="seed-help">' in page
    assert re.search(r'<input aria-describedby="seed-help"[^>]*id="seed"', page)
    assert page.index('id="seed-help"') < page.index('id="seed"')
    refused = supervisor.post(f"{PAGE}/start", data={"risk_limit": "5", "seed": "123"}).text
    tag = re.search(r'<input[^>]*id="seed"[^>]*>', refused)
    assert tag is not None
    assert 'aria-describedby="seed-help seed-error"' in tag.group()
    assert 'aria-invalid="true"' in tag.group()
    assert 'id="seed-error"' in refused
