"""Hostile files: names that hide or reorder text, codes that differ only by case or Unicode
normalisation, numbers too large for the database or for Python's int(): each refused with a
clear message, nothing else read from them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from primaries.core.limits import MAX_INT, code_key
from primaries.core.text import name_problem, shown_name
from primaries.formats import FormatError, parse_branches_csv, parse_package
from tests.elections.test_formats import package

HIDDEN = [
    ("\u202e", "bidirectional control character U+202E"),
    ("\u202a", "bidirectional control character U+202A"),
    ("\u2066", "bidirectional control character U+2066"),
    ("\u2069", "bidirectional control character U+2069"),
    ("\u200b", "zero-width character U+200B"),
    ("\u200d", "zero-width character U+200D"),
    ("\u2060", "zero-width character U+2060"),
    ("\ufeff", "zero-width character U+FEFF"),
    ("\x07", "control character U+0007"),
    ("\n", "control character U+000A"),
    ("\x85", "control character U+0085"),
]


def problems_of(raw: str | bytes, parse: Any = parse_package) -> list[str]:
    with pytest.raises(FormatError) as caught:
        parse(raw)
    return caught.value.problems


@pytest.mark.parametrize(("ch", "words"), HIDDEN)
def test_name_problem(ch: str, words: str) -> None:
    assert name_problem(f"Tel{ch}Aviv") == f"must not contain the {words}"
    assert "\\u" in shown_name(f"Tel{ch}Aviv")


def test_ordinary_names_pass() -> None:
    for name in ("Tel Aviv - Center", "תל אביב", "أبو كرينات", "Zoë", "Shelly\u200fYacimovich"):
        assert name_problem(name) is None
        assert shown_name(name) == name


@pytest.mark.parametrize(("ch", "words"), HIDDEN)
@pytest.mark.parametrize(
    ("path", "where"),
    [
        ("election__name", "election.name"),
        ("election__candidates__0__name", "election.candidates[0].name"),
        ("election__branches__0__name", "election.branches[0].name"),
        ("election__branches__0__region", "election.branches[0].region"),
    ],
)
def test_package_names_refuse_hidden_characters(path: str, where: str, ch: str, words: str) -> None:
    raw = json.dumps(package(**{path: f"Tel{ch}Aviv"}))
    assert problems_of(raw) == [f"{where}: must not contain the {words}"]


@pytest.mark.parametrize(("ch", "words"), [h for h in HIDDEN if h[0] not in "\n\x85"])
@pytest.mark.parametrize("column", ["name", "region"])
def test_csv_names_refuse_hidden_characters(column: str, ch: str, words: str) -> None:
    values = {"name": "Haifa", "region": "North", column: f"Hai{ch}fa"}
    raw = f"code,name,region,eligible\nB1,{values['name']},{values['region']},10\n"
    assert problems_of(raw.encode(), parse_branches_csv) == [
        f"line 2: {column}: must not contain the {words}"
    ]


def test_code_key_folds_case_and_unicode_form() -> None:
    assert code_key("X1") == code_key("x1")
    assert code_key("Caf\u00e9") == code_key("CAFE\u0301")
    assert code_key("X1") != code_key("X2")


def test_package_branch_codes_differing_by_case_are_one_code() -> None:
    raw = json.dumps(package(election__branches__1__code="b001"))
    problems = problems_of(raw)
    assert problems[0] == (
        "election.branches[1].code: b001 is the same code as B001 (used by "
        "election.branches[0]): codes that differ only by case or Unicode form are one code"
    )


def test_csv_branch_codes_differing_by_case_are_one_code() -> None:
    raw = b"code,name,region,eligible\nX1,Haifa,,10\nx1,Acre,,20\n"
    assert problems_of(raw, parse_branches_csv) == [
        "line 3: code: x1 is the same code as X1 (used by line 2): codes that differ only by case"
        " or Unicode form are one code"
    ]


HUGE = "9" * 5000


def test_a_5000_digit_number_in_a_package_is_named_not_pythons_message() -> None:
    raw = json.dumps(package()).replace('"eligible": 1000', f'"eligible": {HUGE}', 1)
    problems = problems_of(raw)
    assert problems == [
        f"election.branches[0].eligible: must be an integer >= 0 and at most {MAX_INT}, "
        f"not {'9' * 20}... (5000 digits)"
    ]
    assert "4300" not in " ".join(problems)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (HUGE, f"{'9' * 20}... (5000 digits)"),
        (str(MAX_INT + 1), str(2**63)),
        ("0" * 5000 + "1" + "0" * 19, f"{'0' * 20}... (5020 digits)"),
    ],
)
def test_a_huge_number_in_a_csv_is_refused_with_the_limit(value: str, shown: str) -> None:
    raw = f"code,name,region,eligible\nB1,Haifa,,{value}\n".encode()
    problems = problems_of(raw, parse_branches_csv)
    assert problems == [f'line 2: eligible: must be at most {MAX_INT}, not "{shown}"']


def test_branches_whose_eligible_add_up_beyond_the_limit_are_refused() -> None:
    raw = json.dumps(
        package(election__branches__0__eligible=MAX_INT, election__branches__1__eligible=1)
    )
    assert problems_of(raw) == [
        f"election.branches: the branches' eligible members add up to {MAX_INT + 1 + 1300}, "
        f"more than the {MAX_INT} a total can hold"
    ]


def test_leading_zeros_beyond_pythons_digit_limit_still_read() -> None:
    raw = f"code,name,region,eligible\nB1,Haifa,,{'0' * 5000}42\n".encode()
    assert [branch.eligible for branch in parse_branches_csv(raw)] == [42]
