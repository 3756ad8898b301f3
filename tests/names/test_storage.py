"""Names in other languages (CONTRACT section 5, version 1.1) loaded, kept, exported and proven:
``load`` then ``export`` gives what was read; ``import-branches`` keeps a branch's names; the load
event records them and ``audit verify`` names one changed behind the application's back."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask.testing import FlaskCliRunner
from sqlalchemy import select, text

from primaries.audit.data import verify_data
from primaries.extensions import db
from primaries.models import AuditEvent, Branch, Election
from tests.conftest import small_package, superuser_connection

from .conftest import BRANCH_NAMES, CANDIDATE_NAMES, ELECTION_NAMES, REGIONS


def export(runner: FlaskCliRunner, tmp_path: Path) -> dict[str, Any]:
    result = runner.invoke(args=["export", "test-2024", "-o", str(tmp_path / "out.json")])
    assert result.exit_code == 0, result.output
    exported: dict[str, Any] = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    return exported


def test_load_then_export_gives_the_names_read(
    runner: FlaskCliRunner, loaded: dict[str, Any], tmp_path: Path
) -> None:
    exported = export(runner, tmp_path)
    election = exported["election"]
    assert election["names"] == ELECTION_NAMES
    assert election["regions"] == REGIONS
    assert list(election["names"]) == ["he", "ar"]  # the order read
    for given, written in zip(
        loaded["election"]["candidates"], election["candidates"], strict=True
    ):
        assert written == given  # with names where given, without a names key elsewhere
    for given, written in zip(loaded["election"]["branches"], election["branches"], strict=True):
        assert written == given
    assert election["branches"][3]["names"] == {}  # an empty object stays one
    assert "names" not in election["branches"][1]
    assert exported["election"] == loaded["election"] | {"rules": election["rules"]}


def test_the_export_loads_again_with_the_same_names(
    runner: FlaskCliRunner, loaded: dict[str, Any], tmp_path: Path
) -> None:
    first = export(runner, tmp_path)
    first["election"]["slug"] = "copy"
    (tmp_path / "copy.json").write_text(json.dumps(first, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(args=["load", str(tmp_path / "copy.json")])
    assert result.exit_code == 0, result.output
    row = db.session.scalars(select(Election).where(Election.slug == "copy")).one()
    assert row.names == ELECTION_NAMES and row.regions == REGIONS
    assert [c.names for c in row.candidates] == [
        CANDIDATE_NAMES.get(code) for code in ("AAA", "BBB", "CCC", "DDD")
    ]
    branches = db.session.scalars(
        select(Branch).where(Branch.election_id == row.id).order_by(Branch.code)
    ).all()
    assert {b.code: b.names for b in branches} == {
        code: BRANCH_NAMES.get(code) for code in ("B1", "B2", "B3", "B4", "B5")
    }
    again = runner.invoke(args=["export", "copy", "-o", str(tmp_path / "again.json")])
    assert again.exit_code == 0
    assert json.loads((tmp_path / "again.json").read_text(encoding="utf-8")) == first
    assert verify_data() is None


def test_a_package_without_names_exports_without_names_keys(
    runner: FlaskCliRunner, write_json: Callable[[Any], Path], tmp_path: Path
) -> None:
    plain = small_package()
    assert runner.invoke(args=["load", str(write_json(plain))]).exit_code == 0
    exported = export(runner, tmp_path)
    text_ = json.dumps(exported)
    assert '"names"' not in text_ and '"regions"' not in text_
    assert exported["election"]["candidates"] == plain["election"]["candidates"]
    assert exported["election"]["branches"] == plain["election"]["branches"]
    assert db.session.scalar(select(Election.names)) is None
    assert db.session.scalar(select(Election.regions)) is None
    # SQL NULL, not JSON null: "no names" is not a value
    assert db.session.scalar(text("SELECT count(*) FROM candidates WHERE names IS NULL")) == 4
    assert verify_data() is None


def test_the_load_event_records_the_names(loaded: dict[str, Any]) -> None:
    after = db.session.scalar(select(AuditEvent.after).where(AuditEvent.action == "election.load"))
    data = after["data"]
    assert data["names"] == ELECTION_NAMES
    assert data["regions"] == REGIONS
    assert data["candidates"][0] == ["AAA", "Alice Aharoni", CANDIDATE_NAMES["AAA"]]
    assert data["candidates"][2] == ["CCC", "Carmel Cohen"]
    rows = {row[0]: row for row in data["branches"]}
    assert rows["B1"][4] == BRANCH_NAMES["B1"]
    assert len(rows["B2"]) == 4
    assert verify_data() is None


def test_import_branches_keeps_the_names(
    runner: FlaskCliRunner, loaded: dict[str, Any], tmp_path: Path
) -> None:
    csv = tmp_path / "branches.csv"
    csv.write_text(
        "code,name,region,eligible\nB1,Haifa - Carmel Center,North,600\nB9,Nazareth,North,90\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["import-branches", "test-2024", str(csv)])
    assert result.exit_code == 0, result.output
    db.session.rollback()
    branches = {b.code: b for b in db.session.scalars(select(Branch))}
    assert branches["B1"].name == "Haifa - Carmel Center"
    assert branches["B1"].names == BRANCH_NAMES["B1"]
    assert branches["B9"].names is None
    assert verify_data() is None
    exported = export(runner, tmp_path)
    assert exported["election"]["branches"][0]["names"] == BRANCH_NAMES["B1"]


def tampered(*statements: str) -> str | None:
    with superuser_connection() as conn:
        for sql in statements:
            conn.execute(text(sql))
    db.session.rollback()
    return verify_data()


def test_verify_names_a_branch_name_changed_behind_the_back(loaded: dict[str, Any]) -> None:
    found = tampered(
        """UPDATE branches SET names = '{"he": "תל אביב", "ar": "حيفا - الكرمل"}' """
        "WHERE code = 'B1'"
    )
    assert found is not None
    assert "branch B1 of test-2024: branches.names" in found
    assert "חיפה - כרמל" in found and "תל אביב" in found


def test_verify_names_a_candidate_name_added_behind_the_back(loaded: dict[str, Any]) -> None:
    found = tampered("""UPDATE candidates SET names = '{"he": "קרמל כהן"}' WHERE code = 'CCC'""")
    assert found is not None
    assert "election test-2024: candidates row 3: names" in found
    assert "the chain says nothing" in found and "קרמל כהן" in found


def test_verify_names_a_candidate_name_removed_behind_the_back(loaded: dict[str, Any]) -> None:
    found = tampered("UPDATE candidates SET names = NULL WHERE code = 'AAA'")
    assert found is not None
    assert "candidates row 1: names" in found and "the table says nothing" in found


def test_verify_names_the_election_names_and_regions_changed(loaded: dict[str, Any]) -> None:
    found = tampered("""UPDATE elections SET names = '{"he": "בחירות אחרות"}'""")
    assert found is not None and "election test-2024: elections.names" in found
    db.session.rollback()
    with superuser_connection() as conn:
        conn.execute(text(f"UPDATE elections SET names = '{json.dumps(ELECTION_NAMES)}'"))
    found = tampered("""UPDATE elections SET regions = '[]'""")
    assert found is not None and "elections.regions" in found and "the table says []" in found
