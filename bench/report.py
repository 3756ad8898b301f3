"""The issue's targets checked against the figures, and the markdown table for the README.

``python -m bench.report`` prints the table of ``bench/results.json`` again; with ``--readme`` it
also puts it into the README's "Performance" section, between the ``bench:begin`` and
``bench:end`` markers (rerun ``make bench`` on a quiet machine, then this).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from . import RESULTS, ROOT

BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"

BACKEND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
MODES = {
    "cold": "cold",
    "warm": "warm",
    "warm_exact": "warm, version asked per request",
}


def _get(data: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def evaluate(results: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per target and database: the figure, the bound, met or not (None: not measured)."""
    rows: list[dict[str, Any]] = []

    def target(
        name: str, backend: str, value: Any, bound: float, *, at_least: bool = False
    ) -> None:
        met = None if value is None else (value >= bound if at_least else value <= bound)
        rows.append(
            {"target": name, "backend": backend, "value": value, "bound": bound, "met": met}
        )

    for backend in ("sqlite", "postgresql"):
        target(
            "national tally cold / bare aggregate <= 1.5",
            backend,
            _get(results, "tally", "national", backend, "ratio"),
            1.5,
        )
        target(
            "huge tally cold <= 1 s",
            backend,
            _get(results, "tally", "huge", backend, "tally_cold_s"),
            1.0,
        )
        target(
            "national rla start <= 10 s",
            backend,
            _get(results, "rla", backend, "rla_start", "seconds"),
            10.0,
        )
        target(
            "national rla status <= 1 s (median of five)",
            backend,
            _get(results, "rla", backend, "rla_status", "seconds"),
            1.0,
        )
        target(
            "national red flags of a round <= 5 s (primaries flags, median of five)",
            backend,
            _get(results, "rla", backend, "flags", "seconds"),
            5.0,
        )
        target(
            "national re-import of the same file / first import <= 0.5",
            backend,
            _get(results, "import_sheets", backend, "again_ratio"),
            0.5,
        )
        target(
            "national load <= 15 s",
            backend,
            _get(results, "load", "national", backend, "seconds"),
            15.0,
        )
        target(
            "national audit verify <= 30 s",
            backend,
            _get(results, "verify", "national", backend, "seconds"),
            30.0,
        )
        target(
            "huge load <= 180 s",
            backend,
            _get(results, "load", "huge", backend, "seconds"),
            180.0,
        )
        for scale in ("labor", "national"):
            warm = _get(results, "serving", scale, backend, "warm")
            target(
                f"{scale} warm result JSON >= 70% of /healthz rps",
                backend,
                _get(warm, "result_json", "ratio_to_healthz"),
                0.7,
                at_least=True,
            )
            target(
                f"{scale} warm results page >= 50% of /healthz rps",
                backend,
                _get(warm, "results_page", "ratio_to_healthz"),
                0.5,
                at_least=True,
            )
        # Issue 16: the national branch list computed afresh (the first request of a cold server:
        # every answer computed from the database, as after a change) in half a second.
        cold = _get(results, "serving", "national", backend, "cold")
        for route, label in (("branches_json", "branches JSON"), ("branch_page", "branches page")):
            first = _get(cold, route, "first_request_ms")
            target(
                f"national {label}, cold, first request <= 0.5 s",
                backend,
                None if first is None else round(first / 1000, 3),
                0.5,
            )
    entry = results.get("entry") or {}
    target(
        "entry save p95 <= 50 ms (4 clerks)",
        entry.get("backend", "postgresql"),
        entry.get("save_p95_ms"),
        50.0,
    )
    # Issue 16, item 2: what a save costs, 32 clerks, and the model of more cores.
    save = results.get("save_cost") or {}
    target(
        "a save <= 10 ms of the app's CPU, in process (median of three runs)",
        save.get("backend", "postgresql"),
        save.get("cpu_ms_per_save"),
        10.0,
    )
    many = results.get("entry32") or {}
    target(
        "entry save p95 <= 150 ms (32 clerks, 4 gthread workers)",
        many.get("backend", "postgresql"),
        many.get("save_p95_ms"),
        150.0,
    )
    paced = many.get("paced") or {}
    target(
        "entry save p95 <= 150 ms (32 clerks offering half the 4 clerks' saves/s)",
        paced.get("backend", "postgresql"),
        paced.get("save_p95_ms"),
        150.0,
    )
    target(
        "entry sheets/s, 32 clerks / 4 clerks >= 1",
        many.get("backend", "postgresql"),
        many.get("ratio_to_4_clerks"),
        1.0,
        at_least=True,
    )
    for cores in ("8", "32"):
        # No bound in the issue: the model's figure, and what limits it.
        figure = _get(results, "model", "cores", cores) or {}
        rows.append(
            {
                "target": f"model: sheets/s on {cores} cores (computed from a save's CPU and "
                f"lock hold, measured on 2)",
                "backend": save.get("backend", "postgresql"),
                "value": figure.get("sheets_per_second"),
                "bound": None,
                "met": f"computed; limited by {figure['limited_by']}"
                if figure.get("limited_by")
                else None,
            }
        )
    night = results.get("night") or {}
    target(
        "election-night staleness p95 <= 2 s",
        night.get("backend", "postgresql"),
        night.get("staleness_p95_s"),
        2.0,
    )
    return rows


def _fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        text = f"{value:,.3f}" if abs(value) < 1 else f"{value:,.1f}"
    else:
        text = f"{value:,}"
    return text + unit


def markdown(results: dict[str, Any]) -> str:
    machine = results["machine"]
    lines = [
        f"Measured {machine['date']} on {machine['cpu_count']} CPUs ({machine.get('cpu_model')}), "
        f"{machine['memory_gib']} GiB, Python {machine['python']}, SQLite {machine['sqlite']}, "
        f"{machine.get('postgresql') or 'no PostgreSQL'}; load generator "
        f"{results.get('load_generator')}; load average at start "
        f"{machine['load_average_at_start']}, at end {machine.get('load_average_at_end')}.",
    ]
    for merged in results.get("merged_runs", []):
        again = merged.get("machine", {})
        lines[-1] += (
            f" Steps {', '.join(merged.get('steps', []))} measured again "
            f"{again.get('date')} on {again.get('cpu_count')} CPUs ({again.get('cpu_model')}), "
            f"load average at start {again.get('load_average_at_start')}, at end "
            f"{again.get('load_average_at_end')}."
        )
    lines += [
        "",
        "| measure | scale | SQLite | PostgreSQL |",
        "|---|---|---|---|",
    ]

    def row(measure: str, scale: str, cell: Any) -> None:
        lines.append(f"| {measure} | {scale} | {cell('sqlite')} | {cell('postgresql')} |")

    for scale in ("labor", "national", "huge"):
        load = results.get("load", {}).get(scale)
        if load:
            row(
                "load (s, sheets/s, peak RSS)",
                scale,
                lambda b, load=load: (
                    f"{_fmt(load[b]['seconds'])} s, {_fmt(load[b]['sheets_per_second'])}/s, "
                    f"{_fmt(load[b]['peak_rss_mib'])} MiB"
                    if b in load
                    else "-"
                ),
            )
    imported = results.get("import_sheets") or {}
    if imported:
        row(
            "import-sheets CSV (s, sheets/s)",
            "national",
            lambda b: (
                f"{_fmt(imported[b]['seconds'])} s, {_fmt(imported[b]['sheets_per_second'])}/s"
                if b in imported
                else "-"
            ),
        )
        row(
            "import-sheets again, same file (s, ratio to the first)",
            "national",
            lambda b: (
                f"{_fmt(imported[b]['again_seconds'])} s ({_fmt(imported[b]['again_ratio'])})"
                if b in imported and "again_seconds" in imported[b]
                else "-"
            ),
        )
    for scale in ("labor", "national", "huge"):
        tally = results.get("tally", {}).get(scale)
        if tally:
            row(
                "tally cold / bare aggregate (ratio)",
                scale,
                lambda b, tally=tally: (
                    f"{_fmt(tally[b]['tally_cold_s'] * 1000)} ms / "
                    f"{_fmt(tally[b]['bare_aggregate_cold_s'] * 1000)} ms "
                    f"({_fmt(tally[b]['ratio'])})"
                    if b in tally
                    else "-"
                ),
            )
    for scale in ("labor", "national", "national-import", "huge"):
        verify = results.get("verify", {}).get(scale)
        if verify:
            row(
                "audit verify: chain and data (s, peak RSS)",
                scale,
                lambda b, verify=verify: (
                    f"{_fmt(verify[b]['seconds'])} s, {_fmt(verify[b]['peak_rss_mib'])} MiB"
                    if b in verify
                    else "-"
                ),
            )
    names = {
        "healthz": "/healthz",
        "result_json": "result JSON",
        "branches_json": "branches JSON",
        "results_page": "results page",
        "branch_page": "per-branch page",
    }
    for scale in ("labor", "national"):
        serving = results.get("serving", {}).get(scale)
        if not serving:
            continue
        for mode in ("cold", "warm", "warm_exact"):
            for route, label in names.items():

                def cell(
                    b: str,
                    serving: dict[str, Any] = serving,
                    mode: str = mode,
                    route: str = route,
                ) -> str:
                    data = (serving.get(b) or {}).get(mode, {}).get(route)
                    if not data:
                        return "-"
                    if data.get("missing"):
                        return "missing"
                    ratio = data.get("ratio_to_healthz")
                    return (
                        f"{_fmt(data['rps'])} rps, p50 {_fmt(data['p50_ms'])} ms, "
                        f"p95 {_fmt(data['p95_ms'])} ms"
                        + (f" ({_fmt(ratio)} x)" if route != "healthz" else "")
                    )

                row(f"{label}, {MODES[mode]}", scale, cell)
    for step, label in (
        ("entry", "entry, 4 clerks"),
        ("entry32", "entry, 32 clerks (4 workers x 8 threads)"),
        ("night", "election night, 6 clerks"),
    ):
        data = results.get(step)
        if not data:
            continue
        if not data.get("available"):
            text = "not available: " + data.get("reason", "")
        elif step in ("entry", "entry32"):
            text = (
                f"{_fmt(data['sheets_per_second'])} sheets/s, save p50 "
                f"{_fmt(data['save_p50_ms'])} ms, p95 {_fmt(data['save_p95_ms'])} ms"
            )
            if len(data.get("runs", [])) > 1:
                p95s = ", ".join(_fmt(run["save_p95_ms"]) for run in data["runs"])
                rates = ", ".join(_fmt(run["sheets_per_second"]) for run in data["runs"])
                text += (
                    f" (median of {len(data['runs'])} runs; their p95: {p95s} ms; "
                    f"their sheets/s: {rates})"
                )
            if data.get("served_cpu_ms_per_save") is not None:
                text += (
                    f"; CPU per save as served {_fmt(data['served_cpu_ms_per_save'])} ms (app "
                    f"{_fmt(data['served_app_cpu_ms_per_save'])}, database "
                    f"{_fmt(data['served_db_cpu_ms_per_save'])}, clerks "
                    f"{_fmt(data['served_clients_cpu_ms_per_save'])})"
                )
            if data.get("ratio_to_4_clerks") is not None:
                text += f"; median sheets/s {_fmt(data['ratio_to_4_clerks'])} x 4 clerks'"
            paced = data.get("paced") or {}
            if paced.get("save_p95_ms") is not None:
                text += (
                    f"; paced to half the 4 clerks' saves/s (a save every "
                    f"{_fmt(paced['pace_s'])} s each): "
                    f"{_fmt(paced['sheets_per_second'])} sheets/s, save p50 "
                    f"{_fmt(paced['save_p50_ms'])} ms, p95 {_fmt(paced['save_p95_ms'])} ms"
                )
            base = data.get("baseline_4_clerks")
            if base:
                text += (
                    f" (4 clerks in the same runs, 2 workers: "
                    f"{_fmt(base.get('sheets_per_second_median'))} sheets/s median, p95 "
                    f"{_fmt(base.get('save_p95_ms'))} ms; run by run 32/4: "
                    f"{', '.join(_fmt(r) for r in data.get('pair_ratios', []))})"
                )
        else:
            text = (
                f"{data['readers']} readers: staleness p50 {_fmt(data['staleness_p50_s'])} s, "
                f"p95 {_fmt(data['staleness_p95_s'])} s"
                + (
                    f" (until every reader sees it: p95 "
                    f"{_fmt(data['staleness_everywhere_p95_s'])} s, max "
                    f"{_fmt(data['staleness_everywhere_max_s'])} s)"
                    if "staleness_everywhere_p95_s" in data
                    else ""
                )
                + f"; save p95 {_fmt(data['save_p95_ms'])} ms"
            )
        backend = data.get("backend", "postgresql")
        lines.append(
            f"| {label} | labor runoff | {text if backend == 'sqlite' else '-'} | "
            f"{text if backend == 'postgresql' else '-'} |"
        )
    lines += _save_rows(results)
    lines += ["", "| target | database | figure | met |", "|---|---|---|---|"]
    for t in results.get("targets", []):
        met = {True: "yes", False: "**no**", None: "not measured"}.get(t["met"], t["met"])
        lines.append(
            f"| {t['target']} | {BACKEND_NAMES.get(t['backend'], t['backend'])} | "
            f"{_fmt(t['value'])} | {met} |"
        )
    return "\n".join(lines)


def _save_rows(results: dict[str, Any]) -> list[str]:
    """What a save costs in process, and the model of more cores (the ``model`` step)."""
    save, model = results.get("save_cost"), results.get("model")
    if not save:
        return []
    backend = save.get("backend", "postgresql")

    def line(measure: str, text: str) -> str:
        cells = (text if backend == "sqlite" else "-", text if backend == "postgresql" else "-")
        return f"| {measure} | labor runoff | {cells[0]} | {cells[1]} |"

    out = [
        line(
            "a save in process, alone (app CPU, database CPU, wall; median of "
            f"{save.get('runs')} runs of {save.get('saves_per_run')} saves)",
            f"{_fmt(save.get('cpu_ms_per_save'))} ms CPU (first entry "
            f"{_fmt(save.get('cpu_ms_first_entry'))}, second "
            f"{_fmt(save.get('cpu_ms_second_entry'))}), database "
            f"{_fmt(save.get('db_cpu_ms_per_save'))} ms CPU, wall "
            f"{_fmt(save.get('wall_ms_per_save'))} ms (p95 {_fmt(save.get('wall_ms_p95'))}); the "
            f"form's GET {_fmt(save.get('form_cpu_ms_per_save'))} ms CPU + database "
            f"{_fmt(save.get('form_db_cpu_ms_per_save'))} ms",
        ),
        line(
            "a save's hold of the serial section",
            f"{save.get('serial_section')}: mean {_fmt(save.get('hold_ms_per_save'))} ms, "
            f"p50 {_fmt(save.get('hold_ms_p50'))} ms, p95 {_fmt(save.get('hold_ms_p95'))} ms",
        ),
    ]
    if model:
        cores = model.get("cores", {})
        text = "; ".join(
            f"{c} cores {_fmt(f['sheets_per_second'])} (CPU {_fmt(f['cpu_bound'])}, lock "
            f"{_fmt(f['lock_bound'])})"
            for c, f in cores.items()
        )
        measured = model.get("measured_2_cores") or {}
        if measured:
            text += "; measured on 2: " + ", ".join(
                f"{_fmt(v)} ({k.replace('_', ' ')})" for k, v in measured.items()
            )
        out.append(
            line(
                f"model: sheets/s = min(C / ({_fmt(model['cpu_ms_per_save'])} ms x 2), "
                f"1 / ({_fmt(model['hold_ms_per_save'])} ms x 2))",
                text,
            )
        )
        flat = model.get("flat_out_clerks") or {}
        if flat:
            out.append(
                line(
                    "model: best mean save latency of clerks saving flat out (Little's law)",
                    "; ".join(
                        f"{k} {_fmt(v['mean_save_ms_at_best'])} ms"
                        for k, v in flat.items()
                        if not k.endswith(" 8 cores")
                    ),
                )
            )
    return out


def update_readme(table: str) -> bool:
    """Replace the README's table between the markers; False when the markers are missing."""
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        return False
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(f"{head}{BEGIN}\n{table}\n{END}{tail}", encoding="utf-8")
    return True


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.report")
    parser.add_argument("--results", default=str(RESULTS))
    parser.add_argument("--readme", action="store_true", help="update the README's table")
    args = parser.parse_args()
    with open(args.results, encoding="utf-8") as fh:
        table = markdown(json.load(fh))
    print(table)
    if args.readme and not update_readme(table):
        raise SystemExit("README.md has no bench:begin/bench:end markers")


if __name__ == "__main__":
    main()
