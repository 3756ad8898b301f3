"""``python -m bench.rla_scale [--backends sqlite,postgresql]``: the risk-limiting audit at
national scale (12,926 boxes x 39 candidates, round 1 with its threshold assertions): the wall
and CPU seconds of ``primaries rla start`` (every bound, U, the estimate and the draws) and
``primaries rla status`` (the drawn boxes only), and ``primaries flags`` (every red-flag check
of the round: issue 13), each a fresh process as an operator runs it, beside ``primaries
tally`` for the cost of a command's start-up. ``tally``, ``status`` and ``flags`` run five
times each and give the median and the fastest (a 2-core virtual machine's speed varies by
a third from one second to the next). The package's bytecode is compiled first, as an installed
package has it (``pip install`` compiles it; a checkout under ``PYTHONDONTWRITEBYTECODE`` would
compile every module on every command). Prints JSON.
"""

from __future__ import annotations

import argparse
import compileall
import json
import statistics
import sys
from typing import Any

from . import OUT, ROOT
from .databases import BACKENDS, fresh, postgres_available
from .generate import national
from .machine import load_average

SEED = "31415926535897932384"


def measure(backend: str) -> dict[str, Any]:
    generated = national(OUT)
    figures: dict[str, Any] = {"load_average": load_average()}
    with fresh(backend, "rla") as database:
        database.primaries("load", str(generated.package)).check("load national")
        slug = generated.slug
        runs = {
            "tally": ("tally", slug, "--round", "1", "--json"),
            "rla_start": (
                "rla",
                "start",
                slug,
                "--round",
                "1",
                "--risk-limit",
                "5",
                "--seed",
                SEED,
                "--json",
            ),
            "rla_status": ("rla", "status", slug, "--round", "1", "--json"),
            # Every red-flag check of the round (issue 13: 5 s or less at national scale)
            "flags": ("flags", slug, "--round", "1", "--json"),
        }
        compileall.compile_dir(str(ROOT / "primaries"), quiet=1)
        for name, args in runs.items():
            done = database.primaries(*args).check(name)
            figures[name] = {"seconds": round(done.seconds, 2), "cpu_seconds": done.cpu_seconds}
            if name != "rla_start":  # read-only: run again for the median and the fastest
                times = [done.seconds] + [
                    database.primaries(*args).check(name).seconds for _ in range(4)
                ]
                figures[name]["seconds"] = round(statistics.median(times), 2)
                figures[name]["fastest"] = round(min(times), 2)
            if name == "rla_start":
                document = json.loads(done.stdout)
                figures["total_error_bound"] = document["total_error_bound"]
                figures["estimate"] = document["estimate"]
    return figures


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.rla_scale", description=__doc__)
    parser.add_argument("--backends", default="sqlite")
    args = parser.parse_args(argv)
    results: dict[str, Any] = {}
    for backend in [b for b in args.backends.split(",") if b in BACKENDS]:
        if backend == "postgresql" and postgres_available():
            continue
        results[backend] = measure(backend)
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
