"""Views of the branches table at national scale (12,926 branches x 39 lists), served as
production serves them: ``python -m bench.variants`` (also the ``variants`` step of ``make bench``).

gunicorn with 2 workers (``-c python:primaries.gunicorn_config``; ``--before`` runs the former
way, ``gunicorn -w 2`` sync workers, e.g. on an older checkout with ``--app-dir``) behind a
pretend proxy (``TRUSTED_PROXIES=1``, so each request can come from an address of its own).
Measured:

- a view nobody asked for yet (``?per=500&q=a&sort=votes-X&dir=desc``: 500 rows of 39 candidates)
  cold, then the same view again (warm: the median of six, over both workers);
- the round's page, kept, asked every 0.1 s: alone, then while ``--streams`` clients ask for
  distinct views as fast as they are answered, each request from another address (many
  readers, or a botnet: the per-address limit does not apply), then from one address (one
  client: the limit applies).

Figures: median/95th/max milliseconds of the round page, and how the views were answered.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

from . import OUT, ROOT
from .databases import AUDIT_KEY
from .machine import BIN, load_average

SLUG = "bench-national"
ROUND = f"/elections/{SLUG}/rounds/1"
BRANCHES = ROUND + "/branches"


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
    return status, (time.perf_counter() - started) * 1000


def figures(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1 if len(ordered) > 1 else 0], 1),
        "max_ms": round(ordered[-1], 1),
    }


def probe(base: str, seconds: float) -> dict[str, float]:
    """The round page every 0.1 s for ``seconds``."""
    latencies = []
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        status, ms = fetch(base, ROUND, "203.0.113.1")
        assert status == 200, status
        latencies.append(ms)
        time.sleep(0.1)
    return figures(latencies)


class Stream(threading.Thread):
    """Distinct views of the table, one after the other, as fast as they are answered."""

    def __init__(self, base: str, codes: list[str], number: int, one_address: bool) -> None:
        super().__init__(daemon=True)
        self.base, self.codes, self.number = base, codes, number
        self.one_address = one_address
        self.stop = threading.Event()
        self.answers: Counter[int] = Counter()
        self.rendered_ms: list[float] = []

    def run(self) -> None:
        rng = random.Random(self.number)
        count = 0
        while not self.stop.is_set():
            count += 1
            code = rng.choice(self.codes)
            path = (
                f"{BRANCHES}?per=500&q={rng.choice('aeinort')}&sort=votes-{code}"
                f"&dir={rng.choice(['asc', 'desc'])}&page={count % 20 + 1}"
            )
            address = (
                "198.51.100.7"
                if self.one_address
                else f"10.{self.number}.{count // 250}.{count % 250}"
            )
            status, ms = fetch(self.base, path, address)
            self.answers[status] += 1
            if status == 200:
                self.rendered_ms.append(ms)


def stream_while_probing(
    base: str, codes: list[str], streams: int, seconds: float, *, one_address: bool
) -> dict[str, Any]:
    clients = [Stream(base, codes, n, one_address) for n in range(streams)]
    for client in clients:
        client.start()
    time.sleep(1.0)
    round_page = probe(base, seconds)
    for client in clients:
        client.stop.set()
    for client in clients:
        client.join(120)
    answers: Counter[int] = Counter()
    rendered: list[float] = []
    for client in clients:
        answers.update(client.answers)
        rendered += client.rendered_ms
    return {
        "round_page": round_page,
        "views_answered": {str(k): v for k, v in sorted(answers.items())},
        "views_200_p50_ms": round(statistics.median(rendered), 1) if rendered else None,
        "load_average": load_average(),
    }


def start(database_url: str, *, before: bool, app_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    import socket

    with socket.socket() as probe_socket:
        probe_socket.bind(("127.0.0.1", 0))
        port = probe_socket.getsockname()[1]
    gunicorn = str(BIN / "gunicorn") if (BIN / "gunicorn").exists() else "gunicorn"
    served = ["--workers", "2", "--bind", f"127.0.0.1:{port}", "--timeout", "120"]
    config = [] if before else ["-c", "python:primaries.gunicorn_config"]
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-secret-key-not-for-production",
        # The bench's own key: nothing is written into instance/ (a key there is the checkout's).
        "AUDIT_SIGNING_KEY": AUDIT_KEY,
        "TRUSTED_PROXIES": "1",
        "PYTHONPATH": str(app_dir),
    }
    OUT.mkdir(parents=True, exist_ok=True)
    log = (OUT / "variants-gunicorn.log").open("ab")
    process = subprocess.Popen(
        [gunicorn, *config, *served, "--chdir", str(app_dir), "primaries:create_app()"],
        env=env,
        cwd=app_dir,  # gunicorn puts the directory it starts in first on sys.path
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if fetch(base, "/healthz", "203.0.113.1")[0] == 200:
                return process, base
        except OSError:
            time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    raise RuntimeError("gunicorn did not start: see bench/out/variants-gunicorn.log")


def ballot_codes(base: str) -> list[str]:
    with urllib.request.urlopen(f"{base}/api/v1/elections/{SLUG}/rounds/1", timeout=60) as answer:
        result = json.load(answer)
    return [row["code"] for row in result["candidates"]]


def measure(
    database_url: str, *, before: bool, app_dir: Path, streams: int, seconds: float
) -> dict[str, Any]:
    process, base = start(database_url, before=before, app_dir=app_dir)
    try:
        for _ in range(6):  # both workers: the round page and the table as it opens, kept
            fetch(base, ROUND, "203.0.113.1")
            fetch(base, BRANCHES, "203.0.113.1")
        codes = ballot_codes(base)
        view = f"{BRANCHES}?per=500&q=a&sort=votes-{codes[3]}&dir=desc"
        cold = fetch(base, view, "203.0.113.2")
        warm = [fetch(base, view, "203.0.113.2") for _ in range(6)]
        results: dict[str, Any] = {
            "setup": "gunicorn -w 2 (sync)"
            if before
            else "gunicorn -c primaries.gunicorn_config -w 2",
            "view_cold_ms": round(cold[1], 1),
            "view_warm_ms": round(statistics.median(ms for _, ms in warm), 1),
            "round_page_alone": probe(base, seconds / 2),
        }
        results["many_addresses"] = stream_while_probing(
            base, codes, streams, seconds, one_address=False
        )
        results["one_address"] = stream_while_probing(
            base, codes, streams, seconds, one_address=True
        )
        return results
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


def national_database() -> str:
    """A fresh SQLite file holding the national election (generated and loaded as ``make bench``
    does it)."""
    from .databases import fresh
    from .generate import national

    generated = national(OUT)
    with fresh("sqlite", "variants", keep=True) as database:
        database.primaries("load", str(generated.package)).check("load national")
        return database.url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.variants", description=__doc__)
    parser.add_argument("--database-url", help="a database holding bench-national already")
    parser.add_argument("--before", action="store_true", help="sync workers, as before gthread")
    parser.add_argument("--app-dir", type=Path, default=ROOT, help="the checkout to serve")
    parser.add_argument("--streams", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=15.0)
    args = parser.parse_args(argv)
    url = args.database_url or national_database()
    results = measure(
        url, before=args.before, app_dir=args.app_dir, streams=args.streams, seconds=args.seconds
    )
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
