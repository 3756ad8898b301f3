"""Entry and election night over HTTP: clerks typing sheets into the staff entry form.

Clerks are real accounts (``primaries users create``) that sign in at ``/staff/sign-in`` and
save ``/staff/elections/SLUG/rounds/N/sheets/BRANCH`` (CONTRACT section 7) as a browser would:
GET the form, take its CSRF token, version and field names from the HTML, POST it back
(a redirect means saved; 409, a sheet changed meanwhile, is saved again with the new version).
Every sheet is typed blind by two different clerks (double entry): the second matching save is
the one that makes it count.

- ``entry``: 4 clerks as fast as they can; sheets counted per second, save latency p50/p95.
- ``night``: the labor runoff replayed: 6 clerks at a steady pace while 200 readers poll the
  result JSON; the staleness of the public result (from the save that made a sheet count to
  the first poll answer that includes it) p50/p95.
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from .databases import Database
from .load_generator import percentile
from .machine import load_average

ENTRY_RULE = "/staff/elections/<slug>/rounds/<int:number>/sheets/<branch>"
# A throwaway account in a throwaway database.
PASSWORD = "bench-clerk-password-1234"


class _Forms(HTMLParser):
    """The forms of a page: action, method and input values (hidden ones included)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "method": a.get("method", "get")})
            self.forms[-1]["fields"] = {}
        elif tag in ("input", "textarea", "select") and self.forms and a.get("name"):
            if a.get("type") in ("submit", "button", "checkbox", "radio"):
                return
            self.forms[-1]["fields"][a["name"]] = a.get("value", "")


def form_with(html: str, field_name: str) -> dict[str, Any] | None:
    parser = _Forms()
    parser.feed(html)
    return next((f for f in parser.forms if field_name in f["fields"]), None)


@dataclass
class Client:
    """One browser: a cookie jar over plain http.client connections to 127.0.0.1."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, str, dict[str, str]]:
        from urllib.parse import urlencode

        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key.strip()] = rest.split(";", 1)[0]
            return response.status, text, {k.lower(): v for k, v in response.getheaders()}
        finally:
            conn.close()

    def sign_in(self, username: str) -> None:
        status, html, _ = self.request("GET", "/staff/sign-in")
        form = form_with(html, "password")
        if status != 200 or form is None:
            raise RuntimeError(f"no sign-in form ({status})")
        fields = {**form["fields"], "username": username, "password": PASSWORD}
        status, _, _ = self.request("POST", "/staff/sign-in", fields)
        if status not in (302, 303):
            raise RuntimeError(f"sign-in of {username} refused ({status})")


@dataclass
class Save:
    branch: str
    clerk: int
    started: float
    ended: float
    status: int
    tries: int


def typed_into(html: str, sheet: dict[str, Any]) -> dict[str, str] | None:
    """The entry form of ``html`` (None: there is none) with the paper sheet's numbers typed in."""
    form = form_with(html, "ballots_cast")
    if form is None:
        return None
    fields = dict(form["fields"])
    fields["ballots_cast"] = str(sheet["ballots_cast"])
    fields["invalid"] = str(sheet["invalid"])
    for code, votes in sheet["votes"].items():
        fields[f"votes_{code}"] = str(votes)
    return fields


def enter(client: Client, path: str, sheet: dict[str, Any], clerk: int) -> Save:
    """Type one sheet into its form; saved again (up to 3 times) when the sheet changed."""
    status, html, _ = client.request("GET", path)
    tries = 0
    while True:
        tries += 1
        fields = typed_into(html, sheet)
        if fields is None:
            raise RuntimeError(f"no entry form at {path} ({status})")
        started = time.perf_counter()
        status, html, _ = client.request("POST", path, fields)
        ended = time.perf_counter()
        if status != 409 or tries >= 3:
            return Save(sheet["branch"], clerk, started, ended, status, tries)


def create_clerks(database: Database, count: int) -> list[str]:
    names = []
    for i in range(count):
        name = f"clerk{i + 1}"
        database.primaries(
            "users", "create", name, "--role", "clerk", stdin=(PASSWORD + "\n").encode()
        ).check(f"users create {name}")
        names.append(name)
    return names


def _plans(sheets: list[dict[str, Any]], clerks: int) -> list[list[dict[str, Any]]]:
    """Each sheet twice, by two different clerks, far apart: clerk k types block k, then the
    second entries of block k+1."""
    blocks = [sheets[i::clerks] for i in range(clerks)]
    return [blocks[k] + blocks[(k + 1) % clerks] for k in range(clerks)]


def _summary(saves: list[Save], seconds: float) -> dict[str, Any]:
    ok = [s for s in saves if s.status in (302, 303)]
    latencies = [s.ended - s.started for s in ok]
    by_branch: dict[str, int] = {}
    for s in ok:
        by_branch[s.branch] = by_branch.get(s.branch, 0) + 1
    counted = sum(1 for n in by_branch.values() if n >= 2)
    return {
        "saves": len(ok),
        "refused": len(saves) - len(ok),
        "statuses": sorted({s.status for s in saves}),
        "retries": sum(s.tries - 1 for s in saves),
        "sheets_counted": counted,
        "seconds": round(seconds, 2),
        "sheets_per_second": round(counted / seconds, 2) if seconds else None,
        "save_p50_ms": round(percentile(latencies, 50) * 1000, 2),
        "save_p95_ms": round(percentile(latencies, 95) * 1000, 2),
        "save_max_ms": round(max(latencies, default=0) * 1000, 2),
    }


def run_clerks(
    port: int,
    slug: str,
    number: int,
    sheets: list[dict[str, Any]],
    names: list[str],
    *,
    pace: float = 0.0,
    on_start: Callable[[], None] | None = None,
) -> tuple[list[Save], float]:
    """Every clerk in a thread, typing its plan (one save every ``pace`` seconds, or flat out);
    ``on_start`` is called once every clerk has signed in, just before they start. Paced clerks
    start spread over the first ``pace`` seconds, as people do, not all at the same instant."""
    plans = _plans(sheets, len(names))
    saves: list[Save] = []
    lock = threading.Lock()
    errors: list[BaseException] = []
    clients = []
    for name in names:
        client = Client(port)
        client.sign_in(name)
        clients.append(client)
    if on_start is not None:
        on_start()

    def clerk(k: int) -> None:
        try:
            start = time.perf_counter()
            for i, sheet in enumerate(plans[k]):
                if pace:
                    delay = start + (i + k / len(names)) * pace - time.perf_counter()
                    if delay > 0:
                        time.sleep(delay)
                path = f"/staff/elections/{slug}/rounds/{number}/sheets/{sheet['branch']}"
                save = enter(clients[k], path, sheet, k)
                with lock:
                    saves.append(save)
        except BaseException as exc:
            errors.append(exc)

    started = time.perf_counter()
    threads = [threading.Thread(target=clerk, args=(k,)) for k in range(len(names))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return saves, time.perf_counter() - started


def entry_bench(
    port: int,
    slug: str,
    number: int,
    sheets: list[dict[str, Any]],
    names: list[str],
    *,
    on_start: Callable[[], None] | None = None,
    pace: float = 0.0,
) -> dict[str, Any]:
    """The clerks flat out, or each one save every ``pace`` seconds."""
    saves, seconds = run_clerks(port, slug, number, sheets, names, on_start=on_start, pace=pace)
    out = _summary(saves, seconds)
    out["clerks"] = len(names)
    if pace:
        out["pace_s"] = round(pace, 3)
    out["load_average"] = load_average()
    return out


def night_bench(
    port: int,
    slug: str,
    number: int,
    sheets: list[dict[str, Any]],
    names: list[str],
    *,
    readers: int = 200,
    seconds: float = 60.0,
    poll_every: float = 2.0,
    reader_ports: list[int] | None = None,
) -> dict[str, Any]:
    """Clerks at a steady pace for about ``seconds`` while ``readers`` poll the result JSON (of
    the clerks' server, or in turn of each of ``reader_ports``: other servers, same database)."""
    ports = reader_ports or [port]
    pace = seconds / (2 * len(sheets) / len(names))
    polls: list[tuple[float, int, float]] = []  # (answer time, counted, asked at)
    poll_latencies: list[float] = []
    poll_errors = [0]
    lock = threading.Lock()
    stop = threading.Event()
    path = f"/api/v1/elections/{slug}/rounds/{number}"

    def reader(seed: int) -> None:
        rng = random.Random(seed)
        time.sleep(rng.uniform(0, poll_every))
        while not stop.is_set():
            start = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", ports[seed % len(ports)], timeout=30)
                conn.request("GET", path)
                response = conn.getresponse()
                body = response.read()
                conn.close()
                end = time.perf_counter()
                counted = int(json.loads(body)["branches"]["counted"])
                with lock:
                    polls.append((end, counted, start))
                    poll_latencies.append(end - start)
            except (OSError, ValueError, KeyError, http.client.HTTPException):
                with lock:
                    poll_errors[0] += 1
            stop.wait(rng.uniform(0.5 * poll_every, 1.5 * poll_every))

    pool = [threading.Thread(target=reader, args=(i,), daemon=True) for i in range(readers)]
    for t in pool:
        t.start()
    time.sleep(poll_every)  # readers under way before the first sheet
    try:
        saves, took = run_clerks(port, slug, number, sheets, names, pace=pace)
        time.sleep(3 * poll_every)  # the last sheets reach the readers
    finally:
        stop.set()
        for t in pool:
            t.join(timeout=40)
    ok = sorted((s for s in saves if s.status in (302, 303)), key=lambda s: s.ended)
    seen: dict[str, int] = {}
    accepted: list[float] = []  # the moments the counted number rose, in order
    for s in ok:
        seen[s.branch] = seen.get(s.branch, 0) + 1
        if seen[s.branch] == 2:
            accepted.append(s.ended)
    polls.sort()
    # staleness: until the first answer shows the sheet; "everywhere": until the last answer to a
    # poll sent after the sheet's acceptance that does not show it yet (another worker may still
    # be within its recheck interval): what the unluckiest reader waits.
    staleness, everywhere = [], []
    for i, moment in enumerate(accepted, start=1):
        shown = next((t for t, counted, _ in polls if t >= moment and counted >= i), None)
        if shown is not None:
            staleness.append(shown - moment)
        behind = [t for t, counted, asked in polls if asked >= moment and counted < i]
        everywhere.append(max(behind, default=moment) - moment)
    out = _summary(saves, took)
    out.update(
        clerks=len(names),
        readers=readers,
        servers=len(set(ports) | {port}),
        poll_every_s=poll_every,
        polls=len(polls),
        poll_errors=poll_errors[0],
        poll_p50_ms=round(percentile(poll_latencies, 50) * 1000, 2),
        poll_p95_ms=round(percentile(poll_latencies, 95) * 1000, 2),
        staleness_measured=len(staleness),
        staleness_p50_s=round(percentile(staleness, 50), 3),
        staleness_p95_s=round(percentile(staleness, 95), 3),
        staleness_max_s=round(max(staleness, default=0), 3),
        staleness_everywhere_p50_s=round(percentile(everywhere, 50), 3),
        staleness_everywhere_p95_s=round(percentile(everywhere, 95), 3),
        staleness_everywhere_max_s=round(max(everywhere, default=0), 3),
        final_counted=max((c for _, c, _ in polls), default=0),
        load_average=load_average(),
    )
    return out
