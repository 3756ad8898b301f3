"""Comparing the sheets' side of the tables with what the audit chain says: sheets and their
states, entries and their votes, decisions, annulments, the running totals and certificates.

Entries are read once, with their votes, in id order: each entry's numbers are compared with the
digest the replay kept (and, when they differ, with the numbers of the event that recorded them,
to name the field); the entries that count are summed on the way, which gives what the running
totals (``round_totals``, ``candidate_totals``) must hold. A certified round's result is rebuilt
from those sums and must hash to its certificate's result SHA-256.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Generator, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.sql import Executable

from ..core.sheets import Numbers
from ..extensions import db
from ..models import (
    Annulment,
    Round,
    Sheet,
    SheetDecision,
    SheetEntry,
)
from ..results.certificates import result_digest
from ..tally import ROUND_TOTALS, Sums, candidate_totals_summed, round_result, round_totals_summed
from .expected import Expected, ExpectedEntry, RoundKey, SheetKey, difference
from .records import numbers_digest
from .replay import event_numbers
from .tables import Names, blank, check, check_lists, raw_stream, round_name, shown, stream


def sheet_name(key: SheetKey) -> str:
    return f"branch {key[2]} in round {key[1]} of {key[0]}"


@dataclass
class RoundSums:
    """What the sheets that count add up to in one round."""

    counted: int = 0
    annulled_sheets: int = 0  # named apart from the sheets.annulled column
    eligible: int = 0
    ballots_cast: int = 0
    invalid: int = 0
    votes: dict[str, int] = field(default_factory=dict)


def compare_sheets(expected: Expected, names: Names) -> dict[int, RoundKey]:
    """Compare every sheet; return the entries that count (entry id -> round)."""
    pending = dict(expected.sheets)
    stmt = select(
        Sheet.round_id,
        Sheet.branch_id,
        Sheet.state,
        Sheet.first_entry_id,
        Sheet.second_entry_id,
        Sheet.counted_entry_id,
        Sheet.annulled,
        Sheet.annul_reason,
    ).order_by(Sheet.id)
    for round_id, branch_id, state, first, second, counted, annulled, reason in stream(stmt):
        key = names.sheet(round_id, branch_id)
        where = sheet_name(key)
        mine = pending.pop(key, None)
        if mine is None:
            table = f"a sheet ({state}{', annulled' if annulled else ''})"
            raise difference(where, "sheets", "no such sheet", table)
        check(where, "sheets.state", mine.sheet_state, state, mine.seq)
        check(where, "sheets.counted_entry_id", mine.counted, counted, mine.seq)
        check(where, "sheets.first_entry_id", mine.first, first, mine.seq)
        check(where, "sheets.second_entry_id", mine.second, second, mine.seq)
        check(where, "sheets.annulled", mine.is_annulled, bool(annulled), mine.seq)
        check(where, "sheets.annul_reason", blank(mine.annulment_reason), blank(reason), mine.seq)
    for key, mine in pending.items():
        chain = f"a sheet ({mine.sheet_state}{', annulled' if mine.is_annulled else ''})"
        raise difference(sheet_name(key), "sheets", chain, "no such row", mine.seq)
    return {
        sheet.counted: key[:2]
        for key, sheet in expected.sheets.items()
        if sheet.counts and sheet.counted is not None
    }


def compare_entries(
    expected: Expected, names: Names, counting: dict[int, RoundKey]
) -> dict[RoundKey, RoundSums]:
    """Compare every entry and its votes; sum the entries that count, by round."""
    pending = dict(expected.entries)
    sums: dict[RoundKey, RoundSums] = defaultdict(RoundSums)
    for key, sheet in expected.sheets.items():
        if sheet.is_annulled:
            sums[key[:2]].annulled_sheets += 1
    entries = select(
        SheetEntry.id,
        SheetEntry.round_id,
        SheetEntry.branch_id,
        SheetEntry.kind,
        SheetEntry.user_id,
        SheetEntry.reason,
        SheetEntry.ballots_cast,
        SheetEntry.invalid,
    ).order_by(SheetEntry.id)
    with closing(_with_votes(stream(entries), names)) as rows:
        _compare_each_entry(rows, names, pending, counting, sums)
    for entry_id, mine in sorted(pending.items()):
        where = f"{sheet_name(mine.sheet)}, entry #{entry_id}"
        chain = f"an entry of kind {str(mine.kind)!r}"
        raise difference(where, "sheet_entries", chain, "no such row", mine.seq)
    return sums


def _compare_each_entry(
    rows: Iterator[tuple[Any, dict[str, int]]],
    names: Names,
    pending: dict[int, ExpectedEntry],
    counting: dict[int, RoundKey],
    sums: dict[RoundKey, RoundSums],
) -> None:
    for entry, votes in rows:
        entry_id, round_id, branch_id, kind, user_id, reason, cast, invalid = entry
        numbers = Numbers(int(cast), int(invalid), votes)
        key = names.sheet(round_id, branch_id)
        where = f"{sheet_name(key)}, entry #{entry_id}"
        mine = pending.pop(entry_id, None)
        if mine is None:
            raise difference(where, "sheet_entries", "no such entry", f"an entry of kind {kind!r}")
        check(where, "sheet_entries (its sheet)", sheet_name(mine.sheet), sheet_name(key), mine.seq)
        check(where, "sheet_entries.kind", mine.kind, kind, mine.seq)
        check(where, "sheet_entries.user_id", mine.user, names.user(user_id), mine.seq)
        check(where, "sheet_entries.reason", blank(mine.reason), blank(reason), mine.seq)
        if numbers_digest(numbers) != mine.digest:
            _name_the_number(where, entry_id, mine, numbers)
        round_key = counting.get(entry_id)
        if round_key is not None:
            total = sums[round_key]
            total.counted += 1
            total.eligible += names.eligible.get(branch_id, 0)
            total.ballots_cast += numbers.ballots_cast
            total.invalid += numbers.invalid
            for code, count in votes.items():
                total.votes[code] = total.votes.get(code, 0) + count


def _with_votes(
    entries: Generator[Any, None, None], names: Names
) -> Generator[tuple[Any, dict[str, int]], None, None]:
    """Each entry row with its votes by candidate code: the two tables read side by side, each
    in entry id order (no join repeating the entry on each of its 39 votes)."""
    votes = raw_stream(
        "SELECT entry_id, candidate_id, votes FROM entry_votes ORDER BY entry_id, candidate_id"
    )
    with closing(votes), closing(entries):  # closed also when a difference stops the reading
        yield from _merged(entries, votes, names.candidate)


def _merged(
    entries: Iterator[Any], votes: Iterator[Any], code_of: Callable[[int], str]
) -> Iterator[tuple[Any, dict[str, int]]]:
    pending = next(votes, None)
    for entry in entries:
        mine: dict[str, int] = {}
        while pending is not None and pending[0] <= entry[0]:
            entry_id, candidate_id, count = pending
            if entry_id < entry[0]:
                where = f"entry #{entry_id}"
                what = f"entry_votes.votes for {code_of(candidate_id)}"
                raise difference(where, what, "no such entry", f"{count} votes")
            mine[code_of(candidate_id)] = int(count)
            pending = next(votes, None)
        yield entry, mine
    if pending is not None:
        entry_id, candidate_id, count = pending
        what = f"entry_votes.votes for {code_of(candidate_id)}"
        raise difference(f"entry #{entry_id}", what, "no such entry", f"{count} votes")


def _name_the_number(where: str, entry_id: int, mine: ExpectedEntry, table: Numbers) -> None:
    """Raise the first field where the entry's numbers differ from those its event recorded."""
    chain = event_numbers(mine.seq, entry_id)
    if chain is None:  # the event was read once already: only a change since could do this
        raise difference(where, "numbers", "other numbers", "these", mine.seq)
    check(where, "sheet_entries.ballots_cast", chain.ballots_cast, table.ballots_cast, mine.seq)
    check(where, "sheet_entries.invalid", chain.invalid, table.invalid, mine.seq)
    for code in sorted(set(chain.votes) | set(table.votes)):
        what = f"entry_votes.votes for {code}"
        mine_votes, theirs = chain.votes.get(code), table.votes.get(code)
        if mine_votes != theirs:
            raise difference(
                where,
                what,
                "no such row" if mine_votes is None else shown(mine_votes),
                "no such row" if theirs is None else shown(theirs),
                mine.seq,
            )


def compare_decisions(expected: Expected, names: Names) -> None:
    """Each sheet's decisions (resolutions, send-backs) and annulments, in order."""
    decisions = select(
        SheetDecision.round_id,
        SheetDecision.branch_id,
        SheetDecision.kind,
        SheetDecision.first_entry_id,
        SheetDecision.second_entry_id,
        SheetDecision.resolution_entry_id,
        SheetDecision.choices,
        SheetDecision.reason,
        SheetDecision.user_id,
    ).order_by(SheetDecision.round_id, SheetDecision.branch_id, SheetDecision.id)
    columns = (
        "kind", "first_entry_id", "second_entry_id", "resolution_entry_id", "choices", "reason",
        "account",
    )  # fmt: skip
    _compare_per_sheet(expected, names, decisions, "sheet_decisions", columns, "decisions")
    annulments = select(
        Annulment.round_id,
        Annulment.branch_id,
        Annulment.action,
        Annulment.reason,
        Annulment.user_id,
    ).order_by(Annulment.round_id, Annulment.branch_id, Annulment.id)
    _compare_per_sheet(
        expected, names, annulments, "annulments", ("action", "reason", "account"), "annulments"
    )


def _compare_per_sheet(
    expected: Expected,
    names: Names,
    stmt: Executable,
    table: str,
    columns: tuple[str, ...],
    attribute: str,
) -> None:
    seen: set[SheetKey] = set()
    for (round_id, branch_id), rows in itertools.groupby(stream(stmt), key=lambda r: r[:2]):
        key = names.sheet(round_id, branch_id)
        seen.add(key)
        found = [(*r[2:-2], blank(r[-2]), names.user(r[-1])) for r in rows]
        sheet = expected.sheets.get(key)
        chain = getattr(sheet, attribute) if sheet is not None else []
        chain = [(*c[:-3], blank(c[-3]), c[-2], c[-1]) for c in chain]
        check_lists(sheet_name(key), table, chain, found, columns)
    for key, sheet in expected.sheets.items():
        if key not in seen and getattr(sheet, attribute):
            check_lists(sheet_name(key), table, getattr(sheet, attribute), [], columns)


def compare_totals(expected: Expected, names: Names, sums: dict[RoundKey, RoundSums]) -> None:
    """The running totals hold what the sheets that count add up to."""
    summed = round_totals_summed()
    rounds = {
        names.round(row[0]): row[1:]
        for row in db.session.execute(
            select(summed.c.round_id, *(summed.c[column] for column in ROUND_TOTALS))
        )
    }
    votes: dict[RoundKey, dict[str, int]] = {}
    by_candidate = candidate_totals_summed()
    for round_id, candidate_id, count in db.session.execute(select(by_candidate)):
        votes.setdefault(names.round(round_id), {})[names.candidate(candidate_id)] = int(count)
    for key in expected.rounds:
        total = sums[key]
        where = round_name(key)
        table = [int(x) for x in rounds.get(key, (0, 0, 0, 0, 0))]
        chain = [
            total.counted,
            total.annulled_sheets,
            total.eligible,
            total.ballots_cast,
            total.invalid,
        ]
        for column, mine, theirs in zip(
            ("counted", "annulled", "eligible", "ballots_cast", "invalid"),
            chain,
            table,
            strict=True,
        ):
            check(where, f"round_totals.{column}", mine, theirs, None)
        table_votes = votes.get(key, {})
        for code in [*expected.rounds[key].ballot, *sorted(table_votes)]:
            what = f"candidate_totals.votes for {code}"
            check(where, what, total.votes.get(code, 0), table_votes.get(code, 0), None)


def compare_certificates(expected: Expected, names: Names, sums: dict[RoundKey, RoundSums]) -> None:
    """A certified round's result, rebuilt from the numbers the chain says count, must hash to
    the result SHA-256 its certificate holds."""
    for key, mine in expected.rounds.items():
        certificate = mine.certificate()
        if certificate is None:
            continue
        digest, seq = certificate
        round_ = db.session.get(Round, names.round_ids[key])
        assert round_ is not None  # compared above
        total = sums[key]
        slug = key[0]
        candidate_names = {code: name for code, name, _ in expected.elections[slug].candidates}
        sums_now = Sums(
            ballot=[
                (names.candidate_ids[(slug, code)], code, candidate_names[code])
                for code in mine.ballot
            ],
            votes={code: total.votes.get(code, 0) for code in mine.ballot},
            branches_total=sum(1 for s, _ in expected.branches if s == slug),
            counted=total.counted,
            annulled=total.annulled_sheets,
            eligible=total.eligible,
            ballots_cast=total.ballots_cast,
            invalid=total.invalid,
            lots=[list(codes) for codes, *_ in mine.lots],
        )
        now = result_digest(round_result(round_, sums_now))
        if now != digest:
            table = f"{now}, the SHA-256 of the result of the numbers that count now"
            raise difference(round_name(key), "the certified result's SHA-256", digest, table, seq)
