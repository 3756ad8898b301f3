"""The machine and the processes: versions, load average, timed subprocesses with peak memory."""

from __future__ import annotations

import datetime as dt
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

from . import ROOT

BIN = ROOT / ".venv" / "bin"
PYTHON = str(BIN / "python") if (BIN / "python").exists() else sys.executable
PRIMARIES = str(BIN / "primaries") if (BIN / "primaries").exists() else "primaries"


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _version(command: list[str]) -> str | None:
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return (out.stdout or out.stderr).strip().splitlines()[0] if out.returncode == 0 else None


def describe() -> dict[str, Any]:
    """What the figures were measured on."""
    from importlib.metadata import version

    packages: dict[str, str | None] = {}
    for name in ("flask", "sqlalchemy", "psycopg", "gunicorn", "werkzeug", "primaries"):
        try:
            packages[name] = version(name)
        except Exception:  # not installed
            packages[name] = None
    with open("/proc/meminfo") as fh:
        mem_kib = int(fh.readline().split()[1])
    cpu_model = None
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu_model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import sqlite3

    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model,
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": _version(["psql", "--version"]),
        "wrk": _version(["wrk", "--version"]) if shutil.which("wrk") else None,
        "packages": packages,
        "load_average_at_start": load_average(),
    }


@dataclass
class Run:
    """A finished subprocess: exit status, output, wall time, peak RSS and CPU seconds."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_rss_mib: float
    cpu_seconds: float
    load_average: list[float]

    def check(self, what: str) -> Run:
        if self.returncode != 0:
            raise RuntimeError(f"{what} failed ({self.returncode}):\n{self.stderr[-3000:]}")
        return self


def run(args: list[str], *, env: dict[str, str] | None = None, stdin: bytes | None = None) -> Run:
    """Run a command to the end and measure it with ``wait4`` (its own rusage, not ours)."""
    full_env = {**os.environ, **(env or {})}
    out_path = f"/tmp/bench-{os.getpid()}-{time.monotonic_ns()}"
    with open(out_path + ".out", "w+b") as out, open(out_path + ".err", "w+b") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            args,
            env=full_env,
            cwd=ROOT,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=out,
            stderr=err,
        )
        if stdin is not None:
            assert proc.stdin is not None
            proc.stdin.write(stdin)
            proc.stdin.close()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    os.unlink(out_path + ".out")
    os.unlink(out_path + ".err")
    return Run(
        returncode=proc.returncode,
        stdout=stdout,
        stderr=stderr,
        seconds=seconds,
        peak_rss_mib=round(usage.ru_maxrss / 1024, 1),  # kilobytes on Linux
        cpu_seconds=round(usage.ru_utime + usage.ru_stime, 3),
        load_average=load_average(),
    )


TICK = os.sysconf("SC_CLK_TCK")


def cpu_of(pid: int) -> float | None:
    """CPU seconds (user + system, every thread) a running process has used; None once gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime (fields 14, 15)


def children_of(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (gunicorn's workers)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                if int(fh.read().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry))
        except (OSError, ValueError, IndexError):
            continue
    return found
