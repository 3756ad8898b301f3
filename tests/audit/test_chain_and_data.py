"""The chain beside the data: an emptied or shortened chain fails, large loads and imports are
recorded in parts that verify reads, events that change no data are passed over, an event that
records no numbers is named, and the log's page stays readable."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from primaries.audit import records
from primaries.audit.chain import record, verify
from primaries.audit.data import verify_data
from primaries.database import begin_change
from primaries.extensions import db
from primaries.models import AuditEvent

from .conftest import audit_table, behind_the_back


def actions() -> list[str]:
    db.session.rollback()
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def test_an_emptied_chain_beside_the_data_fails(history: Any, runner: FlaskCliRunner) -> None:
    audit_table("DELETE FROM audit_events")
    assert verify().ok  # an empty chain is a chain...
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1  # ...but it explains none of the data
    assert "election test-2024: elections: the chain says no such election" in result.stderr


def test_a_shortened_chain_beside_the_data_fails(history: Any, runner: FlaskCliRunner) -> None:
    # The last events: round 2 certified, four eyes off asked, set off, approved. Cut after the
    # certificate (an insider hiding that four eyes was turned off)...
    last = max(db.session.scalars(select(AuditEvent.seq)))
    audit_table(f"DELETE FROM audit_events WHERE seq > {last - 3}")
    assert verify().ok
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "election test-2024: elections.four_eyes: the chain says true" in result.stderr
    # ...or before it.
    audit_table(f"DELETE FROM audit_events WHERE seq = {last - 3}")
    behind_the_back("UPDATE elections SET four_eyes = TRUE")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert (
        "round 2 of test-2024: rounds.status: the chain says 'closed'" in result.stderr
        and "the table says 'certified'" in result.stderr
    )


def test_large_loads_and_imports_are_recorded_in_parts(
    app: Flask,
    runner: FlaskCliRunner,
    package: dict[str, Any],
    write_json: Any,
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(records, "ROWS_PER_EVENT", 2)
    package["rounds"][0]["sheets"] = package["rounds"][0]["sheets"][:3]  # B4, B5 left to import
    assert runner.invoke(args=["load", str(write_json(package))]).exit_code == 0
    path = tmp_path / "sheets.csv"
    path.write_text(
        "branch,ballots_cast,invalid,AAA,BBB,CCC,DDD\nB4,100,1,40,20,20,19\nB5,10,0,1,2,3,4\n"
    )
    assert (
        runner.invoke(args=["import-sheets", "test-2024", "--round", "1", str(path)]).exit_code == 0
    )
    assert actions() == [
        *["election.load.part"] * 4,  # 5 branches and 3 sheets, 2 rows at a time
        "election.load",
        "sheets.import.part",
        "sheets.import",
    ]
    assert verify_data() is None
    behind_the_back(
        "UPDATE entry_votes SET votes = 61 WHERE entry_id = (SELECT counted_entry_id FROM sheets "
        "WHERE branch_id = (SELECT id FROM branches WHERE code = 'B3')) "
        "AND candidate_id = (SELECT id FROM candidates WHERE code = 'DDD')"
    )
    found = verify_data()
    assert found is not None
    assert "branch B3 in round 1 of test-2024" in found
    assert "entry_votes.votes for DDD: the chain says 34 (event #4), the table says 61" in found


def test_events_that_change_no_data_are_passed_over(history: Any, runner: FlaskCliRunner) -> None:
    begin_change()
    record("request.correct", actor="super1", object_type="request", object_id="1", after={})
    record("something.new", actor="x", object_type="x", object_id="x", after={"data": 1})
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output


def test_an_event_that_records_no_numbers_is_named(loaded: Any, runner: FlaskCliRunner) -> None:
    begin_change()
    record("sheet.correct", actor="cli:x", object_type="sheet", object_id="test-2024/1/B1",
           election="test-2024", round_number=1, branch="B1", after={"reason": "old"})  # fmt: skip
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "cannot be proven against the audit chain: event #2 (sheet.correct)" in result.stderr


def test_a_certificate_the_chain_does_not_give_is_named(
    history: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from primaries.audit import counts

    monkeypatch.setattr(counts, "result_digest", lambda result: "f" * 64)
    found = verify_data()
    assert found is not None and "round 1 of test-2024: the certified result's SHA-256" in found


def test_the_log_page_shows_a_few_rows_of_a_load_and_the_csv_all(history: Any, app: Flask) -> None:
    client = app.test_client()
    signed_in = client.post(
        "/staff/sign-in", data={"username": "admin1", "password": "correct horse battery"}
    )
    assert signed_in.status_code == 302
    page = client.get("/staff/audit?action=election.load").get_data(as_text=True)
    assert "... and 1 more (all of them in the CSV download)" in page  # round 1's 4 sheets
    csv = client.get("/staff/audit.csv?action=election.load").get_data(as_text=True)
    assert "and 1 more" not in csv and '[""B4""' in csv


def test_the_log_page_verifies_the_data_too(history: Any, app: Flask) -> None:
    client = app.test_client()
    client.post("/staff/sign-in", data={"username": "admin1", "password": "correct horse battery"})
    page = client.get("/staff/audit/verify").get_data(as_text=True)
    assert "The audit chain is intact (" in page and "does not verify" not in page
    behind_the_back(
        "UPDATE candidate_totals SET votes = votes + 3000 WHERE candidate_id = "
        "(SELECT id FROM candidates WHERE code = 'AAA')"
    )
    page = client.get("/staff/audit/verify").get_data(as_text=True)
    assert "The audit chain or the data does not verify." in page
    assert "but the data does not match the audit chain at round 1 of test-2024" in page
    assert "candidate_totals.votes for AAA" in page
