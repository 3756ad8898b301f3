"""Changes of different sheets run at once; a sheet's own changes, and changes of the whole
database, still one at a time (issue 16: entry for hundreds of clerks).

Each change here runs in a thread of its own, with its own session, and holds its transaction
open until the test lets it commit, so the test can see what another change does meanwhile. The
overlap itself is PostgreSQL's (per-sheet locks, the chain's lock only at the commit, the running
totals in slots); SQLite has one writer at a time, and what must hold there too is tested on both.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from primaries.audit.chain import verify
from primaries.changes import Actor
from primaries.core.sheets import SheetState
from primaries.elections.lookup import get_election, get_round
from primaries.elections.settings import set_four_eyes
from primaries.errors import StaleSheet
from primaries.extensions import db
from primaries.models import AuditEvent, RoundTotal
from primaries.sheets.entry import enter
from primaries.tally import recount_of, sums_of
from tests.sheets.conftest import PAPER, events, place, ref, type_in, version

pytestmark = pytest.mark.usefixtures("runoff")

WAIT = 10.0  # the longest a step may take when nothing blocks it
BLOCKED = 0.5  # how long a blocked change is watched to be sure it waits


class Held(threading.Thread):
    """A change run in its own app context and session: ``change()``, then the transaction held
    open until :meth:`release`, then committed (or rolled back when the change raised)."""

    def __init__(self, app: Flask, change: Callable[[], Any]) -> None:
        super().__init__(daemon=True)
        self.app, self.change = app, change
        self.made = threading.Event()  # the change is made, not yet committed
        self.released = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        with self.app.app_context():
            try:
                self.change()
                self.made.set()
                self.released.wait(WAIT * 3)
                db.session.commit()
            except BaseException as exc:  # handed to the test
                self.error = exc
                db.session.rollback()
            finally:
                self.made.set()
                db.session.remove()

    def release(self) -> None:
        self.released.set()
        self.join(WAIT)
        assert not self.is_alive()


def started(app: Flask, change: Callable[[], Any], *, hold: bool = True) -> Held:
    held = Held(app, change)
    if not hold:
        held.released.set()
    held.start()
    return held


def second_entry(branch: str, actor: Actor, shown: int) -> Callable[[], Any]:
    return lambda: enter(ref(branch), PAPER[branch], version=shown, actor=actor)


@pytest.mark.backends("postgresql")
def test_two_sheets_counted_at_once_in_one_round(app: Flask, staff: dict[str, Actor]) -> None:
    """The second entry of B1 is held open (B1 counted, its totals written, its event waiting)
    while the second entry of B2 is made and committed: B2 does not wait for B1."""
    for branch in ("B1", "B2"):
        type_in(branch, PAPER[branch], staff["clerk1"])
    shown = {branch: version(branch) for branch in ("B1", "B2")}
    db.session.rollback()
    first = started(app, second_entry("B1", staff["clerk2"], shown["B1"]))
    assert first.made.wait(WAIT) and first.error is None
    other = started(app, second_entry("B2", staff["clerk2"], shown["B2"]), hold=False)
    other.join(WAIT)
    assert not other.is_alive(), "B2's save waited for B1's open transaction"
    assert other.error is None
    assert first.is_alive()  # B1's transaction was open all along
    first.release()
    assert first.error is None

    assert place("B1").sheet.state == place("B2").sheet.state == SheetState.COUNTED
    round_ = get_round(get_election("test-2024"), 2)
    assert sums_of(round_) == recount_of(round_)
    slots = db.session.scalar(
        select(func.count()).select_from(RoundTotal).where(RoundTotal.round_id == round_.id)
    )
    assert slots == 2  # each change added its totals into a slot of its own
    # The chain is in commit order: B2's event, then B1's, and it verifies.
    enters = [event.object_id for event in events("sheet.enter")][-2:]
    assert enters == ["test-2024/2/B2", "test-2024/2/B1"]
    assert verify().ok


@pytest.mark.backends("postgresql")
def test_one_sheet_waits_for_its_own_change(app: Flask, staff: dict[str, Actor]) -> None:
    """Two clerks saving the same sheet: the second waits for the first, then finds the sheet
    changed under its form and saves nothing."""
    shown = version("B1")
    db.session.rollback()
    first = started(app, second_entry("B1", staff["clerk1"], shown))
    assert first.made.wait(WAIT) and first.error is None
    other = started(app, second_entry("B1", staff["clerk2"], shown), hold=False)
    other.join(BLOCKED)
    assert other.is_alive(), "a second save of the same sheet did not wait"
    first.release()
    other.join(WAIT)
    assert isinstance(other.error, StaleSheet)
    assert [event.actor for event in events("sheet.enter")] == ["clerk1"]


@pytest.mark.backends("postgresql")
def test_a_change_of_the_whole_database_waits_for_a_sheets_change(
    app: Flask, staff: dict[str, Actor]
) -> None:
    shown = version("B1")
    db.session.rollback()
    first = started(app, second_entry("B1", staff["clerk1"], shown))
    assert first.made.wait(WAIT) and first.error is None
    setting = started(
        app,
        lambda: set_four_eyes("test-2024", True, "back on", actor=staff["admin1"]),
        hold=False,
    )
    setting.join(BLOCKED)
    assert setting.is_alive(), "a change of the whole database ran beside a sheet's change"
    first.release()
    setting.join(WAIT)
    assert setting.error is None
    db.session.rollback()
    actions = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))
    assert actions[-2:] == ["sheet.enter", "election.four_eyes"]
    assert verify().ok


def test_a_sheets_change_rolled_back_leaves_no_event(app: Flask, staff: dict[str, Actor]) -> None:
    """A confined change's events wait for its commit: a rollback drops them with it."""
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    enter(ref("B1"), PAPER["B1"], version=version("B1"), actor=staff["clerk1"])
    db.session.rollback()
    type_in("B2", PAPER["B2"], staff["clerk1"])
    after = db.session.scalar(select(func.count()).select_from(AuditEvent))
    assert after == before + 1
    assert [event.object_id for event in events("sheet.enter")] == ["test-2024/2/B2"]
    assert verify().ok


def test_a_sheets_change_cannot_widen_into_the_whole_database(
    app: Flask, staff: dict[str, Actor]
) -> None:
    enter(ref("B1"), PAPER["B1"], version=version("B1"), actor=staff["clerk1"])
    with pytest.raises(RuntimeError, match="a change begun for test-2024/2/B1 continued for"):
        set_four_eyes("test-2024", True, "widened", actor=staff["admin1"])
    db.session.rollback()
