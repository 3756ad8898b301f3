"""The fast branch list (issue 16): the API's branches JSON written as bytes, the votes read one
row per sheet, and the branch table read without votes but for its page, all equal to what a
plain reading of the sheets gives, after every kind of change, on SQLite and PostgreSQL.

The reference here reads every branch, sheet, entry and vote through the ORM, one by one, and
lets ``jsonify`` serialise it: what the API served before, byte for byte.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, jsonify
from sqlalchemy import select

from primaries.changes import Actor
from primaries.core.sheets import Numbers, PublicStatus, SheetState, public_status
from primaries.database import begin_change
from primaries.elections.lookup import get_branch, get_election, get_round
from primaries.elections.packages import load_package
from primaries.extensions import db
from primaries.models import Branch, EntryKind, EntryVote, Round, Sheet, SheetEntry
from primaries.results.branches_json import branches_json
from primaries.results.documents import round_branches
from primaries.results.local import local_names
from primaries.results.rows import ballot, branch_rows
from primaries.results.tables import branch_table, parse_query, round_table
from primaries.sheets.decisions import annul, reinstate
from primaries.sheets.imports import import_sheets
from primaries.sheets.place import SheetRef
from primaries.sheets.rows import add_entry, make_count, new_sheet, set_state, sheet_of
from primaries.tally import _in_ballot_order, ballot_of, counted_votes_in_order

# Ballot order is not the codes' sorted order: the JSON sorts the votes' keys, the rows do not.
CODES = ("ZED", "AAA", "MID", "B-2")
SLUG = "fast-list"
NAMES = ("תל אביב - מרכז", "Box \u2603 snow", "Emoji \U0001f5f3 box", 'Quote "and" \\ slash')

QUERIES: tuple[dict[str, str], ...] = (
    {},
    {"per": "25"},
    {"page": "2", "per": "25"},
    {"sort": "turnout", "dir": "desc"},
    {"sort": "cast"},
    {"sort": "name", "dir": "desc"},
    {"sort": "region"},
    {"sort": "status"},
    {"sort": "eligible", "page": "2", "per": "25"},
    {"sort": "leader"},
    {"sort": "votes-MID", "dir": "desc"},
    {"status": "counted", "sort": "turnout"},
    {"status": "pending"},
    {"status": "annulled"},
    {"region": "North"},
    {"q": "box"},
    {"q": "תל"},
    {"page": "99"},
    {"dir": "desc"},
    {"sort": "code", "dir": "desc", "page": "3", "per": "25"},
    {"q": "", "status": "bogus", "page": "2", "per": "25"},
)


def sheet_votes(i: int) -> dict[str, int]:
    return {"ZED": 40, "AAA": 30 + i - i % 3, "MID": 20 + i % 7, "B-2": 10}


def package(branches: int = 40) -> dict[str, Any]:
    return {
        "format": "primaries/election@1",
        "election": {
            "slug": SLUG,
            "name": "Fast list",
            "candidates": [{"code": c, "name": f"Candidate {c}"} for c in CODES],
            "branches": [
                {
                    "code": f"B{i:02d}",
                    "name": f"{NAMES[i % len(NAMES)]} {i}",
                    **({} if i % 5 == 0 else {"region": ("North", "South", "מרכז")[i % 3]}),
                    "eligible": 1000 + 37 * i,
                }
                for i in range(branches)
            ],
        },
        "rounds": [
            {
                "number": 1,
                "sheets": [
                    {
                        "branch": f"B{i:02d}",
                        "ballots_cast": sum(sheet_votes(i).values()) + i % 3,
                        "invalid": i % 3,
                        "votes": sheet_votes(i),
                    }
                    for i in range(0, branches, 2)
                ],
            }
        ],
    }


def reference(round_: Round) -> list[dict[str, Any]]:
    """The per-branch objects read one by one through the ORM."""
    out: list[dict[str, Any]] = []
    branches = db.session.scalars(
        select(Branch).where(Branch.election_id == round_.election_id).order_by(Branch.code)
    )
    for branch in branches:
        item: dict[str, Any] = {
            "code": branch.code,
            "name": branch.name,
            "region": branch.region,
            "eligible": branch.eligible,
        }
        sheet = db.session.scalar(
            select(Sheet).where(Sheet.round_id == round_.id, Sheet.branch_id == branch.id)
        )
        status = public_status(sheet.state if sheet else None, bool(sheet and sheet.annulled))
        if sheet is not None and status == PublicStatus.ANNULLED:
            item.update(status=status.value, reason=sheet.annul_reason)
        elif sheet is not None and status == PublicStatus.COUNTED:
            entry = db.session.get(SheetEntry, sheet.counted_entry_id)
            assert entry is not None
            found = {
                vote.candidate_id: vote.votes
                for vote in db.session.scalars(
                    select(EntryVote).where(EntryVote.entry_id == entry.id)
                )
            }
            item.update(
                status=status.value,
                ballots_cast=entry.ballots_cast,
                invalid=entry.invalid,
                votes={code: found.get(cid, 0) for cid, code, _ in ballot_of(round_)},
            )
        else:
            item["status"] = status.value
        out.append(item)
    return out


def check(app: Flask, step: str) -> None:
    db.session.rollback()
    round_ = get_round(get_election(SLUG), 1)
    expected = reference(round_)
    # The objects, in the same key order (the rows and the CSV keep the votes in ballot order).
    assert json.dumps(round_branches(round_)) == json.dumps(expected), step
    document = {"election": SLUG, "round": 1, "branches": expected}
    written = jsonify(document).get_data()
    assert branches_json(round_, SLUG, 1) == written, step
    answer = app.test_client().get(f"/api/v1/elections/{SLUG}/rounds/1/branches")
    assert answer.status_code == 200, step
    assert answer.get_data() == written, step

    with app.test_request_context():
        local = local_names(round_.election)
        names = dict(ballot(round_))
        full = local.rows(branch_rows(round_))
        for args in QUERIES:
            query = parse_query(args)
            table, regions = round_table(round_, query, local, names)
            assert table == branch_table(full, query, names, also=local.search_text), (step, args)
            assert regions == sorted({row.region for row in full if row.region}), step


def test_fast_branch_list_equals_a_plain_reading_after_every_kind_of_change(app: Flask) -> None:
    # Every answer computed afresh (the bench's "cold"): some steps change sheets by hand,
    # without the services that move the round's data version.
    app.config.update(RESULTS_CACHE_SIZE=0, RESULTS_RECHECK_SECONDS=0)
    actor = Actor("test")
    load_package(json.dumps(package()).encode(), actor=actor)
    db.session.commit()
    check(app, "load")

    header = "branch,ballots_cast,invalid," + ",".join(CODES)
    import_sheets(
        SLUG, 1, f"{header}\nB01,90,2,30,20,30,8\nB03,50,0,0,0,50,0\n".encode(), actor=actor
    )
    db.session.commit()
    check(app, "import")
    import_sheets(
        SLUG,
        1,
        f"{header}\nB03,60,1,9,9,9,32\n".encode(),
        actor=actor,
        correct=True,
        reason="recount",
    )
    db.session.commit()
    check(app, "correction")

    annul(SheetRef(SLUG, 1, "B00"), "observers removed", actor=actor)
    db.session.commit()  # (a sheet's change is confined to its sheet)
    annul(SheetRef(SLUG, 1, "B07"), 'box "lost" \u2603', actor=actor)
    db.session.commit()
    check(app, "annulments")
    reinstate(SheetRef(SLUG, 1, "B00"), "court order", actor=actor)
    db.session.commit()
    check(app, "reinstated")

    # Double entry: a first entry alone is pending; the matching second counts.
    begin_change()
    round_ = get_round(get_election(SLUG), 1)
    branch = get_branch(round_.election, "B09")
    sheet = sheet_of(round_.id, branch.id) or new_sheet(round_.id, branch.id, flush=True)
    numbers = Numbers(70, 3, {"ZED": 7, "AAA": 0, "MID": 60, "B-2": 0})
    first = add_entry(round_, branch.id, numbers, kind=EntryKind.ENTRY)
    sheet.first_entry_id = first
    set_state(sheet, SheetState.AWAITING_SECOND)
    db.session.commit()
    check(app, "first entry")
    begin_change()
    round_ = get_round(get_election(SLUG), 1)
    sheet = db.session.get(Sheet, sheet.id)
    assert sheet is not None
    second = add_entry(round_, branch.id, numbers, kind=EntryKind.ENTRY)
    sheet.second_entry_id = second
    make_count(sheet, second)
    db.session.commit()
    check(app, "second entry")

    # A counted sheet reopened by hand (back to empty), and a vote row removed by hand: a
    # candidate without a row counts 0.
    begin_change()
    sheet = sheet_of(round_.id, get_branch(round_.election, "B02").id)
    assert sheet is not None
    sheet.state, sheet.counted_entry_id = "empty", None
    db.session.commit()
    check(app, "reopened")
    begin_change()
    sheet = sheet_of(round_.id, get_branch(round_.election, "B04").id)
    assert sheet is not None
    vote = db.session.scalars(
        select(EntryVote).where(EntryVote.entry_id == sheet.counted_entry_id)
    ).first()
    assert vote is not None
    entry = db.session.get(SheetEntry, sheet.counted_entry_id)
    assert entry is not None
    entry.ballots_cast -= vote.votes
    db.session.delete(vote)
    db.session.commit()
    check(app, "a vote removed")

    # Many corrections and annulments in one transaction.
    begin_change()
    round_ = get_round(get_election(SLUG), 1)
    for i in range(1, 40, 3):
        branch = get_branch(round_.election, f"B{i:02d}")
        sheet = sheet_of(round_.id, branch.id) or new_sheet(round_.id, branch.id, flush=True)
        votes = {"ZED": i, "AAA": 2 * i, "MID": 3, "B-2": i % 4}
        numbers = Numbers(sum(votes.values()) + 1, 1, votes)
        make_count(sheet, add_entry(round_, branch.id, numbers, kind=EntryKind.CORRECTION))
        sheet.annulled = i % 4 == 0
        db.session.flush()
    db.session.commit()
    check(app, "many changes")


def test_votes_in_ballot_order_whatever_order_the_database_joins_them() -> None:
    ballot = [7, 3, 9, 1]
    assert _in_ballot_order("7,3,9,1", ballot)(["1", "2", "3", "4"]) == ["1", "2", "3", "4"]
    assert _in_ballot_order("1,3,7,9", ballot)(["1", "2", "3", "4"]) == ["3", "2", "4", "1"]
    assert _in_ballot_order("9,7", ballot)(["5", "6"]) == ["6", "0", "5", "0"]
    assert _in_ballot_order("3,7,9,1,42", ballot)(["1", "2", "3", "4", "5"]) == [
        "2",
        "1",
        "3",
        "4",
    ]


def test_counted_votes_of_some_branches_only(app: Flask) -> None:
    load_package(json.dumps(package(6)).encode(), actor=Actor("test"))
    db.session.commit()
    round_ = get_round(get_election(SLUG), 1)
    everyone = counted_votes_in_order(round_)
    assert len(everyone) == 3
    assert all(len(votes) == len(CODES) for votes in everyone.values())
    b2 = get_branch(round_.election, "B02")
    sheet = sheet_of(round_.id, b2.id)
    assert sheet is not None and sheet.counted_entry_id is not None
    assert counted_votes_in_order(round_, branch_ids=[b2.id]) == {
        sheet.counted_entry_id: [40, 30, 22, 10]
    }
    assert counted_votes_in_order(round_, branch_ids=[]) == {}


def test_branches_page_beside_the_round_page_with_the_cache_on(app: Flask) -> None:
    """The page's regions and rows are kept under keys of their own: the round page's region
    table, kept first, is not taken for the branches page's list of regions."""
    load_package(json.dumps(package(12)).encode(), actor=Actor("test"))
    db.session.commit()
    client = app.test_client()
    for _ in range(2):
        assert client.get(f"/elections/{SLUG}/rounds/1").status_code == 200
        for query in ("", "?sort=turnout&dir=desc", "?sort=leader", "?region=North"):
            page = client.get(f"/elections/{SLUG}/rounds/1/branches{query}")
            assert page.status_code == 200, query
            assert '<option value="North"' in page.text, query
            assert "B10" in page.text or query == "?region=North", query
        answer = client.get(f"/api/v1/elections/{SLUG}/rounds/1/branches")
        round_ = get_round(get_election(SLUG), 1)
        document = {"election": SLUG, "round": 1, "branches": reference(round_)}
        assert answer.get_data() == jsonify(document).get_data()
