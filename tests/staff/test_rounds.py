"""The round's life on the staff pages: close, reopen, certify, decertify, the runoff, the lot;
and the dashboard that shows it all."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from primaries.changes import Actor
from primaries.elections.lookup import get_election, get_round
from primaries.extensions import db
from primaries.sheets.imports import import_sheets

ROUND2 = "/staff/elections/test-2024/rounds/2"
ROUND1 = "/staff/elections/test-2024/rounds/1"


def import_round2(paper: dict[str, tuple[int, int, int, int]], *only: str) -> None:
    lines = ["branch,ballots_cast,invalid,AAA,BBB"]
    lines += [",".join(map(str, (b, *paper[b]))) for b in (only or paper)]
    import_sheets("test-2024", 2, "\n".join(lines).encode(), actor=Actor("test"))
    db.session.commit()


def status(number: int) -> str:
    db.session.rollback()
    return get_round(get_election("test-2024"), number).status


def flashed(client: FlaskClient, url: str) -> str:
    return client.get(url).text


def test_close_reopen_certify_decertify(runoff, sign_in, enter, paper, decide) -> None:
    supervisor, admin = sign_in("super1"), sign_in("admin1")
    early = supervisor.post(ROUND2 + "/certify")
    assert "must be closed before it is certified" in flashed(supervisor, early.location)
    supervisor.post(ROUND2 + "/close")
    assert status(2) == "closed"
    # Where the round stands, the next step's button alone, reopening as the other way out
    page = supervisor.get(ROUND2).text
    assert '<li class="current" aria-current="step">Closed: entry has stopped' in page
    assert page.index("Certify the round") < page.index("Or reopen the round for entry")
    assert '<details class="other-step">' in page
    refused = supervisor.post(ROUND2 + "/certify")
    page = flashed(supervisor, refused.location)
    assert "5 of 5 branches are neither counted nor annulled" in page
    assert status(2) == "closed"
    no_reason = supervisor.post(ROUND2 + "/reopen", data={"reopen-reason": ""})
    assert "a reason is needed" in flashed(supervisor, no_reason.location)
    supervisor.post(ROUND2 + "/reopen", data={"reopen-reason": "late sheets arrived"})
    assert status(2) == "open"

    import_round2(paper)
    supervisor.post(ROUND2 + "/close")
    # B4's BBB went from 20% to 51% since round 1 (a red flag): held until a supervisor clears it
    held = supervisor.post(ROUND2 + "/certify")
    assert "1 box is held for review by red flags" in flashed(supervisor, held.location)
    assert status(2) == "closed"
    supervisor.post(ROUND2 + "/reviews/B4/clear", data={"clear-reason": "paper checked: 49/50"})
    supervisor.post(ROUND2 + "/certify")
    assert status(2) == "certified"
    page = supervisor.get(ROUND2).text
    assert "Certified</strong> by super1" in page
    assert "SHA-256 of the result" in page
    assert "Four eyes was on when it was certified." in page
    # A certified round refuses every change.
    refused = enter(sign_in("clerk1"), "B1", paper["B1"])
    assert refused.status_code == 409
    assert "round 2 is certified: an admin must decertify it first" in refused.text
    annul = supervisor.post(
        ROUND2 + "/sheets/B1/annulment", data={"version": "2", "reason": "late complaint"}
    )
    assert annul.status_code == 409
    # Only an admin decertifies, with a reason.
    assert supervisor.post(ROUND2 + "/decertify", data={"decertify-reason": "x"}).status_code == 403
    admin.post(ROUND2 + "/decertify", data={"decertify-reason": ""})
    assert status(2) == "certified"
    admin.post(ROUND2 + "/decertify", data={"decertify-reason": "party court order 3/24"})
    assert status(2) == "certified"  # four eyes: a request a second supervisor or admin approves
    assert decide("admin1").status_code == 302  # not by the admin who asked
    assert status(2) == "certified"
    decide("super1")
    assert status(2) == "closed"
    # The public page says the certificate was withdrawn, and why (issue 14, finding 6).
    public = FlaskClient(admin.application).get("/elections/test-2024/rounds/2").text
    assert "the committee withdrew the certificate of this round" in public
    assert "party court order 3/24" in public
    assert "Provisional result" in public
    assert "the count is closed and awaits certification" in public
    assert "counting: this page updates itself" not in public
    # Certified again: the notice goes.
    supervisor.post(ROUND2 + "/certify")
    assert status(2) == "certified"
    public = FlaskClient(admin.application).get("/elections/test-2024/rounds/2").text
    assert "withdrew the certificate" not in public


def test_the_runoff_is_opened_from_a_certified_round_with_its_date(loaded, sign_in) -> None:
    supervisor = sign_in("super1")
    early = supervisor.post("/staff/elections/test-2024/runoff", data={"held_on": "2024-03-08"})
    assert early.status_code == 409
    assert "round 1 must be certified before the runoff is opened" in early.text
    supervisor.post(ROUND1 + "/close")
    supervisor.post(ROUND1 + "/certify")
    assert status(1) == "certified"
    dashboard = supervisor.get(ROUND1).text
    assert "Open the runoff" in dashboard
    page = supervisor.get("/staff/elections/test-2024/runoff").text
    assert "Runoff between <strong>Alice Aharoni and Boaz Ben-David</strong>" in page
    no_date = supervisor.post("/staff/elections/test-2024/runoff", data={"held_on": ""})
    assert no_date.status_code == 422
    assert "Give the date the runoff is held." in no_date.text
    opened = supervisor.post("/staff/elections/test-2024/runoff", data={"held_on": "2024-03-08"})
    assert opened.status_code == 302
    assert opened.location.endswith("/staff/elections/test-2024/rounds/2")
    round2 = get_round(get_election("test-2024"), 2)
    assert round2.held_on.isoformat() == "2024-03-08"
    assert [rc.candidate.code for rc in round2.ballot] == ["AAA", "BBB"]
    again = supervisor.post("/staff/elections/test-2024/runoff", data={"held_on": "2024-03-09"})
    assert again.status_code == 409


def test_a_lot_is_recorded_when_the_outcome_needs_one(runoff, sign_in, client) -> None:
    import_round2({"B1": (300, 0, 150, 150)})
    supervisor = sign_in("super1")
    assert "Record the lot" in supervisor.get(ROUND2).text
    page = supervisor.get(ROUND2 + "/lot").text
    assert "1 place" in page and "Alice Aharoni" in page and "Boaz Ben-David" in page
    twice = supervisor.post(ROUND2 + "/lot", data={"place_1": "BBB", "place_2": "BBB"})
    assert twice.status_code == 422
    assert "Each candidate is drawn once: BBB is chosen twice." in twice.text
    recorded = supervisor.post(
        ROUND2 + "/lot", data={"place_1": "BBB", "place_2": "AAA", "note": "drawn by the chair"}
    )
    assert recorded.status_code == 302
    outcome = client.get("/api/v1/elections/test-2024/rounds/2").get_json()["outcome"]
    assert outcome["status"] == "winner" and outcome["winner"] == "BBB"
    assert "No lot is needed now" in supervisor.get(ROUND2 + "/lot").text
    assert supervisor.post(ROUND2 + "/lot", data={"place_1": "AAA"}).status_code == 409


def test_the_dashboard_counts_filters_and_lists(runoff, sign_in, enter, paper, decide) -> None:
    clerk1, clerk2 = sign_in("clerk1"), sign_in("clerk2")
    enter(clerk1, "B1", paper["B1"])  # awaiting
    enter(clerk1, "B2", paper["B2"])
    enter(clerk2, "B2", (500, 5, 245, 250))  # mismatch
    enter(clerk1, "B3", paper["B3"])
    enter(clerk2, "B3", paper["B3"])  # counted
    supervisor = sign_in("super1")
    supervisor.post(
        ROUND2 + "/sheets/B5/annulment", data={"version": "0", "reason": "observers removed"}
    )
    decide("admin1")
    page = supervisor.get(ROUND2).text
    for n, label in [
        (1, "not entered"),
        (1, "awaiting second entry"),
        (1, "mismatch"),
        (1, "counted"),
        (1, "annulled"),
    ]:
        assert f'<span class="n">{n}</span> {label}' in page
    assert "4 of 5 branches are neither counted nor annulled" not in page
    assert "3 of 5 branches are neither counted nor annulled (2 awaiting a second entry" in page
    mismatches = supervisor.get(ROUND2 + "?state=mismatch").text
    assert "<caption>1 branch</caption>" in mismatches
    assert "/sheets/B2/resolve" in mismatches
    south = supervisor.get(ROUND2 + "?region=South").text
    assert "Yeruham" in south and "Haifa" not in south
    search = supervisor.get(ROUND2 + "?q=tel+aviv").text
    assert "Tel Aviv - Center" in search and "Yeruham" not in search
    # Per-clerk statistics: clerk2's B2 entry differs from nothing yet (unsettled).
    stats: dict[str, Any] = {}
    supervisor.post(
        ROUND2 + "/sheets/B2/resolve",
        data={"version": "3", "choice_votes_AAA": "1", "choice_votes_BBB": "1"},
    )
    page = supervisor.get(ROUND2).text
    rows = page.split('id="clerks"')[1]
    stats["clerk1"] = rows.split("clerk1")[1].split("</tr>")[0]
    stats["clerk2"] = rows.split("clerk2")[1].split("</tr>")[0]
    nums = {k: [c.split("<")[0] for c in v.split('class="num">')[1:]] for k, v in stats.items()}
    assert nums["clerk1"] == ["3", "2", "0", "1"]  # B1 awaiting, B2 and B3 match the count
    assert nums["clerk2"] == ["2", "1", "1", "0"]  # B2 differed


def test_an_observer_sees_the_dashboard_without_buttons(runoff, sign_in) -> None:
    observer = sign_in("observer1")
    page = observer.get(ROUND2)
    assert page.status_code == 200
    assert "Close the round" not in page.text
    assert observer.post(ROUND2 + "/close").status_code == 403
    assert status(2) == "open"


def test_the_dashboard_says_leading_until_every_branch_is_in(runoff, sign_in, paper) -> None:
    """Issue 14, finding 4: no "Winner" while branches are still pending."""
    supervisor = sign_in("super1")
    import_round2(paper, "B1", "B2")
    page = supervisor.get(ROUND2).text
    assert "Leading so far:" in page
    assert "Winner:" not in page
    assert "(3 of 5 branches still pending)" in page
    import_round2(paper)
    page = supervisor.get(ROUND2).text
    assert "Winner:" in page
    assert "Leading so far:" not in page
