"""The formats' checks of single values, as a package or a CSV file shows them: the cases that
``make mutants`` (docs/mutants.md) found untested.

Numbers at the limit when the package's text holds a long run of digits (the decoder then
converts integers itself), numbers with many leading zeros in a CSV cell, values shown in a
problem as written (booleans, long strings, a line break inside a quoted cell), and a CSV file
whose quote is never closed.
"""

from __future__ import annotations

import json

import pytest

from primaries.core.limits import MAX_INT
from primaries.formats import FormatError, parse_branches_csv, parse_package
from tests.elections.test_formats import one_problem, package

LONG_RUN = "Branch 12345678901234567890"  # 20 digits in a row, in a name


def test_a_count_at_the_limit_is_accepted_when_the_text_holds_a_long_run_of_digits() -> None:
    at_bound = MAX_INT - 1800  # the other branches have 1800 eligible members
    document = package(election__branches__0__eligible=at_bound)
    document["election"]["branches"][0]["name"] = LONG_RUN
    spec = parse_package(json.dumps(document))
    assert spec.branches[0].eligible == at_bound
    assert spec.branches[0].name == LONG_RUN


def test_a_hugely_negative_count_is_refused_as_below_zero() -> None:
    assert one_problem(package(election__branches__0__eligible=-(10**20))) == (
        f"election.branches[0].eligible: must be an integer >= 0, not {-(10**20)}"
    )


@pytest.mark.parametrize(("value", "shown"), [(False, "false"), (True, "true")])
def test_a_boolean_is_shown_as_json_writes_it(value: bool, shown: str) -> None:
    assert one_problem(package(election__candidates__0__name=value)) == (
        f"election.candidates[0].name: must be a non-empty string, not {shown}"
    )


@pytest.mark.parametrize(
    ("length", "shown"),
    [(48, '"' + "x" * 48 + '"'), (49, '"' + "x" * 44 + '..."')],
)
def test_a_long_string_is_shown_cut_after_fifty_characters(length: int, shown: str) -> None:
    assert one_problem(package(election__rules={"threshold_basis": "x" * length})) == (
        f'election.rules.threshold_basis: must be "valid" or "cast", not {shown}'
    )


def test_a_lots_note_that_a_database_cannot_store_is_refused_at_its_path() -> None:
    document = package()
    document["rounds"][0]["lots"][0]["note"] = "drawn\x00"
    assert one_problem(document) == (
        "rounds[0].lots[0].note: must not contain a NUL character (\\u0000)"
    )


def test_a_csv_number_may_have_any_number_of_leading_zeros() -> None:
    raw = (
        "code,name,region,eligible\n"
        f"B1,Haifa,,{'0' * 25}\n"
        f"B2,Acre,,0{MAX_INT}\n"
        f"B3,Eilat,,{'0' * 30}7\n"
    ).encode()
    assert [branch.eligible for branch in parse_branches_csv(raw)] == [0, MAX_INT, 7]


def test_a_line_break_in_a_quoted_csv_cell_is_shown_as_written() -> None:
    raw = b'code,name,region,eligible\r\nB1,Haifa,,"1\r\n000"\r\n'
    with pytest.raises(FormatError) as refused:
        parse_branches_csv(raw)
    assert refused.value.problems == [
        'line 2: eligible: must be a whole number >= 0 written in digits, not "1\\r\\n000"'
    ]


def test_a_quote_left_open_is_named_as_the_likely_cause() -> None:
    with pytest.raises(FormatError) as refused:
        parse_branches_csv(b'code,name,region,eligible\nB1,"Haifa,,5\n')
    assert refused.value.problems == [
        "line 2: the CSV is malformed: unexpected end of data (a quote left open?)"
    ]


def test_a_message_lists_codes_or_says_none() -> None:
    from primaries.formats.values import code_list

    assert code_list(["AAA", "BBB"]) == "AAA, BBB"
    assert code_list([]) == "none"


def test_names_given_as_a_plain_mapping_are_checked_alike() -> None:
    """``check_names`` takes any object: a dict that did not come from the JSON decoder (which
    notes keys given twice) has no keys given twice, and its names are checked alike."""
    from primaries.formats.problems import Problems
    from primaries.formats.values import check_names

    problems = Problems()
    assert check_names({"he": "חיפה", "ar": "حيفا"}, "names", problems) == {
        "he": "חיפה",
        "ar": "حيفا",
    }
    assert problems.lines == []


def test_names_with_a_problem_give_nothing_and_say_where() -> None:
    from primaries.formats.problems import Problems
    from primaries.formats.values import check_names

    problems = Problems()
    problems.add("elsewhere", "an earlier problem")
    assert check_names({"he": "חיפה", "EN": "Haifa"}, "names", problems) is None
    assert problems.lines[1:] == [
        "names.EN: must be a lowercase language tag: 2-3 letters, then optional -subtags of 2-8 "
        'letters or digits (he, ar, en-gb), not "EN" (write "en")'
    ]
    ok = Problems()
    ok.add("elsewhere", "an earlier problem")
    assert check_names({"he": "חיפה"}, "names", ok) == {"he": "חיפה"}  # earlier problems aside
