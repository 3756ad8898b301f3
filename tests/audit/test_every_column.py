"""Any edit of a counted column, in any table, behind the application's back, is named by the
data check: which branch and round, which field, what the chain says, what the table says. So
are rows added and rows removed.

Each case runs in a transaction rolled back afterwards, over the same history (see conftest);
``test_the_command_line_exits_1`` shows the command's own exit status and wording.
"""

from __future__ import annotations

from typing import Any

import pytest

from primaries.audit.data import verify_data

from .conftest import behind_the_back, verified_after

NOW = "'2024-03-02 10:00:00'"


def R(number: int) -> str:
    return (
        "(SELECT r.id FROM rounds r JOIN elections e ON e.id = r.election_id "
        f"WHERE e.slug = 'test-2024' AND r.number = {number})"
    )


def B(code: str) -> str:
    return f"(SELECT id FROM branches WHERE code = '{code}')"


def C(code: str) -> str:
    return f"(SELECT id FROM candidates WHERE code = '{code}')"


def SHEET(number: int, branch: str) -> str:
    return f"round_id = {R(number)} AND branch_id = {B(branch)}"


def ENTRY(number: int, branch: str, which: str = "counted") -> str:
    return f"(SELECT {which}_entry_id FROM sheets WHERE {SHEET(number, branch)})"


def USER(name: str) -> str:
    return f"(SELECT id FROM users WHERE username = '{name}')"


SET_ASIDE = "(SELECT first_entry_id FROM sheet_decisions WHERE kind = 'send_back')"
R2B1, R2B2 = "branch B1 in round 2 of test-2024", "branch B2 in round 2 of test-2024"

CASES: list[tuple[str, list[str], list[str]]] = [
    # -------------------------------------------------------------- entries and their votes
    (
        "votes of a typed sheet that counts",
        [f"UPDATE entry_votes SET votes = votes + 1 WHERE entry_id = {ENTRY(2, 'B1')} "
         f"AND candidate_id = {C('AAA')}"],
        [R2B1, "entry_votes.votes for AAA", "the chain says 148", "the table says 149"],
    ),
    (
        "votes of an entry set aside by a send-back",
        [f"UPDATE entry_votes SET votes = 0 WHERE entry_id = {SET_ASIDE} "
         f"AND candidate_id = {C('BBB')}"],
        ["branch B3 in round 2", "entry_votes.votes for BBB", "chain says 59", "table says 0"],
    ),
    (
        "votes of a loaded sheet",
        [f"UPDATE entry_votes SET votes = 31 WHERE entry_id = {ENTRY(1, 'B3')} "
         f"AND candidate_id = {C('AAA')}"],
        ["branch B3 in round 1", "entry_votes.votes for AAA", "chain says 30", "table says 31"],
    ),
    (
        "votes of an imported sheet",
        [f"UPDATE entry_votes SET votes = 48 WHERE entry_id = {ENTRY(2, 'B4')} "
         f"AND candidate_id = {C('BBB')}"],
        ["branch B4 in round 2", "entry_votes.votes for BBB", "chain says 49", "table says 48"],
    ),
    (
        "votes of a correction",
        [f"UPDATE entry_votes SET votes = 120 WHERE entry_id = {ENTRY(1, 'B2')} "
         f"AND candidate_id = {C('CCC')}"],
        ["branch B2 in round 1", "entry_votes.votes for CCC", "chain says 119", "says 120"],
    ),
    (
        "a counted sheet's votes swapped between its candidates",
        [f"UPDATE entry_votes SET votes = CASE WHEN candidate_id = {C('AAA')} THEN 248 ELSE 247 "
         f"END WHERE entry_id = {ENTRY(2, 'B2')}"],
        [R2B2, "entry_votes.votes for AAA", "chain says 247", "table says 248"],
    ),
    (
        "a vote row removed",
        [f"DELETE FROM entry_votes WHERE entry_id = {ENTRY(1, 'B1')} "
         f"AND candidate_id = {C('DDD')}"],
        ["branch B1 in round 1", "entry_votes.votes for DDD", "chain says 46",
         "table says no such row"],
    ),
    (
        "a vote row added for a candidate who is not on the ballot",
        [f"INSERT INTO entry_votes (entry_id, candidate_id, votes) "
         f"VALUES ({ENTRY(2, 'B1')}, {C('CCC')}, 5)"],
        [R2B1, "entry_votes.votes for CCC", "chain says no such row", "table says 5"],
    ),
    (
        "ballots cast of a loaded sheet",
        [f"UPDATE sheet_entries SET ballots_cast = 101 WHERE id = {ENTRY(1, 'B4')}"],
        ["branch B4 in round 1", "sheet_entries.ballots_cast", "chain says 100", "says 101"],
    ),
    (
        "invalid ballots of a typed sheet",
        [f"UPDATE sheet_entries SET invalid = 3 WHERE id = {ENTRY(2, 'B5')}"],
        ["branch B5 in round 2", "sheet_entries.invalid", "chain says 2", "table says 3"],
    ),
    (
        "the kind of an entry",
        [f"UPDATE sheet_entries SET kind = 'entry' WHERE id = {ENTRY(2, 'B4')}"],
        ["branch B4 in round 2", "sheet_entries.kind", "'import'", "'entry'"],
    ),
    (
        "who made an entry",
        [f"UPDATE sheet_entries SET user_id = {USER('clerk1')} WHERE id = {ENTRY(2, 'B2')}"],
        [R2B2, "sheet_entries.user_id", "chain says 'super1'", "table says 'clerk1'"],
    ),
    (
        "an entry moved to another branch's sheet",
        [f"UPDATE sheet_entries SET branch_id = {B('B2')} WHERE id = {ENTRY(2, 'B1', 'first')}"],
        ["sheet_entries (its sheet)", f"chain says '{R2B1}'", f"table says '{R2B2}'"],
    ),
    (
        "an entry no event made",
        [f"INSERT INTO sheet_entries (round_id, branch_id, kind, ballots_cast, invalid, "
         f"created_at) VALUES ({R(2)}, {B('B1')}, 'entry', 300, 4, {NOW})"],
        [R2B1, "sheet_entries", "chain says no such entry", "table says an entry of kind 'entry'"],
    ),
    # -------------------------------------------------------------- sheets
    (
        "a sheet's state",
        [f"UPDATE sheets SET state = 'awaiting_second', counted_entry_id = NULL "
         f"WHERE {SHEET(2, 'B1')}"],
        [R2B1, "sheets.state", "chain says 'counted'", "table says 'awaiting_second'"],
    ),
    (
        "the entry a sheet counts (one with the same numbers)",
        [f"UPDATE sheets SET counted_entry_id = first_entry_id WHERE {SHEET(2, 'B1')}"],
        [R2B1, "sheets.counted_entry_id"],
    ),
    (
        "a sheet's first entry",
        [f"UPDATE sheets SET first_entry_id = NULL WHERE {SHEET(2, 'B2')}"],
        [R2B2, "sheets.first_entry_id", "table says nothing"],
    ),
    (
        "a sheet's second entry",
        [f"UPDATE sheets SET second_entry_id = first_entry_id WHERE {SHEET(2, 'B2')}"],
        [R2B2, "sheets.second_entry_id"],
    ),
    (
        "an annulled sheet made to count again",
        [f"UPDATE sheets SET annulled = NOT annulled WHERE {SHEET(1, 'B5')}"],
        ["branch B5 in round 1", "sheets.annulled", "chain says true", "table says false"],
    ),
    (
        "a counted sheet annulled",
        [f"UPDATE sheets SET annulled = NOT annulled WHERE {SHEET(2, 'B3')}"],
        ["branch B3 in round 2", "sheets.annulled", "chain says false", "table says true"],
    ),
    (
        "an annulment's reason on the sheet",
        [f"UPDATE sheets SET annul_reason = 'no reason' WHERE {SHEET(1, 'B5')}"],
        ["branch B5 in round 1", "sheets.annul_reason", "'observers removed'", "'no reason'"],
    ),
    (
        "a sheet removed",
        [f"DELETE FROM sheets WHERE {SHEET(2, 'B4')}"],
        ["branch B4 in round 2", "sheets", "chain says a sheet (counted)", "no such row"],
    ),
    # -------------------------------------------------------------- decisions and annulments
    (
        "a resolution's choices",
        ["UPDATE sheet_decisions SET choices = '{\"votes_AAA\": \"entry 2\"}' "
         "WHERE kind = 'resolve'"],
        [R2B2, "sheet_decisions row 1: choices"],
    ),
    (
        "a send-back's reason",
        ["UPDATE sheet_decisions SET reason = 'fine' WHERE kind = 'send_back'"],
        ["branch B3 in round 2", "sheet_decisions row 1: reason", "'smudged'", "'fine'"],
    ),
    (
        "a decision removed",
        ["DELETE FROM sheet_decisions WHERE kind = 'send_back'"],
        ["branch B3 in round 2", "sheet_decisions row 1", "table says no such row"],
    ),
    (
        "a decision no event made",
        [f"INSERT INTO sheet_decisions (round_id, branch_id, kind, reason, created_at) "
         f"VALUES ({R(2)}, {B('B1')}, 'send_back', 'x', {NOW})"],
        [R2B1, "sheet_decisions row 1", "chain says no such row"],
    ),
    (
        "an annulment's reason",
        ["UPDATE annulments SET reason = 'never lost' WHERE action = 'reinstate'"],
        ["branch B5 in round 2", "annulments row 2: reason", "'the box was found'"],
    ),
    (
        "an annulment's action",
        [f"UPDATE annulments SET action = 'reinstate' WHERE round_id = {R(1)}"],
        ["branch B5 in round 1", "annulments row 1: action", "'annul'", "'reinstate'"],
    ),
    (
        "an annulment removed",
        ["DELETE FROM annulments WHERE action = 'reinstate'"],
        ["branch B5 in round 2", "annulments row 2", "table says no such row"],
    ),
    (
        "an annulment no event made",
        [f"INSERT INTO annulments (round_id, branch_id, action, reason, created_at) "
         f"VALUES ({R(2)}, {B('B1')}, 'annul', 'x', {NOW})"],
        [R2B1, "annulments row 1", "chain says no such row"],
    ),
    # -------------------------------------------------------------- lots and rounds
    (
        "a lot's order",
        ["UPDATE lots SET codes = '[\"AAA\", \"BBB\"]'"],
        ["round 2 of test-2024", "lots row 1: codes", "['BBB', 'AAA']", "['AAA', 'BBB']"],
    ),
    (
        "a lot's note",
        ["UPDATE lots SET note = 'x'"],
        ["round 2 of test-2024", "lots row 1: note", "'drawn by the chair'", "'x'"],
    ),
    ("a lot removed", ["DELETE FROM lots"], ["round 2 of test-2024", "lots row 1", "no such row"]),
    (
        "a lot no event made",
        [f"INSERT INTO lots (round_id, codes, created_at) VALUES ({R(1)}, '[\"BBB\", \"AAA\"]', "
         f"{NOW})"],
        ["round 1 of test-2024", "lots row 1", "chain says no such row"],
    ),
    (
        "a certificate's result hash",
        [f"UPDATE round_events SET result_sha256 = '{'0' * 64}' "
         f"WHERE round_id = {R(2)} AND action = 'certify'"],
        ["round 2 of test-2024", "round_events row 3: result_sha256", "0" * 64],
    ),
    (
        "a certificate's audit head",
        [f"UPDATE round_events SET audit_head = '{'1' * 64}' WHERE action = 'certify'"],
        ["round 1 of test-2024", "round_events row 3: audit_head"],
    ),
    (
        "a round event's reason",
        [f"UPDATE round_events SET reason = 'whim' WHERE round_id = {R(1)} AND action = 'close'"],
        ["round 1 of test-2024", "round_events row 2: reason", "'the count is over'", "'whim'"],
    ),
    (
        "who certified",
        [f"UPDATE round_events SET user_id = {USER('clerk1')} WHERE action = 'certify'"],
        ["round 1 of test-2024", "round_events row 3: account", "'admin1'", "'clerk1'"],
    ),
    (
        "a round event removed",
        [f"DELETE FROM round_events WHERE round_id = {R(2)} AND action = 'certify'"],
        ["round 2 of test-2024", "round_events row 3", "table says no such row"],
    ),
    (
        "a round event no event made",
        [f"INSERT INTO round_events (round_id, action, reason, created_at) "
         f"VALUES ({R(1)}, 'decertify', 'x', {NOW})"],
        ["round 1 of test-2024", "round_events row 4", "chain says no such row"],
    ),
    (
        "a round's status",
        [f"UPDATE rounds SET status = 'closed' WHERE id = {R(2)}"],
        ["round 2 of test-2024", "rounds.status", "'certified'", "'closed'"],
    ),
    (
        "a round's date",
        [f"UPDATE rounds SET held_on = '2024-03-02' WHERE id = {R(1)}"],
        ["round 1 of test-2024", "rounds.held_on", "'2024-03-01'", "'2024-03-02'"],
    ),
    (
        "a round's ballot",
        [f"DELETE FROM round_candidates WHERE round_id = {R(2)} AND candidate_id = {C('BBB')}"],
        ["round 2 of test-2024", "round_candidates", "['AAA', 'BBB']", "['AAA']"],
    ),
    # -------------------------------------------------------------- running totals
    (
        "3,000 votes moved in candidate_totals",
        [f"UPDATE candidate_totals SET votes = votes + 3000 WHERE round_id = {R(2)} "
         f"AND candidate_id = {C('AAA')}"],
        ["round 2 of test-2024", "candidate_totals.votes for AAA", "604", "3604"],
    ),
    (
        "a candidate's running total removed",
        [f"DELETE FROM candidate_totals WHERE round_id = {R(1)} AND candidate_id = {C('BBB')}"],
        ["round 1 of test-2024", "candidate_totals.votes for BBB", "table says 0"],
    ),
    (
        "a running total for a candidate who is not on the ballot",
        [f"INSERT INTO candidate_totals (round_id, candidate_id, votes) "
         f"VALUES ({R(2)}, {C('CCC')}, 7)"],
        ["round 2 of test-2024", "candidate_totals.votes for CCC", "chain says 0", "says 7"],
    ),
    *(
        (
            f"round_totals.{column}",
            [f"UPDATE round_totals SET {column} = {column} + 1 WHERE round_id = {R(number)}"],
            [f"round {number} of test-2024", f"round_totals.{column}"],
        )
        for number, column in [
            (1, "counted"),
            (1, "annulled"),
            (2, "eligible"),
            (2, "ballots_cast"),
            (1, "invalid"),
        ]
    ),
    (
        "a round's running totals removed",
        [f"DELETE FROM round_totals WHERE round_id = {R(2)}"],
        ["round 2 of test-2024", "round_totals.counted", "chain says 5", "table says 0"],
    ),
    # -------------------------------------------------------------- elections and branches
    (
        "a branch's eligible members",
        [f"UPDATE branches SET eligible = 700 WHERE id = {B('B1')}"],
        ["branch B1 of test-2024", "branches.eligible", "chain says 600", "table says 700"],
    ),
    (
        "a branch no event made",
        ["INSERT INTO branches (election_id, code, name, eligible) VALUES "
         "((SELECT id FROM elections), 'B9', 'Nowhere', 10)"],
        ["branch B9 of test-2024", "no such branch"],
    ),
    (
        "the threshold",
        ["UPDATE elections SET threshold_percent = 30"],
        ["election test-2024", "elections.threshold_percent", "'40'", "'30'"],
    ),
    (
        "the election's four eyes",
        ["UPDATE elections SET four_eyes = NOT four_eyes"],
        ["election test-2024", "elections.four_eyes", "chain says false", "table says true"],
    ),
    (
        "whether four eyes was on when a round was certified",
        [f"UPDATE round_events SET four_eyes = NOT four_eyes WHERE round_id = {R(2)} "
         "AND action = 'certify'"],
        ["round 2 of test-2024", "round_events row 3: four_eyes", "chain says true"],
    ),
    (
        "who approved a correction",
        [f"UPDATE sheet_entries SET user_id = {USER('super1')} WHERE id = {ENTRY(1, 'B2')}"],
        ["branch B2 in round 1", "sheet_entries.user_id", "chain says 'admin1'",
         "table says 'super1'"],
    ),
    (
        "a candidate's name",
        [f"UPDATE candidates SET name = 'Someone else' WHERE id = {C('AAA')}"],
        ["election test-2024", "candidates row 1: name", "'Alice Aharoni'", "'Someone else'"],
    ),
    # names in other languages (version 1.1): none in this package, so any is added behind the back
    (
        "a candidate's name in Hebrew",
        [f"UPDATE candidates SET names = '{{\"he\": \"מישהו אחר\"}}' WHERE id = {C('BBB')}"],
        ["election test-2024", "candidates row 2: names", "chain says nothing",
         "table says {'he': 'מישהו אחר'}"],
    ),
    (
        "a branch's name in Arabic",
        [f"UPDATE branches SET names = '{{\"ar\": \"حيفا\"}}' WHERE id = {B('B1')}"],
        ["branch B1 of test-2024", "branches.names", "chain says nothing",
         "table says {'ar': 'حيفا'}"],
    ),
    (
        "the election's name in Hebrew",
        ["UPDATE elections SET names = '{\"he\": \"בחירות\"}'"],
        ["election test-2024", "elections.names", "chain says nothing"],
    ),
    (
        "the names of the election's regions",
        ["UPDATE elections SET regions = '[{\"name\": \"North\", \"names\": {\"he\": \"x\"}}]'"],
        ["election test-2024", "elections.regions", "chain says nothing"],
    ),
    (
        "the election's red-flag thresholds",
        ["UPDATE elections SET flag_settings = '{\"turnout_points\": \"90\"}'"],
        ["election test-2024", "elections.flag_settings", "chain says nothing",
         "table says {'turnout_points': '90'}"],
    ),
    # -------------------------------------------------------------- the paper received
    (
        "who brought a signed sheet",
        [f"UPDATE paper_receipts SET delivered_by = 'a courier' WHERE branch_id = {B('B1')}"],
        ["the paper of round 2 of test-2024", "paper_receipts row 1: delivered_by",
         "the box's chair", "the table says 'a courier'"],
    ),
    (
        "a withdrawn receipt standing again",
        ["UPDATE paper_receipts SET received = NOT received WHERE reason IS NOT NULL"],
        ["the paper of round 2 of test-2024", "paper_receipts row 3: received"],
    ),
    (
        "a receipt nobody marked",
        [f"INSERT INTO paper_receipts (round_id, branch_id, received, actor, created_at) "
         f"VALUES ({R(2)}, {B('B4')}, TRUE, 'clerk1', {NOW})"],
        ["the paper of round 2 of test-2024", "paper_receipts row 4", "chain says no such row"],
    ),
    (
        "a withdrawal removed",
        ["DELETE FROM paper_receipts WHERE reason IS NOT NULL"],
        ["the paper of round 2 of test-2024", "paper_receipts row 3", "table says no such row"],
    ),
]  # fmt: skip


def test_the_history_verifies(history: Any) -> None:
    assert verify_data() is None


def test_every_counted_column_edited_behind_the_back_is_named(history: Any) -> None:
    missed = []
    for name, statements, expected in CASES:
        found = verified_after(*statements)
        if found is None or not all(part in found for part in expected):
            missed.append(f"{name}: {found}")
    assert missed == []
    assert verify_data() is None  # every case was rolled back


def test_the_command_line_exits_1(history: Any, verify: Any) -> None:
    behind_the_back(
        f"UPDATE entry_votes SET votes = CASE WHEN candidate_id = {C('AAA')} THEN 248 ELSE 247 "
        f"END WHERE entry_id = {ENTRY(2, 'B2')}"
    )
    result = verify()
    assert result.exit_code == 1
    assert result.stdout == ""
    line = result.stderr.strip()
    assert line.startswith("audit chain intact (")
    assert line.endswith(
        f"but the data does not match the audit chain at {R2B2}, entry #"
        + line.split("entry #")[1].split(":")[0]
        + ": entry_votes.votes for AAA: the chain says 247 (event #"
        + line.split("(event #")[1].split(")")[0]
        + "), the table says 248"
    )


@pytest.mark.backends("sqlite")
def test_a_difference_found_stops_at_the_first(history: Any) -> None:
    found = verified_after(
        f"UPDATE entry_votes SET votes = 31 WHERE entry_id = {ENTRY(1, 'B3')} "
        f"AND candidate_id = {C('AAA')}",
        "UPDATE lots SET note = 'x'",
    )
    assert found is not None and "lots row 1" in found  # rounds' lots come before sheets


@pytest.mark.backends("sqlite")
def test_rows_that_point_at_nothing_are_named(history: Any, verify: Any, database_url: str) -> None:
    """Foreign keys are a setting of each SQLite connection: an insider's can switch them off."""
    import sqlite3

    assert verify().exit_code == 0
    connection = sqlite3.connect(database_url.removeprefix("sqlite:///"))
    connection.execute("PRAGMA foreign_keys = OFF")
    connection.execute(
        "INSERT INTO entry_votes (entry_id, candidate_id, votes) VALUES (9999, 1, 5)"
    )
    connection.commit()
    connection.close()
    result = verify()
    assert result.exit_code == 1
    assert "entry #9999: entry_votes.votes for AAA: the chain says no such entry" in result.stderr
