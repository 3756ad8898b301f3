"""Migration 0002 fills the running totals from the sheets a database already holds.

The test names, in its docstring, the changes of ``migrations/versions/0002_running_totals.py``
(the mutants) that it kills; it was seen failing with each applied and passing without it.

A fresh, empty database (not the suite's migrated template) is upgraded to revision 0001, given
two elections' rounds with sheets in every state by plain Core inserts into the 0001 tables (as
reflected from the database, so nothing of today's models is assumed), and upgraded to head.
Then ``round_totals`` and ``candidate_totals`` must hold, for every round, what
:func:`primaries.tally.recount_of` sums from the sheets (a missing row reads as zeros, as the
tally reads it), and the numbers worked out by hand below.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from primaries.extensions import db
from primaries.models import Round
from primaries.tally import recount_of, sums_of
from tests.conftest import PostgresServer, skip_or_fail

NOW = dt.datetime(2024, 3, 1, 20, 0, tzinfo=dt.UTC)


@pytest.fixture
def database_url(backend: str, tmp_path: Path, pg_server: PostgresServer | None) -> Iterator[str]:
    """Overrides the suite's fixture: an EMPTY database of the test's backend (no tables)."""
    if backend == "sqlite":
        path = tmp_path / "fresh.sqlite"
        yield f"sqlite:///{path}"
        return
    if pg_server is None:
        skip_or_fail("PostgreSQL is not reachable")
    assert pg_server is not None
    name = f"primaries_m_{uuid.uuid4().hex[:12]}"
    yield pg_server.create(name)
    pg_server.drop(name)


class Writer:
    """Core inserts into the 0001 schema; returns the new rows' ids."""

    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        self.tables = sa.MetaData()
        self.tables.reflect(bind=conn)
        assert "round_totals" not in self.tables.tables  # still at 0001

    def add(self, table: str, **values: Any) -> int:
        result = self.conn.execute(sa.insert(self.tables.tables[table]).values(**values))
        return int(result.inserted_primary_key[0])

    def election(self, slug: str, codes: list[str], eligible: list[int]) -> tuple[int, Any, Any]:
        election = self.add(
            "elections",
            slug=slug,
            name=slug,
            threshold_percent=Decimal("40.00"),
            threshold_inclusive=True,
            threshold_basis="valid",
            runoff_size=2,
            double_entry=True,
            created_at=NOW,
        )
        candidates = {
            code: self.add(
                "candidates", election_id=election, code=code, name=code, position=position
            )
            for position, code in enumerate(codes, start=1)
        }
        branches = [
            self.add(
                "branches",
                election_id=election,
                code=f"B{i}",
                name=f"Branch {i}",
                region=None,
                eligible=n,
            )
            for i, n in enumerate(eligible, start=1)
        ]
        return election, candidates, branches

    def round(self, election: int, number: int, candidates: dict[str, int], ballot: str) -> int:
        round_id = self.add(
            "rounds",
            election_id=election,
            number=number,
            held_on=None,
            status="open",
            data_version=1,
            created_at=NOW,
        )
        for position, code in enumerate(ballot.split(), start=1):
            self.conn.execute(
                sa.insert(self.tables.tables["round_candidates"]).values(
                    round_id=round_id, candidate_id=candidates[code], position=position
                )
            )
        return round_id

    def entry(
        self,
        round_id: int,
        branch: int,
        candidates: dict[str, int],
        cast: int,
        invalid: int,
        votes: dict[str, int],
        kind: str = "entry",
    ) -> int:
        assert sum(votes.values()) + invalid == cast
        entry = self.add(
            "sheet_entries",
            round_id=round_id,
            branch_id=branch,
            kind=kind,
            ballots_cast=cast,
            invalid=invalid,
            user_id=None,
            reason=None,
            created_at=NOW,
        )
        for code, n in votes.items():
            self.conn.execute(
                sa.insert(self.tables.tables["entry_votes"]).values(
                    entry_id=entry, candidate_id=candidates[code], votes=n
                )
            )
        return entry

    def sheet(
        self,
        round_id: int,
        branch: int,
        state: str,
        *,
        first: int | None = None,
        second: int | None = None,
        counted: int | None = None,
        annulled: bool = False,
    ) -> None:
        self.add(
            "sheets",
            round_id=round_id,
            branch_id=branch,
            state=state,
            first_entry_id=first,
            second_entry_id=second,
            counted_entry_id=counted,
            annulled=annulled,
            annul_reason="complaint" if annulled else None,
            version=3,
            updated_at=NOW,
        )


def fill(w: Writer) -> dict[str, int]:
    """Two elections' rounds with sheets in every state; returns the rounds' ids by name."""
    # alpha: seven branches; round 1 of three candidates, round 2 a runoff of two, round 3 empty.
    alpha, c, b = w.election(
        "alpha-2024", ["AAA", "BBB", "CCC"], [500, 800, 200, 150, 300, 120, 90]
    )
    r1 = w.round(alpha, 1, c, "AAA BBB CCC")
    # B1 counted (a package's sheet).
    e = w.entry(r1, b[0], c, 300, 4, {"AAA": 100, "BBB": 120, "CCC": 76}, kind="package")
    w.sheet(r1, b[0], "counted", first=e, counted=e)
    # B2 counted by two agreeing entries.
    e1 = w.entry(r1, b[1], c, 500, 5, {"AAA": 200, "BBB": 150, "CCC": 145})
    e2 = w.entry(r1, b[1], c, 500, 5, {"AAA": 200, "BBB": 150, "CCC": 145})
    w.sheet(r1, b[1], "counted", first=e1, second=e2, counted=e2)
    # B3 counted, then annulled: its numbers do not count.
    e = w.entry(r1, b[2], c, 120, 3, {"AAA": 30, "BBB": 50, "CCC": 37}, kind="package")
    w.sheet(r1, b[2], "counted", first=e, counted=e, annulled=True)
    # B4 annulled before anything was entered.
    w.sheet(r1, b[3], "empty", annulled=True)
    # B5 awaiting its second entry; B6 in mismatch: pending, neither counts.
    e = w.entry(r1, b[4], c, 100, 1, {"AAA": 40, "BBB": 30, "CCC": 29})
    w.sheet(r1, b[4], "awaiting_second", first=e)
    e1 = w.entry(r1, b[5], c, 110, 2, {"AAA": 50, "BBB": 30, "CCC": 28})
    e2 = w.entry(r1, b[5], c, 110, 2, {"AAA": 30, "BBB": 50, "CCC": 28})
    w.sheet(r1, b[5], "mismatch", first=e1, second=e2)
    # B7 has no sheet at all.

    r2 = w.round(alpha, 2, c, "AAA BBB")
    e = w.entry(r2, b[0], c, 310, 2, {"AAA": 160, "BBB": 148})
    w.sheet(r2, b[0], "counted", first=e, counted=e)
    e = w.entry(r2, b[2], c, 110, 1, {"AAA": 60, "BBB": 49})
    w.sheet(r2, b[2], "counted", first=e, counted=e)
    e = w.entry(r2, b[3], c, 140, 2, {"AAA": 70, "BBB": 68})
    w.sheet(r2, b[3], "counted", first=e, counted=e, annulled=True)
    e1 = w.entry(r2, b[1], c, 600, 0, {"AAA": 300, "BBB": 300})
    e2 = w.entry(r2, b[1], c, 600, 0, {"AAA": 301, "BBB": 299})
    w.sheet(r2, b[1], "mismatch", first=e1, second=e2)
    w.entry(r2, b[4], c, 200, 0, {"AAA": 100, "BBB": 100})  # sent back: kept, linked to nothing
    w.sheet(r2, b[4], "empty")

    r3 = w.round(alpha, 3, c, "AAA BBB")  # no sheets yet

    # beta: another election, so that nothing is summed across elections or rounds.
    beta, c, b = w.election("beta-2025", ["XXX", "YYY"], [1000, 50])
    r4 = w.round(beta, 1, c, "XXX YYY")
    e = w.entry(r4, b[0], c, 700, 10, {"XXX": 400, "YYY": 290}, kind="package")
    w.sheet(r4, b[0], "counted", first=e, counted=e)
    w.sheet(r4, b[1], "empty", annulled=True)
    return {"alpha 1": r1, "alpha 2": r2, "alpha 3": r3, "beta 1": r4}


# What the sheets above add up to, by hand: (counted, annulled, eligible, cast, invalid), votes.
BY_HAND = {
    "alpha 1": ((2, 2, 1300, 800, 9), {"AAA": 300, "BBB": 270, "CCC": 221}),
    "alpha 2": ((2, 1, 700, 420, 3), {"AAA": 220, "BBB": 197}),
    "alpha 3": ((0, 0, 0, 0, 0), {"AAA": 0, "BBB": 0}),
    "beta 1": ((1, 1, 1000, 700, 10), {"XXX": 400, "YYY": 290}),
}


def stored_totals(round_id: int) -> tuple[tuple[int, ...], dict[str, int]]:
    """What the running-totals tables hold for a round (no row reads as zeros)."""
    row = db.session.execute(
        sa.text(
            "SELECT counted, annulled, eligible, ballots_cast, invalid FROM round_totals "
            "WHERE round_id = :round_id"
        ),
        {"round_id": round_id},
    ).first()
    votes = db.session.execute(
        sa.text(
            "SELECT c.code, t.votes FROM candidate_totals t JOIN candidates c "
            "ON c.id = t.candidate_id WHERE t.round_id = :round_id"
        ),
        {"round_id": round_id},
    ).all()
    numbers = tuple(int(n) for n in row) if row else (0, 0, 0, 0, 0)
    return numbers, {code: int(n) for code, n in votes}


def test_the_upgrade_fills_the_running_totals_from_existing_sheets(app: Flask) -> None:
    """Kills, in ``0002_running_totals.py``: the backfill left out (``for sql in BACKFILL:
    op.execute(sql)`` not run), and one-line changes of its SQL: annulled sheets not counted
    (``SUM(CASE WHEN s.annulled ...)`` made 0), annulled or unfinished sheets summed (the
    ``CASE WHEN`` counts condition dropped from the eligible, cast or invalid sums, or the
    ``WHERE`` of the votes' sum dropped), the ``LEFT JOIN`` to the counted entry made an inner
    join (a sheet annulled before any entry would not be counted as annulled), and ``_counts``
    without its ``NOT annulled``."""
    upgrade(revision="0001")
    with db.engine.begin() as conn:
        rounds = fill(Writer(conn))
    upgrade()

    db.session.rollback()
    assert set(sa.inspect(db.engine).get_table_names()) >= {"round_totals", "candidate_totals"}
    for name, round_id in rounds.items():
        round_ = db.session.get(Round, round_id)
        assert round_ is not None
        recount = recount_of(round_)
        expected = (
            recount.counted,
            recount.annulled,
            recount.eligible,
            recount.ballots_cast,
            recount.invalid,
        )
        assert (expected, recount.votes) == BY_HAND[name], name
        numbers, votes = stored_totals(round_id)
        assert numbers == expected, name
        assert set(votes) <= set(recount.votes), name  # nobody off the round's ballot
        assert {code: votes.get(code, 0) for code in recount.votes} == recount.votes, name
        # And the tally, which reads the running totals, agrees with the recount.
        assert sums_of(round_) == recount, name
