"""The entry and election-night steps: a fresh PostgreSQL database with the labor election's
runoff open and empty, clerk accounts, gunicorn with 2 workers (election night: ``--night-servers``
such servers on the one database, the clerks on the first, the readers spread over all; ``entry32``:
32 clerks, 4 workers of 8 threads), and the harness of :mod:`bench.entry`. When the app has no
staff entry form (yet), they are recorded as not available rather than failing the run."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from contextlib import ExitStack
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .databases import backend_pids, copy_of, fresh
from .entry import ENTRY_RULE, create_clerks, entry_bench, night_bench
from .generate import Generated
from .machine import PYTHON, children_of, cpu_of, run
from .serve import Server, gunicorn, settled

SLUG = "bench-night"


class ServedCpu:
    """The CPU that an entry run used, as served: gunicorn (master and workers), the PostgreSQL
    backends of the run's database, and the clerks (the threads of this process), from the
    moment every clerk has signed in until the last save. A backend opened meanwhile counts from
    its start (connecting costs a little); other processes of the machine are not in it."""

    def __init__(self, server: Server, database: Any, workers: int) -> None:
        self.server, self.database, self.workers = server, database, workers
        self.app: dict[int, float] = {}
        self.db: dict[int, float] = {}
        self.clients = 0.0

    def _app_pids(self) -> list[int]:
        return [self.server.pid, *children_of(self.server.pid)]

    def start(self) -> None:
        self.app = {p: cpu_of(p) or 0.0 for p in self._app_pids()}
        self.db = {p: cpu_of(p) or 0.0 for p in backend_pids(self.database)}
        self.clients = time.process_time()

    def stop(self, saves: int) -> dict[str, Any]:
        clients = time.process_time() - self.clients
        app = sum((cpu_of(p) or 0.0) - self.app.get(p, 0.0) for p in self._app_pids())
        db = sum((cpu_of(p) or 0.0) - self.db.get(p, 0.0) for p in backend_pids(self.database))

        def per_save(seconds: float) -> float | None:
            return round(seconds * 1000 / saves, 2) if saves else None

        return {
            "served_app_cpu_ms_per_save": per_save(app),
            "served_db_cpu_ms_per_save": per_save(db),
            "served_clients_cpu_ms_per_save": per_save(clients),
            "served_cpu_ms_per_save": per_save(app + db + clients),
        }


def _measured(
    server: Server, database: Any, workers: int, run_it: Callable[..., dict[str, Any]]
) -> dict[str, Any]:
    """``run_it(on_start=...)``'s figures with the CPU it used (:class:`ServedCpu`)."""
    settled(server, workers)
    meter = ServedCpu(server, database, workers)
    figures = run_it(on_start=meter.start)
    figures.update(meter.stop(figures["saves"]))
    return figures


def _entry_route(database: Any) -> bool:
    rules = json.loads(run([PYTHON, "-m", "bench.routes"], env=database.env).stdout or "[]")
    return any(r["rule"] == ENTRY_RULE and "POST" in r["methods"] for r in rules)


def people(
    steps: list[str],
    backends: list[str],
    labor: Generated | None,
    args: Any,
    log: Callable[[str], None],
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if labor is None:
        return {"entry": {"available": False, "reason": "needs the labor scale (--scales)"}}
    backend = "postgresql" if "postgresql" in backends else "sqlite"
    package = labor.extra["night_package"]
    sheets = json.loads(Path(labor.extra["night_sheets"]).read_text(encoding="utf-8"))
    # The entry figure is the median of ENTRY_RUNS runs, each on a fresh database (one run of
    # 342 saves swings with whatever else the machine does); every run's figures are kept.
    plans = [("entry", 4)] * ENTRY_RUNS if "entry" in steps else []
    plans += [("night", 6)] if "night" in steps else []
    entry_runs: list[dict[str, Any]] = []
    for step, clerks in plans:
        with fresh(backend, step) as database:
            if not _entry_route(database):
                out[step] = {
                    "available": False,
                    "reason": f"the app has no POST route {ENTRY_RULE} (the staff entry form)",
                }
                log(f"{step}: not available (no staff entry form)")
                continue
            database.primaries("load", package).check("load the election-night package")
            names = create_clerks(database, clerks)
            servers = args.night_servers if step == "night" else 1
            with ExitStack() as stack:
                bases = [
                    stack.enter_context(gunicorn(database, cache=True)) for _ in range(servers)
                ]
                ports = [int(urlsplit(base).port or 0) for base in bases]
                port = ports[0]
                log(
                    f"{step} on {backend}: {clerks} clerks, {len(sheets)} sheets, servers {servers}"
                )
                if step == "entry":
                    figures = _measured(
                        bases[0],
                        database,
                        2,
                        partial(entry_bench, port, SLUG, 2, sheets, names),
                    )
                else:
                    figures = night_bench(
                        port,
                        SLUG,
                        2,
                        sheets,
                        names,
                        readers=args.readers,
                        seconds=args.night_seconds,
                        reader_ports=ports,
                    )
            figures.update(available=True, backend=backend, sheets=len(sheets))
            log(f"  {figures}")
            if step == "entry":
                entry_runs.append(figures)
                figures = _median_run(entry_runs)
            out[step] = figures
    if "entry32" in steps:
        out["entry32"] = entry32(backend, package, sheets, log)
    return out


# The 32-clerk run (issue 16): 4 gthread workers of 8 threads, a thread for every clerk.
ENTRY32_CLERKS, ENTRY32_WORKERS, ENTRY32_THREADS = 32, 4, 8


def entry32(
    backend: str, package: str, sheets: list[dict[str, Any]], log: Callable[[str], None]
) -> dict[str, Any]:
    """The entry step with 32 clerks: the same sheets, each typed twice by two different clerks
    (:func:`bench.entry._plans`), served by 4 workers x 8 threads; ENTRY_RUNS runs, each on a
    fresh copy of one database prepared once (the package loaded, the 32 accounts created).

    Each run is paired with a run of the 4-clerk entry step as it is (2 workers, the config's
    threads; clerks 1 to 4) just before it, on its own copy: the ratio of sheets per second
    compares runs made minutes apart on the same machine, whatever else it was doing. A third
    run of each triple has the 32 clerks offer half what the 4 made flat out, each one save every
    2 x 32 / (the 4 clerks' saves per second) seconds (``paced``): the latency of 32 clerks on a
    machine that is busy but not saturated."""
    runs: dict[str, list[dict[str, Any]]] = {"4": [], "32": [], "32 paced": []}
    shapes = (
        ("4", 4, 2, None),
        ("32", ENTRY32_CLERKS, ENTRY32_WORKERS, ENTRY32_THREADS),
        ("32 paced", ENTRY32_CLERKS, ENTRY32_WORKERS, ENTRY32_THREADS),
    )
    with fresh(backend, "entry32") as template:
        if not _entry_route(template):
            return {
                "available": False,
                "reason": f"the app has no POST route {ENTRY_RULE} (the staff entry form)",
            }
        template.primaries("load", package).check("load the election-night package")
        names = create_clerks(template, ENTRY32_CLERKS)
        for _ in range(ENTRY_RUNS):
            pace = 0.0
            for shape, clerks, workers, threads in shapes:
                if shape == "32 paced":
                    # Half the saves per second the 4 clerks made flat out (what the machine
                    # can do at most), offered by 32 clerks at a steady pace: at the full rate
                    # the queue would never empty, whoever offered it.
                    few = runs["4"][-1]
                    pace = 2 * clerks * few["seconds"] / few["saves"]
                with (
                    copy_of(template, "entry32") as database,
                    gunicorn(database, cache=True, workers=workers, threads=threads) as base,
                ):
                    log(
                        f"entry32 on {backend}: {clerks} clerks, {len(sheets)} sheets, "
                        f"{workers} workers x {threads or 'the config default'} threads"
                    )
                    port = int(urlsplit(base).port or 0)
                    figures = _measured(
                        base,
                        database,
                        workers,
                        partial(entry_bench, port, SLUG, 2, sheets, names[:clerks], pace=pace),
                    )
                figures.update(
                    available=True,
                    backend=backend,
                    sheets=len(sheets),
                    workers=workers,
                    threads=threads,
                )
                log(f"  {figures}")
                runs[shape].append(figures)
    out = _median_run(runs["32"])
    out["baseline_4_clerks"] = _median_run(runs["4"])
    out["paced"] = _median_run(runs["32 paced"])
    out["pair_ratios"] = [
        round(many["sheets_per_second"] / few["sheets_per_second"], 3)
        for few, many in zip(runs["4"], runs["32"], strict=True)
    ]
    return out


ENTRY_RUNS = 3


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median save p95, with every run's p50/p95 alongside."""
    ordered = sorted(runs, key=lambda r: r["save_p95_ms"])
    median = dict(ordered[(len(ordered) - 1) // 2])
    median["runs"] = [
        {key: r[key] for key in ("save_p50_ms", "save_p95_ms", "sheets_per_second")} for r in runs
    ]
    # The ratios of issue 16 compare sheets per second: the median of the runs' own.
    median["sheets_per_second_median"] = statistics.median(r["sheets_per_second"] for r in runs)
    return median
