"""Security headers on every answer, request ids and JSON request logs, the upload size limit."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from werkzeug.routing import IntegerConverter, Rule

from primaries.request_log import REQUEST_LOGGER
from primaries.security import CSP
from tests.reliability.conftest import ADMIN_PASSWORD, create_admin, sign_in

EXPECTED = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def test_the_policy_allows_no_inline_script_and_no_framing() -> None:
    directives = dict(part.strip().split(" ", 1) for part in CSP.split(";"))
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in CSP and "unsafe-eval" not in CSP
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"


def _value_for(rule: Rule, name: str, package: dict[str, Any]) -> Any:
    """A URL argument taken from the loaded package, by the argument's name."""
    if name == "filename":
        return "style.css"
    if isinstance(rule._converters[name], IntegerConverter):
        return 1
    lowered = name.lower()
    if "slug" in lowered or "election" in lowered:
        return package["election"]["slug"]
    if "branch" in lowered or lowered == "code":
        return package["election"]["branches"][0]["code"]
    if "candidate" in lowered:
        return package["election"]["candidates"][0]["code"]
    if "user" in lowered or "name" in lowered or "account" in lowered:
        return "chief"
    return "1"


def _every_get_url(app: Flask, package: dict[str, Any]) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()):
            continue
        values = {name: _value_for(rule, name, package) for name in rule.arguments}
        _, path = rule.build(values, append_unknown=False)  # type: ignore[misc]
        urls.append(path)
    return sorted(set(urls))


def _get(client: FlaskClient, url: str) -> Any:
    response = client.get(url)
    response.close()  # static files are streamed from an open file
    return response


def _assert_secure(response: Any, url: str) -> None:
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, f"{url}: {name}"
    assert "camera=()" in response.headers.get("Permissions-Policy", ""), url
    assert response.headers.get("X-Request-ID"), url


def test_every_route_answers_with_the_security_headers(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, loaded: dict[str, Any]
) -> None:
    urls = _every_get_url(app, loaded)
    assert "/api/v1/elections/test-2024/rounds/1" in urls
    assert any(url.startswith("/staff/") for url in urls)
    anonymous = {url: _get(client, url) for url in urls}
    create_admin(runner)
    admin = app.test_client()
    sign_in(admin)
    signed_in = {url: _get(admin, url) for url in urls}
    for answers in (anonymous, signed_in):
        for url, response in answers.items():
            assert response.status_code < 500, url
            _assert_secure(response, url)
    # Not only redirects and refusals: the pages themselves carry the headers.
    assert {r.status_code for r in signed_in.values()} & {200}
    assert signed_in["/staff/"].status_code == 200
    assert signed_in["/staff/"].headers["Cache-Control"] == "no-store"
    # Error pages, JSON errors and methods that are not allowed, too.
    for response in (
        client.get("/no/such/page"),
        client.get("/api/v1/elections/nope"),
        client.post("/api/v1/elections"),
    ):
        _assert_secure(response, response.request.path)
        assert response.status_code in (404, 405)


def test_https_answers_ask_for_https_only(client: FlaskClient) -> None:
    assert "Strict-Transport-Security" not in client.get("/healthz").headers
    secure = client.get("/healthz", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_a_sane_request_id_is_kept_and_anything_else_replaced(client: FlaskClient) -> None:
    kept = client.get("/healthz", headers={"X-Request-ID": "nginx-4f2a9c.17"})
    assert kept.headers["X-Request-ID"] == "nginx-4f2a9c.17"
    for hostile in ("a b", "x" * 200, "<script>", "id\tSet-Cookie: x=1", "", "é"):
        answer = client.get("/healthz", headers={"X-Request-ID": hostile})
        assert answer.headers["X-Request-ID"] != hostile
        assert len(answer.headers["X-Request-ID"]) == 32
    first, second = client.get("/healthz"), client.get("/healthz")
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


def _request_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [r.fields for r in caplog.records if r.name == REQUEST_LOGGER]  # type: ignore[attr-defined]


def test_one_json_line_per_request_without_secrets(
    app: Flask,
    client: FlaskClient,
    runner: FlaskCliRunner,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    create_admin(runner)
    caplog.set_level(logging.INFO, logger=REQUEST_LOGGER)
    wrong = "Wrong-Horse-Battery-Staple-31337"
    refused = client.post(
        "/staff/sign-in?next=/staff/",
        data={"username": "chief", "password": wrong},
        headers={"X-Request-ID": "req-wrong-password"},
    )
    assert refused.status_code == 401
    sign_in(client)
    cookie = client.get_cookie("session")
    assert cookie is not None
    home = client.get("/staff/")
    assert home.status_code == 200

    lines = _request_lines(caplog)
    assert [line["path"] for line in lines] == ["/staff/sign-in", "/staff/sign-in", "/staff/"]
    failed, _, staff = lines
    assert failed["request_id"] == "req-wrong-password"
    assert failed["method"] == "POST" and failed["status"] == 401
    assert failed["user_id"] is None
    assert staff["user_id"] is not None and staff["status"] == 200
    assert staff["request_id"] == home.headers["X-Request-ID"]
    assert isinstance(staff["duration_ms"], float) and staff["duration_ms"] >= 0

    # What reached standard error: one JSON object per line, and no secret anywhere.
    written = capfd.readouterr().err
    request_lines = [json.loads(line) for line in written.splitlines() if '"request"' in line]
    assert len(request_lines) >= 3
    assert {"ts", "level", "method", "path", "status", "duration_ms", "request_id"} <= set(
        request_lines[0]
    )
    everything = written + caplog.text + json.dumps(lines)
    for secret in (wrong, ADMIN_PASSWORD, cookie.value, "test-secret-key", "next="):
        assert secret not in everything


def test_an_unhandled_error_is_logged_with_its_request_id(
    make_app: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from primaries.access import public

    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    @public
    def boom() -> str:
        raise RuntimeError("kaboom")

    caplog.set_level(logging.INFO, logger="primaries")
    response = app.test_client().get("/boom", headers={"X-Request-ID": "trace-me-42"})
    assert response.status_code == 500
    assert b"kaboom" not in response.data and b"Traceback" not in response.data
    _assert_secure(response, "/boom")
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert errors and errors[0].request_id == "trace-me-42"  # type: ignore[attr-defined]
    assert _request_lines(caplog)[-1]["status"] == 500


FIFTY_MB = 50 * 1024 * 1024


def test_an_upload_over_the_limit_is_refused_with_413_and_a_message(
    make_app: Any, client: FlaskClient
) -> None:
    from flask import request

    from primaries.access import public

    too_big = b"username=x&password=" + b"y" * FIFTY_MB
    page = client.post(
        "/staff/sign-in", data=too_big, content_type="application/x-www-form-urlencoded"
    )
    assert page.status_code == 413
    assert page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert "at most 20 MB" in text and "Split the file" in text
    _assert_secure(page, "/staff/sign-in")

    # Under /api/ the same refusal is JSON; the app has no upload route there yet, so add one.
    app = make_app()

    @app.post("/api/v1/probe-upload")
    @public
    def probe_upload() -> dict[str, int]:
        return {"bytes": len(request.get_data())}

    api = app.test_client()
    ok = api.post("/api/v1/probe-upload", data=b"z" * 1024)
    assert ok.status_code == 200 and ok.get_json() == {"bytes": 1024}
    refused = api.post("/api/v1/probe-upload", data=b"z" * (20 * 1024 * 1024 + 1))
    assert refused.status_code == 413
    assert "at most 20 MB" in refused.get_json()["error"]


def test_forwarded_addresses_are_believed_only_behind_a_trusted_proxy(
    make_app: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=REQUEST_LOGGER)
    forwarded = {"X-Forwarded-For": "203.0.113.5", "X-Forwarded-Proto": "https"}
    direct = make_app().test_client().get("/healthz", headers=forwarded)
    proxied = make_app(TRUSTED_PROXIES=1).test_client().get("/healthz", headers=forwarded)
    assert [line["remote_addr"] for line in _request_lines(caplog)] == ["127.0.0.1", "203.0.113.5"]
    assert "Strict-Transport-Security" not in direct.headers
    assert "Strict-Transport-Security" in proxied.headers
