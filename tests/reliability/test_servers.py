"""Two app servers, one PostgreSQL: the shape of a deployment that outgrew one machine.

Two gunicorn instances on two ports share the test's PostgreSQL database and SECRET_KEY; the eight
members of staff of :mod:`tests.reliability.test_concurrency`, and again thirty-two, send each
request to either server at random, as a load balancer would (a form read from one server is often
saved on the other). Changes of one sheet are serialised by its PostgreSQL advisory lock, and the
audit chain's appends by the chain's, whichever server makes them, so the same invariants
hold: one sheet per branch, every counted sheet double-entered or decided, nothing
acknowledged lost and nothing refused stored, the result equal to a recount, one audit chain.
Each server's answer (its processes' own result caches) equals what the database holds.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from tests.reliability.conftest import Gunicorn, StaffSession, verify_audit
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


@pytest.mark.backends("postgresql")
@pytest.mark.parametrize(("staff", "threads"), [(STAFF, 4), (STAFF_32, 8)], ids=["8", "32"])
def test_staff_through_two_servers_on_one_postgresql(
    app: Flask,
    runner: FlaskCliRunner,
    database_url: str,
    tmp_path: Path,
    staff: dict[str, str],
    threads: int,
) -> None:
    branches = prepare_night(runner, tmp_path, staff)
    with (
        Gunicorn(database_url, tmp_path / "gunicorn-a.log", threads=threads) as first,
        Gunicorn(database_url, tmp_path / "gunicorn-b.log", threads=threads) as second,
    ):
        servers = [first.url, second.url]
        night = Workload(servers, staff, branches)
        night.start()
        night.stop.wait(NIGHT_SECONDS)
        night.finish()
        figures = check_night(night)
        verify_audit(runner)  # primaries audit verify, as the command line runs it
        per_server = {
            url: sum(1 for a in night.answers if a.server == url and a.outcome == "acknowledged")
            for url in servers
        }
        assert all(per_server.values()), per_server  # both servers saved sheets
        expected = database_result()
        reader = StaffSession(servers)
        for url in servers:
            for _ in range(4):
                assert served_result(reader, url) == expected
        reader.close()
        assert first.log_problems() == []
        assert second.log_problems() == []
    figures["acknowledged_per_server"] = list(per_server.values())
    report(f"two servers, postgresql, {len(staff)} staff", figures)
    assert figures["acknowledged"] >= 20, figures
    assert figures["refused_stale"] >= 1, figures
