"""The audit log in the browser: paged, filtered, verified from the page, downloaded as CSV and
as an Excel workbook."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import text

from primaries.extensions import db
from primaries.formats.tables_out import XLSX_MIMETYPE
from tests.workbooks import rows_of


def test_the_log_is_filtered_and_paged(runoff, sign_in, enter, paper) -> None:
    for branch in ("B1", "B2", "B3"):
        enter(sign_in("clerk1"), branch, paper[branch])
    supervisor = sign_in("super1")
    page = supervisor.get("/staff/audit").text
    assert "auth.sign_in" in page and "sheet.enter" in page and "election.load" in page
    entries = supervisor.get("/staff/audit?action=sheet.enter").text
    assert entries.count("<td>sheet.enter</td>") == 3
    assert "<td>auth.sign_in</td>" not in entries
    one_branch = supervisor.get("/staff/audit?election=test-2024&branch=B2").text
    assert one_branch.count("<td>sheet.enter</td>") == 1
    by_clerk = supervisor.get("/staff/audit?actor=clerk1&action=auth.sign_in").text
    assert by_clerk.count("<td>auth.sign_in</td>") == 3
    future = supervisor.get("/staff/audit?since=2999-01-01").text
    assert "No event matches." in future
    for _ in range(50):  # more than a page of events
        sign_in("clerk2")
    first = supervisor.get("/staff/audit").text
    assert "page 1 of 2" in first and "Older" in first
    second = supervisor.get("/staff/audit?page=2").text
    assert "page 2 of 2" in second and "Newer" in second


def test_verify_from_the_page(runoff, sign_in) -> None:
    page = sign_in("observer1").get("/staff/audit/verify").text
    assert re.search(r"The audit chain is intact \(\d+ events\), and the data is what it", page)
    hebrew = sign_in("observer1").get("/staff/audit/verify?lang=he").text
    assert "שרשרת הביקורת שלמה" in hebrew and "audit chain" not in hebrew


@pytest.mark.backends("sqlite")  # PostgreSQL's trigger refuses the tampering itself
def test_verify_from_the_page_names_a_tampered_event(runoff, sign_in) -> None:
    db.session.execute(text("UPDATE audit_events SET actor = 'someone else' WHERE seq = 1"))
    db.session.commit()
    page = sign_in("super1").get("/staff/audit/verify").text
    assert "The audit chain or the data does not verify." in page
    assert "audit chain broken at event #1" in page  # the finding in the command's words


def test_csv_download_neutralises_formulas(runoff, sign_in, app) -> None:
    attacker = app.test_client()
    attacker.post("/staff/sign-in", data={"username": '=HYPERLINK("x")', "password": "nope"})
    attacker.post("/staff/sign-in", data={"username": "@SUM(1)", "password": "nope"})
    response = sign_in("observer1").get("/staff/audit.csv?action=auth.sign_in_failed")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.data.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    assert [r["actor"] for r in rows] == ['\'=HYPERLINK("x")', "'@SUM(1)"]
    assert all(r["action"] == "auth.sign_in_failed" for r in rows)
    assert rows[0]["hash"] and len(rows[0]["prev_hash"]) == 64
    everything = sign_in("super1").get("/staff/audit.csv").data.decode("utf-8")
    assert "election.load" in everything
    assert not any(
        cell.startswith(("=", "+", "-", "@"))
        for row in csv.reader(io.StringIO(everything.lstrip("\ufeff")))
        for cell in row
    )


def test_xlsx_download_is_the_csv_with_text_kept_text(runoff, sign_in, app) -> None:
    attacker = app.test_client()
    attacker.post("/staff/sign-in", data={"username": '=HYPERLINK("x")', "password": "nope"})
    observer = sign_in("observer1")
    response = observer.get("/staff/audit.xlsx?action=auth.sign_in_failed")
    assert response.status_code == 200
    assert response.mimetype == XLSX_MIMETYPE
    assert "attachment" in response.headers["Content-Disposition"]
    rows = rows_of(response.data)
    header = rows[0]
    assert header[:4] == ["seq", "created_at", "actor", "action"]
    [row] = rows[1:]
    assert row[2] == '=HYPERLINK("x")'  # kept as text: a workbook cell is never a formula
    assert row[3] == "auth.sign_in_failed"
    supervisor = sign_in("super1")
    everything = rows_of(supervisor.get("/staff/audit.xlsx").data)
    as_csv = supervisor.get("/staff/audit.csv").data.decode("utf-8").lstrip("\ufeff")
    csv_rows = list(csv.reader(io.StringIO(as_csv)))
    assert [str(r[0]) for r in everything] == [r[0] for r in csv_rows]
    assert "election.load" in [r[3] for r in everything]
    assert "audit.xlsx" in observer.get("/staff/audit").text
