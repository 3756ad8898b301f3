"""Names in other languages on the web (issue 14): an admin gives the election, a candidate, a
region and a branch their names in Hebrew, Arabic and English at any time (after certification
too); readers see them in their language and find a branch by any of them; every change is an
audited ``election.names`` event that ``audit verify`` replays; refused input changes nothing;
supervisors and observers read, nobody else changes."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from primaries.audit.data import verify_data
from primaries.extensions import db
from primaries.models import AuditEvent, Branch, Candidate, Election

PAGE = "/staff/elections/test-2024/names"


def fields(page: str) -> dict[str, Any]:
    """The form as the page shows it: every text field with its value, and the hidden lists."""
    found: dict[str, Any] = dict(re.findall(r'name="([a-z]-[^"]*)" value="([^"]*)"', page))
    found["shown"] = re.findall(r'name="shown" value="([^"]*)"', page)
    found["region"] = re.findall(r'name="region" value="([^"]*)"', page)
    return found


def stored() -> tuple[Any, Any, Any, Any]:
    db.session.rollback()
    election = db.session.scalar(select(Election).where(Election.slug == "test-2024"))
    assert election is not None
    candidate = db.session.scalar(select(Candidate).where(Candidate.code == "AAA"))
    branch = db.session.scalar(select(Branch).where(Branch.code == "B1"))
    assert candidate is not None and branch is not None
    return election.names, candidate.names, election.regions, branch.names


def test_an_admin_names_things_in_other_languages(
    loaded: Any, sign_in: Callable[[str], FlaskClient], client: FlaskClient, runner: FlaskCliRunner
) -> None:
    admin = sign_in("admin1")
    page = admin.get(PAGE).text
    form = fields(page)
    assert form["shown"] == ["B1", "B2", "B3", "B4", "B5"]
    assert form["region"] == ["Center", "North", "South"]
    assert form["e-he"] == "" and form["c-AAA-ar"] == "" and form["b-B1-he"] == ""
    north = form["region"].index("North")
    form.update(
        {
            "e-he": "הפריימריז לדוגמה",
            "c-AAA-he": "אליס אהרוני",
            "c-AAA-ar": "أليس أهروني",
            f"r-{north}-he": "צפון",
            "b-B1-he": "חיפה - כרמל",
            "b-B1-ar": "حيفا - الكرمل",
        }
    )
    saved = admin.post(PAGE, data=form)
    assert saved.status_code == 302, saved.text
    assert "The names are saved." in admin.get(saved.headers["Location"]).text
    assert stored() == (
        {"he": "הפריימריז לדוגמה"},
        {"he": "אליס אהרוני", "ar": "أليس أهروني"},
        [{"name": "North", "names": {"he": "צפון"}}],
        {"he": "חיפה - כרמל", "ar": "حيفا - الكرمل"},
    )
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "election.names")
    ).one()
    assert event.actor == "admin1"
    assert event.before == {
        "names": None,
        "candidates": {"AAA": None},
        "branches": {"B1": None},
        "regions": None,
    }
    assert event.after["branches"] == {"B1": {"he": "חיפה - כרמל", "ar": "حيفا - الكرمل"}}
    assert verify_data() is None

    # Readers see them in their language, and find the branch by its Hebrew name.
    public = client.get("/elections/test-2024/rounds/1/branches?lang=he").text
    assert "חיפה - כרמל" in public and "אליס אהרוני" in public
    found = client.get("/elections/test-2024/rounds/1/branches?q=כרמל&lang=en").text
    assert "Haifa - Carmel" in found and "Yeruham" not in found
    # The staff list finds it too, by its Arabic name.
    assert fields(admin.get(PAGE + "?q=الكرمل").text)["shown"] == ["B1"]
    # export writes what the names are now (load of the export gives them back).
    exported = runner.invoke(args=["export", "test-2024"])
    assert exported.exit_code == 0, exported.output
    package = json.loads(exported.stdout)
    assert package["election"]["names"] == {"he": "הפריימריז לדוגמה"}
    assert package["election"]["branches"][0]["names"] == {
        "he": "חיפה - כרמל",
        "ar": "حيفا - الكرمل",
    }

    # An empty field takes that language's name away; nothing else changes.
    form = fields(admin.get(PAGE).text)
    form["b-B1-ar"] = ""
    assert admin.post(PAGE, data=form).status_code == 302
    assert stored()[3] == {"he": "חיפה - כרמל"}
    assert verify_data() is None


def test_refused_names_change_nothing(loaded: Any, sign_in: Callable[[str], FlaskClient]) -> None:
    admin = sign_in("admin1")
    form = fields(admin.get(PAGE).text)
    form.update({"c-AAA-he": "אליס\u202eאהרוני", "b-B2-he": "תל אביב"})
    refused = admin.post(PAGE, data=form)
    assert refused.status_code == 422
    assert "AAA (he): must not contain the" in refused.text
    assert 'value="תל אביב"' in refused.text  # what was typed is kept for the next try
    assert stored() == (None, None, None, None)
    unchanged = admin.post(PAGE, data=fields(admin.get(PAGE).text))
    assert unchanged.status_code == 422
    assert "these are the names already: nothing changes" in unchanged.text
    assert (
        db.session.scalars(select(AuditEvent).where(AuditEvent.action == "election.names")).all()
        == []
    )


def test_only_an_admin_changes_names(loaded: Any, sign_in: Callable[[str], FlaskClient]) -> None:
    for who in ("super1", "observer1"):
        reader = sign_in(who)
        page = reader.get(PAGE).text
        assert "Names in other languages" in page and 'name="b-B1-he"' not in page
        assert reader.post(PAGE, data={"b-B1-he": "x", "shown": "B1"}).status_code == 403
    assert sign_in("clerk1").get(PAGE).status_code == 403
    assert stored() == (None, None, None, None)
