"""Fixtures of the staff workspace's tests: accounts of every role, clients signed in as them, and
the small election with its runoff (round 2, AAA against BBB) open for entry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask, g, request_started
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from primaries.changes import Actor
from primaries.elections.lookup import get_election, get_round
from primaries.elections.runoff import open_runoff
from primaries.extensions import db
from primaries.models import Sheet, SheetEntry, User

PASSWORD = "correct horse battery"
ROLE_OF = {
    "clerk1": "clerk",
    "clerk2": "clerk",
    "super1": "supervisor",
    "super2": "supervisor",
    "admin1": "admin",
    "observer1": "observer",
}
# Round 2's sheet for each branch: (ballots cast, invalid, AAA, BBB); sums agree, within eligible.
SHEETS = {
    "B1": (300, 4, 150, 146),
    "B2": (500, 5, 250, 245),
    "B3": (120, 0, 70, 50),
    "B4": (100, 1, 49, 50),
    "B5": (200, 2, 99, 99),
}


@pytest.fixture(autouse=True)
def fresh_user_per_request(request: pytest.FixtureRequest) -> Any:
    """Test requests share the test's app context, so Flask-Login's cached user (``g``) would
    leak from one client's request into the next: forget it as each request starts."""
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")

    def forget(sender: Flask, **extra: Any) -> None:
        g.pop("_login_user", None)

    request_started.connect(forget, app)
    yield
    request_started.disconnect(forget, app)


@pytest.fixture
def accounts(app: Flask) -> dict[str, User]:
    """One account per name of ``ROLE_OF``, password ``PASSWORD`` (a cheap hash: tests are fast)."""
    cheap = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    users = {
        name: User(username=name, role=role, password_hash=cheap, active=True)
        for name, role in ROLE_OF.items()
    }
    db.session.add_all(users.values())
    db.session.commit()
    return users


@pytest.fixture
def sign_in(app: Flask, accounts: dict[str, User]) -> Callable[[str], FlaskClient]:
    """A new client signed in as the named account."""

    def make(username: str) -> FlaskClient:
        client = app.test_client()
        response = client.post("/staff/sign-in", data={"username": username, "password": PASSWORD})
        assert response.status_code == 302, response.text
        return client

    return make


@pytest.fixture
def runoff(loaded: dict[str, Any]) -> dict[str, Any]:
    """The small election with round 2 (the runoff, AAA against BBB) open and nothing entered."""
    open_runoff("test-2024", actor=Actor("test"))
    db.session.commit()
    return loaded


def form_data(sheet: tuple[int, int, int, int], version: int = 0) -> dict[str, str]:
    cast, invalid, a, b = sheet
    return {
        "version": str(version),
        "ballots_cast": str(cast),
        "invalid": str(invalid),
        "votes_AAA": str(a),
        "votes_BBB": str(b),
    }


@pytest.fixture
def enter() -> Callable[..., Any]:
    """POST a sheet of round 2 as the client (the version read from the form, unless given)."""

    def post(
        client: FlaskClient,
        branch: str,
        sheet: tuple[int, int, int, int],
        *,
        version: int | None = None,
        number: int = 2,
    ) -> Any:
        url = f"/staff/elections/test-2024/rounds/{number}/sheets/{branch}"
        if version is None:
            version = current_version(number, branch)
        return client.post(url, data=form_data(sheet, version))

    return post


def current_version(number: int, branch: str) -> int:
    db.session.rollback()
    sheet = sheet_row(number, branch)
    return sheet.version if sheet else 0


def sheet_row(number: int, branch: str) -> Sheet | None:
    from primaries.elections.lookup import get_branch

    db.session.rollback()
    election = get_election("test-2024")
    round_ = get_round(election, number)
    return db.session.scalar(
        select(Sheet).where(
            Sheet.round_id == round_.id, Sheet.branch_id == get_branch(election, branch).id
        )
    )


def entry_count(kind: str | None = None) -> int:
    db.session.rollback()
    stmt = select(func.count(SheetEntry.id))
    if kind:
        stmt = stmt.where(SheetEntry.kind == kind)
    return int(db.session.scalar(stmt) or 0)


@pytest.fixture
def staff_db() -> Any:
    """Helpers that read the database afresh: ``sheet(number, branch)``, ``entries(kind)``."""

    class Reader:
        sheet = staticmethod(sheet_row)
        entries = staticmethod(entry_count)
        version = staticmethod(current_version)

    return Reader()


@pytest.fixture
def paper() -> dict[str, tuple[int, int, int, int]]:
    """Round 2's paper sheets: branch -> (ballots cast, invalid, AAA, BBB)."""
    return dict(SHEETS)


# --------------------------------------------------------------------------------------------
# Four eyes: requests and their approval


def newest_request_id() -> int:
    """The id of the newest request (whatever its state)."""
    from primaries.models import ChangeRequest

    db.session.rollback()
    found = db.session.scalar(select(func.max(ChangeRequest.id)))
    assert found is not None, "no request was made"
    return int(found)


@pytest.fixture
def decide(sign_in: Callable[[str], FlaskClient]) -> Callable[..., Any]:
    """POST approve / refuse / withdraw of a request (the newest by default) as the named
    account (or with a signed-in client); returns the response (a redirect to the requests
    page, whose flash says what happened)."""

    def post(
        who: str | FlaskClient,
        action: str = "approve",
        *,
        request_id: int | None = None,
        note: str = "",
    ) -> Any:
        number = request_id if request_id is not None else newest_request_id()
        client = sign_in(who) if isinstance(who, str) else who
        return client.post(f"/staff/requests/{number}/{action}", data={"note": note})

    return post


def set_four_eyes(on: bool, slug: str = "test-2024") -> None:
    """Turn the election's four eyes on or off as the command line does (at once, audited)."""
    from primaries.elections.settings import set_four_eyes as set_it

    set_it(slug, on, "test set-up", actor=Actor("test"))
    db.session.commit()


@pytest.fixture
def four_eyes_off(runoff: dict[str, Any]) -> dict[str, Any]:
    """The runoff fixture with the election's four eyes off (one supervisor decides alone)."""
    set_four_eyes(False)
    return runoff
