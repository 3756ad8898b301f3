"""Serving: gunicorn with 2 workers on loopback (the project's config: gthread workers, as
production runs it), a load generator on each route, cold and warm.

"Cold" runs the app with the results cache off (``RESULTS_CACHE_SIZE`` 0: every request
tallies the round and renders from the database, as after every change on election night);
"warm" runs it as deployed (the cache on, keyed by the round's ``data_version``), after requests
have filled it. Each run also reports the ratio of its requests per second to ``/healthz`` on the
same server, the framework's own limit. The URLs come from the app's URL map: a route that does
not exist (yet) is recorded as missing.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from . import ROOT
from .databases import Database
from .load_generator import measure
from .machine import BIN, PYTHON, load_average, run

ROUTE_NAMES = ("healthz", "result_json", "branches_json", "results_page", "branch_page")


def discover_routes(database: Database) -> dict[str, str | None]:
    """The URL rule of each measured route in the app's URL map (None when it is missing)."""
    rules = json.loads(
        run([PYTHON, "-m", "bench.routes"], env=database.env).check("bench.routes").stdout
    )
    get = [r["rule"] for r in rules if "GET" in r["methods"]]

    def find(rule: str) -> str | None:
        return rule if rule in get else None

    page = find("/elections/<slug>/rounds/<int:number>/branches") or next(
        (
            r
            for r in get
            if "branch" in r and not r.startswith(("/api/", "/staff/")) and "<slug>" in r
        ),
        None,
    )
    return {
        "healthz": find("/healthz"),
        "result_json": find("/api/v1/elections/<slug>/rounds/<int:number>"),
        "branches_json": find("/api/v1/elections/<slug>/rounds/<int:number>/branches"),
        "results_page": find("/elections/<slug>/rounds/<int:number>"),
        "branch_page": page,
    }


def fill(rule: str, *, slug: str, number: int, branch: str, region: str | None) -> str:
    """A concrete path for a URL rule (``<slug>``, ``<int:number>``, a branch code...)."""
    import re

    def value(match: re.Match[str]) -> str:
        name = match.group(1).split(":")[-1]
        if name == "slug":
            return slug
        if name in ("number", "round", "round_number", "n"):
            return str(number)
        if name == "region":
            return region or ""
        if "branch" in name or name == "code":
            return branch
        raise KeyError(name)

    return re.sub(r"<([^>]+)>", value, rule)


class Server(str):
    """The base URL of a started server; ``pid`` is its master process."""

    pid: int = 0


def settled(server: Server, workers: int, timeout: float = 30.0) -> list[int]:
    """Wait until the server has its ``workers`` workers and they are idle (done importing the
    app: their CPU time stands still); their pids. Then CPU counted from now is serving."""
    from .machine import children_of, cpu_of

    deadline = time.monotonic() + timeout
    while True:
        pids = children_of(server.pid)
        before = sum(cpu_of(p) or 0.0 for p in pids)
        time.sleep(0.5)
        after = sum(cpu_of(p) or 0.0 for p in pids)
        if (len(pids) >= workers and after - before < 0.03) or time.monotonic() > deadline:
            return pids


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def gunicorn(
    database: Database,
    *,
    cache: bool,
    recheck: bool = True,
    workers: int = 2,
    threads: int | None = None,
) -> Iterator[Server]:
    """gunicorn serving the app on 127.0.0.1 with ``workers`` workers of the project's config
    (``primaries.gunicorn_config``: gthread, ``threads`` each if given, else the config's);
    yields its base URL.

    ``cache=False``: no results cache; ``recheck=False``: the current version asked per request.
    """
    port = free_port()
    env = {
        **os.environ,
        **database.env,
        "BENCH_CACHE": "1" if cache else "0",
        "BENCH_RECHECK": "1" if recheck else "0",
    }
    gunicorn_bin = str(BIN / "gunicorn") if (BIN / "gunicorn").exists() else "gunicorn"
    log = open(ROOT / "bench" / "out" / "gunicorn.log", "ab")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            gunicorn_bin,
            "-c",
            "python:primaries.gunicorn_config",
            "-w",
            str(workers),
            *(["--threads", str(threads)] if threads else []),
            "-b",
            f"127.0.0.1:{port}",
            "--timeout",
            "120",
            "--log-level",
            "warning",
            "bench.wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    base = Server(f"http://127.0.0.1:{port}")
    base.pid = proc.pid
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start: see bench/out/gunicorn.log")
            time.sleep(0.2)
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def first_request_ms(url: str) -> float | None:
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            response.read()
    except OSError:
        return None
    return round((time.perf_counter() - start) * 1000, 2)


def serving(
    database: Database,
    *,
    slug: str,
    number: int,
    branch: str,
    region: str | None,
    tool: str,
    seconds: float,
) -> dict[str, Any]:
    """Cold and warm figures of every route on one loaded database."""
    rules = discover_routes(database)
    out: dict[str, Any] = {"routes": rules, "tool": tool, "seconds_each": seconds}
    # cold: nothing cached, every request computes; warm: as deployed; warm_exact: cached, but
    # every request asks the database which version is current (RESULTS_RECHECK_SECONDS 0).
    for mode, cache, recheck in (
        ("cold", False, False),
        ("warm", True, True),
        ("warm_exact", True, False),
    ):
        figures: dict[str, Any] = {}
        with gunicorn(database, cache=cache, recheck=recheck) as base:
            for name in ROUTE_NAMES:
                rule = rules[name]
                if rule is None:
                    figures[name] = {"missing": True}
                    continue
                url = base + fill(rule, slug=slug, number=number, branch=branch, region=region)
                first = first_request_ms(url)
                if cache:  # fill the cache of both workers
                    for _ in range(4):
                        first_request_ms(url)
                result = measure(url, tool=tool, seconds=seconds)
                result["first_request_ms"] = first
                result["path"] = url.removeprefix(base)
                result["load_average"] = load_average()
                figures[name] = result
        health = figures.get("healthz", {}).get("rps")
        for result in figures.values():
            if health and "rps" in result:
                result["ratio_to_healthz"] = round(result["rps"] / health, 3)
        out[mode] = figures
    return out
