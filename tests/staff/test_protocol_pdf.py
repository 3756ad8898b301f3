"""The results protocol as a PDF made on the server (issue 15, item 3): the page's document, in
English and in Hebrew, with its annex on landscape pages, a few candidates to a table; for the
staff who may see the protocol, as the page is."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from pypdf import PdfReader

PDF = "/staff/elections/test-2024/rounds/1/protocol.pdf"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _read(body: bytes, name: str) -> PdfReader:
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / name).write_bytes(body)  # to look at: test-artifacts/
    return PdfReader(io.BytesIO(body))


def _text(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_protocol_as_a_pdf(loaded: Any, sign_in: Callable[[str], FlaskClient]) -> None:
    supervisor = sign_in("super1")
    assert PDF in supervisor.get("/staff/elections/test-2024/rounds/1/protocol").text
    answer = supervisor.get(PDF)
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert "test-2024-round-1-protocol.pdf" in answer.headers["Content-Disposition"]
    reader = _read(answer.data, "protocol-en.pdf")
    text = _text(reader)
    for fact in (
        "Results protocol",
        "Test primary",
        "Not certified: this protocol is a draft, and its numbers may still change.",
        "Alice Aharoni",
        "Votes by candidate",
        "Totals at the branches that reported",
        "Branches: 4 counted, 1 annulled, 0 pending, of 5.",
        "The election committee",
        "Chair",
        "Annex: results by branch",
        "Haifa - Carmel",
        "Total of the counted branches",
    ):
        assert fact in text, fact
    first, annex = reader.pages[0], reader.pages[-1]
    assert first.mediabox.width < first.mediabox.height  # A4 portrait
    assert annex.mediabox.width > annex.mediabox.height  # the annex: landscape
    for code in ("B1", "B2", "B3", "B4", "B5"):
        assert code in _text(PdfReader(io.BytesIO(answer.data)))


def test_the_protocol_in_hebrew(loaded: Any, sign_in: Callable[[str], FlaskClient]) -> None:
    supervisor = sign_in("super1")
    text = _text(_read(supervisor.get(f"{PDF}?lang=he").data, "protocol-he.pdf"))
    for word in ("פרוטוקול", "תוצאות", "נספח"):
        assert word in text, word
    assert "Results protocol" not in text


def test_the_protocol_in_arabic(loaded: Any, sign_in: Callable[[str], FlaskClient]) -> None:
    supervisor = sign_in("super1")
    text = _text(_read(supervisor.get(f"{PDF}?lang=ar").data, "protocol-ar.pdf"))
    for word in ("محضر", "النتائج"):
        assert word in text, word
    assert "Results protocol" not in text


def test_who_may_have_the_protocol(
    loaded: Any, sign_in: Callable[[str], FlaskClient], client: FlaskClient
) -> None:
    assert sign_in("observer1").get(PDF).status_code == 200
    assert client.get(PDF).status_code in (302, 401)


def test_a_national_protocol_points_to_the_branch_list(
    loaded: Any, sign_in: Callable[[str], FlaskClient], monkeypatch: Any
) -> None:
    from primaries.staff import protocol_pdf

    monkeypatch.setattr(protocol_pdf, "ANNEX_BRANCHES", 4)  # the test election has 5
    reader = _read(sign_in("super1").get(PDF).data, "protocol-long.pdf")
    text = _text(reader)
    assert "The results of the 5 branches are in the round's branch list" in text
    assert "Haifa - Carmel" not in text and len(reader.pages) == 1
