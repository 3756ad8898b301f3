"""The per-branch table's query string: search, filters, sort and pages (no database needed)."""

from __future__ import annotations

from primaries.core.sheets import PublicStatus
from primaries.results.rows import BranchRow, leader_of
from primaries.results.tables import TableQuery, branch_table, for_ballot, parse_query

NAMES = {"AAA": "Alice", "BBB": "Boaz"}


def row(
    code: str, name: str, region: str | None, status: str = "counted", **kw: object
) -> BranchRow:
    votes = kw.pop("votes", {"AAA": 10, "BBB": 5}) if status == "counted" else {}
    cast = kw.pop("cast", 20) if status == "counted" else None
    return BranchRow(
        code=code, name=name, region=region, eligible=int(kw.pop("eligible", 40)),
        status=PublicStatus(status),
        reason=kw.pop("reason", None), ballots_cast=cast, invalid=0 if cast is not None else None,
        votes=votes, leader=leader_of(votes, ["AAA", "BBB"])[0],
    )  # fmt: skip


ROWS = [
    row("B1", "Haifa", "North", cast=30),
    row("B2", "Tel Aviv", "Center", cast=10, votes={"AAA": 2, "BBB": 8}),
    row("B3", "Yeruham", "South", status="pending"),
    row("B4", "Eilat", "South", status="annulled", reason="observers removed"),
    row("B5", "Acre", None, cast=25),
]


def codes(query: TableQuery) -> list[str]:
    return [r.code for r in branch_table(ROWS, query, NAMES).rows]


def test_defaults_and_nonsense_fall_back() -> None:
    assert parse_query({}, ["AAA"]) == TableQuery()
    query = parse_query(
        {"sort": "1;drop", "dir": "sideways", "page": "-1", "per": "x", "status": "x"}, ["AAA"]
    )
    assert query == TableQuery()
    assert parse_query({"sort": "votes-AAA", "dir": "desc"}, ["AAA"]).sort == "votes-AAA"
    assert parse_query({"sort": "votes-ZZZ"}, ["AAA"]).sort == "code"


def test_one_view_has_one_normal_form() -> None:
    """However a view is typed, it is read the same: the pages keep it once (test_variants.py)."""
    typed = [
        {"q": "  Tel\u200b  AVIV ", "per": "30", "junk": "1"},
        {"q": "tel aviv", "per": "50"},
        {"q": "TEL Aviv", "sort": "code", "dir": "up"},
    ]
    assert {tuple(parse_query(args, ["AAA"]).params().items()) for args in typed} == {
        (("q", "tel aviv"),)
    }
    decomposed = parse_query({"q": "Re\u0301hovot"})  # e + combining acute: NFC is é
    assert decomposed.q == "r\u00e9hovot"
    assert parse_query({"q": "x" * 500}).q == "x" * 100
    assert parse_query({"q": "\u202eevil"}).q == "evil"  # a right-to-left override dropped
    assert [parse_query({"per": p}).per for p in ("1", "25", "26", "100", "101", "9999")] == [
        25,
        25,
        50,
        100,
        500,
        500,
    ]
    assert [parse_query({"per": p}).per for p in ("", "-5", "1e3", "\u0664", "9" * 50)] == [50] * 5
    assert parse_query({"sort": "votes-ZZZ"}).sort == "votes-ZZZ"  # a possible code, not yet known
    assert parse_query({"sort": "votes-<x>"}).sort == "code"
    assert for_ballot(parse_query({"sort": "votes-ZZZ", "dir": "desc"}), ["AAA"]) == TableQuery()
    assert parse_query({"page": "99999999999999999999"}).page == 1


def test_search_matches_code_name_and_region_case_insensitively() -> None:
    assert codes(TableQuery(q="south")) == ["B3", "B4"]
    assert codes(TableQuery(q="TEL")) == ["B2"]
    assert codes(TableQuery(q="b5")) == ["B5"]
    assert codes(TableQuery(q="nothing")) == []


def test_filters() -> None:
    assert codes(TableQuery(status="annulled")) == ["B4"]
    assert codes(TableQuery(region="South", status="pending")) == ["B3"]


def test_sorting_keeps_rows_without_a_value_last_both_ways() -> None:
    assert codes(TableQuery(sort="turnout", dir="desc")) == ["B1", "B5", "B2", "B3", "B4"]
    assert codes(TableQuery(sort="turnout", dir="asc")) == ["B2", "B5", "B1", "B3", "B4"]
    assert codes(TableQuery(sort="votes-BBB", dir="desc")) == ["B2", "B1", "B5", "B3", "B4"]
    assert codes(TableQuery(sort="name")) == ["B5", "B4", "B1", "B2", "B3"]
    assert codes(TableQuery(sort="leader")) == ["B1", "B5", "B2", "B3", "B4"]


def test_paging() -> None:
    page = branch_table(ROWS, TableQuery(per=2, page=2), NAMES)
    assert [r.code for r in page.rows] == ["B3", "B4"]
    assert (page.first, page.last, page.matched, page.pages) == (3, 4, 5, 3)
    beyond = branch_table(ROWS, TableQuery(per=2, page=99), NAMES)
    assert beyond.query.page == 3 and [r.code for r in beyond.rows] == ["B5"]


def test_links_keep_the_view_and_flip_the_direction() -> None:
    query = TableQuery(q="a b", sort="turnout", dir="desc", page=3)
    assert query.url("/t", page=4) == "/t?q=a+b&sort=turnout&dir=desc&page=4"
    assert query.sort_url("/t", "turnout") == "/t?q=a+b&sort=turnout"
    assert query.sort_url("/t", "cast") == "/t?q=a+b&sort=cast&dir=desc"
    assert query.sort_url("/t", "name") == "/t?q=a+b&sort=name"
    assert query.aria_sort("turnout") == "descending" and query.aria_sort("name") is None


def test_leader_and_ties() -> None:
    assert leader_of({"AAA": 3, "BBB": 2}, ["AAA", "BBB"]) == ("AAA", False)
    assert leader_of({"AAA": 3, "BBB": 3}, ["AAA", "BBB"]) == (None, True)
    assert leader_of({"AAA": 0, "BBB": 0}, ["AAA", "BBB"]) == (None, False)
