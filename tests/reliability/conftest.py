"""Helpers for the reliability tests: database snapshots, the real ``primaries`` command in a
subprocess, large generated packages, signing in through the real form, and, for the tests over
real HTTP, gunicorn in a subprocess and staff sessions that fill in the real forms."""

from __future__ import annotations

import contextlib
import html
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select

from primaries.changes import Actor
from primaries.core.sheets import Numbers
from primaries.extensions import db
from primaries.models import AuditEvent, User
from primaries.sheets.entry import enter
from primaries.sheets.place import SheetRef, locate
from tests.conftest import TEST_AUDIT_KEY

ROOT = Path(__file__).resolve().parents[2]
PRIMARIES = Path(sys.executable).parent / "primaries"
ADMIN_PASSWORD = "a-long-admin-password"


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the app's database, in primary-key order (needs an app
    context). Two equal snapshots mean the database did not change."""
    db.session.remove()
    tables: dict[str, list[tuple[Any, ...]]] = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
        tables[table.name] = [tuple(row) for row in rows]
    db.session.remove()
    return tables


def audit_count() -> int:
    count = db.session.scalar(select(func.count(AuditEvent.id)))
    db.session.remove()
    return int(count or 0)


def export_text(runner: FlaskCliRunner, slug: str) -> str:
    db.session.remove()  # no read transaction left open from before: see the latest commit
    result = runner.invoke(args=["export", slug])
    assert result.exit_code == 0, result.output
    return result.stdout


def verify_audit(runner: FlaskCliRunner) -> str:
    db.session.remove()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "audit chain intact" in result.stdout
    return result.stdout


def command_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a ``primaries`` subprocess on the test's database."""
    env = {k: v for k, v in os.environ.items() if k not in ("PRIMARIES_ENV", "SECRET_KEY")}
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY="test-secret-key",
        AUDIT_SIGNING_KEY=TEST_AUDIT_KEY,
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def run_primaries(
    args: list[str], database_url: str, *, timeout: float = 120, **extra_env: str
) -> subprocess.CompletedProcess[str]:
    """Run the installed ``primaries`` command to completion (bounded in time)."""
    return subprocess.run(
        [str(PRIMARIES), *args],
        env=command_env(database_url, **extra_env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def big_package(slug: str, branches: int, candidates: int, *, sheets: bool = True) -> dict:
    """A package of ``branches`` x ``candidates``; round 1 fully counted, or without sheets."""
    codes = [f"C{i:02d}" for i in range(candidates)]
    package: dict[str, Any] = {
        "format": "primaries/election@1",
        "election": {
            "slug": slug,
            "name": f"Generated primary {slug}",
            "rules": {},
            "candidates": [{"code": c, "name": f"Candidate {c}"} for c in codes],
            "branches": [
                {"code": f"B{i:05d}", "name": f"Branch {i}", "region": "R", "eligible": 1000}
                for i in range(branches)
            ],
        },
        "rounds": [{"number": 1, "sheets": []}],
    }
    if sheets:
        package["rounds"][0]["sheets"] = [
            {"branch": f"B{i:05d}", "ballots_cast": 3 + sum(v.values()), "invalid": 3, "votes": v}
            for i, v in ((i, _votes(i, codes)) for i in range(branches))
        ]
    return package


def _votes(branch: int, codes: list[str]) -> dict[str, int]:
    return {
        code: (branch * 7 + j * 13) % 50 + (40 if j == 0 else 0) for j, code in enumerate(codes)
    }


def sheets_csv(codes: list[str], branches: range) -> str:
    """An import-sheets CSV for the branches of :func:`big_package`."""
    lines = [",".join(["branch", "ballots_cast", "invalid", *codes])]
    for i in branches:
        votes = _votes(i, codes)
        lines.append(",".join([f"B{i:05d}", str(3 + sum(votes.values())), "3"]))
        lines[-1] += "," + ",".join(str(votes[c]) for c in codes)
    return "\n".join(lines) + "\n"


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def create_admin(runner: FlaskCliRunner, name: str = "chief") -> None:
    result = runner.invoke(
        args=["users", "create", name, "--role", "admin"], input=ADMIN_PASSWORD + "\n"
    )
    assert result.exit_code == 0, result.output


def sign_in(client: FlaskClient, name: str = "chief", password: str = ADMIN_PASSWORD) -> None:
    response = client.post("/staff/sign-in", data={"username": name, "password": password})
    assert response.status_code in (302, 303), response.status_code


def fresh_context(app: Flask) -> None:
    """Drop the session, so a failed request cannot leave its transaction to the next one."""
    with app.app_context():
        db.session.remove()


# --------------------------------------------------------------------------------------------
# Real servers and real staff sessions over HTTP (concurrency, two servers, a killed server,
# hostile forms). Loopback only; every wait is a polled condition with a generous deadline.

GUNICORN = PRIMARIES.parent / "gunicorn"
STAFF_PASSWORD = "a-long-staff-password"
STALE = "this sheet changed while you were editing it"
HTTP_TIMEOUT = (10.0, 120.0)  # connect, read: a slow machine is not a failure
REDIS_URL = "redis://127.0.0.1:6379/14"  # a database of its own; keys under a per-test prefix


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(name="redis_prefix")
def redis_prefix_fixture() -> Iterator[str]:
    """A key prefix of this test's own in Redis database 14; its keys are deleted afterwards."""
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        from tests.conftest import skip_or_fail

        skip_or_fail(f"no Redis at {REDIS_URL}: {exc}")
    prefix = f"primaries-test-{uuid.uuid4().hex[:12]}"
    yield prefix
    keys = list(client.scan_iter(match=f"*{prefix}*"))
    if keys:
        client.delete(*keys)
    assert not list(client.scan_iter(match=f"*{prefix}*"))
    client.close()


def create_accounts(runner: FlaskCliRunner, roles: dict[str, str]) -> None:
    """``primaries users create NAME --role ROLE`` for each, password :data:`STAFF_PASSWORD`."""
    for name, role in roles.items():
        result = runner.invoke(
            args=["users", "create", name, "--role", role], input=STAFF_PASSWORD + "\n"
        )
        assert result.exit_code == 0, result.output


class Gunicorn:
    """``gunicorn -c python:primaries.gunicorn_config 'primaries:create_app()'`` on the test's
    database, as docs/deploy.md runs it (gthread workers; ``workers`` and ``threads`` given here
    win over the config's), in a process group of its own (a SIGKILL reaches the master and
    every worker at once).
    Its output (the app's JSON request lines, gunicorn's own messages) goes to ``log``."""

    def __init__(
        self,
        database_url: str,
        log: Path,
        *,
        workers: int = 2,
        threads: int | None = 4,
        port: int | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.database_url = database_url
        self.log = log
        self.workers, self.threads = workers, threads
        self.port = port or free_port()
        self.env = command_env(database_url, **(env or {}))
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120.0) -> Gunicorn:
        """Start and wait until ``/healthz`` answers 200 (retrying on another port if this one
        was taken meanwhile, unless it is a restart)."""
        for _ in range(3):
            self._spawn()
            if self._wait_healthy(timeout):
                self.starts += 1
                return self
            if self.starts:  # a restart keeps its port
                break
            self.port = free_port()
        raise AssertionError(f"gunicorn did not start within {timeout:.0f}s:\n{self.log_tail()}")

    def _spawn(self) -> None:
        command = [
            str(GUNICORN),
            "--config",
            "python:primaries.gunicorn_config",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            *(["--threads", str(self.threads)] if self.threads else []),
            "--keep-alive",
            "60",  # longer than any pause of a client: no race with an idle connection's close
            "--timeout",
            "120",
            "--graceful-timeout",
            "10",
            "primaries:create_app()",
        ]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                env=self.env,
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def _wait_healthy(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                return False
            if self.healthy():
                return True
            time.sleep(0.1)
        self.kill()
        return False

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/healthz", timeout=5) as answer:
                return bool(answer.status == 200)
        except OSError:
            return False

    def kill(self) -> None:
        """SIGKILL the whole process group: master and workers die at once, mid-request."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self._wait_port_closed()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()
        else:  # workers that outlived their master
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self._wait_port_closed()

    def _wait_port_closed(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                probe.settimeout(1)
                if probe.connect_ex(("127.0.0.1", self.port)) != 0:
                    return
            time.sleep(0.05)
        raise AssertionError(f"port {self.port} still answers after the server was stopped")

    def __enter__(self) -> Gunicorn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def log_tail(self, lines: int = 40) -> str:
        if not self.log.exists():
            return "(no log)"
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def log_problems(self) -> list[str]:
        """Lines of the log that show a server error: a 5xx answer, a traceback, an error or a
        worker timeout. The app logs one JSON line per request (primaries/logging.py)."""
        problems = []
        for line in self.log.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                try:
                    entry = json.loads(line)
                except ValueError:
                    problems.append(line)
                    continue
                if int(entry.get("status") or 0) >= 500 or entry.get("level") in (
                    "error",
                    "critical",
                ):
                    problems.append(line)
            elif "Traceback" in line or "[CRITICAL]" in line or "[ERROR]" in line:
                problems.append(line)
        return problems


@dataclass
class Form:
    """A form of a page as a browser would submit it: action, method and the values it holds."""

    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    radios: dict[str, list[str]] = field(default_factory=dict)
    selects: dict[str, list[str]] = field(default_factory=dict)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: str | None = None
        self._textarea_start = False
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("action", ""), a.get("method", "get").lower())
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind == "radio":
                self._form.radios.setdefault(a["name"], []).append(a.get("value", ""))
                if "checked" in a:
                    self._form.fields[a["name"]] = a.get("value", "")
            elif kind == "checkbox":
                if "checked" in a:
                    self._form.fields[a["name"]] = a.get("value", "y")
            elif kind not in ("submit", "button", "file"):
                self._form.fields[a["name"]] = a.get("value", "")
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._textarea_start = True
            self._form.fields[self._textarea] = ""
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self._form.selects[self._select] = []
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._form.selects[self._select].append(value)
            if "selected" in a or self._select not in self._form.fields:
                self._form.fields[self._select] = value

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea is not None:
            # As a browser reads it: line breaks become LF, and one line break right after
            # <textarea> is not part of the value (WTForms writes CR LF there).
            data = data.replace("\r\n", "\n").replace("\r", "\n")
            value = self._form.fields[self._textarea] + data
            if self._textarea_start:
                value, self._textarea_start = value.removeprefix("\n"), False
            self._form.fields[self._textarea] = value


def forms_in(page: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(page)
    parser.close()
    return parser.forms


def post_forms(page: str) -> list[Form]:
    return [
        form for form in forms_in(page) if form.method == "post" and "csrf_token" in form.fields
    ]


_FLASH = re.compile(r'<p class="flash (\w+)" role="status">(.*?)</p>', re.S)
_PROBLEM_BLOCK = re.compile(r'<div class="problems" role="alert">(.*?)</div>', re.S)
_ITEM = re.compile(r"<li>(.*?)</li>", re.S)
_FIELD_ERROR = re.compile(r'<p class="error"[^>]*>(.*?)</p>', re.S)
_STATE = re.compile(r'<span class="state state-(\w+)">')


def flashes(page: str) -> list[tuple[str, str]]:
    """The flashed messages of a page: (category, text)."""
    return [(category, html.unescape(text).strip()) for category, text in _FLASH.findall(page)]


def problems_in(page: str) -> list[str]:
    """What a refused form says: the problems block and the errors next to the fields."""
    found = [
        html.unescape(item).strip()
        for block in _PROBLEM_BLOCK.findall(page)
        for item in _ITEM.findall(block)
    ]
    found += [html.unescape(text).strip() for text in _FIELD_ERROR.findall(page)]
    return [text for text in found if text]


def state_in(page: str) -> str | None:
    """The sheet's state as its page shows it (``empty``, ``counted``...)."""
    found = _STATE.search(page)
    return found.group(1) if found else None


class StaffSession:
    """One member of staff at a browser: an own ``requests`` session (cookies) and an own
    account, signed in through the real form with its real CSRF token. With several servers
    each request goes to one picked at random, as behind a load balancer (same SECRET_KEY)."""

    def __init__(self, servers: list[str], rng: random.Random | None = None) -> None:
        import requests

        self.servers = servers
        self.rng = rng or random.Random(0)
        self.http = requests.Session()
        self.requests = 0
        self.server_errors: list[str] = []  # every answer >= 500, GET or POST

    def _seen(self, method: str, url: str, answer: Any) -> Any:
        if answer.status_code >= 500:
            self.server_errors.append(f"{method} {url}: {answer.status_code}")
        return answer

    def server(self) -> str:
        return self.servers[0] if len(self.servers) == 1 else self.rng.choice(self.servers)

    def get(self, path: str, *, server: str | None = None, redirects: bool = True) -> Any:
        self.requests += 1
        url = path if path.startswith("http") else (server or self.server()) + path
        return self._seen(
            "GET", url, self.http.get(url, timeout=HTTP_TIMEOUT, allow_redirects=redirects)
        )

    def post(
        self,
        path: str,
        data: Any,
        *,
        files: Any = None,
        server: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        self.requests += 1
        url = (server or self.server()) + path
        answer = self.http.post(
            url,
            data=data,
            files=files,
            headers=headers,
            timeout=HTTP_TIMEOUT,
            allow_redirects=False,
        )
        return self._seen("POST", url, answer)

    def sign_in(self, username: str, password: str = STAFF_PASSWORD) -> None:
        page = self.get("/staff/sign-in")
        assert page.status_code == 200, page.status_code
        (form,) = post_forms(page.text)
        answer = self.post(
            "/staff/sign-in",
            {"csrf_token": form.fields["csrf_token"], "username": username, "password": password},
        )
        assert answer.status_code in (302, 303), (username, answer.status_code, answer.text[:500])

    def follow(self, answer: Any) -> Any:
        """GET where a redirect points, on the server that answered."""
        location = answer.headers["Location"]
        return self.get(urljoin(answer.url, location))

    def close(self) -> None:
        self.http.close()


# --------------------------------------------------------------------------------------------
# The small election's runoff, half counted (forms of every kind have something to act on)

COUNTING_ACCOUNTS = {
    "clerk1": "clerk",
    "clerk2": "clerk",
    "super1": "supervisor",
    "admin1": "admin",
}


@pytest.fixture
def counting(app: Flask, runner: FlaskCliRunner, loaded: dict[str, Any], tmp_path: Path) -> None:
    """The small election's runoff (round 2, AAA against BBB) half counted: B1 imported with a
    tie (so the outcome needs a lot), B2 in mismatch, B3 awaiting its second entry, B4 and B5
    not entered."""
    create_accounts(runner, COUNTING_ACCOUNTS)
    opened = runner.invoke(args=["runoff", "test-2024", "--held-on", "2024-03-08"])
    assert opened.exit_code == 0, opened.output
    csv = tmp_path / "b1.csv"
    csv.write_text("branch,ballots_cast,invalid,AAA,BBB\nB1,300,4,148,148\n", encoding="utf-8")
    imported = runner.invoke(args=["import-sheets", "test-2024", "--round", "2", str(csv)])
    assert imported.exit_code == 0, imported.output
    users = {u.username: u for u in db.session.scalars(select(User))}
    for user, branch, sheet in (
        ("clerk1", "B2", (500, 5, 250, 245)),
        ("clerk2", "B2", (500, 5, 245, 250)),
        ("clerk1", "B3", (120, 0, 70, 50)),
    ):
        cast, invalid, a, b = sheet
        enter(
            SheetRef("test-2024", 2, branch),
            Numbers(cast, invalid, {"AAA": a, "BBB": b}),
            version=locate("test-2024", 2, branch).version,
            actor=Actor.of(users[user]),
        )
        db.session.commit()
    db.session.remove()
