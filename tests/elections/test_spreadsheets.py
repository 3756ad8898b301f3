"""Spreadsheets as committees have them (CONTRACT section 6, from version 1.1): Excel workbooks,
CSV in UTF-8, UTF-16 or Windows-1255, separated by commas, semicolons or tabs, a trailing empty
column, candidates' columns headed by code or name; every problem of a file at once."""

from __future__ import annotations

import contextlib
import io
import zipfile
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from primaries.formats import FormatError, parse_branches_csv, parse_sheets_csv
from primaries.formats.specs import BranchSpec, SheetSpec
from primaries.formats.spreadsheets import detect_delimiter
from tests.workbooks import xlsx

BALLOT = ("YAC", "PER")
NAMES = {"YAC": "שלי יחימוביץ'", "PER": "עמיר פרץ"}


def problems(parse: Any, raw: bytes, *args: Any, **kwargs: Any) -> list[str]:
    with pytest.raises(FormatError) as caught:
        parse(raw, *args, **kwargs)
    return caught.value.problems


BRANCHES = [
    BranchSpec("B1", "ירוחם", "דרום", 300, line=2),
    BranchSpec("B2", "תל אביב, מרכז", None, 1200, line=3),
]


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(
            'code,name,region,eligible\nB1,ירוחם,דרום,300\nB2,"תל אביב, מרכז",,1200\n'.encode(
                "utf-8-sig"
            ),
            id="utf-8 with bom, commas",
        ),
        pytest.param(
            (
                "code;name;region;eligible;\r\nB1;ירוחם;דרום;300;\r\nB2;תל אביב, מרכז;;1200;\r\n"
            ).encode("cp1255"),
            id="windows-1255, semicolons, trailing column",
        ),
        pytest.param(
            (
                "code\tname\tregion\teligible\nB1\tירוחם\tדרום\t300\nB2\tתל אביב, מרכז\t\t1200\n"
            ).encode("utf-16"),
            id="utf-16, tabs",
        ),
        pytest.param(
            xlsx(
                [
                    ["code", "name", "region", "eligible"],
                    ["B1", "ירוחם", "דרום", 300],
                    ["B2", "תל אביב, מרכז", None, 1200.0],
                ]
            ),
            id="xlsx",
        ),
    ],
)
def test_branches_in_every_form_read_the_same(raw: bytes) -> None:
    assert parse_branches_csv(raw) == BRANCHES


SHEETS = [
    SheetSpec("B1", 300, 4, {"YAC": 150, "PER": 146}, line=2),
    SheetSpec("B2", 500, 5, {"YAC": 250, "PER": 245}, line=3),
]


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(
            "branch;ballots_cast;invalid;שלי יחימוביץ';עמיר פרץ;\n"
            "B1;300;4;150;146;\nB2;500;5;250;245;\n".encode("cp1255"),
            id="windows-1255, semicolons, trailing column, names",
        ),
        pytest.param(
            "branch\tinvalid\tPER\tballots_cast\tYAC\nB1\t4\t146\t300\t150\n"
            "B2\t5\t245\t500\t250\n".encode("utf-16"),
            id="utf-16, tabs, codes",
        ),
        pytest.param(
            xlsx(
                [
                    ["branch", "ballots_cast", "invalid", "שלי יחימוביץ'", "PER"],
                    ["B1", 300, 4.0, "150", 146],
                    [None, None, None, None, None],
                    ["B2", 500, 5, 250, 245],
                ],
                second_sheet_first=True,
            ),
            id="xlsx, first worksheet, a name and a code",
        ),
    ],
)
def test_sheets_in_every_form_read_the_same(raw: bytes) -> None:
    specs = parse_sheets_csv(raw, BALLOT, names=NAMES)
    assert [(s.branch, s.ballots_cast, s.invalid, s.votes) for s in specs] == [
        (s.branch, s.ballots_cast, s.invalid, s.votes) for s in SHEETS
    ]


def test_names_are_not_read_without_names() -> None:
    raw = "branch,ballots_cast,invalid,עמיר פרץ,YAC\n".encode()
    assert problems(parse_sheets_csv, raw, BALLOT) == [
        'line 1: unknown column "עמיר פרץ" (expected: branch, ballots_cast, invalid, YAC, PER)',
        "line 1: missing column PER (expected: branch, ballots_cast, invalid, YAC, PER)",
    ]


@pytest.mark.parametrize(
    ("header", "names", "expected"),
    [
        (
            "branch,ballots_cast,invalid,YAC,PER",
            {"YAC": "PER", "PER": "Amir Peretz"},
            [
                'line 1: column "PER" is ambiguous: it is the code of candidate PER and the name '
                "of candidate YAC; head the column with the candidate's code"
            ],
        ),
        (
            "branch,ballots_cast,invalid,YAC,PER,YAC",
            NAMES,
            ["line 1: column YAC appears more than once in the header"],
        ),
        (
            "branch,ballots_cast,invalid,YAC,PER,עמיר פרץ",
            NAMES,
            ['line 1: columns "PER" and "עמיר פרץ" are both candidate PER: keep one of them'],
        ),
        (
            "branch,ballots_cast,invalid,YAC,Dana",
            {"YAC": "Dana", "PER": "Dana"},
            [
                'line 1: column "Dana" is ambiguous: it is the name of candidate PER and the '
                "name of candidate YAC; head the column with the candidate's code",
            ],
        ),
        (
            "branch,ballots_cast,invalid,YAC",
            NAMES,
            [
                'line 1: missing column PER or "עמיר פרץ" (expected: branch, ballots_cast, '
                "invalid, YAC, PER)"
            ],
        ),
    ],
)
def test_ambiguous_headers_are_refused(
    header: str, names: dict[str, str], expected: list[str]
) -> None:
    assert problems(parse_sheets_csv, f"{header}\n".encode(), BALLOT, names=names) == expected


def test_a_candidate_named_like_a_column_is_ambiguous() -> None:
    raw = b"branch,ballots_cast,invalid,YAC,PER\n"
    [problem] = problems(parse_sheets_csv, raw, BALLOT, names={"YAC": "invalid"})
    assert problem == (
        'line 1: column "invalid" is ambiguous: it is the name of candidate YAC and the column '
        "invalid; head the column with the candidate's code"
    )


def test_every_problem_of_a_file_at_once_with_its_line() -> None:
    raw = (
        "\n"
        "branch;ballots_cast;invalid;YAC;PER;\n"
        "B1;300;4;150;140;\n"  # the sum rule
        "B2;x;5;250;;\n"  # not a number; empty
        "\n"
        "B3;10;0;5;5;\n"
        "B 4;10;0;5;5;\n"  # a bad code
        "B1;300;4;150;146;\n"  # B1 twice
        "branch;ballots_cast;invalid;YAC;PER;\n"  # a second header
        "B5;1;0;1;0;7\n"  # a value beyond the header
    ).encode("cp1255")
    assert problems(parse_sheets_csv, raw, BALLOT) == [
        "line 3: votes 290 + invalid 4 = 294, but ballots_cast is 300",
        'line 4: ballots_cast: must be a whole number >= 0 written in digits, not "x"',
        "line 4: PER: is empty: a whole number >= 0 is required",
        'line 7: branch: must be 1-32 letters, digits, -, _ or ., not "B 4"',
        "line 8: branch: B1 is already on line 3",
        "line 9: repeats the header (a second header?): delete the line",
        "line 10: has 6 values, but the header has 5 columns "
        "(branch, ballots_cast, invalid, YAC, PER)",
    ]


def test_a_semicolon_file_with_one_problem_gives_one_line() -> None:
    # Issue 14: a semicolon file used to give six lines (one unknown column, five missing).
    raw = b"branch;ballots_cast;invalid;YAC;PER\nB1;300;4;150;140\n"
    assert problems(parse_sheets_csv, raw, BALLOT) == [
        "line 2: votes 290 + invalid 4 = 294, but ballots_cast is 300"
    ]


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("code,name,region,eligible\n", ","),
        ("code;name;region;eligible\n", ";"),
        ("code\tname\tregion\teligible\n", "\t"),
        ('"code;x",name;region;eligible\n', ";"),  # the known names decide
        ("\n ; ;\ncode;name,with comma;region;eligible\n", ";"),
        ("a;b;c\n", ";"),  # no known name: the most cells
        ("a\n", ","),
        ("", ","),
    ],
)
def test_the_separator_is_found_from_the_header(text: str, delimiter: str) -> None:
    assert detect_delimiter(text, ("code", "name", "region", "eligible")) == delimiter


def test_a_malformed_semicolon_file_names_its_separator() -> None:
    raw = b'code;name;region;eligible\nB1;"Haifa;;5\n'
    assert problems(parse_branches_csv, raw) == [
        "line 2: the CSV (semicolon-separated) is malformed: unexpected end of data "
        "(a quote left open?)"
    ]


# --------------------------------------------------------------------------- Excel


HEADER = ["branch", "ballots_cast", "invalid", "YAC", "PER"]


def test_xlsx_numbers_empty_and_text_cells() -> None:
    raw = xlsx(
        [
            HEADER,
            ["B1", 12.0, 0, 6, "6"],
            ["B2", 12.5, 0, 6, 6],
            ["B3", 12, None, 6, 6],
            [101, 2, 0, 1, 1],
            ["B5", True, 0, 1, 1],
        ]
    )
    assert problems(parse_sheets_csv, raw, BALLOT) == [
        'line 3: ballots_cast: must be a whole number >= 0 written in digits, not "12.5"',
        "line 4: invalid: is empty: a whole number >= 0 is required",
        'line 6: ballots_cast: must be a whole number >= 0 written in digits, not "TRUE"',
    ]


def test_xlsx_number_codes_read_as_text() -> None:
    raw = xlsx([HEADER, [101, 2, 0, 1, 1], [102.0, 2, 0, 1, 1]])
    assert [spec.branch for spec in parse_sheets_csv(raw, BALLOT)] == ["101", "102"]


def test_xlsx_formulas_merged_cells_hidden_rows_and_columns_are_refused() -> None:
    raw = xlsx(
        [
            HEADER,
            ["B1", "=D2+E2", 0, 6, 6],
            ["B2", 12, 0, 6, 6],
            ["B3", 12, 0, 6, 6],
            ["B4", 12, 0, 6, 6],
        ],
        hidden_row=3,
        merge="D4:E4",
    )
    assert problems(parse_sheets_csv, raw, BALLOT) == [
        'line 2: ballots_cast: cell B2 holds a formula ("=D2+E2"): give its value instead',
        "line 3: the row is hidden in the workbook: show it",
        "line 4: cells D4:E4 are merged: unmerge them and give each cell its own value",
        "line 4: PER: is empty: a whole number >= 0 is required",
    ]
    hidden = xlsx([HEADER, ["B1", 12, 0, 6, 6]], hidden_column="C")
    assert problems(parse_sheets_csv, hidden, BALLOT) == [
        "line 1: column C is hidden in the workbook: show it"
    ]


def test_xlsx_empty_workbook() -> None:
    assert problems(parse_branches_csv, xlsx([])) == [
        "the file is empty: expected the header code,name,region,eligible"
    ]


def test_xlsx_header_with_a_formula() -> None:
    raw = xlsx([["code", "name", "region", "=A1"]])
    assert problems(parse_branches_csv, raw) == [
        'line 1: column 4 of the header: cell D1 holds a formula ("=A1"): give its value instead',
        "line 1: missing column eligible (expected: code, name, region, eligible)",
    ]


def test_not_a_workbook() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hello")
    [problem] = problems(parse_branches_csv, out.getvalue())
    assert problem.startswith("the file is a ZIP archive but not an Excel workbook (.xlsx)")
    [problem] = problems(parse_branches_csv, b"PK\x03\x04broken")
    assert problem.startswith("the file is a ZIP archive but not an Excel workbook (.xlsx)")


def test_an_opendocument_spreadsheet() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    assert problems(parse_branches_csv, out.getvalue()) == [
        "the file is an OpenDocument spreadsheet (.ods): save it as an Excel workbook (.xlsx) or "
        "as CSV"
    ]


def test_old_or_password_protected_workbook() -> None:
    raw = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512)
    assert problems(parse_branches_csv, raw) == [
        "the file is an old Excel workbook (.xls) or a password-protected one: save it as an "
        "Excel workbook (.xlsx) without a password, or as CSV"
    ]


def test_xlsx_names_in_the_header_with_a_trailing_empty_column() -> None:
    raw = xlsx([["branch", "ballots_cast", "invalid", "עמיר פרץ", "YAC", None], ["B1", 3, 0, 1, 2]])
    [spec] = parse_sheets_csv(raw, BALLOT, names=NAMES)
    assert spec.votes == {"YAC": 2, "PER": 1}


def test_a_workbook_that_unpacks_to_too_much_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("primaries.formats.spreadsheets.MAX_UNPACKED", 1000)
    [problem] = problems(parse_branches_csv, xlsx([["code", "name", "region", "eligible"]]))
    assert problem.startswith("the workbook unpacks to ")
    assert problem.endswith("bytes, more than the 1000 read: is it the right file?")


def test_a_candidate_s_names_in_several_languages() -> None:
    names = {"YAC": ["Shelly Yacimovich", "שלי יחימוביץ'"], "PER": ("Amir Peretz", "عمير بيرتس")}
    raw = "branch,ballots_cast,invalid,שלי יחימוביץ',عمير بيرتس\nB1,3,0,2,1\n".encode()
    [spec] = parse_sheets_csv(raw, BALLOT, names=names)
    assert spec.votes == {"YAC": 2, "PER": 1}
    both = "branch,ballots_cast,invalid,Shelly Yacimovich,שלי יחימוביץ',PER\n".encode()
    assert problems(parse_sheets_csv, both, BALLOT, names=names) == [
        'line 1: columns "Shelly Yacimovich" and "שלי יחימוביץ\'" are both candidate YAC: '
        "keep one of them"
    ]
    missing = b"branch,ballots_cast,invalid,YAC\n"
    assert problems(parse_sheets_csv, missing, BALLOT, names=names) == [
        'line 1: missing column PER or "Amir Peretz" or "عمير بيرتس" (expected: branch, '
        "ballots_cast, invalid, YAC, PER)"
    ]


@settings(max_examples=60, deadline=None)
@given(cut=st.integers(min_value=0, max_value=4000), flip=st.integers(min_value=0, max_value=4000))
def test_a_damaged_workbook_is_refused_not_a_crash(cut: int, flip: int) -> None:
    raw = bytearray(xlsx([HEADER, ["B1", 3, 0, 1, 2], ["B2", 4, 0, 2, 2]]))
    if flip < len(raw):
        raw[flip] ^= 0x55
    damaged = bytes(raw[: max(len(raw) - cut, 4)])
    with contextlib.suppress(FormatError):  # anything else fails the test
        parse_sheets_csv(damaged, BALLOT)
