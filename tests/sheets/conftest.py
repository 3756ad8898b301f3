"""Fixtures of the sheet services' tests (:mod:`primaries.sheets`, called as the staff pages and
the command line call them): the small election with its runoff (round 2, AAA against BBB) open
and nothing entered, staff of each role, and helpers that read the database afresh."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from primaries.changes import Actor
from primaries.core.sheets import Numbers
from primaries.elections.runoff import open_runoff
from primaries.elections.settings import set_four_eyes
from primaries.extensions import db
from primaries.models import AuditEvent, User
from primaries.sheets.entry import EntryResult, enter
from primaries.sheets.place import SheetPlace, SheetRef, locate

ROLES = {"clerk1": "clerk", "clerk2": "clerk", "super1": "supervisor", "admin1": "admin"}
# Round 2's paper sheets: the sums agree and stay within each branch's eligible members.
PAPER = {
    "B1": Numbers(300, 4, {"AAA": 150, "BBB": 146}),
    "B2": Numbers(500, 5, {"AAA": 250, "BBB": 245}),
    "B3": Numbers(120, 0, {"AAA": 70, "BBB": 50}),
}


@pytest.fixture
def runoff(loaded: dict[str, Any]) -> None:
    """Round 2 open, with the election's four eyes off: these tests call the decision services
    as one person decides (four eyes itself: tests/staff/test_four_eyes.py)."""
    open_runoff("test-2024", actor=Actor("test"))
    set_four_eyes(
        "test-2024", False, "the services tested one decision at a time", actor=Actor("test")
    )
    db.session.commit()


@pytest.fixture
def staff(app: Flask) -> dict[str, Actor]:
    """An actor per name of ``ROLES``, each a staff account."""
    users = {
        name: User(username=name, role=role, password_hash="-", active=True)
        for name, role in ROLES.items()
    }
    db.session.add_all(users.values())
    db.session.commit()
    return {name: Actor.of(user) for name, user in users.items()}


def ref(branch: str, number: int = 2) -> SheetRef:
    return SheetRef("test-2024", number, branch)


def place(branch: str, number: int = 2) -> SheetPlace:
    """Where the sheet stands now (read afresh)."""
    db.session.rollback()
    return locate("test-2024", number, branch)


def version(branch: str, number: int = 2) -> int:
    return place(branch, number).version


def type_in(branch: str, numbers: Numbers, actor: Actor) -> EntryResult:
    """An entry, as the entry form saves it (with the version it was shown), committed."""
    result = enter(ref(branch), numbers, version=version(branch), actor=actor)
    db.session.commit()
    return result


def events(action: str) -> list[AuditEvent]:
    db.session.rollback()
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
        )
    )
