"""The audit report as a PDF made on the server (issue 12): the same facts as the page, in
English and in Hebrew (right to left, shaped), and a message an operator can act on when the
server has no font for it."""

from __future__ import annotations

import io
import json
from typing import Any

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from pypdf import PdfReader

SEED = "31415926535897932384"
PDF = "/elections/test-2024/rounds/1/audit.pdf"


def _start(runner: FlaskCliRunner) -> dict[str, Any]:
    args = ["rla", "start", "test-2024", "--round", "1", "--risk-limit", "5", "--seed", SEED]
    result = runner.invoke(args=[*args, "--draws", "3", "--json"])
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout))


def _text(body: bytes) -> str:
    reader = PdfReader(io.BytesIO(body))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_report_as_a_pdf_in_english(
    loaded: Any, runner: FlaskCliRunner, client: FlaskClient
) -> None:
    started = _start(runner)
    page = client.get("/elections/test-2024/rounds/1/audit")
    assert PDF in page.text
    answer = client.get(PDF)
    assert answer.status_code == 200
    assert answer.mimetype == "application/pdf"
    assert answer.data.startswith(b"%PDF-")
    assert "test-2024-round-1-audit.pdf" in answer.headers["Content-Disposition"]
    text = _text(answer.data)
    for fact in (
        "Risk-limiting audit of round 1",
        "The audit is in progress: drawn boxes are being counted by hand.",
        "Risk limit",
        "5%",
        SEED,
        started["total_error_bound"],
        "Risk after this draw",
        "not counted yet",
        "Discrepancies: 0.",
    ):
        assert fact in text, fact
    for draw in started["draws"]:
        assert draw["branch"] in text


def test_the_report_as_a_pdf_in_hebrew(
    loaded: Any, runner: FlaskCliRunner, client: FlaskClient
) -> None:
    _start(runner)
    english = client.get(PDF).data
    answer = client.get(f"{PDF}?lang=he")
    assert answer.status_code == 200 and answer.data != english
    text = _text(answer.data)
    for word in ("מגבלת", "סיכון", "הגרלות", SEED):
        assert word in text, word
    assert "Risk limit" not in text


def test_no_font_on_the_server_says_what_to_install(
    app: Flask, loaded: Any, runner: FlaskCliRunner, client: FlaskClient
) -> None:
    _start(runner)
    app.config["PDF_FONT_DIR"] = "/nowhere"
    answer = client.get(PDF)
    assert answer.status_code == 503
    assert "fonts-dejavu-core" in answer.text and "PDF_FONT_DIR" in answer.text


def test_a_round_without_an_audit_has_no_pdf(loaded: Any, client: FlaskClient) -> None:
    assert client.get(PDF).status_code == 404
