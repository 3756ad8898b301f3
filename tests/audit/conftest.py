"""Fixtures of the data check's tests: an election whose every table has rows made by every kind
of change the application makes, and a way to change a table behind the application's back.

The ``history``: the small package loaded (round 1: four package sheets and an annulled one),
branches imported (B1's eligible members, B3's name), B2 corrected (asked by a supervisor,
approved by an admin: four eyes), round 1 closed and certified; the runoff opened (round 2, AAA
against BBB): B1 typed twice alike, B2 typed twice differently and resolved, B3 typed, sent back
and typed twice, B4 imported from a file, B5 annulled and reinstated (each asked and approved)
and typed twice; AAA and BBB tied, so a lot is drawn; round 2 closed and certified; four eyes
turned off (asked and approved).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import text
from werkzeug.security import generate_password_hash

from primaries.approvals.service import approve, ask_annulment, ask_correction, ask_four_eyes
from primaries.audit.data import verify_data
from primaries.changes import Actor
from primaries.core.sheets import Numbers
from primaries.elections.branches import import_branches
from primaries.elections.lookup import get_election, get_round
from primaries.elections.lots import record_lot
from primaries.elections.receipts import mark_received, withdraw_receipt
from primaries.elections.rounds import certify_round, close_round
from primaries.elections.runoff import open_runoff
from primaries.extensions import db
from primaries.models import User
from primaries.sheets.entry import enter, resolve, send_back
from primaries.sheets.imports import import_sheets
from primaries.sheets.place import SheetRef, locate
from tests.conftest import superuser_connection

SLUG = "test-2024"
ROLES = {"clerk1": "clerk", "clerk2": "clerk", "super1": "supervisor", "admin1": "admin"}


def runoff_numbers(cast: int, invalid: int, a: int, b: int) -> Numbers:
    return Numbers(cast, invalid, {"AAA": a, "BBB": b})


class Steps:
    """The application's own changes, each committed as a view or a command would."""

    def __init__(self, actors: dict[str, Actor]) -> None:
        self.actors = actors

    def ref(self, number: int, branch: str) -> SheetRef:
        return SheetRef(SLUG, number, branch)

    def version(self, number: int, branch: str) -> int:
        db.session.rollback()
        return locate(SLUG, number, branch).version

    def enter(self, who: str, branch: str, *numbers: int) -> None:
        version = self.version(2, branch)
        enter(
            self.ref(2, branch),
            runoff_numbers(*numbers),
            version=version,
            actor=self.actors[who],
        )
        db.session.commit()

    def round(self, number: int) -> Any:
        db.session.rollback()
        return get_round(get_election(SLUG), number)

    def done(self) -> None:
        db.session.commit()

    def approved(self, request_id: int | None, by: str) -> None:
        """The second person's approval of a request just asked for (four eyes)."""
        assert request_id is not None
        db.session.commit()
        approve(request_id, actor=self.actors[by])
        db.session.commit()


@pytest.fixture
def actors(app: Flask) -> dict[str, Actor]:
    cheap = generate_password_hash("correct horse battery", method="pbkdf2:sha256:1000")
    users = [User(username=n, role=r, password_hash=cheap, active=True) for n, r in ROLES.items()]
    db.session.add_all(users)
    db.session.commit()
    found = {user.username: Actor.of(user) for user in users}
    found["cli"] = Actor("cli:operator")
    return found


@pytest.fixture
def history(loaded: dict[str, Any], actors: dict[str, Actor]) -> Steps:
    steps = Steps(actors)
    import_branches(
        SLUG,
        b"code,name,region,eligible\nB1,Haifa - Carmel,North,600\nB3,Yeruham East,South,200\n",
        actor=actors["super1"],
    )
    steps.done()
    asked = ask_correction(
        steps.ref(1, "B2"),
        Numbers(500, 5, {"AAA": 151, "BBB": 160, "CCC": 119, "DDD": 65}),
        reason="recount",
        actor=actors["super1"],
        version=steps.version(1, "B2"),
    )
    steps.approved(asked.request_id, "admin1")
    close_round(steps.round(1), actor=actors["admin1"], reason="the count is over")
    steps.done()
    certify_round(steps.round(1), actor=actors["admin1"])
    steps.done()
    open_runoff(SLUG, actor=actors["cli"])
    steps.done()

    steps.enter("clerk1", "B1", 300, 4, 148, 148)
    steps.enter("clerk2", "B1", 300, 4, 148, 148)
    steps.enter("clerk1", "B2", 500, 5, 247, 248)
    steps.enter("clerk2", "B2", 500, 5, 248, 247)
    resolve(
        steps.ref(2, "B2"),
        {"votes_AAA": ("1", None), "votes_BBB": ("1", None)},
        version=steps.version(2, "B2"),
        actor=actors["super1"],
    )
    steps.done()
    steps.enter("clerk1", "B3", 120, 0, 61, 59)
    send_back(
        steps.ref(2, "B3"), version=steps.version(2, "B3"), actor=actors["super1"], reason="smudged"
    )
    steps.done()
    steps.enter("clerk1", "B3", 120, 0, 60, 60)
    steps.enter("clerk2", "B3", 120, 0, 60, 60)
    import_sheets(
        SLUG, 2, b"branch,ballots_cast,invalid,AAA,BBB\nB4,100,1,50,49\n", actor=actors["super1"]
    )
    steps.done()
    asked = ask_annulment(
        steps.ref(2, "B5"),
        "the box was lost",
        annulled=True,
        actor=actors["super1"],
        version=steps.version(2, "B5"),
    )
    steps.approved(asked.request_id, "admin1")
    asked = ask_annulment(
        steps.ref(2, "B5"),
        "the box was found",
        annulled=False,
        actor=actors["admin1"],
        version=steps.version(2, "B5"),
    )
    steps.approved(asked.request_id, "super1")
    steps.enter("clerk1", "B5", 200, 2, 99, 99)
    steps.enter("clerk2", "B5", 200, 2, 99, 99)
    record_lot(SLUG, 2, ["BBB", "AAA"], actor=actors["admin1"], note="drawn by the chair")
    steps.done()
    mark_received(SLUG, 2, "B1", actor=actors["clerk1"], delivered_by="the box's chair")
    steps.done()
    mark_received(SLUG, 2, "B2", actor=actors["clerk2"])
    steps.done()
    withdraw_receipt(SLUG, 2, "B2", "scanned the wrong box", actor=actors["super1"])
    steps.done()
    close_round(steps.round(2), actor=actors["admin1"])
    steps.done()
    certify_round(steps.round(2), actor=actors["admin1"])
    steps.done()
    asked = ask_four_eyes(SLUG, False, "a small committee", actor=actors["super1"])
    steps.approved(asked.request_id, "admin1")
    return steps


def behind_the_back(*statements: str) -> None:
    """Change data tables with raw SQL, committed, as an insider with database access would."""
    with superuser_connection() as conn:
        for sql in statements:
            conn.execute(text(sql))


def audit_table(*statements: str) -> None:
    """Change the audit table itself (PostgreSQL's append-only trigger switched off first, as
    a hostile DBA can; the app's own role cannot)."""
    with superuser_connection() as conn:
        postgres = conn.dialect.name == "postgresql"
        if postgres:
            conn.exec_driver_sql("ALTER TABLE audit_events DISABLE TRIGGER USER")
        for sql in statements:
            conn.execute(text(sql))
        if postgres:
            conn.exec_driver_sql("ALTER TABLE audit_events ENABLE TRIGGER USER")


def verified_after(*statements: str) -> str | None:
    """What the data check says with ``statements`` applied in a transaction rolled back after."""
    db.session.rollback()
    connection = db.session.connection()
    for sql in statements:
        connection.execute(text(sql))
    try:
        return verify_data()
    finally:
        db.session.rollback()


@pytest.fixture
def verify(runner: FlaskCliRunner) -> Callable[[], Any]:
    def run() -> Any:
        db.session.rollback()
        return runner.invoke(args=["audit", "verify"])

    return run
