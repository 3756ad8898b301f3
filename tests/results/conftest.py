"""Fixtures of the results-site tests: the demo election, and helpers to read pages."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from primaries.demo.data import pending_runoff_sheets


@pytest.fixture
def demo(app: Flask, runner: FlaskCliRunner) -> str:
    """The 2011 Labor primary: round 1 certified (runoff), the runoff 150 of 171 counted."""
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return "labor-2011"


def tally(runner: FlaskCliRunner, slug: str, number: int) -> dict[str, Any]:
    """What ``primaries tally SLUG --round N --json`` prints: the reference for every page."""
    result = runner.invoke(args=["tally", slug, "--round", str(number), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def sheets_csv(sheets: list[dict[str, Any]], codes: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["branch", "ballots_cast", "invalid", *codes])
    for sheet in sheets:
        writer.writerow(
            [sheet["branch"], sheet["ballots_cast"], sheet["invalid"]]
            + [sheet["votes"][code] for code in codes]
        )
    return out.getvalue().encode()


@pytest.fixture
def import_pending(runner: FlaskCliRunner, tmp_path: Path) -> Callable[[int], None]:
    """Import the first ``n`` of the demo's 21 missing runoff sheets through the command line."""

    def run(count: int) -> None:
        path = tmp_path / f"pending-{count}.csv"
        path.write_bytes(sheets_csv(pending_runoff_sheets()[:count], ["YAC", "PER"]))
        result = runner.invoke(args=["import-sheets", "labor-2011", "--round", "2", str(path)])
        assert result.exit_code == 0, result.output

    return run


def text_of(html: str) -> str:
    """The page's text with tags removed and spaces collapsed (for sentences split by markup)."""
    import re
    from html import unescape

    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
