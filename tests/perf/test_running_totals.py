"""The running totals (migration 0002's triggers) always equal a full recount of the sheets.

Every way a sheet's count can change is exercised through the services and the sheet mechanics
that the CLI and the staff pages use (load, CSV import, correction, annulment, reinstatement,
double entry, a changed branch, an entry reset by hand), and after each step the totals that the
tally reads (:func:`primaries.tally.sums_of`) must equal the recount from the sheets
(:func:`primaries.tally.recount_of`), on SQLite and PostgreSQL.

The database is upgraded from empty inside the test, not copied from the suite's migrated
template: the triggers checked are the ones this test's run of migration 0002 made, so that
``make mutants`` (docs/mutants.md) sees which changes of the migration's Python the test kills.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from primaries.changes import Actor
from primaries.core.sheets import Numbers, SheetState
from primaries.database import begin_change
from primaries.elections.branches import import_branches
from primaries.elections.lookup import get_branch, get_election, get_round
from primaries.elections.packages import load_package
from primaries.extensions import db
from primaries.models import EntryKind, EntryVote, Sheet, SheetEntry
from primaries.sheets.decisions import annul, reinstate
from primaries.sheets.imports import import_sheets
from primaries.sheets.place import SheetRef
from primaries.sheets.rows import add_entry, make_count, new_sheet, set_state, sheet_of
from primaries.tally import ballot_of, recount_of, round_result, sums_of
from tests.conftest import PostgresServer, _migrate, skip_or_fail

CODES = ("AAA", "BBB", "CCC", "DDD")


@pytest.fixture
def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """Overrides the suite's fixture: a database of the test's backend upgraded from empty here."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'migrated.sqlite'}"
        _migrate(url, tmp_path)
        yield url
        return
    pg_server: PostgresServer | None = request.getfixturevalue("pg_server")
    if pg_server is None:
        skip_or_fail("PostgreSQL is not reachable")
    assert pg_server is not None
    name = f"primaries_m_{uuid.uuid4().hex[:12]}"
    url = pg_server.create(name)
    _migrate(url, tmp_path)
    yield url
    pg_server.drop(name)


def package(branches: int) -> dict[str, Any]:
    """Round 1 with every other branch counted, the rest pending."""
    return {
        "format": "primaries/election@1",
        "election": {
            "slug": "totals",
            "name": "Running totals",
            "candidates": [{"code": c, "name": c} for c in CODES],
            "branches": [
                {"code": f"B{i}", "name": f"Branch {i}", "eligible": 1000} for i in range(branches)
            ],
        },
        "rounds": [
            {
                "number": 1,
                "sheets": [
                    {
                        "branch": f"B{i}",
                        "ballots_cast": 100 + i,
                        "invalid": i % 3,
                        "votes": {"AAA": 40, "BBB": 30 + i - i % 3, "CCC": 20, "DDD": 10},
                    }
                    for i in range(0, branches, 2)
                ],
            }
        ],
    }


def check(step: str) -> None:
    db.session.rollback()
    round_ = get_round(get_election("totals"), 1)
    kept, recounted = sums_of(round_), recount_of(round_)
    assert kept == recounted, step
    assert round_result(round_) == round_result(round_, recounted), step


def numbers(rng: random.Random, eligible: int = 1000) -> tuple[int, int, dict[str, int]]:
    votes = {c: rng.randrange(0, 60) for c in CODES}
    invalid = rng.randrange(0, 5)
    return sum(votes.values()) + invalid, invalid, votes


def csv_of(rows: list[tuple[str, int, int, dict[str, int]]]) -> bytes:
    lines = ["branch,ballots_cast,invalid," + ",".join(CODES)]
    lines += [f"{b},{c},{i}," + ",".join(str(v[k]) for k in CODES) for b, c, i, v in rows]
    return ("\n".join(lines) + "\n").encode()


def test_running_totals_equal_a_full_recount_after_every_kind_of_change(app: Flask) -> None:
    rng = random.Random(5)
    load_package(json.dumps(package(12)).encode(), actor=Actor("test"))
    db.session.commit()
    check("load")

    # A CSV import of some pending branches, then a correction of one of them.
    rows = [(f"B{i}", *numbers(rng)) for i in (1, 3, 5)]
    import_sheets("totals", 1, csv_of(rows), actor=Actor("test"))
    db.session.commit()
    check("import")
    cast, invalid, votes = numbers(rng)
    import_sheets(
        "totals",
        1,
        csv_of([("B3", cast, invalid, votes)]),
        actor=Actor("test"),
        correct=True,
        reason="recount",
    )
    db.session.commit()
    check("correction")

    # Annul a counted branch and a pending one, then reinstate the counted one.
    annul(SheetRef("totals", 1, "B0"), "observers removed", actor=Actor("test"))
    db.session.commit()
    check("annul counted")
    annul(SheetRef("totals", 1, "B7"), "box lost", actor=Actor("test"))
    db.session.commit()
    check("annul pending")
    reinstate(SheetRef("totals", 1, "B0"), "court order", actor=Actor("test"))
    db.session.commit()
    check("reinstate")

    # Double entry as the staff pages do it: two entries, then the matching one counts.
    for code in ("B9", "B11"):
        begin_change()
        round_ = get_round(get_election("totals"), 1)
        branch = get_branch(round_.election, code)
        sheet = sheet_of(round_.id, branch.id) or new_sheet(round_.id, branch.id, flush=True)
        cast, invalid, votes = numbers(rng)
        first = add_entry(round_, branch.id, Numbers(cast, invalid, votes), kind=EntryKind.ENTRY)
        sheet.first_entry_id = first
        set_state(sheet, SheetState.AWAITING_SECOND)
        db.session.commit()
        check(f"first entry {code}")
        begin_change()
        round_ = get_round(get_election("totals"), 1)
        sheet = db.session.get(Sheet, sheet.id)
        assert sheet is not None
        second = add_entry(round_, branch.id, Numbers(cast, invalid, votes), kind=EntryKind.ENTRY)
        sheet.second_entry_id = second
        make_count(sheet, second)
        db.session.commit()
        check(f"second entry {code}")

    # A branch's eligible members change (turnout's denominator), and a sheet is reset by hand.
    import_branches(
        "totals",
        b"code,name,region,eligible\nB1,Branch 1,,1500\nB2,Branch 2,,900\nB12,New,,10\n",
        actor=Actor("test"),
    )
    db.session.commit()
    check("import branches")
    begin_change()
    sheet = db.session.scalar(
        select(Sheet).where(Sheet.state == "counted", Sheet.annulled.is_(False)).limit(1)
    )
    assert sheet is not None
    sheet.state, sheet.counted_entry_id = "empty", None
    db.session.commit()
    check("reset by hand")
    round_id, branch_id = sheet.round_id, sheet.branch_id
    begin_change()
    db.session.delete(db.session.get(Sheet, sheet.id))
    db.session.commit()
    check("sheet deleted")
    # A sheet that counts as annulled, deleted: the delete takes its contribution away.
    begin_change()
    annulled = new_sheet(round_id, branch_id, flush=True)
    annulled.annulled = True
    db.session.commit()
    check("an annulled sheet without entries")
    begin_change()
    db.session.delete(db.session.get(Sheet, annulled.id))
    db.session.commit()
    check("an annulled sheet deleted")

    # Votes written after the sheet that counts them, then changed and removed by hand.
    begin_change()
    round_ = get_round(get_election("totals"), 1)
    branch = get_branch(round_.election, "B4")
    sheet = sheet_of(round_.id, branch.id) or new_sheet(round_.id, branch.id, flush=True)
    cast, invalid, votes = numbers(rng)
    entry = SheetEntry(
        round_id=round_.id, branch_id=branch.id, kind="correction", ballots_cast=cast,
        invalid=invalid, reason="by hand",
    )  # fmt: skip
    db.session.add(entry)
    db.session.flush()
    sheet.state, sheet.counted_entry_id, sheet.annulled = "counted", entry.id, False
    db.session.flush()
    ids = {code: cid for cid, code, _ in ballot_of(round_)}
    db.session.add_all(
        EntryVote(entry_id=entry.id, candidate_id=ids[code], votes=n) for code, n in votes.items()
    )
    db.session.commit()
    check("votes after their sheet")
    begin_change()
    vote = db.session.scalars(select(EntryVote).where(EntryVote.entry_id == entry.id)).first()
    assert vote is not None
    entry_row = db.session.get(SheetEntry, entry.id)
    assert entry_row is not None
    vote.votes += 7
    entry_row.ballots_cast += 7
    db.session.commit()
    check("votes and ballots cast changed")
    begin_change()
    vote = db.session.get(EntryVote, (vote.entry_id, vote.candidate_id))
    entry_row = db.session.get(SheetEntry, entry.id)
    assert vote is not None
    assert entry_row is not None
    entry_row.ballots_cast -= vote.votes
    db.session.delete(vote)
    db.session.commit()
    check("a vote removed")

    # Many random changes in one transaction, committed together.
    begin_change()
    round_ = get_round(get_election("totals"), 1)
    for _ in range(20):
        branch = get_branch(round_.election, f"B{rng.randrange(12)}")
        sheet = sheet_of(round_.id, branch.id) or new_sheet(round_.id, branch.id, flush=True)
        cast, invalid, votes = numbers(rng)
        entry = add_entry(
            round_, branch.id, Numbers(cast, invalid, votes), kind=EntryKind.CORRECTION
        )
        make_count(sheet, entry)
        sheet.annulled = rng.random() < 0.2
        db.session.flush()
    db.session.commit()
    check("random changes")
    result = round_result(get_round(get_election("totals"), 1))
    assert result["branches"]["counted"] > 0


TOTALS_WRITTEN = (
    "SELECT COALESCE(SUM(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_xact_user_tables "
    "WHERE relname IN ('round_totals', 'candidate_totals')"
)


def test_the_triggers_do_nothing_when_nothing_they_sum_changes(app: Flask, backend: str) -> None:
    """The triggers rewrite no total when no column they sum changes: a sheet's version bump (every
    save bumps one), or numbers written again unchanged. SQLite's row triggers have WHEN clauses
    (``total_changes()`` counts the rows trigger programs change too); PostgreSQL's statement
    triggers keep only the rows that changed (``pg_stat_xact_user_tables`` counts this
    transaction's writes to the totals). PostgreSQL's votes trigger is the exception: a vote
    written again unchanged adds zero to its total, which is a write."""
    from sqlalchemy import text

    load_package(json.dumps(package(4)).encode(), actor=Actor("test"))
    db.session.commit()
    sheet = db.session.scalars(select(Sheet).where(Sheet.counted_entry_id.is_not(None))).first()
    assert sheet is not None
    entry, branch = sheet.counted_entry_id, sheet.branch_id
    statements = {
        "a sheet's version": f"UPDATE sheets SET version = version + 1 WHERE id = {sheet.id}",
        "its numbers unchanged": (
            "UPDATE sheet_entries SET ballots_cast = ballots_cast, invalid = invalid "
            f"WHERE id = {entry}"
        ),
        "its branch's eligible unchanged": (
            f"UPDATE branches SET eligible = eligible WHERE id = {branch}"
        ),
    }
    if backend == "sqlite":
        statements["its votes unchanged"] = (
            f"UPDATE entry_votes SET votes = votes WHERE entry_id = {entry}"
        )

    def written() -> int:
        if backend == "sqlite":
            return int(db.session.execute(text("SELECT total_changes()")).scalar_one())
        return int(db.session.execute(text(TOTALS_WRITTEN)).scalar_one())

    for what, sql in statements.items():
        before = written()
        rows = db.session.execute(text(sql)).rowcount
        own = rows if backend == "sqlite" else 0  # SQLite counts the statement's own rows
        assert rows >= 1 and written() - before == own, what
    db.session.rollback()
    # and a change of a summed column does rewrite a total (the count above is not blind)
    before = written()
    db.session.execute(text(f"UPDATE branches SET eligible = eligible + 1 WHERE id = {branch}"))
    assert written() - before == (2 if backend == "sqlite" else 1)
    db.session.rollback()
    check("after the rollback")
