"""Entry on the web: the cases that hand mutation testing found untested.

Each test names, in its docstring, the one-line change of the code (the mutant) that it kills;
each was seen failing with that change applied and passing without it. Everything goes through
HTTP: the staff entry form, the public API and the public results page.
"""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from primaries.extensions import db
from primaries.models import User
from tests.staff.conftest import PASSWORD

RESULT = "/api/v1/elections/test-2024/rounds/2"
BRANCHES = "/api/v1/elections/test-2024/rounds/2/branches"
PAGE = "/elections/test-2024/rounds/2"


def api_branch(client: FlaskClient, code: str) -> dict[str, Any]:
    branches = client.get(BRANCHES).get_json()["branches"]
    return next(b for b in branches if b["code"] == code)


def votes_of(result: dict[str, Any]) -> dict[str, int]:
    return {c["code"]: c["votes"] for c in result["candidates"]}


def test_a_counted_sheet_refuses_a_third_entry(
    runoff, accounts, sign_in, enter, paper, staff_db, client
) -> None:
    """Kills: ``primaries/staff/entry.py`` ``enter_sheet`` without its refusal of a counted sheet
    (``if state == "counted": raise Refused(...)`` removed): the third entry would then start
    a new blind pair and the sheet would stop counting."""
    enter(sign_in("clerk1"), "B1", paper["B1"])
    enter(sign_in("clerk2"), "B1", paper["B1"])
    assert staff_db.sheet(2, "B1").state == "counted"
    result_before = client.get(RESULT).get_json()
    assert result_before["branches"]["counted"] == 1
    entries_before = staff_db.entries("entry")

    # A third clerk, who took part in neither entry, posts the sheet's form (other numbers).
    cheap = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    db.session.add(User(username="clerk3", role="clerk", password_hash=cheap, active=True))
    db.session.commit()
    response = enter(sign_in("clerk3"), "B1", (300, 4, 146, 150))

    assert response.status_code == 409
    assert "is already counted: only a supervisor may correct it" in response.text
    sheet = staff_db.sheet(2, "B1")
    assert sheet.state == "counted"
    assert staff_db.entries("entry") == entries_before
    assert client.get(RESULT).get_json() == result_before
    branch = api_branch(client, "B1")
    assert branch["status"] == "counted"
    assert branch["votes"] == {"AAA": 150, "BBB": 146}


def _get(client: FlaskClient, path: str, etag: str | None = None) -> Any:
    headers = {"If-None-Match": etag} if etag else {}
    return client.get(path, headers=headers)


def test_a_sheet_that_starts_to_count_changes_the_published_result(
    runoff, sign_in, enter, paper, client
) -> None:
    """Kills: ``primaries/staff/entry.py`` ``enter_sheet`` not bumping the round's
    ``data_version`` when an agreeing second entry makes a sheet count (``bump_version`` left
    out): the cached API answer and page, and their ETags, would stay those of before."""
    enter(sign_in("clerk1"), "B1", paper["B1"])

    # Warm the caches (the API answer, the page) and keep the ETags a reader holds.
    old_api = _get(client, RESULT)
    old_page = _get(client, PAGE)
    assert old_api.status_code == 200 and old_page.status_code == 200
    assert old_api.get_json()["branches"]["counted"] == 0
    assert votes_of(old_api.get_json()) == {"AAA": 0, "BBB": 0}
    assert _get(client, RESULT, old_api.headers["ETag"]).status_code == 304  # the cache works

    enter(sign_in("clerk2"), "B1", paper["B1"])

    for etag in (None, old_api.headers["ETag"]):
        api = _get(client, RESULT, etag)
        assert api.status_code == 200, f"If-None-Match {etag}: {api.status_code}"
        assert api.headers["ETag"] != old_api.headers["ETag"]
        result = api.get_json()
        assert result["branches"]["counted"] == 1
        assert result["totals"]["ballots_cast"] == 300
        assert votes_of(result) == {"AAA": 150, "BBB": 146}
    for etag in (None, old_page.headers["ETag"]):
        page = _get(client, PAGE, etag)
        assert page.status_code == 200, f"If-None-Match {etag}: {page.status_code}"
        assert page.headers["ETag"] != old_page.headers["ETag"]
        assert page.text != old_page.text
        assert ">150<" in page.text and ">146<" in page.text
        assert ">150<" not in old_page.text


def test_entries_with_equal_votes_but_other_invalid_and_cast_are_a_mismatch(
    runoff, sign_in, enter, staff_db, client
) -> None:
    """Kills: ``primaries/staff/entry.py`` ``enter_sheet`` comparing only the votes of the two
    entries (``same_numbers`` given the ``votes`` alone): ballots cast and invalid differ here,
    each entry adding up on its own, so the sheet must not count."""
    enter(sign_in("clerk1"), "B1", (103, 3, 50, 50))
    response = enter(sign_in("clerk2"), "B1", (104, 4, 50, 50))
    assert response.status_code == 302
    sheet = staff_db.sheet(2, "B1")
    assert sheet.state == "mismatch"
    assert sheet.counted_entry_id is None
    assert api_branch(client, "B1")["status"] == "pending"
    result = client.get(RESULT).get_json()
    assert result["branches"]["counted"] == 0
    assert result["totals"]["ballots_cast"] == 0


def test_ballots_cast_equal_to_the_eligible_members_is_accepted(
    runoff, sign_in, enter, staff_db, client: FlaskClient
) -> None:
    """Kills: ``primaries/staff/entry.py`` ``check_numbers`` refusing ballots cast equal to the
    branch's eligible members (``>`` changed to ``>=``): B3 has 200 eligible members, and a
    turnout of 100% is a valid sheet."""
    sheet = (200, 0, 120, 80)
    first = enter(sign_in("clerk1"), "B3", sheet)
    assert first.status_code == 302, first.text
    second = enter(sign_in("clerk2"), "B3", sheet)
    assert second.status_code == 302, second.text
    assert staff_db.sheet(2, "B3").state == "counted"
    branch = api_branch(client, "B3")
    assert branch["status"] == "counted"
    assert branch["ballots_cast"] == 200
