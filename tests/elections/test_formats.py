"""Tests of the package and CSV formats (CONTRACT sections 1, 2, 5 and 6): no database."""

from __future__ import annotations

import copy
import datetime
import json
import pickle
from decimal import Decimal
from typing import Any

import pytest

from primaries.core.limits import BRANCH_CODE_RE, CANDIDATE_CODE_RE, MAX_INT, SLUG_RE
from primaries.core.rules import Rules
from primaries.core.sheets import Numbers, sum_problems
from primaries.errors import Refused
from primaries.formats import (
    MAX_PROBLEMS,
    BranchSpec,
    CandidateSpec,
    FormatError,
    LotSpec,
    SheetSpec,
    parse_branches_csv,
    parse_package,
    parse_rules,
    parse_sheets_csv,
)

# --------------------------------------------------------------------------- fixtures

CANDIDATES = [
    {"code": "YAC", "name": "Shelly Yacimovich"},
    {"code": "PER", "name": "Amir Peretz"},
    {"code": "HER", "name": "Isaac Herzog"},
    {"code": "MIT", "name": "Amram Mitzna"},
]
BRANCHES = [
    {"code": "B001", "name": "Tel Aviv - Center", "region": "Tel Aviv", "eligible": 1000},
    {"code": "B002", "name": "Abu Karinat", "region": "South", "eligible": 500},
    {"code": "B003", "name": "Haifa", "region": None, "eligible": 700},
    {"code": "B004", "name": "Yeruham", "eligible": 400},
    {"code": "B005", "name": "Mitzpe Ramon", "region": "South", "eligible": 200},
]


def sheet(branch: str, invalid: int = 0, **votes: int) -> dict[str, Any]:
    return {
        "branch": branch,
        "ballots_cast": sum(votes.values()) + invalid,
        "invalid": invalid,
        "votes": votes,
    }


# Round 1: YAC 650, PER 600, HER 400, MIT 255 of 1905 valid: nobody reaches 40%, so YAC and PER
# go to the runoff. Round 2 is partial (2 of 5 branches).
ROUND_1 = {
    "number": 1,
    "held_on": "2011-09-12",
    "lots": [{"order": ["HER", "MIT"], "note": "drawn by the committee chair"}],
    "sheets": [
        sheet("B001", 5, YAC=300, PER=250, HER=150, MIT=95),
        {"branch": "B002", "annulled": True, "reason": "observers removed during the count"},
        sheet("B003", 10, YAC=200, PER=210, HER=100, MIT=80),
        sheet("B004", 0, YAC=100, PER=100, HER=90, MIT=50),
        sheet("B005", 2, YAC=50, PER=40, HER=60, MIT=30),
    ],
}
ROUND_2 = {
    "number": 2,
    "held_on": "2011-09-21",
    "sheets": [
        sheet("B001", 3, YAC=400, PER=350),
        sheet("B004", 1, YAC=150, PER=160),
    ],
}
PACKAGE: dict[str, Any] = {
    "format": "primaries/election@1",
    "election": {
        "slug": "labor-2011",
        "name": "Israeli Labor Party leadership primary, 2011",
        "rules": {
            "threshold_percent": "40",
            "threshold_inclusive": True,
            "threshold_basis": "valid",
            "runoff_size": 2,
            "double_entry": True,
        },
        "candidates": CANDIDATES,
        "branches": BRANCHES,
    },
    "rounds": [ROUND_1, ROUND_2],
}


def package(**changes: Any) -> dict[str, Any]:
    """A deep copy of PACKAGE; ``changes`` maps a dotted path (``election.slug``) to a value."""
    document = copy.deepcopy(PACKAGE)
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        target: Any = document
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        key: Any = int(last) if last.isdigit() else last
        if value is DELETE:
            del target[key]
        else:
            target[key] = value
    return document


DELETE = object()


def problems_of(raw: Any) -> list[str]:
    text = raw if isinstance(raw, str | bytes) else json.dumps(raw)
    with pytest.raises(FormatError) as caught:
        parse_package(text)
    return caught.value.problems


def one_problem(raw: Any) -> str:
    problems = problems_of(raw)
    assert len(problems) == 1, problems
    return problems[0]


# --------------------------------------------------------------------------- regexes


@pytest.mark.parametrize("slug", ["labor-2011", "a", "0", "a" * 64, "-x-"])
def test_slug_re_accepts(slug: str) -> None:
    assert SLUG_RE.match(slug)


@pytest.mark.parametrize("slug", ["", "Labor", "a" * 65, "a_b", "a b", "labor\n", "שלום"])
def test_slug_re_refuses(slug: str) -> None:
    assert not SLUG_RE.match(slug)


def test_code_regexes() -> None:
    assert CANDIDATE_CODE_RE.match("YAC_2-B")
    assert not CANDIDATE_CODE_RE.match("yac")
    assert not CANDIDATE_CODE_RE.match("A" * 17)
    assert not CANDIDATE_CODE_RE.match("YAC\n")
    assert BRANCH_CODE_RE.match("b-01.2_X")
    assert not BRANCH_CODE_RE.match("B 1")
    assert not BRANCH_CODE_RE.match("B" * 33)


# --------------------------------------------------------------------------- a valid package


def test_valid_full_package() -> None:
    spec = parse_package(json.dumps(PACKAGE))
    assert spec.slug == "labor-2011"
    assert spec.name == "Israeli Labor Party leadership primary, 2011"
    assert spec.rules == Rules()
    assert spec.double_entry is True
    assert spec.candidates[0] == CandidateSpec("YAC", "Shelly Yacimovich")
    assert [c.code for c in spec.candidates] == ["YAC", "PER", "HER", "MIT"]
    assert spec.branches[0] == BranchSpec("B001", "Tel Aviv - Center", "Tel Aviv", 1000)
    assert spec.branches[2].region is None
    assert spec.branches[3].region is None

    first, second = spec.rounds
    assert first.number == 1
    assert first.held_on == datetime.date(2011, 9, 12)
    assert first.ballot == ("YAC", "PER", "HER", "MIT")
    assert first.candidates_given is False
    assert first.lots == (LotSpec(("HER", "MIT"), "drawn by the committee chair"),)
    assert first.sheets[0] == SheetSpec(
        branch="B001",
        ballots_cast=800,
        invalid=5,
        votes={"YAC": 300, "PER": 250, "HER": 150, "MIT": 95},
        path="rounds[0].sheets[0]",
    )
    assert first.sheets[1] == SheetSpec(
        branch="B002",
        ballots_cast=None,
        invalid=None,
        votes=None,
        annulled=True,
        reason="observers removed during the count",
        path="rounds[0].sheets[1]",
    )

    assert second.number == 2
    assert second.ballot == ("YAC", "PER")
    assert second.candidates_given is False
    assert second.lots == ()
    assert [s.branch for s in second.sheets] == ["B001", "B004"]
    assert second.sheets[0].votes == {"YAC": 400, "PER": 350}


def test_valid_package_as_bytes_with_bom_and_as_str() -> None:
    text = json.dumps(PACKAGE, ensure_ascii=False)
    assert parse_package(b"\xef\xbb\xbf" + text.encode()) == parse_package(text)
    assert parse_package("\ufeff" + text) == parse_package(text.encode())


def test_specs_are_frozen() -> None:
    spec = parse_package(json.dumps(PACKAGE))
    with pytest.raises(AttributeError):
        spec.slug = "other"  # type: ignore[misc]
    assert isinstance(spec.rounds, tuple)
    assert isinstance(spec.rounds[0].sheets, tuple)


def test_minimal_package_uses_defaults() -> None:
    spec = parse_package(
        json.dumps(
            {
                "format": "primaries/election@1",
                "election": {
                    "slug": "x",
                    "name": "X",
                    "candidates": [{"code": "A", "name": "A"}, {"code": "B", "name": "B"}],
                    "branches": [],
                },
                "rounds": [{"number": 1, "sheets": []}],
            }
        )
    )
    assert spec.rules == Rules()
    assert spec.double_entry is True
    assert spec.branches == ()
    assert spec.rounds[0].held_on is None
    assert spec.rounds[0].lots == ()


def test_contract_example_shape() -> None:
    """The contract's example, made consistent (every candidate and branch it names declared)."""
    document = {
        "format": "primaries/election@1",
        "election": {
            "slug": "labor-2011",
            "name": "Israeli Labor Party leadership primary, 2011",
            "rules": {
                "threshold_percent": "40",
                "threshold_inclusive": True,
                "threshold_basis": "valid",
                "runoff_size": 2,
                "double_entry": True,
            },
            "candidates": CANDIDATES,
            "branches": [
                {
                    "code": "B001",
                    "name": "Tel Aviv - Center",
                    "region": "Tel Aviv",
                    "eligible": 1200,
                },
                {"code": "B002", "name": "Abu Karinat", "eligible": 300},
            ],
        },
        "rounds": [
            {
                "number": 1,
                "held_on": "2011-09-12",
                "lots": [{"order": ["PER", "HER"], "note": "drawn by the committee chair"}],
                "sheets": [
                    {
                        "branch": "B001",
                        "ballots_cast": 800,
                        "invalid": 5,
                        "votes": {"YAC": 300, "PER": 250, "HER": 150, "MIT": 95},
                    },
                    {
                        "branch": "B002",
                        "annulled": True,
                        "reason": "observers removed during the count",
                    },
                ],
            },
            {"number": 2, "held_on": "2011-09-21", "sheets": []},
        ],
    }
    spec = parse_package(json.dumps(document))
    assert spec.rounds[1].ballot == ("YAC", "PER")
    assert spec.rounds[1].sheets == ()


def test_rules_variants() -> None:
    rules = {
        "threshold_percent": "33.33",
        "threshold_inclusive": False,
        "threshold_basis": "cast",
        "runoff_size": 3,
        "double_entry": False,
    }
    spec = parse_package(json.dumps(package(election__rules=rules, rounds=[ROUND_1])))
    assert spec.rules.threshold_percent == Decimal("33.33")
    assert spec.rules.threshold_inclusive is False
    assert spec.rules.threshold_basis == "cast"
    assert spec.rules.runoff_size == 3
    assert spec.double_entry is False


def test_rules_can_be_left_out() -> None:
    document = package(rounds=[ROUND_1])
    del document["election"]["rules"]
    assert parse_package(json.dumps(document)).rules == Rules()


# --------------------------------------------------------------------------- parse_rules


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0", "0"),
        ("40", "40"),
        ("50.5", "50.5"),
        ("33.33", "33.33"),
        ("100", "100"),
        ("100.00", "100"),
    ],
)
def test_parse_rules_threshold_accepts(text: str, value: str) -> None:
    assert parse_rules({"threshold_percent": text}).threshold_percent == Decimal(value)


def test_parse_rules_defaults() -> None:
    assert parse_rules(None) == Rules()
    assert parse_rules({}) == Rules()


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (40, "must be a decimal number in a string"),
        (40.5, "must be a decimal number in a string"),
        ("abc", "with at most 2 decimals"),
        ("101", "must be at most 100"),
        ("100.01", "must be at most 100"),
        ("40.123", "with at most 2 decimals"),
        ("-1", "with at most 2 decimals"),
        ("NaN", "with at most 2 decimals"),
        ("Infinity", "with at most 2 decimals"),
        (" 40", "with at most 2 decimals"),
        ("40.", "with at most 2 decimals"),
        ("", "with at most 2 decimals"),
        (None, "must be a decimal number in a string"),
        (True, "must be a decimal number in a string"),
    ],
)
def test_parse_rules_threshold_refuses(value: object, words: str) -> None:
    with pytest.raises(FormatError) as caught:
        parse_rules({"threshold_percent": value})
    [problem] = caught.value.problems
    assert problem.startswith("election.rules.threshold_percent: ")
    assert words in problem


def test_parse_rules_threshold_number_message() -> None:
    with pytest.raises(FormatError) as caught:
        parse_rules({"threshold_percent": 40})
    assert caught.value.problems == [
        'election.rules.threshold_percent: must be a decimal number in a string, e.g. "40" or '
        '"33.33", not the number 40'
    ]


@pytest.mark.parametrize("key", ["threshold_inclusive", "double_entry"])
@pytest.mark.parametrize(
    ("value", "shown"), [(0, "0"), (1, "1"), ("true", '"true"'), (None, "null")]
)
def test_parse_rules_booleans_refused(key: str, value: object, shown: str) -> None:
    with pytest.raises(FormatError) as caught:
        parse_rules({key: value})
    assert caught.value.problems == [f"election.rules.{key}: must be true or false, not {shown}"]


@pytest.mark.parametrize("value", ["VALID", "ballots", 1, None])
def test_parse_rules_basis_refused(value: object) -> None:
    with pytest.raises(FormatError) as caught:
        parse_rules({"threshold_basis": value})
    [problem] = caught.value.problems
    assert problem.startswith('election.rules.threshold_basis: must be "valid" or "cast", not ')


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (1, "must be an integer >= 2, not 1"),
        (0, "must be an integer >= 2, not 0"),
        (True, "must be an integer >= 2, not true"),
        (2.0, "must be an integer >= 2, not 2.0"),
        ("2", 'must be an integer >= 2, not "2"'),
        (2**63, f"must be an integer >= 2 and at most {MAX_INT}, not {2**63}"),
    ],
)
def test_parse_rules_runoff_size_refused(value: object, message: str) -> None:
    with pytest.raises(FormatError) as caught:
        parse_rules({"runoff_size": value})
    assert caught.value.problems == [f"election.rules.runoff_size: {message}"]


def test_parse_rules_unknown_key_and_custom_path() -> None:
    with pytest.raises(FormatError) as caught:
        parse_rules({"threshhold": "50", "runoff_size": 1}, path="rules")
    assert caught.value.problems == [
        "rules.threshhold: unknown key (expected: threshold_percent, threshold_inclusive, "
        "threshold_basis, runoff_size, double_entry)",
        "rules.runoff_size: must be an integer >= 2, not 1",
    ]


def test_parse_rules_not_an_object() -> None:
    with pytest.raises(FormatError) as caught:
        parse_rules(["40"])
    assert caught.value.problems == ["election.rules: must be an object, not a list"]


# --------------------------------------------------------------------------- file level


def test_broken_json_names_line_and_column() -> None:
    assert one_problem('{\n  "format": "primaries/election@1",\n  "election" {}\n}') == (
        "line 3 column 14: Expecting ':' delimiter"
    )


def test_not_utf8() -> None:
    raw = '{"format": "primaries/election@1", "x": "שלום"}'.encode("cp1255")
    problem = one_problem(raw)
    assert problem.startswith("the file is not UTF-8 text: byte 0xF9 at offset 41 ")
    assert "save it as UTF-8" in problem


def test_utf16_refused() -> None:
    problem = one_problem(json.dumps(PACKAGE).encode("utf-16"))
    assert problem.startswith("the file is not UTF-8 text: it is UTF-16")


def test_utf16_without_bom_refused() -> None:
    problem = one_problem(json.dumps(PACKAGE).encode("utf-16-le"))
    assert problem.startswith("the file is not UTF-8 text: it has a NUL byte at offset 1")


@pytest.mark.parametrize("raw", [b"", b"  \n", b"\xef\xbb\xbf"])
def test_empty_package(raw: bytes) -> None:
    assert one_problem(raw) == "the file is empty: expected an election package (a JSON object)"


@pytest.mark.parametrize(("document", "shown"), [([], "a list"), ("x", '"x"'), (3, "3")])
def test_top_level_not_an_object(document: object, shown: str) -> None:
    assert one_problem(json.dumps(document)) == f"the top level must be a JSON object, not {shown}"


def test_format_missing_or_wrong() -> None:
    document = package()
    del document["format"]
    assert one_problem(document) == 'format: is required: "primaries/election@1"'
    assert one_problem(package(format="primaries/election@2")) == (
        'format: must be "primaries/election@1", not "primaries/election@2"'
    )


def test_top_level_required_and_unknown_keys() -> None:
    assert problems_of({"format": "primaries/election@1", "extra": 1}) == [
        "extra: unknown key (expected: format, election, rounds)",
        "election: is required",
        "rounds: is required",
    ]


def test_duplicate_json_key_refused() -> None:
    text = json.dumps(PACKAGE).replace('"slug": "labor-2011"', '"slug": "a", "slug": "labor-2011"')
    assert one_problem(text) == "election.slug: is given more than once"


def test_nan_and_infinity_are_not_numbers() -> None:
    text = json.dumps(PACKAGE).replace('"eligible": 1000', '"eligible": NaN', 1)
    assert one_problem(text) == ("election.branches[0].eligible: must be an integer >= 0, not NaN")


def test_huge_integer_refused() -> None:
    text = json.dumps(PACKAGE).replace('"eligible": 1000', '"eligible": ' + "9" * 5000, 1)
    problem = one_problem(text)
    assert problem.startswith(
        f"election.branches[0].eligible: must be an integer >= 0 and at most {MAX_INT}, not 99999"
    )
    assert "(5000 digits)" in problem


def test_integer_just_above_bound_refused() -> None:
    assert one_problem(package(election__branches__0__eligible=2**63)) == (
        f"election.branches[0].eligible: must be an integer >= 0 and at most {MAX_INT}, not {2**63}"
    )


def test_integer_at_bound_accepted() -> None:
    # The other branches have 1800 eligible members: all of them add up to MAX_INT exactly.
    at_bound = MAX_INT - 1800
    spec = parse_package(json.dumps(package(election__branches__0__eligible=at_bound)))
    assert spec.branches[0].eligible == at_bound
    assert sum(branch.eligible for branch in spec.branches) == MAX_INT


# --------------------------------------------------------------------------- election


@pytest.mark.parametrize(
    ("value", "shown"), [("Labor 2011", '"Labor 2011"'), ("", '""'), (None, "null")]
)
def test_bad_slug(value: object, shown: str) -> None:
    assert one_problem(package(election__slug=value)) == (
        f"election.slug: must be 1-64 lowercase letters, digits or -, not {shown}"
    )


@pytest.mark.parametrize("value", ["", "   ", None, 5])
def test_bad_election_name(value: object) -> None:
    problem = one_problem(package(election__name=value))
    assert problem.startswith("election.name: must be a non-empty string, not ")


def test_names_a_database_cannot_store() -> None:
    assert problems_of(
        package(election__name="Labor\u0000", election__branches__0__region="\ud800")
    ) == [
        "election.name: must not contain a NUL character (\\u0000)",
        "election.branches[0].region: must be valid Unicode text (it has a lone surrogate such "
        "as \\ud800)",
    ]


def test_lone_surrogate_is_shown_escaped() -> None:
    problem = one_problem(package(election__slug="a\ud800"))
    assert problem == 'election.slug: must be 1-64 lowercase letters, digits or -, not "a\\ud800"'
    problem.encode("utf-8")


def test_numbers_are_shown_as_written() -> None:
    text = json.dumps(PACKAGE).replace('"eligible": 1000', '"eligible": 1E3', 1)
    assert one_problem(text) == "election.branches[0].eligible: must be an integer >= 0, not 1E3"


def test_election_required_and_unknown_keys() -> None:
    assert problems_of(package(election={"title": "x"})) == [
        "election.title: unknown key (expected: slug, name, names, rules, regions, candidates, "
        "branches)",
        "election.slug: is required",
        "election.name: is required",
        "election.candidates: is required",
        "election.branches: is required",
    ]


def test_election_not_an_object() -> None:
    # Without the election nothing in the rounds can be checked against it; no noise follows.
    assert problems_of(package(election=[])) == ["election: must be an object, not a list"]


def test_rules_problems_in_a_package() -> None:
    rules = {"threshold_percent": 40, "double_entry": 1, "runoff_size": 2.0, "colour": "red"}
    assert problems_of(package(election__rules=rules)) == [
        "election.rules.colour: unknown key (expected: threshold_percent, threshold_inclusive, "
        "threshold_basis, runoff_size, double_entry)",
        'election.rules.threshold_percent: must be a decimal number in a string, e.g. "40" or '
        '"33.33", not the number 40',
        "election.rules.double_entry: must be true or false, not 1",
        "election.rules.runoff_size: must be an integer >= 2, not 2.0",
    ]


# --------------------------------------------------------------------------- candidates


@pytest.mark.parametrize(("value", "shown"), [([], "a list"), ({}, "an object"), (None, "null")])
def test_candidates_must_be_a_non_empty_list(value: object, shown: str) -> None:
    # The rounds cannot be checked without candidates: only the one problem is reported.
    assert problems_of(package(election__candidates=value)) == [
        f"election.candidates: must be a list of at least one candidate, not {shown}"
    ]


def test_candidate_bad_code() -> None:
    candidates = [*CANDIDATES[:3], {"code": "mit", "name": "Amram Mitzna"}]
    assert problems_of(package(election__candidates=candidates)) == [
        'election.candidates[3].code: must be 1-16 capital letters, digits, - or _, not "mit"'
    ]


def test_candidate_duplicate_code() -> None:
    candidates = [*CANDIDATES, {"code": "PER", "name": "Someone else"}]
    assert problems_of(package(election__candidates=candidates)) == [
        "election.candidates[4].code: PER is already used by election.candidates[1]"
    ]


def test_candidate_empty_name_and_keys() -> None:
    candidates = [*CANDIDATES[:3], {"code": "MIT", "name": " ", "party": "x"}, "ZZZ"]
    assert problems_of(package(election__candidates=candidates)) == [
        "election.candidates[3].party: unknown key (expected: code, name, names)",
        'election.candidates[3].name: must be a non-empty string, not " "',
        'election.candidates[4]: must be an object, not "ZZZ"',
    ]


def test_candidate_missing_keys() -> None:
    candidates = [*CANDIDATES, {}]
    assert problems_of(package(election__candidates=candidates)) == [
        "election.candidates[4].code: is required",
        "election.candidates[4].name: is required",
    ]


# --------------------------------------------------------------------------- branches


def test_branches_may_be_empty() -> None:
    spec = parse_package(
        json.dumps(package(election__branches=[], rounds=[{"number": 1, "sheets": []}]))
    )
    assert spec.branches == ()


def test_branches_must_be_a_list() -> None:
    assert problems_of(package(election__branches={}, rounds=[{"number": 1, "sheets": []}])) == [
        "election.branches: must be a list (it may be empty), not an object"
    ]


def test_branch_bad_code() -> None:
    assert one_problem(package(election__branches__4__code="B 5")) == (
        'election.branches[4].code: must be 1-32 letters, digits, -, _ or ., not "B 5"'
    )


def test_branch_duplicate_code() -> None:
    assert one_problem(package(election__branches__4__code="B001")) == (
        "election.branches[4].code: B001 is already used by election.branches[0]"
    )


def test_branch_name_region_eligible() -> None:
    assert problems_of(
        package(
            election__branches__0__name="",
            election__branches__1__region=5,
            election__branches__2__eligible=-1,
            election__branches__3__eligible=400.0,
            election__branches__4__eligible=True,
        )
    ) == [
        'election.branches[0].name: must be a non-empty string, not ""',
        "election.branches[1].region: must be a string or null, not 5",
        "election.branches[2].eligible: must be an integer >= 0, not -1",
        "election.branches[3].eligible: must be an integer >= 0, not 400.0",
        "election.branches[4].eligible: must be an integer >= 0, not true",
    ]


def test_branch_missing_and_unknown_keys() -> None:
    branches = [*BRANCHES, {"code": "B006", "registered": 3}]
    assert problems_of(package(election__branches=branches)) == [
        "election.branches[5].registered: unknown key (expected: code, name, names, region, "
        "eligible)",
        "election.branches[5].name: is required",
        "election.branches[5].eligible: is required",
    ]


# --------------------------------------------------------------------------- rounds


@pytest.mark.parametrize(("value", "shown"), [([], "a list"), ({}, "an object")])
def test_rounds_must_be_a_non_empty_list(value: object, shown: str) -> None:
    assert one_problem(package(rounds=value)) == (
        f"rounds: must be a list of at least one round, not {shown}"
    )


def test_round_numbers_in_order() -> None:
    round_3 = {**ROUND_2, "number": 3}
    assert one_problem(package(rounds=[ROUND_1, round_3])) == (
        "rounds[1].number: must be 2 (rounds are numbered 1, 2, 3... in order), not 3"
    )


def test_round_numbers_wrong_order() -> None:
    round_2 = {**ROUND_1, "number": 2}
    round_1 = {**ROUND_2, "number": 1}
    problems = problems_of(package(rounds=[round_2, round_1]))
    assert problems[:2] == [
        "rounds[0].number: must be 1 (rounds are numbered 1, 2, 3... in order), not 2",
        "rounds[1].number: must be 2 (rounds are numbered 1, 2, 3... in order), not 1",
    ]


@pytest.mark.parametrize(("value", "shown"), [(True, "true"), (1.0, "1.0"), ("1", '"1"')])
def test_round_number_must_be_an_int(value: object, shown: str) -> None:
    assert one_problem(package(rounds=[{**ROUND_1, "number": value}])) == (
        f"rounds[0].number: must be 1 (rounds are numbered 1, 2, 3... in order), not {shown}"
    )


def test_round_required_and_unknown_keys() -> None:
    assert problems_of(package(rounds=[{"date": "2011-09-12"}])) == [
        "rounds[0].date: unknown key (expected: number, held_on, candidates, lots, sheets)",
        "rounds[0].number: is required",
        "rounds[0].sheets: is required",
    ]


@pytest.mark.parametrize("value", ["12/09/2011", "2011-9-12", "2011-02-30", "20110912", 2011])
def test_bad_held_on(value: object) -> None:
    problem = one_problem(package(rounds__0__held_on=value))
    assert problem.startswith('rounds[0].held_on: must be a date written "YYYY-MM-DD", or null')


def test_held_on_may_be_null() -> None:
    assert parse_package(json.dumps(package(rounds__0__held_on=None))).rounds[0].held_on is None


def test_round_1_may_list_every_candidate() -> None:
    spec = parse_package(json.dumps(package(rounds__0__candidates=["MIT", "HER", "PER", "YAC"])))
    assert spec.rounds[0].ballot == ("YAC", "PER", "HER", "MIT")
    assert spec.rounds[0].candidates_given is True


def test_round_1_must_not_leave_out_candidates() -> None:
    assert one_problem(package(rounds__0__candidates=["YAC", "PER"])) == (
        "rounds[0].candidates: round 1's ballot is every candidate: leave this out, or list all "
        "of them (missing: HER, MIT)"
    )


def test_later_round_with_given_candidates() -> None:
    spec = parse_package(json.dumps(package(rounds__1__candidates=["PER", "YAC"])))
    assert spec.rounds[1].ballot == ("YAC", "PER")
    assert spec.rounds[1].candidates_given is True


def test_later_round_candidates_must_be_the_qualifiers() -> None:
    round_2 = {"number": 2, "candidates": ["YAC", "HER"], "sheets": []}
    assert one_problem(package(rounds=[ROUND_1, round_2])) == (
        "rounds[1].candidates: must be the qualifiers of round 1: YAC, PER; missing: PER; "
        "not qualified: HER"
    )


def test_later_round_candidates_unknown_and_repeated() -> None:
    round_2 = {"number": 2, "candidates": ["YAC", "XYZ", "YAC", 3], "sheets": []}
    assert problems_of(package(rounds=[ROUND_1, round_2])) == [
        'rounds[1].candidates[1]: unknown candidate "XYZ"',
        "rounds[1].candidates[2]: YAC is listed more than once",
        "rounds[1].candidates[3]: must be a candidate code, not 3",
    ]


def test_later_round_needs_a_complete_round_before() -> None:
    round_1 = copy.deepcopy(ROUND_1)
    del round_1["sheets"][3:]
    assert one_problem(package(rounds=[round_1, ROUND_2])) == (
        "rounds[1]: round 1 is incomplete (2 of 5 branches without a sheet: B004, B005), "
        "so round 2 cannot be loaded"
    )


def test_later_round_needs_a_runoff_before() -> None:
    round_1 = copy.deepcopy(ROUND_1)
    round_1["sheets"][0] = sheet("B001", 5, YAC=700, PER=50, HER=30, MIT=15)
    assert one_problem(package(rounds=[round_1, {"number": 2, "sheets": []}])) == (
        "rounds[1]: round 1's outcome is winner YAC, not runoff, so round 2 cannot be loaded"
    )


def test_later_round_needs_a_lot_when_the_round_before_is_tied() -> None:
    round_1 = copy.deepcopy(ROUND_1)
    # PER 600 -> 650: tied with YAC for the first place, HER far behind: both still qualify.
    round_1["sheets"][4] = sheet("B005", 2, YAC=50, PER=90, HER=10, MIT=30)
    assert parse_package(json.dumps(package(rounds=[round_1, ROUND_2]))).rounds[1].ballot == (
        "YAC",
        "PER",
    )
    # PER and HER tied at 600 for the second place: a lot is required.
    round_1["sheets"][4] = copy.deepcopy(ROUND_1["sheets"][4])
    round_1["sheets"][0] = sheet("B001", 5, YAC=300, PER=250, HER=350, MIT=95)
    round_1["lots"] = []
    assert one_problem(package(rounds=[round_1, {"number": 2, "sheets": []}])) == (
        "rounds[1]: round 1's outcome is lot_required (a lot must order HER, PER for 1 place), "
        "not runoff, so round 2 cannot be loaded"
    )
    # With the committee's lot, HER goes on.
    round_1["lots"] = [{"order": ["HER", "PER"]}]
    spec = parse_package(json.dumps(package(rounds=[round_1, {"number": 2, "sheets": []}])))
    assert spec.rounds[1].ballot == ("YAC", "HER")
    assert spec.rounds[0].lots == (LotSpec(("HER", "PER"), None),)


def test_later_round_needs_votes_before() -> None:
    round_1 = {
        "number": 1,
        "sheets": [{"branch": b["code"], "annulled": True, "reason": "x"} for b in BRANCHES],
    }
    assert one_problem(package(rounds=[round_1, {"number": 2, "sheets": []}])) == (
        "rounds[1]: round 1's outcome is no_votes, not runoff, so round 2 cannot be loaded"
    )


def test_problems_in_the_round_before_are_not_repeated_in_the_later_round() -> None:
    # Round 1 is broken; round 2's dependent checks are skipped, not reported as noise.
    problems = problems_of(package(rounds__0__sheets__0__invalid=-5))
    assert problems == ["rounds[0].sheets[0].invalid: must be an integer >= 0, not -5"]


def test_runoff_with_three_qualifiers() -> None:
    document = package(
        election__rules={"runoff_size": 3}, rounds__1__sheets=[sheet("B001", HER=1, PER=1, YAC=1)]
    )
    spec = parse_package(json.dumps(document))
    assert spec.rounds[1].ballot == ("YAC", "PER", "HER")


def test_third_round() -> None:
    round_2 = copy.deepcopy(ROUND_2)
    round_2["sheets"] = [sheet(b["code"], YAC=5, PER=5) for b in BRANCHES]
    round_3 = {"number": 3, "sheets": []}
    # Round 2 is a tie: no third round (a runoff has only winner, lot_required or no_votes).
    assert one_problem(package(rounds=[ROUND_1, round_2, round_3])) == (
        "rounds[2]: round 2's outcome is lot_required (a lot must order PER, YAC for 1 place), "
        "not runoff, so round 3 cannot be loaded"
    )


# --------------------------------------------------------------------------- lots


def test_lot_shapes() -> None:
    lots = [
        {"order": ["YAC"]},
        {"order": ["YAC", "YAC"]},
        {"order": ["YAC", "XYZ"]},
        {"order": "YAC,PER"},
        {"note": "x"},
        {"order": ["YAC", "PER"], "note": 5, "when": "now"},
        "YAC",
    ]
    assert problems_of(package(rounds__0__lots=lots)) == [
        "rounds[0].lots[0].order: must be a list of at least 2 candidate codes, not a list",
        "rounds[0].lots[1].order[1]: YAC is listed more than once",
        'rounds[0].lots[2].order[1]: "XYZ" is not on this round\'s ballot (YAC, PER, HER, MIT)',
        'rounds[0].lots[3].order: must be a list of at least 2 candidate codes, not "YAC,PER"',
        "rounds[0].lots[4].order: is required",
        "rounds[0].lots[5].when: unknown key (expected: order, note)",
        "rounds[0].lots[5].note: must be a string or null, not 5",
        'rounds[0].lots[6]: must be an object, not "YAC"',
    ]


def test_lot_in_a_runoff_must_name_the_runoff_ballot() -> None:
    assert one_problem(package(rounds__1__lots=[{"order": ["YAC", "HER"]}])) == (
        'rounds[1].lots[0].order[1]: "HER" is not on this round\'s ballot (YAC, PER)'
    )


def test_lots_must_be_a_list() -> None:
    assert one_problem(package(rounds__0__lots={"order": ["YAC", "PER"]})) == (
        "rounds[0].lots: must be a list, not an object"
    )


def test_lots_keep_their_order() -> None:
    lots = [{"order": ["HER", "MIT"]}, {"order": ["MIT", "HER"], "note": "drawn again"}]
    spec = parse_package(json.dumps(package(rounds__0__lots=lots)))
    assert spec.rounds[0].lots == (
        LotSpec(("HER", "MIT"), None),
        LotSpec(("MIT", "HER"), "drawn again"),
    )


# --------------------------------------------------------------------------- sheets


def test_sheets_must_be_a_list() -> None:
    assert one_problem(package(rounds__1__sheets=None)) == (
        "rounds[1].sheets: must be a list (it may be empty), not null"
    )


def test_sheet_not_an_object() -> None:
    assert one_problem(package(rounds__1__sheets=[[1, 2]])) == (
        "rounds[1].sheets[0]: must be an object, not a list"
    )


def test_sheet_unknown_and_missing_keys() -> None:
    assert problems_of(package(rounds__1__sheets=[{"branch": "B001", "blank": 3}])) == [
        "rounds[1].sheets[0].blank: unknown key (expected: branch, annulled, reason, "
        "ballots_cast, invalid, votes)",
        "rounds[1].sheets[0].ballots_cast: is required",
        "rounds[1].sheets[0].invalid: is required",
        "rounds[1].sheets[0].votes: is required",
    ]


def test_sheet_unknown_branch() -> None:
    assert one_problem(package(rounds__1__sheets=[sheet("B999", YAC=1, PER=1)])) == (
        "rounds[1].sheets[0].branch: unknown branch B999"
    )


def test_sheet_bad_branch_code() -> None:
    assert one_problem(package(rounds__1__sheets=[sheet("B 1", YAC=1, PER=1)])) == (
        "rounds[1].sheets[0].branch: must be a branch code (1-32 letters, digits, -, _ or .), "
        'not "B 1"'
    )


def test_sheet_duplicate_branch_names_both_paths() -> None:
    sheets = [sheet("B001", YAC=1, PER=1), sheet("B004", YAC=1, PER=1), sheet("B001", YAC=2, PER=1)]
    assert problems_of(package(rounds__1__sheets=sheets)) == [
        "rounds[1].sheets[2].branch: B001 already has a sheet in this round, at "
        "rounds[1].sheets[0]",
    ]


def test_sheet_duplicate_branch_annulled_and_counted() -> None:
    sheets = [sheet("B001", YAC=1, PER=1), {"branch": "B001", "annulled": True, "reason": "x"}]
    assert one_problem(package(rounds__1__sheets=sheets)) == (
        "rounds[1].sheets[1].branch: B001 already has a sheet in this round, at rounds[1].sheets[0]"
    )


def test_sheet_votes_missing_and_unknown() -> None:
    votes = {"YAC": 300, "PER": 250, "HER": 150, "XYZ": 95}
    problems = problems_of(package(rounds__0__sheets__0__votes=votes))
    assert problems == [
        "rounds[0].sheets[0].votes.XYZ: not a candidate (the ballot is YAC, PER, HER, MIT)",
        "rounds[0].sheets[0].votes.MIT: is required: every candidate on the round's ballot "
        "needs a number (0 if none)",
    ]


def test_sheet_votes_for_a_candidate_not_in_the_runoff() -> None:
    votes = {"YAC": 400, "PER": 350, "HER": 0}
    assert one_problem(package(rounds__1__sheets__0__votes=votes)) == (
        "rounds[1].sheets[0].votes.HER: not on round 2's ballot (the ballot is YAC, PER)"
    )


def test_sheet_votes_odd_key_path() -> None:
    votes = {"YAC": 400, "PER": 350, "Y A": 0}
    assert one_problem(package(rounds__1__sheets__0__votes=votes)) == (
        'rounds[1].sheets[0].votes["Y A"]: not a candidate (the ballot is YAC, PER)'
    )


def test_sheet_votes_not_an_object() -> None:
    assert one_problem(package(rounds__1__sheets__0__votes=[400, 350])) == (
        "rounds[1].sheets[0].votes: must be an object of candidate code -> votes, not a list"
    )


@pytest.mark.parametrize(
    ("value", "shown"),
    [(-3, "-3"), (1.0, "1.0"), (True, "true"), ("12", '"12"'), (None, "null"), (1e400, "Infinity")],
)
def test_sheet_numbers_must_be_integers(value: object, shown: str) -> None:
    document = package(rounds__1__sheets__0__votes__PER=value)
    text = json.dumps(document)
    problems = problems_of(text)
    assert problems == [f"rounds[1].sheets[0].votes.PER: must be an integer >= 0, not {shown}"]


def test_sheet_ballots_cast_and_invalid_must_be_integers() -> None:
    assert problems_of(
        package(rounds__1__sheets__0__ballots_cast="753", rounds__1__sheets__0__invalid=3.0)
    ) == [
        'rounds[1].sheets[0].ballots_cast: must be an integer >= 0, not "753"',
        "rounds[1].sheets[0].invalid: must be an integer >= 0, not 3.0",
    ]


def test_sheet_sum_rule_says_the_numbers() -> None:
    assert one_problem(package(rounds__1__sheets__0__ballots_cast=754)) == (
        "rounds[1].sheets[0]: votes 750 + invalid 3 = 753, but ballots_cast is 754"
    )


def test_sheet_ballots_cast_above_eligible() -> None:
    votes = {"YAC": 200, "PER": 199}
    assert (
        one_problem(
            package(
                rounds__1__sheets__1__votes=votes,
                rounds__1__sheets__1__invalid=2,
                rounds__1__sheets__1__ballots_cast=401,
            )
        )
        == "rounds[1].sheets[1]: ballots_cast 401 is more than the 400 eligible members of "
        "branch B004"
    )


def test_sheet_ballots_cast_equal_to_eligible_is_fine() -> None:
    document = package(rounds__1__sheets__1=sheet("B004", 0, YAC=200, PER=200))
    assert parse_package(json.dumps(document)).rounds[1].sheets[1].ballots_cast == 400


def test_annulled_sheet_shapes() -> None:
    sheets = [
        {"branch": "B001", "annulled": True},
        {"branch": "B002", "annulled": True, "reason": "  "},
        {"branch": "B003", "annulled": True, "reason": "x", "ballots_cast": 3, "votes": {}},
        {"branch": "B004", "annulled": "yes", "reason": "x"},
        {"branch": "B005", "annulled": True, "reason": "x", "by": "chair"},
    ]
    assert problems_of(package(rounds__1__sheets=sheets)) == [
        "rounds[1].sheets[0].reason: is required",
        'rounds[1].sheets[1].reason: must be a non-empty string, not "  "',
        "rounds[1].sheets[2].ballots_cast: an annulled sheet has no numbers: leave it out",
        "rounds[1].sheets[2].votes: an annulled sheet has no numbers: leave it out",
        'rounds[1].sheets[3].annulled: must be true or false, not "yes"',
        "rounds[1].sheets[4].by: unknown key (expected: branch, annulled, reason, ballots_cast, "
        "invalid, votes)",
    ]


def test_counted_sheet_may_say_annulled_false_but_has_no_reason() -> None:
    counted = {**sheet("B001", 3, YAC=400, PER=350), "annulled": False}
    spec = parse_package(json.dumps(package(rounds__1__sheets__0=counted)))
    assert spec.rounds[1].sheets[0].annulled is False
    assert one_problem(package(rounds__1__sheets__0={**counted, "reason": "recount"})) == (
        'rounds[1].sheets[0].reason: only an annulled sheet has a reason (with "annulled": true)'
    )


def test_sheets_are_checked_even_when_the_ballot_is_unknown() -> None:
    # Round 1 is incomplete, so round 2's ballot is unknown: its numbers are still checked.
    round_1 = copy.deepcopy(ROUND_1)
    del round_1["sheets"][4]
    round_2 = {"number": 2, "sheets": [sheet("B001", YAC=-1, PER=2)]}
    problems = problems_of(package(rounds=[round_1, round_2]))
    assert problems == [
        "rounds[1]: round 1 is incomplete (1 of 5 branches without a sheet: B005), so round 2 "
        "cannot be loaded",
        "rounds[1].sheets[0].votes.YAC: must be an integer >= 0, not -1",
    ]


def test_every_problem_is_listed() -> None:
    problems = problems_of(
        package(
            election__slug="Bad Slug",
            election__branches__0__eligible=-1,
            rounds__0__held_on="yesterday",
            rounds__1__sheets__0__votes__PER="x",
        )
    )
    assert [p.split(":")[0] for p in problems] == [
        "election.slug",
        "election.branches[0].eligible",
        "rounds[0].held_on",
        "rounds[1].sheets[0].votes.PER",
    ]


def test_problems_are_capped() -> None:
    sheets = [sheet("B001", YAC=-1, PER=-1) for _ in range(150)]
    error_problems = problems_of(package(rounds__1__sheets=sheets))
    assert len(error_problems) == MAX_PROBLEMS + 1
    # Per sheet: ballots_cast, YAC and PER below 0; and 149 repeated branches.
    assert error_problems[-1] == f"... and {150 * 3 + 149 - MAX_PROBLEMS} more problems"


def test_format_error_str_joins_lines() -> None:
    error = FormatError(["a: one", "b: two"])
    assert str(error) == "a: one\nb: two"
    assert error.problems == ["a: one", "b: two"]
    copied = pickle.loads(pickle.dumps(error))
    assert copied.problems == error.problems
    assert str(copied) == str(error)


def test_format_error_is_a_refusal() -> None:
    error = FormatError(["a: one", "b: two"])
    assert isinstance(error, Refused)
    assert error.field is None
    with pytest.raises(Refused) as caught:
        parse_branches_csv(b"")
    assert caught.value.problems == [
        "the file is empty: expected the header code,name,region,eligible"
    ]


# --------------------------------------------------------------------------- the sum rule


def test_sum_rule_in_the_words_of_files() -> None:
    # The files' readers state the sheet rules of the core with the column name ballots_cast.
    def problems(cast: int, invalid: int, votes: dict[str, int], **kwargs: Any) -> list[str]:
        return sum_problems(Numbers(cast, invalid, votes), cast_word="ballots_cast", **kwargs)

    assert problems(415, 5, {"A": 400, "B": 10}) == []
    assert problems(416, 5, {"A": 400, "B": 10}) == [
        "votes 410 + invalid 5 = 415, but ballots_cast is 416"
    ]
    assert problems(415, 5, {"A": 400, "B": 10}, eligible=415, branch="B1") == []
    assert problems(416, 6, {"A": 400, "B": 10}, eligible=415, branch="B1") == [
        "ballots_cast 416 is more than the 415 eligible members of branch B1"
    ]
    assert problems(0, 0, {}) == []


# --------------------------------------------------------------------------- branches CSV


def csv_problems(parse: Any, raw: bytes, *args: Any) -> list[str]:
    with pytest.raises(FormatError) as caught:
        parse(raw, *args)
    return caught.value.problems


def test_branches_csv() -> None:
    raw = b"code,name,region,eligible\nB001,Tel Aviv - Center,Tel Aviv,1200\nB002,Yeruham,,300\n"
    assert parse_branches_csv(raw) == [
        BranchSpec("B001", "Tel Aviv - Center", "Tel Aviv", 1200, line=2),
        BranchSpec("B002", "Yeruham", None, 300, line=3),
    ]


def test_branches_csv_header_only_and_crlf_and_bom() -> None:
    assert parse_branches_csv(b"code,name,region,eligible\r\n") == []
    assert parse_branches_csv(b"\xef\xbb\xbfcode,name,region,eligible") == []
    assert parse_branches_csv(b"\xef\xbb\xbfcode,name,region,eligible\r\nB1,X,,3\r\n") == [
        BranchSpec("B1", "X", None, 3, line=2)
    ]


@pytest.mark.parametrize("raw", [b"", b"\xef\xbb\xbf", b"\n\n", b" , ,\n"])
def test_branches_csv_empty_file(raw: bytes) -> None:
    assert csv_problems(parse_branches_csv, raw) == [
        "the file is empty: expected the header code,name,region,eligible"
    ]


@pytest.mark.parametrize(
    "header",
    ["eligible,region,name,code", " code , name,region ,eligible", "name,code,eligible,region"],
)
def test_branches_csv_header_permutations(header: str) -> None:
    columns = [name.strip() for name in header.split(",")]
    row = {"code": "B7", "name": "Haifa", "region": "North", "eligible": "70"}
    raw = f"{header}\n{','.join(row[c] for c in columns)}\n".encode()
    assert parse_branches_csv(raw) == [BranchSpec("B7", "Haifa", "North", 70, line=2)]


def test_branches_csv_unknown_missing_and_repeated_columns() -> None:
    assert csv_problems(parse_branches_csv, b"code,name,code,voters\n") == [
        "line 1: column code appears more than once in the header",
        'line 1: unknown column "voters" (expected: code, name, region, eligible)',
        "line 1: missing column region (expected: code, name, region, eligible)",
        "line 1: missing column eligible (expected: code, name, region, eligible)",
    ]


def test_branches_csv_empty_header_cell() -> None:
    # A trailing empty column is ignored (contract 1.1); an empty one between others is not.
    assert parse_branches_csv(b"code,name,region,eligible,\nB1,A,,1,\n") == [
        BranchSpec("B1", "A", None, 1, line=2)
    ]
    assert csv_problems(parse_branches_csv, b"code,name,,region,eligible\n") == [
        "line 1: column 3 of the header is empty (expected: code, name, region, eligible)"
    ]


def test_branches_csv_blank_lines_keep_physical_numbers() -> None:
    raw = b"\ncode,name,region,eligible\n\nB1,A,,1\n , , ,\n\nB2,B,,x\n"
    assert csv_problems(parse_branches_csv, raw) == [
        'line 7: eligible: must be a whole number >= 0 written in digits, not "x"'
    ]


def test_branches_csv_multiline_quoted_field_keeps_numbering() -> None:
    raw = b'code,name,region,eligible\nB1,"Tel Aviv\nCenter",,1\nB2,B,,-3\n'
    assert csv_problems(parse_branches_csv, raw) == [
        "line 2: name: must not contain the control character U+000A",
        'line 4: eligible: must be a whole number >= 0 written in digits, not "-3"',
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "is empty: a whole number >= 0 is required"),
        ("1.0", 'must be a whole number >= 0 written in digits, not "1.0"'),
        ("1e3", 'must be a whole number >= 0 written in digits, not "1e3"'),
        ("-3", 'must be a whole number >= 0 written in digits, not "-3"'),
        ("abc", 'must be a whole number >= 0 written in digits, not "abc"'),
        ("٣", 'must be a whole number >= 0 written in digits, not "٣"'),
        ('"1,000"', 'must be written in plain digits, without thousands separators, not "1,000"'),
        (str(2**63), f'must be at most {MAX_INT}, not "{2**63}"'),
    ],
)
def test_branches_csv_bad_numbers(value: str, message: str) -> None:
    raw = f"code,name,region,eligible\nB1,A,,{value}\n".encode()
    assert csv_problems(parse_branches_csv, raw) == [f"line 2: eligible: {message}"]


def test_branches_csv_numbers_may_have_spaces_and_leading_zeros() -> None:
    raw = b"code,name,region,eligible\n B1 , A , R , 0070 \n"
    assert parse_branches_csv(raw) == [BranchSpec("B1", "A", "R", 70, line=2)]


def test_branches_csv_duplicate_codes_name_both_lines() -> None:
    raw = b"code,name,region,eligible\nB1,A,,1\nB2,B,,2\nB1,C,,3\n"
    assert csv_problems(parse_branches_csv, raw) == ["line 4: code: B1 is already on line 2"]


def test_branches_csv_row_problems() -> None:
    raw = b"code,name,region,eligible\n,A,,1\nB 2,B,,2\nB3,,,3\nB4,D,,4,5\nB5,E\nB6,F,,6,,\n"
    assert csv_problems(parse_branches_csv, raw) == [
        "line 2: code: is empty",
        'line 3: code: must be 1-32 letters, digits, -, _ or ., not "B 2"',
        "line 4: name: is empty",
        "line 5: has 5 values, but the header has 4 columns (code, name, region, eligible)",
        "line 6: has 2 values, but the header has 4 columns (code, name, region, eligible)",
    ]


def test_branches_csv_malformed_quotes() -> None:
    raw = b'code,name,region,eligible\nB1,"A"x,,1\n'
    assert csv_problems(parse_branches_csv, raw) == [
        "line 2: the CSV is malformed: ',' expected after '\"'"
    ]


def test_branches_csv_windows_1255_and_utf16() -> None:
    # Contract 1.1: what is not UTF-8 is Windows-1255; UTF-16 is read by its byte-order mark.
    text = "code,name,region,eligible\nB1,ירוחם,דרום,1\n"
    expected = [BranchSpec("B1", "ירוחם", "דרום", 1, line=2)]
    assert parse_branches_csv(text.encode("cp1255")) == expected
    assert parse_branches_csv(text.encode("utf-16")) == expected
    assert parse_branches_csv(b"\xfe\xff" + text.encode("utf-16-be")) == expected


def test_branches_csv_neither_utf8_nor_windows_1255() -> None:
    # 0xFF is no character in Windows-1255.
    [problem] = csv_problems(parse_branches_csv, b"code,name,region,eligible\nB1,\xff,,1\n")
    assert problem.startswith(
        "the file is not text in UTF-8, UTF-16 or Windows-1255: byte 0xFF at offset 29"
    )


def test_branches_csv_utf16_without_byte_order_mark() -> None:
    raw = "code,name,region,eligible\n".encode("utf-16-le")
    [problem] = csv_problems(parse_branches_csv, raw)
    assert problem.startswith("the file is not text: it has a NUL character")


def test_branches_csv_hebrew_utf8() -> None:
    raw = "code,name,region,eligible\nB1,ירוחם,דרום,1\n".encode()
    assert parse_branches_csv(raw) == [BranchSpec("B1", "ירוחם", "דרום", 1, line=2)]


# --------------------------------------------------------------------------- sheets CSV


BALLOT = ("YAC", "PER")


def test_sheets_csv() -> None:
    raw = b"branch,ballots_cast,invalid,YAC,PER\nB001,753,3,400,350\n\nB004,311,1,150,160\n"
    assert parse_sheets_csv(raw, BALLOT) == [
        SheetSpec("B001", 753, 3, {"YAC": 400, "PER": 350}, line=2),
        SheetSpec("B004", 311, 1, {"YAC": 150, "PER": 160}, line=4),
    ]


def test_sheets_csv_header_permutation_and_vote_order() -> None:
    raw = b"PER,invalid,branch,YAC,ballots_cast\n350,3,B001,400,753\n"
    [spec] = parse_sheets_csv(raw, BALLOT)
    assert list(spec.votes or {}) == ["YAC", "PER"]
    assert spec.votes == {"YAC": 400, "PER": 350}


def test_sheets_csv_header_only() -> None:
    assert parse_sheets_csv(b"branch,ballots_cast,invalid,YAC,PER\n", BALLOT) == []


def test_sheets_csv_empty_file() -> None:
    assert csv_problems(parse_sheets_csv, b"", BALLOT) == [
        "the file is empty: expected the header branch,ballots_cast,invalid,YAC,PER"
    ]


def test_sheets_csv_columns_must_match_the_ballot() -> None:
    assert csv_problems(parse_sheets_csv, b"branch,ballots_cast,invalid,YAC,HER\n", BALLOT) == [
        'line 1: unknown column "HER" (expected: branch, ballots_cast, invalid, YAC, PER)',
        "line 1: missing column PER (expected: branch, ballots_cast, invalid, YAC, PER)",
    ]


def test_sheets_csv_sum_rule_and_numbers() -> None:
    raw = (
        b"branch,ballots_cast,invalid,YAC,PER\n"
        b"B001,754,3,400,350\n"
        b"B002,10,x,5,5\n"
        b"B003,10,0,5,1.0\n"
        b"B001,753,3,400,350\n"
    )
    assert csv_problems(parse_sheets_csv, raw, BALLOT) == [
        "line 2: votes 750 + invalid 3 = 753, but ballots_cast is 754",
        'line 3: invalid: must be a whole number >= 0 written in digits, not "x"',
        'line 4: PER: must be a whole number >= 0 written in digits, not "1.0"',
        "line 5: branch: B001 is already on line 2",
    ]


def test_sheets_csv_bad_branch_code() -> None:
    raw = b"branch,ballots_cast,invalid,YAC,PER\nB 1,0,0,0,0\n"
    assert csv_problems(parse_sheets_csv, raw, BALLOT) == [
        'line 2: branch: must be 1-32 letters, digits, -, _ or ., not "B 1"'
    ]


def test_sheets_csv_windows_1255() -> None:
    raw = "branch,ballots_cast,invalid,YAC,PER\nבאר,0,0,0,0\n".encode("cp1255")
    [problem] = csv_problems(parse_sheets_csv, raw, BALLOT)
    assert problem == 'line 2: branch: must be 1-32 letters, digits, -, _ or ., not "באר"'


def test_csv_problems_are_capped() -> None:
    rows = "".join(f"B{i},1,x,0,0\n" for i in range(300))
    raw = f"branch,ballots_cast,invalid,YAC,PER\n{rows}".encode()
    problems = csv_problems(parse_sheets_csv, raw, BALLOT)
    assert len(problems) == MAX_PROBLEMS + 1
    assert problems[0] == 'line 2: invalid: must be a whole number >= 0 written in digits, not "x"'
    assert problems[-1] == "... and 100 more problems"


def test_a_candidate_given_twice_in_a_sheets_votes() -> None:
    """Mutation testing (primaries.formats.sheets, SheetsParser.parse_votes): a sheet whose votes
    name a candidate twice is refused at that candidate, whichever number comes last."""
    text = json.dumps(PACKAGE).replace('"YAC": 300', '"YAC": 1, "YAC": 300', 1)
    assert one_problem(text) == "rounds[0].sheets[0].votes.YAC: is given more than once"


def test_every_vote_of_a_sheet_is_checked_after_an_unknown_code() -> None:
    """Mutation testing (parse_votes): an unknown candidate code does not stop the check of the
    numbers after it."""
    votes = {"XYZ": 5, "YAC": -1, "PER": 250, "HER": 150, "MIT": 95}
    assert problems_of(package(rounds__0__sheets__0__votes=votes)) == [
        "rounds[0].sheets[0].votes.XYZ: not a candidate (the ballot is YAC, PER, HER, MIT)",
        "rounds[0].sheets[0].votes.YAC: must be an integer >= 0, not -1",
    ]


def test_a_sheet_without_its_branch_has_one_problem() -> None:
    """Mutation testing (parse_sheet): a missing branch is named once, as required."""
    assert problems_of(package(rounds__0__sheets__0__branch=DELETE)) == [
        "rounds[0].sheets[0].branch: is required"
    ]


def test_a_sheet_without_ballots_cast_has_one_problem() -> None:
    """Mutation testing (parse_sheet): a missing number is named, and the sum is not checked
    without it."""
    assert problems_of(package(rounds__0__sheets__0__ballots_cast=DELETE)) == [
        "rounds[0].sheets[0].ballots_cast: is required"
    ]


def test_an_annulment_reason_a_database_cannot_store() -> None:
    """Mutation testing (primaries.formats.values.check_text): the reason's own path names it."""
    sheet = {"branch": "B001", "annulled": True, "reason": "lost\u0000box"}
    problems = problems_of(package(rounds__0__sheets__0=sheet))
    assert len(problems) == 1 and problems[0].startswith("rounds[0].sheets[0].reason: ")


def test_a_twenty_digit_number_is_refused_as_too_large() -> None:
    """A number of 20 digits is out of range, with the range in the message."""
    text = json.dumps(PACKAGE).replace('"eligible": 1000', '"eligible": 12345678901234567890', 1)
    assert one_problem(text) == (
        "election.branches[0].eligible: must be an integer >= 0 and at most "
        "9223372036854775807, not 12345678901234567890"
    )


def test_the_first_candidates_votes_given_as_text() -> None:
    """Mutation testing (parse_votes' quick path for sound sheets): a string where the first
    candidate's number should be is named like any other, not taken for the quick path."""
    document = package(rounds__0__sheets__0__votes__YAC="300")
    assert one_problem(document) == (
        'rounds[0].sheets[0].votes.YAC: must be an integer >= 0, not "300"'
    )


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (True, "not true"),
        (None, "not null"),
        ("abc", 'not "abc"'),
        ("101", 'not "101"'),
    ],
)
def test_parse_rules_threshold_messages_in_full(value: object, shown: str) -> None:
    """Mutation testing (primaries.formats.rules.check_rules): each refusal's words in full, the
    value as given (true is not "the number true")."""
    with pytest.raises(FormatError) as caught:
        parse_rules({"threshold_percent": value})
    [problem] = caught.value.problems
    example = 'e.g. "40" or "33.33"'
    expected = {
        True: f"must be a decimal number in a string, {example}, {shown}",
        None: f"must be a decimal number in a string, {example}, {shown}",
        "abc": "must be a decimal number from 0 to 100 with at most 2 decimals, "
        f"{example}, {shown}",
        "101": f"must be at most 100, {shown}",
    }[value]
    assert problem == f"election.rules.threshold_percent: {expected}"


def test_a_rounds_sheets_not_a_list() -> None:
    """Mutation testing (parse_sheets): the value given is quoted."""
    assert one_problem(package(rounds__0__sheets="B001")) == (
        'rounds[0].sheets: must be a list (it may be empty), not "B001"'
    )


def test_every_sheet_is_checked_after_one_that_is_not_an_object() -> None:
    """Mutation testing (parse_sheets): a sheet that is not an object does not stop the check of
    the sheets after it."""
    document = package()
    document["rounds"][0]["sheets"].insert(0, 7)
    document["rounds"][0]["sheets"][1]["ballots_cast"] = -1
    problems = problems_of(document)
    assert problems[0] == "rounds[0].sheets[0]: must be an object, not 7"
    assert "rounds[0].sheets[1].ballots_cast: must be an integer >= 0, not -1" in problems
