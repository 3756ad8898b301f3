"""Performance smoke test (issue 5): labor scale on SQLite, counting SQL statements, not time.

An accidental N+1 query or a per-sheet statement shows up as a count that grows with the number
of branches; so each operation is run on the same election at two sizes (20 and 171 branches)
and its statements counted with SQLAlchemy's ``before_cursor_execute`` event. The bounds are
generous; the comparison between the two sizes is what catches a regression. Timing is left to
``make bench``.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event

from primaries.demo.data import demo_package
from primaries.elections.lookup import get_election, get_round
from primaries.extensions import db
from primaries.tally import round_result

pytestmark = pytest.mark.backends("sqlite")

SMALL, LABOR = 20, 171


class Statements:
    """The SQL statements run while counting (an ``executemany`` is one statement)."""

    def __init__(self) -> None:
        self.sql: list[str] = []

    def __len__(self) -> int:
        return len(self.sql)

    def __repr__(self) -> str:
        return "\n".join(s.split("\n")[0][:120] for s in self.sql)


@contextmanager
def counting() -> Iterator[Statements]:
    statements = Statements()
    engine = db.engine

    def before(conn: Any, cursor: Any, sql: str, *args: Any) -> None:
        statements.sql.append(sql)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def labor(branches: int, *, sheets: bool = True) -> dict[str, Any]:
    """Round 1 of the demo election cut to its first ``branches`` branches."""
    package = copy.deepcopy(demo_package(complete=True))
    package["election"]["slug"] = f"labor-{branches}"
    package["election"]["branches"] = package["election"]["branches"][:branches]
    codes = {b["code"] for b in package["election"]["branches"]}
    round1 = package["rounds"][0]
    round1["sheets"] = [s for s in round1["sheets"] if s["branch"] in codes] if sheets else []
    package["rounds"] = [round1]
    return package


def sheets_csv(branches: int) -> bytes:
    sheets = labor(branches)["rounds"][0]["sheets"]
    codes = list(sheets[0]["votes"])
    lines = ["branch,ballots_cast,invalid," + ",".join(codes)]
    for s in sheets:
        lines.append(
            f"{s['branch']},{s['ballots_cast']},{s['invalid']},"
            + ",".join(str(s["votes"][c]) for c in codes)
        )
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def load(runner: Any, tmp_path: Path) -> Callable[[dict[str, Any]], Statements]:
    def run(package: dict[str, Any]) -> Statements:
        path = tmp_path / f"{package['election']['slug']}.json"
        path.write_text(json.dumps(package), encoding="utf-8")
        with counting() as statements:
            result = runner.invoke(args=["load", str(path)])
        assert result.exit_code == 0, result.output
        return statements

    return run


def test_load_runs_statements_per_chunk_not_per_sheet(load: Callable[..., Statements]) -> None:
    small, full = load(labor(SMALL)), load(labor(LABOR))
    assert len(full) == len(small), f"{len(small)} vs {len(full)}:\n{full!r}"
    assert len(full) <= 60, repr(full)


def test_import_sheets_runs_statements_per_chunk_not_per_sheet(
    load: Callable[..., Statements], runner: Any, tmp_path: Path
) -> None:
    counts = []
    for size in (SMALL, LABOR):
        load(labor(size, sheets=False))
        path = tmp_path / f"sheets-{size}.csv"
        path.write_bytes(sheets_csv(size))
        with counting() as statements:
            result = runner.invoke(
                args=["import-sheets", f"labor-{size}", "--round", "1", str(path)]
            )
        assert result.exit_code == 0, result.output
        assert f"{size} sheets added" in result.output
        counts.append(statements)
    assert len(counts[1]) == len(counts[0]), f"{counts[0]!r}\n---\n{counts[1]!r}"
    assert len(counts[1]) <= 40, repr(counts[1])


def test_the_tally_runs_a_fixed_number_of_queries(
    app: Flask, load: Callable[..., Statements]
) -> None:
    counts = []
    for size in (SMALL, LABOR):
        load(labor(size))
        db.session.rollback()
        round_ = get_round(get_election(f"labor-{size}"), 1)
        with counting() as statements:
            result = round_result(round_)
        assert result["branches"]["counted"] == size
        counts.append(len(statements))
    assert counts[0] == counts[1] <= 5, counts


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/elections/{slug}/rounds/1",
        "/api/v1/elections/{slug}/rounds/1/branches",
        "/elections/{slug}/rounds/1",
        "/elections/{slug}/rounds/1/branches",
        "/elections/{slug}",
    ],
)
def test_results_requests_run_a_bounded_number_of_queries(
    make_app: Callable[..., Flask], runner: Any, tmp_path: Path, path: str
) -> None:
    app = make_app()
    with app.app_context():
        for size in (SMALL, LABOR):
            file = tmp_path / f"{size}.json"
            file.write_text(json.dumps(labor(size)), encoding="utf-8")
            assert app.test_cli_runner().invoke(args=["load", str(file)]).exit_code == 0
        db.session.remove()
    if not any(rule.rule == path.replace("{slug}", "<slug>").replace("/1", "/<int:number>")
               for rule in app.url_map.iter_rules()):  # fmt: skip
        pytest.skip(f"{path} is not a route of this app (yet)")
    client = app.test_client()
    counts = []
    for size in (SMALL, LABOR):
        url = path.format(slug=f"labor-{size}")
        with app.app_context(), counting() as cold:
            response = client.get(url)
        assert response.status_code == 200, url
        with app.app_context(), counting() as warm:
            assert client.get(url).status_code == 200
        counts.append((len(cold), len(warm)))
    (small_cold, _), (full_cold, full_warm) = counts
    assert full_cold <= small_cold + 2, counts  # does not grow with the branches
    assert full_warm <= full_cold <= 30, counts


# Tables that grow with the branches: reading one of them whole per request is a missing index.
BIG_TABLES = ("sheets", "sheet_entries", "entry_votes", "branches")


def full_scans(statements: list[tuple[str, Any]]) -> list[str]:
    """The SQLite query-plan lines of ``statements`` that read a big table from end to end."""
    found = []
    connection = db.session.connection()
    for sql, params in statements:
        if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
            continue
        plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params).all()
        for row in plan:
            detail = str(row[-1])
            words = detail.split()
            table = re.sub(r"_\d+$", "", words[1]) if len(words) > 1 else ""  # sheets_1
            # "SCAN t USING COVERING INDEX" reads an index, not the table.
            if words[:1] == ["SCAN"] and table in BIG_TABLES and "USING" not in detail:
                found.append(f"{detail}  <-  {sql.splitlines()[0][:100]}")
    return found


@contextmanager
def recording() -> Iterator[list[tuple[str, Any]]]:
    statements: list[tuple[str, Any]] = []

    def before(conn: Any, cursor: Any, sql: str, params: Any, *args: Any) -> None:
        statements.append((sql, params))

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/elections/{slug}/rounds/1",
        "/api/v1/elections/{slug}/rounds/1/branches",
        "/elections/{slug}/rounds/1",
        "/elections/{slug}/rounds/1/branches",
    ],
)
def test_results_requests_use_indexes(
    make_app: Callable[..., Flask], tmp_path: Path, path: str
) -> None:
    app = make_app(RESULTS_CACHE_SIZE=0)
    with app.app_context():
        file = tmp_path / "labor.json"
        file.write_text(json.dumps(labor(LABOR)), encoding="utf-8")
        assert app.test_cli_runner().invoke(args=["load", str(file)]).exit_code == 0
        db.session.remove()
    if not any(rule.rule == path.replace("{slug}", "<slug>").replace("/1", "/<int:number>")
               for rule in app.url_map.iter_rules()):  # fmt: skip
        pytest.skip(f"{path} is not a route of this app (yet)")
    with app.app_context():
        with recording() as statements:
            assert app.test_client().get(path.format(slug=f"labor-{LABOR}")).status_code == 200
        assert full_scans(statements) == []


def test_the_tally_uses_indexes(app: Flask, load: Callable[..., Statements]) -> None:
    load(labor(LABOR))
    db.session.rollback()
    round_ = get_round(get_election(f"labor-{LABOR}"), 1)
    with recording() as statements:
        round_result(round_)
    assert full_scans(statements) == []
