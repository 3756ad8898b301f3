"""Load generation on loopback, bounded in time: ``wrk`` when it is there, else Python threads.

``wrk`` is Debian's package; when it is missing and we are root, ``ensure_wrk`` installs it with
``apt-get``; otherwise the Python generator (keep-alive ``http.client`` connections in threads)
is used, and the result says which one measured.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from typing import Any
from urllib.parse import urlsplit

WRK_SCRIPT = r"""
done = function(summary, latency, requests)
  io.write(string.format(
    "BENCHJSON {\"requests\":%d,\"duration_us\":%d,\"status_errors\":%d," ..
    "\"socket_errors\":%d,\"timeouts\":%d,\"p50_ms\":%.3f,\"p95_ms\":%.3f," ..
    "\"p99_ms\":%.3f,\"max_ms\":%.3f}\n",
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write,
    summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
"""


def ensure_wrk() -> str:
    """'wrk' if wrk can be used (installing it with apt-get when root), else 'python'."""
    if shutil.which("wrk"):
        return "wrk"
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update"], env=env, capture_output=True, check=False)
        subprocess.run(
            ["apt-get", "install", "-y", "wrk"], env=env, capture_output=True, check=False
        )
    return "wrk" if shutil.which("wrk") else "python"


def _check_loopback(url: str) -> None:
    host = urlsplit(url).hostname or ""
    if not (host.startswith("127.") or host in ("localhost", "::1")):
        raise ValueError(f"load is generated on loopback only, not {host}")


def measure(
    url: str, *, tool: str, seconds: float, connections: int = 4, threads: int = 2
) -> dict[str, Any]:
    """Requests per second and latency percentiles of GET ``url`` for ``seconds``."""
    _check_loopback(url)
    if tool == "wrk":
        return _wrk(url, seconds, connections, threads)
    return _python(url, seconds, connections)


def _wrk(url: str, seconds: float, connections: int, threads: int) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(WRK_SCRIPT)
        script = fh.name
    try:
        out = subprocess.run(
            [
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "10s",
                "-s",
                script,
                url,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=False,
        )
    finally:
        os.unlink(script)
    line = next((x for x in out.stdout.splitlines() if x.startswith("BENCHJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed: {out.stdout} {out.stderr}")
    data = json.loads(line.removeprefix("BENCHJSON "))
    duration = data.pop("duration_us") / 1e6
    data["rps"] = round(data["requests"] / duration, 1) if duration else 0.0
    data["seconds"] = round(duration, 2)
    data["tool"] = "wrk"
    return data


def _python(url: str, seconds: float, connections: int) -> dict[str, Any]:
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker() -> None:
        conn: http.client.HTTPConnection | None = None
        mine: list[float] = []
        bad = 0
        while time.monotonic() < deadline:
            start = time.perf_counter()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                if response.status >= 400:
                    bad += 1
                if response.getheader("connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException):
                bad += 1
                conn = None
                continue
            mine.append(time.perf_counter() - start)
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    started = time.monotonic()
    pool = [threading.Thread(target=worker) for _ in range(connections)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    duration = time.monotonic() - started
    return {
        "requests": len(latencies),
        "rps": round(len(latencies) / duration, 1),
        "seconds": round(duration, 2),
        "status_errors": errors[0],
        "socket_errors": 0,
        "timeouts": 0,
        "p50_ms": round(percentile(latencies, 50) * 1000, 3),
        "p95_ms": round(percentile(latencies, 95) * 1000, 3),
        "p99_ms": round(percentile(latencies, 99) * 1000, 3),
        "max_ms": round(max(latencies, default=0) * 1000, 3),
        "tool": "python",
    }


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of ``values``; 0 when empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]
