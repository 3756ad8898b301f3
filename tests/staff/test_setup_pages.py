"""An election set up in the browser (issue 15, item 1): an admin creates one from nothing, with
the same checks as ``primaries load`` said by the form's fields and lines; changes its definition
until the first sheet is entered (audited, proven by ``audit verify``); anyone who reads the count
downloads its package at any time."""

from __future__ import annotations

import html
import io
import json
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select, text, update

from primaries.extensions import db
from primaries.models import AuditEvent, Branch, Election
from tests.workbooks import xlsx

NEW = "/staff/elections/new"
SETUP = "/staff/elections/setup-2026/setup"


def form(**changes: Any) -> dict[str, Any]:
    data = {
        "slug": "setup-2026",
        "name": "Party primary, 2026",
        "name_he": "פריימריז 2026",
        "name_ar": "",
        "name_en": "",
        "held_on": "2026-03-10",
        "threshold_percent": "40",
        "threshold_inclusive": "y",
        "threshold_basis": "valid",
        "runoff_size": "2",
        "double_entry": "y",
        "candidates": 'AAA, Alice Avni, אליס אבני\nBBB, Boaz Bar\r\n\nCCC, "Cohen, Chen"',
        "branches": "code,name,region,eligible\nB1,North one,North,100\nB2,South one,,250\n",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


EXPECTED = {
    "format": "primaries/election@1",
    "election": {
        "slug": "setup-2026",
        "name": "Party primary, 2026",
        "names": {"he": "פריימריז 2026"},
        "rules": {
            "threshold_percent": "40",
            "threshold_inclusive": True,
            "threshold_basis": "valid",
            "runoff_size": 2,
            "double_entry": True,
        },
        "candidates": [
            {"code": "AAA", "name": "Alice Avni", "names": {"he": "אליס אבני"}},
            {"code": "BBB", "name": "Boaz Bar"},
            {"code": "CCC", "name": "Cohen, Chen"},
        ],
        "branches": [
            {"code": "B1", "name": "North one", "region": "North", "eligible": 100},
            {"code": "B2", "name": "South one", "region": None, "eligible": 250},
        ],
    },
    "rounds": [{"number": 1, "held_on": "2026-03-10", "sheets": []}],
}


def package_of(client: FlaskClient) -> dict[str, Any]:
    response = client.get(SETUP + "/package.json")
    assert response.status_code == 200, response.text
    assert response.headers["Content-Disposition"].endswith('"setup-2026-package.json"')
    result: dict[str, Any] = response.json
    return result


def verify(runner: Any) -> Any:
    db.session.remove()
    return runner.invoke(args=["audit", "verify"])


def test_an_admin_sets_an_election_up_as_load_would(sign_in: Any, runner: Any) -> None:
    admin = sign_in("admin1")
    assert "Set up a new election" in admin.get("/staff/").text
    page = admin.get(NEW).text
    assert 'value="40"' in page and "Labor" in page
    response = admin.post(NEW, data=form())
    assert response.status_code == 302, response.text
    assert response.headers["Location"].endswith(SETUP)
    assert package_of(admin) == EXPECTED
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "election.load")).one()
    assert (event.actor, event.election) == ("admin1", "setup-2026")
    # The same package through `primaries load` is refused only because the slug exists
    assert verify(runner).exit_code == 0
    page = admin.get(SETUP).text
    assert "Alice Avni,אליס אבני" in page and "B2,South one,,250" in page


def test_every_problem_is_named_by_its_field_and_line(sign_in: Any) -> None:
    admin = sign_in("admin1")
    response = admin.post(
        NEW,
        data=form(
            slug="Bad Slug",
            threshold_percent="forty",
            runoff_size="1",
            candidates="AAA, Alice\nbb b, Boaz\nAAA, Again",
            branches="code,name,region,eligible\nB1,One,,10\nB2,Two,,-4\n",
        ),
    )
    assert response.status_code == 422
    page = response.text
    # A branch's own problem is reported first (the file's problems stop the rest)
    assert "Branches, line 3: eligible:" in page
    assert db.session.scalar(select(Election.id)) is None
    response = admin.post(
        NEW,
        data=form(
            slug="Bad Slug",
            threshold_percent="forty",
            runoff_size="1",
            candidates="AAA, Alice\nbb b, Boaz\nAAA, Again",
        ),
    )
    assert response.status_code == 422
    page = response.text
    for words in (
        "Address name (slug): ",
        "Share that wins round 1 (percent): ",
        "Candidates in the runoff: ",
        "Candidates, in ballot order, line 2: code: ",
        "Candidates, in ballot order, line 3: code: ",
    ):
        assert words in page, words
    assert 'aria-invalid="true"' in page
    assert db.session.scalar(select(Election.id)) is None


def test_the_problems_in_the_readers_language(sign_in: Any) -> None:
    """The package's problems (formats.values, formats.rules, formats.package) said in Hebrew
    and Arabic beside the form's own labels."""
    admin = sign_in("admin1")
    bad = form(slug="Bad Slug", threshold_percent="forty", candidates="AAA, Alice\nbb b, Boaz")
    expected = {
        "he": [
            'חייב להיות: 1 עד 64 אותיות לטיניות קטנות, ספרות או \u200f-, לא "Bad Slug"',
            "שורה 2: code: ",
            "חייב להיות מספר עשרוני בין 0 ל־100",
        ],
        "ar": [
            'يجب أن يكون: من 1 إلى 64 حرفًا لاتينيًا صغيرًا أو رقمًا أو \u200f-، لا "Bad Slug"',
            "يجب أن يكون عددًا عشريًا من 0 إلى 100",
        ],
    }
    for language, phrases in expected.items():
        response = admin.post(f"{NEW}?lang={language}", data=bad)
        assert response.status_code == 422
        page = html.unescape(response.text)
        for phrase in phrases:
            assert phrase in page, (language, phrase)
    assert db.session.scalar(select(Election.id)) is None


def test_the_definition_changes_until_the_first_sheet_is_entered(sign_in: Any, runner: Any) -> None:
    admin = sign_in("admin1")
    assert admin.post(NEW, data=form()).status_code == 302
    kept = db.session.scalar(select(Branch.id).where(Branch.code == "B1"))
    changed = form(
        name="Party primary, spring 2026",
        threshold_percent="35.5",
        threshold_inclusive=None,  # unticked
        double_entry=None,
        held_on="2026-03-17",
        candidates="CCC, Chen Cohen\nAAA, Alice Avni, אליס אבני, أليس\nDDD, Dana Dor",
        branches="code,name,region,eligible\nB1,North one,North,120\nB3,East,East,70\n",
    )
    response = admin.post(SETUP, data=changed)
    assert response.status_code == 302, response.text
    exported = package_of(admin)["election"]
    assert exported["name"] == "Party primary, spring 2026"
    assert exported["rules"] == {
        "threshold_percent": "35.5",
        "threshold_inclusive": False,
        "threshold_basis": "valid",
        "runoff_size": 2,
        "double_entry": False,
    }
    assert [c["code"] for c in exported["candidates"]] == ["CCC", "AAA", "DDD"]
    assert exported["candidates"][1]["names"] == {"he": "אליס אבני", "ar": "أليس"}
    assert [(b["code"], b["eligible"]) for b in exported["branches"]] == [("B1", 120), ("B3", 70)]
    assert db.session.scalar(select(Branch.id).where(Branch.code == "B1")) == kept
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "election.define")
    ).one()
    assert event.after["added"] == ["B3"] and event.after["removed"] == ["B2"]
    assert verify(runner).exit_code == 0

    # The first sheet entered: the definition is kept as it is, and the page says why
    clerk = sign_in("clerk1")
    url = "/staff/elections/setup-2026/rounds/1/sheets/B1"
    entered = clerk.post(
        url,
        data={
            "version": "0",
            "ballots_cast": "60",
            "invalid": "0",
            "votes_CCC": "20",
            "votes_AAA": "20",
            "votes_DDD": "20",
        },
    )
    assert entered.status_code in (200, 302), entered.text
    page = admin.get(SETUP).text
    assert "can no longer change: a sheet has been entered for branch B1" in page
    assert "Save the definition" not in page
    refused = admin.post(SETUP, data=form())
    assert refused.status_code == 422
    assert "can no longer be changed" in refused.text
    assert [c["code"] for c in package_of(admin)["election"]["candidates"]] == [
        "CCC",
        "AAA",
        "DDD",
    ]


def test_verify_names_a_branch_changed_behind_a_definition(sign_in: Any, runner: Any) -> None:
    admin = sign_in("admin1")
    assert admin.post(NEW, data=form()).status_code == 302
    assert (
        admin.post(SETUP, data=form(branches="code,name,region,eligible\nB1,N,,5\n")).status_code
        == 302
    )
    assert verify(runner).exit_code == 0
    db.session.execute(update(Branch).where(Branch.code == "B1").values(eligible=6))
    db.session.commit()
    result = verify(runner)
    assert result.exit_code == 1
    assert "B1" in result.output and "eligible" in result.output


def test_verify_names_a_branch_a_definition_removed_coming_back(sign_in: Any, runner: Any) -> None:
    admin = sign_in("admin1")
    assert admin.post(NEW, data=form()).status_code == 302
    assert (
        admin.post(SETUP, data=form(branches="code,name,region,eligible\nB1,N,,5\n")).status_code
        == 302
    )
    election_id = db.session.scalar(select(Election.id))
    db.session.execute(
        text(
            "INSERT INTO branches (election_id, code, name, region, eligible) "
            "VALUES (:e, 'B2', 'South one', NULL, 250)"
        ),
        {"e": election_id},
    )
    db.session.commit()
    result = verify(runner)
    assert result.exit_code == 1 and "B2" in result.output


def test_a_branches_workbook_with_hebrew_headers(sign_in: Any) -> None:
    admin = sign_in("admin1")
    rows: list[list[Any]] = [["קוד", "שם", "אזור", "בעלי זכות בחירה"]]
    rows += [[f"B{i:02}", f"סניף {i}", "צפון" if i % 2 else "דרום", 100 + i] for i in range(1, 41)]
    data = form(branches="")
    data["branches_file"] = (io.BytesIO(xlsx(rows)), "branches.xlsx")
    response = admin.post(NEW, data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.text
    branches = package_of(admin)["election"]["branches"]
    assert len(branches) == 40
    assert branches[0] == {"code": "B01", "name": "סניף 1", "region": "צפון", "eligible": 101}


def test_a_workbook_problem_names_the_file_and_its_line(sign_in: Any) -> None:
    admin = sign_in("admin1")
    rows: list[list[Any]] = [["code", "name", "region", "eligible"], ["B1", "One", "", "=1+1"]]
    data = form()
    data["branches_file"] = (io.BytesIO(xlsx(rows)), "branches.xlsx")
    response = admin.post(NEW, data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "a branches file (Excel workbook or CSV), line 2: eligible" in response.text
    assert db.session.scalar(select(Election.id)) is None


def test_who_may_see_and_change_the_definition(sign_in: Any) -> None:
    admin = sign_in("admin1")
    assert admin.post(NEW, data=form()).status_code == 302
    supervisor = sign_in("super1")
    page = supervisor.get(SETUP).text
    assert "Only an admin changes the definition." in page
    assert "<fieldset disabled>" in page and "Save the definition" not in page
    assert supervisor.post(SETUP, data=form(name="X")).status_code == 403
    observer = sign_in("observer1")
    assert json.loads(observer.get(SETUP + "/package.json").text)["election"]["slug"] == (
        "setup-2026"
    )
    clerk = sign_in("clerk1")
    assert clerk.get(SETUP).status_code == 403
    assert clerk.get(SETUP + "/package.json").status_code == 403
    assert clerk.get(NEW).status_code == 403


def test_the_slug_is_kept_whatever_is_sent(sign_in: Any) -> None:
    admin = sign_in("admin1")
    assert admin.post(NEW, data=form()).status_code == 302
    assert admin.post(SETUP, data=form(slug="other", name="Renamed")).status_code == 302
    assert package_of(admin)["election"]["slug"] == "setup-2026"
    assert db.session.scalar(select(Election.slug).where(Election.slug == "other")) is None


def test_an_existing_slug_is_refused_by_the_field(sign_in: Any) -> None:
    admin = sign_in("admin1")
    assert admin.post(NEW, data=form()).status_code == 302
    response = admin.post(NEW, data=form())
    assert response.status_code == 422
    assert "Address name (slug): an election &#39;setup-2026&#39; already exists" in response.text


def test_the_entry_form_names_candidates_in_the_readers_language(sign_in: Any) -> None:
    admin = sign_in("admin1")
    assert admin.post(NEW, data=form()).status_code == 302
    clerk = sign_in("clerk1")
    url = "/staff/elections/setup-2026/rounds/1/sheets/B1"
    hebrew = clerk.get(url + "?lang=he").text
    assert '<label for="votes_AAA">אליס אבני</label>' in hebrew
    assert '<label for="votes_BBB">Boaz Bar</label>' in hebrew  # no Hebrew name: the fallback
    assert '<label for="votes_AAA">Alice Avni</label>' in clerk.get(url + "?lang=en").text
