"""The sheet's life as one module owns it: decisions are rows, the round's guards hold for every
transition, and the round closed by opening the runoff is in the audit chain."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select

from primaries.audit.chain import verify
from primaries.changes import Actor
from primaries.core.sheets import Numbers
from primaries.errors import Refused
from primaries.extensions import db
from primaries.models import AuditEvent, Round, RoundEvent, SheetDecision, User
from primaries.sheets.decisions import correct
from primaries.sheets.entry import resolve, send_back
from primaries.sheets.place import SheetRef, locate

from .conftest import SHEETS, sheet_row


def test_opening_the_runoff_closes_round_one_in_the_audit_chain(runoff: Any) -> None:
    closes = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "round.close", AuditEvent.round_number == 1)
    ).all()
    assert len(closes) == 1
    assert closes[0].after == {"status": "closed", "reason": "runoff opened"}
    event = db.session.scalar(select(RoundEvent).where(RoundEvent.action == "close"))
    assert event is not None and event.reason == "runoff opened"
    round_one = db.session.scalar(select(Round).where(Round.number == 1))
    assert round_one is not None and round_one.status == "closed"
    assert verify().ok


def test_a_correction_begins_its_own_change_and_keeps_the_rounds_guards(
    runoff: Any, sign_in: Callable[[str], FlaskClient], enter: Callable[..., Any]
) -> None:
    enter(sign_in("clerk1"), "B1", SHEETS["B1"])
    enter(sign_in("clerk2"), "B1", SHEETS["B1"])
    db.session.rollback()
    # No change begun by the caller: the service begins its own, and records its event.
    correct(
        SheetRef("test-2024", 2, "B1"),
        Numbers(300, 4, {"AAA": 151, "BBB": 145}),
        reason="recount",
        actor=Actor("test"),
    )
    db.session.commit()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sheet.correct"))
    assert event is not None and event.after["votes"] == {"AAA": 151, "BBB": 145}
    # Round 1 is final (the runoff exists): a correction there is refused, whoever asks.
    with pytest.raises(Refused, match="round 1 is final"):
        correct(
            SheetRef("test-2024", 1, "B1"),
            Numbers(1, 0, {"AAA": 1, "BBB": 0, "CCC": 0}),
            reason="late",
            actor=Actor("test"),
        )
    db.session.rollback()


def _decisions() -> list[tuple[Any, ...]]:
    return [
        (d.kind, d.first_entry_id, d.second_entry_id, d.resolution_entry_id, d.choices,
         d.reason, d.user_id, d.created_at)
        for d in db.session.scalars(select(SheetDecision).order_by(SheetDecision.id))
    ]  # fmt: skip


def test_send_back_and_resolution_are_rows_carried_over_by_the_migration(
    app: Flask,
    runoff: Any,
    accounts: dict[str, User],
    sign_in: Callable[[str], FlaskClient],
    enter: Callable[..., Any],
) -> None:
    clerk1, clerk2 = sign_in("clerk1"), sign_in("clerk2")
    enter(clerk1, "B2", SHEETS["B2"])
    enter(clerk2, "B2", (500, 5, 245, 250))  # differs: mismatch
    db.session.rollback()
    supervisor = Actor.of(db.session.scalars(select(User).filter_by(username="super1")).one())
    place = locate("test-2024", 2, "B2")
    send_back(SheetRef("test-2024", 2, "B2"), version=place.version, actor=supervisor,
              reason="both misread the sheet")  # fmt: skip
    db.session.commit()
    enter(clerk1, "B2", SHEETS["B2"])
    enter(clerk2, "B2", (500, 5, 245, 250))
    db.session.rollback()
    place = locate("test-2024", 2, "B2")
    resolve(SheetRef("test-2024", 2, "B2"), {"votes_AAA": ("1", None), "votes_BBB": ("paper", 245)},
            version=place.version, actor=supervisor)  # fmt: skip
    db.session.commit()

    rows = _decisions()
    assert [row[0] for row in rows] == ["send_back", "resolve"]
    assert rows[0][5] == "both misread the sheet" and rows[0][3] is None
    assert rows[1][4] == {"votes_AAA": "entry 1", "votes_BBB": "paper"}
    sheet = sheet_row(2, "B2")
    assert sheet is not None and sheet.counted_entry_id == rows[1][3]

    # The history page reads the rows.
    history = sign_in("observer1").get("/staff/elections/test-2024/branches/B2")
    assert "sent back to be keyed again" in history.text
    assert "both misread the sheet" in history.text

    # Down to 0002 the table goes; up again, it is rebuilt from the audit chain, row for row.
    db.session.remove()
    downgrade(revision="0002")
    assert "sheet_decisions" not in inspect(db.engine).get_table_names()
    upgrade()
    carried = _decisions()
    # The same decisions; the time is the audit event's (recorded within the same change).
    assert [row[:-1] for row in carried] == [row[:-1] for row in rows]
    assert all(abs((a[-1] - b[-1]).total_seconds()) < 1 for a, b in zip(carried, rows, strict=True))
    assert verify().ok
