"""The ``model`` step: what a save costs (:mod:`bench.save_cost`, three runs, the median) and
what that says about more cores.

The machines have 2 cores, so the sheets per second of 8 and 32 cores are computed, not measured:

    sheets/s on C cores = min(C / (cpu_per_save x saves_per_sheet),
                              1 / (hold_per_save x saves_per_sheet))

with ``saves_per_sheet`` 2 (double entry: a sheet counts after its second save), ``cpu_per_save``
the CPU of the app and of PostgreSQL for one save as a clerk makes it (the form's GET and the
POST), and ``hold_per_save`` how long one save holds the lock that every change takes in turn
(the serial section; measured alone, so no waiting for it is included). Assumed: saving is
CPU-bound (app and database on the same cores, perfectly shared, no I/O wait but the commit's
WAL flush, which happens inside the hold); that lock is the only serial section (no other lock,
no row every save updates, and the database's own contention does not grow with the cores);
enough clerks, threads and connections to keep every core busy; gunicorn's HTTP work and the
clients' work are not in ``cpu_per_save`` (the 2-core line compares with the entry runs, whose
clerks run on the same 2 cores).
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable
from typing import Any

from .databases import copy_of, fresh
from .entry import create_clerks
from .generate import Generated
from .machine import PYTHON, load_average, run

RUNS = 3
SAVES_PER_SHEET = 2
CORES = (2, 8, 32)
# The figures of a save that are the median of the runs.
MEDIAN_KEYS = (
    "cpu_ms_per_save",
    "cpu_ms_p50",
    "cpu_ms_first_entry",
    "cpu_ms_second_entry",
    "wall_ms_per_save",
    "wall_ms_p50",
    "wall_ms_p95",
    "db_cpu_ms_per_save",
    "form_cpu_ms_per_save",
    "form_wall_ms_per_save",
    "form_db_cpu_ms_per_save",
    "hold_ms_per_save",
    "hold_ms_p50",
    "hold_ms_p95",
    "chain_lock_ms_p50",
    "transaction_ms_p50",
)


def measure_save_cost(
    backend: str, labor: Generated, log: Callable[[str], None], runs: int = RUNS
) -> dict[str, Any]:
    """``runs`` probes, each in a fresh process on a fresh copy of one prepared database."""
    with fresh(backend, "savecost") as template:
        template.primaries("load", labor.extra["night_package"]).check("load the night package")
        names = create_clerks(template, 2)
        each: list[dict[str, Any]] = []
        for i in range(runs):
            with copy_of(template, "savecost") as database:
                done = run(
                    [PYTHON, "-m", "bench.save_cost", labor.extra["night_sheets"], *names],
                    env=database.env,
                ).check("bench.save_cost")
            figures = json.loads(done.stdout)
            figures["load_average"] = load_average()
            log(
                f"  save cost run {i + 1}: {figures['cpu_ms_per_save']} ms CPU (app), "
                f"{figures['db_cpu_ms_per_save']} ms CPU (database), hold "
                f"{figures['hold_ms_per_save']} ms ({figures['serial_section']})"
            )
            each.append(figures)
    out: dict[str, Any] = {
        key: _median([r[key] for r in each]) for key in MEDIAN_KEYS if key in each[0]
    }
    out.update(
        backend=backend,
        runs=len(each),
        saves_per_run=each[0]["saves"],
        commits_per_save=each[0]["commits_per_save"],
        serial_section=each[0]["serial_section"],
        serial_sections_agree=len({r["serial_section"] for r in each}) == 1,
        global_lock_statement=each[0]["global_lock_statement"],
        each_run=[
            {
                key: r[key]
                for key in (
                    "cpu_ms_per_save",
                    "db_cpu_ms_per_save",
                    "wall_ms_per_save",
                    "hold_ms_per_save",
                    "form_cpu_ms_per_save",
                    "backends_opened_meanwhile",
                    "load_average",
                )
            }
            for r in each
        ],
        load_average=load_average(),
    )
    return out


def _median(values: list[Any]) -> Any:
    present = [v for v in values if v is not None]
    return round(statistics.median(present), 3) if present else None


def model(
    save: dict[str, Any],
    entry: dict[str, Any] | None = None,
    entry32: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Sheets per second on 2, 8 and 32 cores from the measured cost of a save (see the module
    docstring), with the measured 2-core entry runs alongside for the check."""
    app_post = save.get("cpu_ms_per_save") or 0.0
    db_post = save.get("db_cpu_ms_per_save") or 0.0
    app_form = save.get("form_cpu_ms_per_save") or 0.0
    db_form = save.get("form_db_cpu_ms_per_save") or 0.0
    hold = save.get("hold_ms_per_save")
    cpu = app_post + db_post + app_form + db_form
    post_only = app_post + db_post
    out: dict[str, Any] = {
        "saves_per_sheet": SAVES_PER_SHEET,
        "cpu_ms_per_save": round(cpu, 3),
        "cpu_ms_per_save_post_only": round(post_only, 3),
        "hold_ms_per_save": hold,
        "serial_section": save.get("serial_section"),
        "database_cpu_measured": save.get("db_cpu_ms_per_save") is not None,
        "formula": (
            "sheets/s = min(C / (cpu_per_save x 2), 1 / (hold_per_save x 2)); cpu_per_save = "
            "app + PostgreSQL CPU of the form GET and the save POST"
        ),
        "cores": {},
    }
    serial = 1000 / (hold * SAVES_PER_SHEET) if hold else None
    for cores in CORES:
        cpu_bound = 1000 * cores / (cpu * SAVES_PER_SHEET) if cpu else None
        post_bound = 1000 * cores / (post_only * SAVES_PER_SHEET) if post_only else None
        bounds = [b for b in (cpu_bound, serial) if b is not None]
        sheets = min(bounds) if bounds else None
        out["cores"][str(cores)] = {
            "sheets_per_second": _round(sheets),
            "cpu_bound": _round(cpu_bound),
            "cpu_bound_post_only": _round(post_bound),
            "lock_bound": _round(serial),
            "limited_by": None
            if sheets is None
            else ("the serial section" if serial is not None and sheets == serial else "CPU"),
        }
    # Clerks who save as fast as they can (a closed loop, as in the entry runs): N clerks each
    # waiting for their form and their save make N / (saves per second) per cycle (Little's law),
    # never less than a cycle alone. The part of it spent in the POST is at least the POST's
    # share of a cycle alone; so this is what a save's latency can be at best, p95 above it.
    alone_cycle = (save.get("wall_ms_per_save") or 0.0) + (save.get("form_wall_ms_per_save") or 0.0)
    post_share = (save.get("wall_ms_per_save") or 0.0) / alone_cycle if alone_cycle else None
    out["flat_out_clerks"] = {}
    for clerks in (4, 32):
        for cores in CORES:
            rate = out["cores"][str(cores)]["sheets_per_second"]
            if not rate or post_share is None:
                continue
            cycle = max(clerks * 1000 / (rate * SAVES_PER_SHEET), alone_cycle)
            out["flat_out_clerks"][f"{clerks} clerks, {cores} cores"] = {
                "cycle_ms": round(cycle, 1),
                "mean_save_ms_at_best": round(cycle * post_share, 1),
            }
    measured = {
        name: figures.get("sheets_per_second_median", figures.get("sheets_per_second"))
        for name, figures in (("entry_4_clerks", entry), ("entry_32_clerks", entry32))
        if figures and figures.get("available")
    }
    out["measured_2_cores"] = measured
    # The same runs' CPU per save as served (gunicorn, the database's backends, the clerks): if
    # saving is CPU-bound, 2 cores / (that x 2) is what they reached.
    served: dict[str, float] = {
        name: float(figures["served_cpu_ms_per_save"])
        for name, figures in (("entry_4_clerks", entry), ("entry_32_clerks", entry32))
        if figures and figures.get("available") and figures.get("served_cpu_ms_per_save")
    }
    out["served_cpu_ms_per_save"] = served
    out["cpu_bound_2_cores_as_served"] = {
        name: _round(1000 * 2 / (value * SAVES_PER_SHEET)) for name, value in served.items()
    }
    two = out["cores"]["2"]["sheets_per_second"]
    out["measured_over_model_2_cores"] = {
        name: round(value / two, 3) if two and value else None for name, value in measured.items()
    }
    return out


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
