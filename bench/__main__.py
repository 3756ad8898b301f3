"""``python -m bench`` (``make bench``): generate, load, tally, verify, serve, enter; write
results.json.

Options narrow a run (``--only load,tally``, ``--scales labor,national``, ``--backends sqlite``,
``--seconds 3``); a full run takes about half an hour on the 2-core machine. ``--merge`` keeps
the figures of ``--output`` that this run did not measure (``--only entry,entry32,model
--scales labor --backends postgresql --merge`` updates only those steps' entries). Every figure is
stored with the load average of the moment, since a busy machine slows everything down: rerun
on a quiet machine for the figures that go into the README.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from . import OUT, RESULTS, ROOT
from .databases import BACKENDS, Database, drop, fresh, postgres_available
from .generate import GENERATORS, Generated
from .load_generator import ensure_wrk
from .machine import PYTHON, describe, load_average, run
from .report import evaluate, markdown

STEPS = (
    "load",
    "tally",
    "verify",
    "serve",
    "variants",
    "entry",
    "entry32",
    "model",
    "night",
    "rla",
)
SERVED_SCALES = ("labor", "national")


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def measure_load(database: Database, generated: Generated) -> dict[str, Any]:
    done = database.primaries("load", str(generated.package)).check(f"load {generated.name}")
    return {
        "seconds": round(done.seconds, 2),
        "sheets": generated.sheets,
        "sheets_per_second": round(generated.sheets / done.seconds, 1),
        "peak_rss_mib": done.peak_rss_mib,
        "cpu_seconds": done.cpu_seconds,
        "file_mib": round(generated.package.stat().st_size / 2**20, 1),
        "load_average": done.load_average,
    }


def measure_verify(database: Database, generated: Generated) -> dict[str, Any]:
    """``primaries audit verify``: the chain and every table compared with it (exit 0 needed)."""
    done = database.primaries("audit", "verify").check(f"audit verify {generated.name}")
    return {
        "seconds": round(done.seconds, 2),
        "sheets": generated.sheets,
        "peak_rss_mib": done.peak_rss_mib,
        "cpu_seconds": done.cpu_seconds,
        "output": done.stdout.strip(),
        "load_average": done.load_average,
    }


def measure_import(
    backend: str, generated: Generated, *, verify: bool = False
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The national sheets imported from CSV into its branches, then the same file again (every
    sheet unchanged: target at most half the first import's time); then verified, if asked."""
    with fresh(backend, "import") as database:
        package = generated.extra["branches_package"]
        database.primaries("load", package).check("load the national branches")
        done = database.primaries(
            "import-sheets",
            generated.slug + "-csv",
            "--round",
            "1",
            generated.extra["sheets_csv"],
        ).check("import-sheets")
        again = database.primaries(
            "import-sheets",
            generated.slug + "-csv",
            "--round",
            "1",
            generated.extra["sheets_csv"],
        ).check("import-sheets again")  # the same file: every sheet unchanged
        verified = measure_verify(database, generated) if verify else None
    return {
        "seconds": round(done.seconds, 2),
        "again_seconds": round(again.seconds, 2),
        "again_ratio": round(again.seconds / done.seconds, 2),
        "sheets": generated.sheets,
        "sheets_per_second": round(generated.sheets / done.seconds, 1),
        "peak_rss_mib": done.peak_rss_mib,
        "cpu_seconds": done.cpu_seconds,
        "load_average": done.load_average,
    }, verified


def measure_tally(database: Database, slug: str, runs: int = 3) -> dict[str, Any]:
    """Cold tally (a fresh process each time) against the bare aggregate, alternating."""
    figures: dict[str, list[float]] = {"tally": [], "bare": [], "tally_warm": [], "bare_warm": []}
    for _ in range(runs):
        for what in ("tally", "bare"):
            done = run([PYTHON, "-m", "bench.probe", what, slug, "1"], env=database.env)
            data = json.loads(done.check(f"probe {what}").stdout)
            figures[what].append(data["cold_s"])
            figures[what + "_warm"].append(data["warm_s"])
    tally = statistics.median(figures["tally"])
    bare = statistics.median(figures["bare"])
    return {
        "tally_cold_s": round(tally, 4),
        "bare_aggregate_cold_s": round(bare, 4),
        "ratio": round(tally / bare, 3) if bare else None,
        "tally_warm_s": round(statistics.median(figures["tally_warm"]), 4),
        "bare_aggregate_warm_s": round(statistics.median(figures["bare_warm"]), 4),
        "runs": runs,
        "load_average": load_average(),
    }


def first_branch(generated: Generated) -> tuple[str, str | None]:
    with generated.package.open(encoding="utf-8") as fh:
        head = fh.read(400_000)
    start = head.index('"branches"')
    obj = head[head.index("{", start) : head.index("}", start) + 1]
    branch = json.loads(obj)
    return branch["code"], branch.get("region")


def merged(old: dict[str, Any], new: dict[str, Any], steps: list[str]) -> dict[str, Any]:
    """``old`` with what ``new`` measured put in place (dictionaries merged key by key, empty
    ones ignored); the machine stays ``old``'s, this run's is kept under ``merged_runs``."""

    def put(into: dict[str, Any], what: dict[str, Any]) -> None:
        for key, value in what.items():
            if isinstance(value, dict) and isinstance(into.get(key), dict):
                put(into[key], value)
            elif value != {}:
                into[key] = value

    out: dict[str, Any] = json.loads(json.dumps(old))
    machine = new.pop("machine")
    notes = new.pop("notes")
    for key in ("elections", "load_generator"):
        new.pop(key, None)
    put(out, new)
    out.setdefault("notes", []).extend(notes)
    # An earlier merged run whose every step this run measured again says nothing any more.
    earlier = [run for run in out.get("merged_runs", []) if set(run["steps"]) - set(steps)]
    out["merged_runs"] = [*earlier, {"steps": steps, "machine": machine}]
    return out


def finish_entry(results: dict[str, Any]) -> None:
    """The 32-clerk run's sheets per second against the 4-clerk run's (issue 16: at least 1):
    the 4-clerk runs paired with them, else the entry step's."""
    many = results.get("entry32") or {}
    four = many.get("baseline_4_clerks") or results.get("entry") or {}
    if four.get("available") and many.get("available"):
        base = four.get("sheets_per_second_median", four.get("sheets_per_second"))
        ours = many.get("sheets_per_second_median", many.get("sheets_per_second"))
        many["ratio_to_4_clerks"] = round(ours / base, 3) if base and ours else None
        many["ratio_of"] = "median sheets/s of 32 clerks / median sheets/s of 4 clerks"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", default=",".join(STEPS), help="steps: " + ",".join(STEPS))
    parser.add_argument("--scales", default=",".join(GENERATORS))
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--seconds", type=float, default=10.0, help="each load-generator run")
    parser.add_argument("--night-seconds", type=float, default=60.0)
    parser.add_argument("--readers", type=int, default=200)
    parser.add_argument("--night-servers", type=int, default=2, help="app servers, one database")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(
        "--merge",
        action="store_true",
        help="keep what --output holds and this run did not measure (a run of a few steps)",
    )
    args = parser.parse_args(argv)
    steps = [s for s in args.only.split(",") if s]
    scales = [s for s in args.scales.split(",") if s]
    backends = [b for b in args.backends.split(",") if b]

    results: dict[str, Any] = {"machine": describe(), "notes": []}
    why = postgres_available()
    if why and "postgresql" in backends:
        results["notes"].append(f"PostgreSQL not measured: {why}")
        backends.remove("postgresql")
    # Only the steps that generate load need the tool (finding it may install it).
    tool = ensure_wrk() if {"serve", "variants", "entry", "night"} & set(steps) else "none needed"
    results["load_generator"] = tool
    log(f"machine: {results['machine']['cpu_count']} CPUs, load {load_average()}; tool {tool}")

    generated = {}
    for name in scales:
        start = time.perf_counter()
        generated[name] = GENERATORS[name](OUT)
        log(f"generated {name} in {time.perf_counter() - start:.1f}s: {generated[name].package}")
    results["elections"] = {
        name: {
            "slug": g.slug,
            "branches": g.branches,
            "candidates": g.candidates,
            "sheets": g.sheets,
            "sha256": g.sha256,
        }
        for name, g in generated.items()
    }
    results.update(load={}, import_sheets={}, tally={}, verify={}, serving={}, variants={})

    for backend in backends:
        for name in scales:
            g = generated[name]
            needs = {"load", "tally", "verify"} | ({"serve"} if name in SERVED_SCALES else set())
            needs |= {"variants"} if name == "national" else set()
            if not needs & set(steps):
                continue
            with fresh(backend, name) as database:
                log(f"{backend} {name}: load")
                figures = measure_load(database, g)
                results["load"].setdefault(name, {})[backend] = figures
                log(f"  {figures['seconds']}s, {figures['peak_rss_mib']} MiB")
                if "tally" in steps:
                    figures = measure_tally(database, g.slug)
                    results["tally"].setdefault(name, {})[backend] = figures
                    bare = figures["bare_aggregate_cold_s"]
                    log(f"  tally {figures['tally_cold_s']}s, bare {bare}s")
                if "verify" in steps:
                    figures = measure_verify(database, g)
                    results["verify"].setdefault(name, {})[backend] = figures
                    log(f"  verify {figures['seconds']}s, {figures['peak_rss_mib']} MiB")
                if "serve" in steps and name in SERVED_SCALES:
                    from .serve import serving

                    code, region = first_branch(g)
                    log(f"  serving ({args.seconds}s per route and mode)")
                    results["serving"].setdefault(name, {})[backend] = serving(
                        database,
                        slug=g.slug,
                        number=1,
                        branch=code,
                        region=region,
                        tool=tool,
                        seconds=args.seconds,
                    )
                if "variants" in steps and name == "national":
                    from .variants import measure

                    log("  views of the branches table (bench.variants)")
                    results["variants"][backend] = measure(
                        database.url, before=False, app_dir=ROOT, streams=4, seconds=args.seconds
                    )
            if name == "national" and {"load", "verify"} & set(steps):
                log(f"{backend} national: import-sheets CSV")
                imported, verified = measure_import(backend, g, verify="verify" in steps)
                results["import_sheets"][backend] = imported
                if verified is not None:
                    results["verify"].setdefault("national-import", {})[backend] = verified

    if "rla" in steps and "national" in generated:
        from .rla_scale import measure as measure_rla

        for backend in backends:
            log(f"{backend} national: rla start, rla status and flags (bench.rla_scale)")
            results.setdefault("rla", {})[backend] = figures = measure_rla(backend)
            start, status = figures["rla_start"], figures["rla_status"]
            flags = figures["flags"]["seconds"]
            log(f"  start {start['seconds']}s, status {status['seconds']}s, flags {flags}s")

    if {"entry", "entry32", "night"} & set(steps):
        from .people import people

        results.update(people(steps, backends, generated.get("labor"), args, log))

    if "model" in steps and "labor" in generated:
        from .model import measure_save_cost

        backend = "postgresql" if "postgresql" in backends else "sqlite"
        log(f"{backend}: what a save costs (bench.save_cost, 3 runs)")
        results["save_cost"] = measure_save_cost(backend, generated["labor"], log)

    if args.merge and args.output.exists():
        results = merged(json.loads(args.output.read_text(encoding="utf-8")), results, steps)
    finish_entry(results)
    if "save_cost" in results:
        from .model import model

        entry32 = results.get("entry32") or {}
        results["model"] = model(
            results["save_cost"], entry32.get("baseline_4_clerks") or results.get("entry"), entry32
        )
        log(f"model: {json.dumps(results['model']['cores'])}")

    results["targets"] = evaluate(results)
    if args.merge and results.get("merged_runs"):
        results["merged_runs"][-1]["machine"]["load_average_at_end"] = load_average()
    else:
        results["machine"]["load_average_at_end"] = load_average()
    args.output.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    table = markdown(results)
    (OUT / "results.md").write_text(table + "\n", encoding="utf-8")
    print(table)
    log(f"wrote {args.output}")
    _ = drop  # databases are dropped by ``fresh``
    return 0


if __name__ == "__main__":
    sys.exit(main())
