"""A stream of distinct views of the branches table does not slow the other pages down.

An election of 2,000 branches and 39 candidates (the national election's ballot; 500-row views
cost what they cost at national scale, where ``python -m bench.variants`` measures them),
served as production serves it: gunicorn with the project's config and two workers, behind a
pretend proxy so that every request can come from an address of its own (many readers, or a
botnet: the per-address limit does not help). A view is rendered once and then served kept; the
round's page, kept, answers within a fraction of a second while four clients ask for new views
as fast as they are answered (with the former two sync workers it took seconds).
"""

from __future__ import annotations

import statistics
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from tests.reliability.conftest import Gunicorn, big_package, write_json

pytestmark = [pytest.mark.slow, pytest.mark.backends("sqlite")]

BRANCHES, CANDIDATES = 2_000, 39
ROUND = "/elections/wide/rounds/1"
TABLE = ROUND + "/branches"
STREAMS = 4
STREAM_SECONDS = 8.0


def fetch(base: str, path: str, address: str) -> tuple[int, float]:
    request = urllib.request.Request(base + path, headers={"X-Forwarded-For": address})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            answer.read()
            status = answer.status
    except urllib.error.HTTPError as error:
        error.read()
        status = error.code
    return status, time.perf_counter() - started


def round_page_seconds(base: str, seconds: float) -> list[float]:
    timings = []
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        status, took = fetch(base, ROUND, "203.0.113.1")
        assert status == 200
        timings.append(took)
        time.sleep(0.1)
    return timings


def test_distinct_views_do_not_slow_the_round_page(
    app: Flask, runner: FlaskCliRunner, database_url: str, tmp_path: Path
) -> None:
    election = big_package("wide", BRANCHES, CANDIDATES)
    for branch in election["election"]["branches"]:
        branch["eligible"] = 5_000  # 39 candidates' votes fit
    package = write_json(tmp_path / "wide.json", election)
    loaded = runner.invoke(args=["load", str(package)])
    assert loaded.exit_code == 0, loaded.output
    codes = [f"C{i:02d}" for i in range(CANDIDATES)]
    with Gunicorn(
        database_url, tmp_path / "gunicorn.log", threads=None, env={"TRUSTED_PROXIES": "1"}
    ) as server:
        for _ in range(4):  # the round's page kept by both workers
            fetch(server.url, ROUND, "203.0.113.1")
        view = f"{TABLE}?per=500&q=1&sort=votes-C03&dir=desc"
        cold = fetch(server.url, view, "203.0.113.2")
        warm = [fetch(server.url, view, "203.0.113.2") for _ in range(6)]
        alone = round_page_seconds(server.url, 2.0)

        stop = threading.Event()
        answers: list[int] = []

        def ask_new_views(number: int) -> None:
            count = 0
            while not stop.is_set():
                count += 1
                path = (
                    f"{TABLE}?per=500&q={count % 10}&sort=votes-{codes[count % CANDIDATES]}"
                    f"&dir={'desc' if number % 2 else 'asc'}&page={count % 4 + 1}"
                )
                answers.append(
                    fetch(server.url, path, f"10.{number}.{count // 250}.{count % 250}")[0]
                )

        streams = [threading.Thread(target=ask_new_views, args=(n,)) for n in range(STREAMS)]
        for stream in streams:
            stream.start()
        time.sleep(1.0)
        during = round_page_seconds(server.url, STREAM_SECONDS)
        stop.set()
        for stream in streams:
            stream.join(60)
        busy = '"status": 503'  # a view refused while another was being rendered: expected
        assert [line for line in server.log_problems() if busy not in line] == []

    warm_s = statistics.median(took for _, took in warm)
    print(
        f"\nview cold {cold[1] * 1000:.0f} ms, warm {warm_s * 1000:.0f} ms; round page alone "
        f"p50 {statistics.median(alone) * 1000:.0f} ms, during {len(answers)} new views "
        f"({answers.count(200)} rendered, {answers.count(503)} 'busy') p50 "
        f"{statistics.median(during) * 1000:.0f} ms, max {max(during) * 1000:.0f} ms"
    )
    assert cold[0] == 200 and all(status == 200 for status, _ in warm)
    assert warm_s < 0.25 and warm_s < cold[1] / 4  # kept: served, not rendered again
    assert set(answers) <= {200, 503}
    assert answers.count(200) >= 2  # new views were rendered meanwhile
    assert statistics.median(during) < 0.3, sorted(during)[-5:]
    assert max(during) < 1.5, sorted(during)[-5:]
