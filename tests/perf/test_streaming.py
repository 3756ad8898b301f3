"""A large package is read sheet by sheet (bounded memory); what it finds must not change.

Every case is parsed twice, whole (the small-file path) and streamed (``STREAM_THRESHOLD``
forced to 0): the specs must be equal, or the problems identical, line for line.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from primaries.demo.data import demo_package
from primaries.formats import FormatError, PackageSpec, parse_package, streaming


def base() -> dict[str, Any]:
    return demo_package(complete=True)


def mutated(change: Any) -> str:
    document = base()
    change(document)
    return json.dumps(document)


def _set(path: str, value: Any) -> Any:
    def change(document: Any) -> None:
        *parents, last = path.split(".")
        target = document
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        if value is _DELETE:
            del target[int(last) if last.isdigit() else last]
        else:
            target[int(last) if last.isdigit() else last] = value

    return change


_DELETE = object()
DEMO = json.dumps(base())
ROUND1_FIRST = json.dumps(
    {"rounds": base()["rounds"], "election": base()["election"], "format": "primaries/election@1"}
)

CASES: dict[str, str | bytes] = {
    "demo, both rounds": DEMO,
    "demo, indented, keys reordered": ROUND1_FIRST,
    "demo, pretty": json.dumps(base(), indent=2),
    "sheet number negative": mutated(_set("rounds.0.sheets.3.votes.PER", -3)),
    "sheet number a float": DEMO.replace('"invalid": 1,', '"invalid": 1.0,', 1),
    "sheet number huge": DEMO.replace('"invalid": 1,', '"invalid": 123456789012345678901234,', 1),
    "sheet number enormous": DEMO.replace('"invalid": 1,', '"invalid": ' + "9" * 4400 + ",", 1),
    "sheet unknown key": mutated(_set("rounds.0.sheets.5.extra", 1)),
    "sheet key twice": DEMO.replace('"invalid": 1,', '"invalid": 1, "invalid": 1,', 1),
    "sheet sum wrong": mutated(_set("rounds.0.sheets.7.ballots_cast", 1)),
    "sheet not an object": mutated(_set("rounds.0.sheets.2", [1, 2])),
    "sheet unknown branch": mutated(_set("rounds.0.sheets.0.branch", "NOPE")),
    "sheet branch twice": mutated(_set("rounds.0.sheets.1.branch", "B001")),
    "sheet annulled": mutated(
        _set("rounds.1.sheets.4", {"branch": "B005", "annulled": True, "reason": "lost"})
    ),
    "round 1 incomplete": mutated(_set("rounds.0.sheets.9", _DELETE)),
    "sheets not a list": mutated(_set("rounds.1.sheets", {"B001": 1})),
    "sheets empty": mutated(_set("rounds.1.sheets", [])),
    "unknown branch list": mutated(_set("election.branches.3.eligible", "many")),
    "NaN": DEMO.replace('"invalid": 1,', '"invalid": NaN,', 1),
    "trailing comma": DEMO.replace("}]}", "},]}", 1),
    "missing bracket": DEMO[:-1],
    "extra data": DEMO + " []",
    "top level array": "[" + DEMO + "]",
    "deeply nested": DEMO.replace('"invalid": 1,', '"invalid": ' + "[" * 100_000, 1),
    "not UTF-8": DEMO.encode().replace(b"Tel Aviv", b"Tel \xff Aviv", 1),
}


def outcome(raw: str | bytes) -> tuple[str, Any]:
    try:
        spec = parse_package(raw)
    except FormatError as error:
        return "refused", error.problems
    return "parsed", frozen(spec)


def frozen(spec: PackageSpec) -> Any:
    rounds = tuple(dataclasses.replace(r, sheets=tuple(r.sheets)) for r in spec.rounds)
    return dataclasses.replace(spec, rounds=rounds)


@pytest.mark.parametrize("case", list(CASES))
def test_streamed_package_reads_the_same(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = CASES[case]
    whole = outcome(raw)
    monkeypatch.setattr(streaming, "STREAM_THRESHOLD", 0)
    streamed = outcome(raw)
    assert streamed == whole


def test_streamed_sheets_are_lazy_and_rereadable(monkeypatch: pytest.MonkeyPatch) -> None:
    whole = parse_package(DEMO.encode())
    monkeypatch.setattr(streaming, "STREAM_THRESHOLD", 0)
    spec = parse_package(DEMO)
    sheets = spec.rounds[1].sheets
    assert not isinstance(sheets, tuple)
    assert len(sheets) == 171
    assert list(sheets) == list(sheets)
    assert sheets[-1] == list(sheets)[-1]
    assert sheets[2:4] == list(sheets)[2:4]
    assert tuple(sheets) == whole.rounds[1].sheets
