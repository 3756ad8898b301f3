"""Comparing the tables with what the audit chain says: elections, candidates, branches, rounds,
their ballots, their life (round events) and their lots.

The sheets' side (sheets, entries and votes, decisions, annulments, running totals and
certificates) is :mod:`primaries.audit.counts`. Each comparison reads its table in key order,
a batch at a time, and raises the first :class:`~primaries.audit.expected.Difference`: a row
that differs, a row no event explains (added behind the application's back), or a row that an
event made and the table no longer has (removed).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Generator, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.sql import Executable

from ..extensions import db
from ..models import Branch, Candidate, Election, Lot, Round, RoundCandidate, RoundEvent
from ..tally import rules_dict
from .expected import Expected, RoundKey, difference

BATCH = 5000


def stream(stmt: Executable) -> Generator[Any, None, None]:
    """The rows of ``stmt``, fetched a batch at a time (server-side on PostgreSQL); plain rows
    from the connection, not through the ORM (half a million votes at national scale)."""
    connection = db.session.connection()
    result = connection.execute(stmt, execution_options={"yield_per": BATCH})
    try:
        yield from result
    finally:
        result.close()


def raw_stream(sql: str) -> Generator[tuple[Any, ...], None, None]:
    """The rows of a constant SELECT straight from the driver, a batch at a time (server-side
    on PostgreSQL): plain tuples, for the half million rows of ``entry_votes``."""
    connection = db.session.connection()
    driver = connection.connection.dbapi_connection
    assert driver is not None
    postgres = connection.dialect.name == "postgresql"
    cursor = driver.cursor(name="primaries_verify") if postgres else driver.cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(BATCH):
            yield from rows
    finally:
        cursor.close()


def shown(value: object) -> str:
    """A value as a difference's message quotes it."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return repr(str(value))  # an enumeration's value, not its name
    return str(value)


def check(where: str, what: str, chain: object, table: object, seq: int | None) -> None:
    if chain != table:
        raise difference(where, what, shown(chain), shown(table), seq)


def check_lists(
    where: str,
    what: str,
    chain: list[tuple[Any, ...]],
    table: list[tuple[Any, ...]],
    columns: tuple[str, ...],
) -> None:
    """Rows of one thing (a round's events, a sheet's decisions) in order; the last value of
    each chain row is its event's ``seq``."""
    for index, (mine, theirs) in enumerate(itertools.zip_longest(chain, table), start=1):
        label = f"{what} row {index}"
        if mine is None:
            raise difference(where, label, "no such row", _row(theirs, columns), None)
        seq = mine[-1]
        if theirs is None:
            raise difference(where, label, _row(mine, columns), "no such row", seq)
        for column, expected, found in zip(columns, mine, theirs, strict=False):
            check(where, f"{label}: {column}", expected, found, seq)


def _row(values: tuple[Any, ...], columns: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"{c} {shown(v)}" for c, v in zip(columns, values, strict=False)) + ")"


def blank(value: str | None) -> str | None:
    """Reasons and notes: empty is none."""
    return value or None


def round_name(key: RoundKey) -> str:
    return f"round {key[1]} of {key[0]}"


@dataclass
class Names:
    """The tables' ids by public names, gathered as the tables are read."""

    users: Mapping[int, str]
    elections: dict[int, str] = field(default_factory=dict)
    rounds: dict[int, RoundKey] = field(default_factory=dict)
    round_ids: dict[RoundKey, int] = field(default_factory=dict)
    candidates: dict[int, str] = field(default_factory=dict)
    candidate_ids: dict[tuple[str, str], int] = field(default_factory=dict)
    branches: dict[int, str] = field(default_factory=dict)
    eligible: dict[int, int] = field(default_factory=dict)

    def user(self, user_id: int | None) -> str | None:
        return None if user_id is None else self.users.get(user_id, f"account #{user_id}")

    # Rows that point at no row (foreign keys switched off behind the application's back) are
    # named by the id they hold, so that they are reported like any other difference.

    def election(self, election_id: int) -> str:
        return self.elections.get(election_id, f"(election #{election_id})")

    def round(self, round_id: int) -> RoundKey:
        return self.rounds.get(round_id, (f"(round #{round_id})", 0))

    def branch(self, branch_id: int) -> str:
        return self.branches.get(branch_id, f"(branch #{branch_id})")

    def candidate(self, candidate_id: int) -> str:
        return self.candidates.get(candidate_id, f"(candidate #{candidate_id})")

    def sheet(self, round_id: int, branch_id: int) -> tuple[str, int, str]:
        return (*self.round(round_id), self.branch(branch_id))


def compare_elections(expected: Expected, names: Names) -> None:
    pending = dict(expected.elections)
    for election in db.session.scalars(select(Election).order_by(Election.id)):
        slug = election.slug
        names.elections[election.id] = slug
        where = f"election {slug}"
        mine = pending.pop(slug, None)
        if mine is None:
            raise difference(where, "elections", "no such election", f"{election.name!r}")
        check(where, "elections.name", mine.name, election.name, mine.seq)
        rules = rules_dict(election)
        for key in sorted(set(mine.rules) | set(rules)):
            check(where, f"elections.{key}", mine.rules.get(key), rules.get(key), mine.seq)
        check(where, "elections.four_eyes", mine.four_eyes, election.four_eyes, mine.seq)
        check(where, "elections.names", mine.local_names, election.names, mine.seq)
        check(where, "elections.regions", mine.region_names, election.regions, mine.seq)
        check(
            where, "elections.flag_settings", mine.flag_settings, election.flag_settings, mine.seq
        )
        check(
            where, "elections.photos_public", mine.photos_public, election.photos_public, mine.seq
        )
    for slug, mine in pending.items():
        raise difference(f"election {slug}", "elections", repr(mine.name), "no such row", mine.seq)


def compare_candidates(expected: Expected, names: Names) -> None:
    stmt = select(
        Candidate.id,
        Candidate.election_id,
        Candidate.code,
        Candidate.name,
        Candidate.position,
        Candidate.names,
    ).order_by(Candidate.election_id, Candidate.position, Candidate.id)
    found: dict[str, list[tuple[Any, ...]]] = {}
    for candidate_id, election_id, code, name, position, local in stream(stmt):
        slug = names.election(election_id)
        names.candidates[candidate_id] = code
        names.candidate_ids[(slug, code)] = candidate_id
        found.setdefault(slug, []).append((code, name, position, local))
    for slug, mine in expected.elections.items():
        chain = [
            (code, name, i, local, mine.seq)
            for i, (code, name, local) in enumerate(mine.candidates)
        ]
        columns = ("code", "name", "position", "names")
        check_lists(f"election {slug}", "candidates", chain, found.get(slug, []), columns)


def compare_branches(expected: Expected, names: Names) -> None:
    pending = dict(expected.branches)
    stmt = select(
        Branch.id,
        Branch.election_id,
        Branch.code,
        Branch.name,
        Branch.region,
        Branch.eligible,
        Branch.names,
    ).order_by(Branch.id)
    for branch_id, election_id, code, name, region, eligible, local in stream(stmt):
        slug = names.election(election_id)
        names.branches[branch_id] = code
        names.eligible[branch_id] = int(eligible)
        where = f"branch {code} of {slug}"
        mine = pending.pop((slug, code), None)
        if mine is None:
            table = f"a branch {name!r} with {eligible} eligible members"
            raise difference(where, "branches", "no such branch", table)
        check(where, "branches.name", mine[0], name, mine[3])
        check(where, "branches.region", mine[1], region, mine[3])
        check(where, "branches.eligible", mine[2], int(eligible), mine[3])
        local_names, seq = expected.branch_names.get((slug, code), (None, mine[3]))
        check(where, "branches.names", local_names, local, seq)
    for (slug, code), mine in pending.items():
        chain = f"a branch {mine[0]!r} with {mine[2]} eligible members"
        raise difference(f"branch {code} of {slug}", "branches", chain, "no such row", mine[3])


def compare_rounds(expected: Expected, names: Names) -> None:
    pending = dict(expected.rounds)
    stmt = select(
        Round.id, Round.election_id, Round.number, Round.status, Round.held_on, Round.publish
    )
    for round_id, election_id, number, status, held_on, publish in stream(stmt.order_by(Round.id)):
        key = (names.election(election_id), int(number))
        names.rounds[round_id], names.round_ids[key] = key, round_id
        mine = pending.pop(key, None)
        if mine is None:
            raise difference(round_name(key), "rounds", "no such round", f"a round ({status})")
        check(round_name(key), "rounds.status", mine.status, status, mine.seq)
        date = held_on.isoformat() if isinstance(held_on, dt.date) else held_on
        check(round_name(key), "rounds.held_on", mine.held_on, date, mine.seq)
        check(round_name(key), "rounds.publish", mine.publish, publish, mine.publish_seq or None)
    for key, mine in pending.items():
        raise difference(round_name(key), "rounds", f"a round ({mine.status})", "no such row")


def _by_round(rows: Iterable[Any], names: Names) -> dict[RoundKey, list[tuple[Any, ...]]]:
    found: dict[RoundKey, list[tuple[Any, ...]]] = {}
    for round_id, *values in rows:
        found.setdefault(names.round(round_id), []).append(tuple(values))
    return found


def compare_ballots(expected: Expected, names: Names) -> None:
    stmt = select(RoundCandidate.round_id, RoundCandidate.candidate_id).order_by(
        RoundCandidate.round_id, RoundCandidate.position
    )
    found = _by_round(stream(stmt), names)
    for key, mine in expected.rounds.items():
        table = [names.candidate(candidate_id) for (candidate_id,) in found.get(key, [])]
        check(round_name(key), "round_candidates (the ballot)", mine.ballot, table, mine.seq)


def compare_round_life(expected: Expected, names: Names) -> None:
    """Each round's events (open, close, certify...) and lots, in the order they were made."""
    events = select(
        RoundEvent.round_id,
        RoundEvent.action,
        RoundEvent.reason,
        RoundEvent.result_sha256,
        RoundEvent.audit_head,
        RoundEvent.four_eyes,
        RoundEvent.user_id,
    ).order_by(RoundEvent.round_id, RoundEvent.id)
    found = _by_round(stream(events), names)
    columns = ("action", "reason", "result_sha256", "audit_head", "four_eyes", "account")
    for key, mine in expected.rounds.items():
        table = [
            (a, blank(reason), sha, head, four_eyes, names.user(user))
            for a, reason, sha, head, four_eyes, user in found.get(key, [])
        ]
        chain = [(a, blank(reason), *rest) for a, reason, *rest in mine.events]
        check_lists(round_name(key), "round_events", chain, table, columns)
    lots = select(Lot.round_id, Lot.codes, Lot.note, Lot.user_id).order_by(Lot.round_id, Lot.id)
    found = _by_round(stream(lots), names)
    for key, mine in expected.rounds.items():
        table_lots = [(list(c), blank(note), names.user(u)) for c, note, u in found.get(key, [])]
        chain_lots = [(codes, blank(note), user, seq) for codes, note, user, seq in mine.lots]
        check_lists(round_name(key), "lots", chain_lots, table_lots, ("codes", "note", "account"))
