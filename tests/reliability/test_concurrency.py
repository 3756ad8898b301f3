"""Election night through one real server, on SQLite and PostgreSQL.

gunicorn (two workers of four threads each) serves the app on the test's database; eight members
of staff (five clerks, three supervisors), and again thirty-two (twenty-six clerks, six
supervisors, four workers of eight threads), each with an own session and account created with
``primaries users create``, work at once for a bounded time on the overlapping sheets of one
round with blind double entry on: entering, entering again, resolving mismatches, sending back,
correcting, annulling and reinstating, through the real forms with real CSRF tokens and the
sheet's hidden version. :func:`tests.reliability.workload.check_night` then checks the database:
one sheet per branch, every counted sheet double-entered by two accounts or decided by a
supervisor, every acknowledged save stored and no refused one, the result equal to a recount,
the audit chain intact and unforked. The figures are printed (``pytest -s``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from primaries.elections.lookup import get_election, get_round
from primaries.extensions import db
from primaries.sheets.place import locate
from primaries.tally import round_result
from tests.reliability.conftest import (
    STAFF_PASSWORD,
    STALE,
    Gunicorn,
    StaffSession,
    create_admin,
    forms_in,
    sign_in,
    verify_audit,
)
from tests.reliability.workload import (
    NIGHT_SECONDS,
    STAFF,
    STAFF_32,
    Workload,
    check_night,
    database_result,
    prepare_night,
    report,
    served_result,
)

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("staff", "workers", "threads"), [(STAFF, 2, 4), (STAFF_32, 4, 8)], ids=["8-staff", "32-staff"]
)
def test_staff_on_overlapping_sheets_through_one_server(
    app: Flask,
    runner: FlaskCliRunner,
    database_url: str,
    backend: str,
    tmp_path: Path,
    staff: dict[str, str],
    workers: int,
    threads: int,
) -> None:
    branches = prepare_night(runner, tmp_path, staff)
    log = tmp_path / "gunicorn.log"
    with Gunicorn(database_url, log, workers=workers, threads=threads) as server:
        night = Workload([server.url], staff, branches)
        night.start()
        night.stop.wait(NIGHT_SECONDS)
        night.finish()
        figures = check_night(night)
        verify_audit(runner)  # primaries audit verify, as the command line runs it
        # What the server answers (each worker's own result cache included) is what is stored.
        expected = database_result()
        reader = StaffSession([server.url])
        for _ in range(4):
            assert served_result(reader, server.url) == expected
        reader.close()
        assert server.log_problems() == []
    report(f"one server, {backend}, {len(staff)} staff", figures)
    assert figures["acknowledged"] >= 20, figures
    assert figures["refused_stale"] >= 1, figures


def test_the_result_comes_from_one_snapshot_even_if_a_change_commits_while_it_is_read(
    app: Flask, loaded: dict[str, Any], database_url: str
) -> None:
    """Regression: on PostgreSQL (READ COMMITTED) the tally read the candidates' totals and the
    round's totals in two statements; a sheet committed in between paired old votes with new
    totals, and every results page answered 500 ("valid is not the sum of the votes") while
    the staff were entering sheets. Here another connection annuls a counted branch right after
    the tally's first statement; the result must be the one from before, whole."""
    from sqlalchemy import create_engine, event

    round_ = get_round(get_election("test-2024"), 1)
    before = json.loads(json.dumps(round_result(round_)))
    assert before["branches"]["counted"] == 4
    other = create_engine(database_url)
    fired: list[str] = []

    def commit_a_change(*_: Any) -> None:
        if fired:
            return
        fired.append("annulled B1")
        with other.begin() as connection:
            connection.exec_driver_sql(
                "UPDATE sheets SET annulled = true, version = version + 1 WHERE branch_id = "
                "(SELECT id FROM branches WHERE code = 'B1') AND round_id = "
                f"{round_.id}"
            )

    engine = db.engine
    event.listen(engine, "after_cursor_execute", commit_a_change)
    try:
        during = json.loads(json.dumps(round_result(round_)))
    finally:
        event.remove(engine, "after_cursor_execute", commit_a_change)
        other.dispose()
    assert fired
    assert during == before
    after = database_result("test-2024", 1)
    assert after["branches"]["counted"] == 3 and after["branches"]["annulled"] == 2


def test_after_a_stale_save_the_page_offers_the_sheet_as_it_is_now(
    make_app: Callable[..., Flask], runner: FlaskCliRunner, counting: None
) -> None:
    """Regression: after "this sheet changed while you were editing it", the correction, the
    annulment and the mismatch pages kept the version the form was shown with, so saving again
    (as the message says) was refused again, and again, until the page was reloaded. They now
    show the sheet as it is, with its version, keeping what was typed. (Four eyes off: each
    decision takes effect at once, so the other page goes stale.)"""
    off = runner.invoke(args=["four-eyes", "test-2024", "off", "--reason", "small committee"])
    assert off.exit_code == 0, off.output
    create_admin(runner)
    first, second = make_app().test_client(), make_app().test_client()
    sign_in(first)
    assert second.post(
        "/staff/sign-in", data={"username": "super1", "password": STAFF_PASSWORD}
    ).status_code in (302, 303)
    sheets = "/staff/elections/test-2024/rounds/2/sheets"

    def version(branch: str) -> str:
        db.session.remove()
        return str(locate("test-2024", 2, branch).version)

    def shown_version(page: str) -> str:
        form = next(
            f for f in forms_in(page) if "version" in f.fields and "/send-back" not in f.action
        )
        return form.fields["version"]

    # A correction made meanwhile.
    seen = version("B1")
    numbers = {"ballots_cast": "300", "invalid": "4", "votes_AAA": "150", "votes_BBB": "146"}
    done = first.post(
        f"{sheets}/B1/correct", data={**numbers, "version": seen, "reason": "recount"}
    )
    assert done.status_code == 302
    mine = {**numbers, "votes_AAA": "149", "votes_BBB": "147", "reason": "my recount"}
    stale = second.post(f"{sheets}/B1/correct", data={**mine, "version": seen})
    assert stale.status_code == 409 and STALE in stale.text
    assert shown_version(stale.text) == version("B1") != seen
    assert 'value="149"' in stale.text and "my recount" in stale.text
    again = second.post(f"{sheets}/B1/correct", data={**mine, "version": version("B1")})
    assert again.status_code == 302

    # An annulment made meanwhile: the page now offers to reverse it, the reason kept.
    seen = version("B5")
    assert (
        first.post(
            f"{sheets}/B5/annulment", data={"version": seen, "reason": "stuffed"}
        ).status_code
        == 302
    )
    stale = second.post(f"{sheets}/B5/annulment", data={"version": seen, "reason": "observers out"})
    assert stale.status_code == 409 and STALE in stale.text
    assert "Reverse the annulment</button>" in stale.text and "observers out" in stale.text
    assert shown_version(stale.text) == version("B5")
    # Read as a browser (and the concurrency workload) reads the textarea: the same words.
    kept = next(f for f in forms_in(stale.text) if "reason" in f.fields)
    assert kept.fields["reason"] == "observers out"

    # A mismatch annulled and reinstated meanwhile: still a mismatch, decided on its version.
    seen = version("B2")
    for reason in ("check", "checked"):
        page = first.post(
            f"{sheets}/B2/annulment", data={"version": version("B2"), "reason": reason}
        )
        assert page.status_code == 302
    choices = {"choice_votes_AAA": "1", "choice_votes_BBB": "1"}
    stale = second.post(f"{sheets}/B2/resolve", data={**choices, "version": seen})
    assert stale.status_code == 409 and STALE in stale.text
    assert shown_version(stale.text) == version("B2") != seen
    again = second.post(f"{sheets}/B2/resolve", data={**choices, "version": version("B2")})
    assert again.status_code == 302
