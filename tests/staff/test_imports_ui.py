"""Imports from the browser: all or nothing, problems listed by line."""

from __future__ import annotations

import html
import io
import re

from primaries.extensions import db
from primaries.formats.tables_out import XLSX_MIMETYPE
from primaries.models import Branch
from tests.workbooks import rows_of, xlsx


def upload(client, url: str, content: str, **extra: str):
    data = {"file": (io.BytesIO(content.encode()), "file.csv"), **extra}
    return client.post(url, data=data, content_type="multipart/form-data")


def test_branches_import(loaded, sign_in) -> None:
    admin = sign_in("admin1")
    url = "/staff/elections/test-2024/import/branches"
    bad = upload(admin, url, "code,name,region,eligible\nB9,New,North,x\nB8,,North,-1\n")
    assert bad.status_code == 422
    assert "line 2: eligible:" in bad.text and "line 3: name:" in bad.text
    too_few = upload(admin, url, "code,name,region,eligible\nB9,New,North,9\nB1,Haifa,North,10\n")
    assert "line 3: eligible: 10 is less than the 300 ballots cast" in too_few.text
    assert db.session.query(Branch).count() == 5
    good = upload(admin, url, "code,name,region,eligible\nB6,Dimona,South,400\n")
    assert good.status_code == 200
    assert "Added: B6." in good.text
    assert db.session.query(Branch).count() == 6
    supervisor = sign_in("super1")
    assert supervisor.get(url).status_code == 200
    assert upload(supervisor, url, "code,name,region,eligible\n").status_code == 403


def test_sheets_import(runoff, sign_in, client, decide) -> None:
    supervisor = sign_in("super1")
    url = "/staff/elections/test-2024/rounds/2/import/sheets"
    bad = upload(
        supervisor,
        url,
        "branch,ballots_cast,invalid,AAA,BBB\nB1,300,4,150,146\nB2,500,5,250,200\nB77,1,0,1,0\n",
    )
    assert bad.status_code == 422
    assert "line 3: votes 450 + invalid 5 = 455, but ballots_cast is 500" in bad.text
    unknown = upload(
        supervisor, url, "branch,ballots_cast,invalid,AAA,BBB\nB1,300,4,150,146\nB77,1,0,1,0\n"
    )
    assert "line 3: branch: no branch &#39;B77&#39;" in unknown.text
    assert client.get("/api/v1/elections/test-2024/rounds/2").get_json()["branches"]["counted"] == 0
    good = upload(supervisor, url, "branch,ballots_cast,invalid,AAA,BBB\nB1,300,4,150,146\n")
    assert good.status_code == 200 and "Added: B1." in good.text
    assert client.get("/api/v1/elections/test-2024/rounds/2").get_json()["branches"]["counted"] == 1
    changed = "branch,ballots_cast,invalid,AAA,BBB\nB1,300,4,146,150\n"
    refused = upload(supervisor, url, changed)
    assert "already has a different counted sheet" in refused.text
    no_reason = upload(supervisor, url, changed, correct="y")
    assert no_reason.status_code == 422 and "Corrections need a reason." in no_reason.text
    asked = upload(supervisor, url, changed, correct="y", reason="recount")
    # Four eyes (on by default): the correction is a request until a second supervisor approves.
    assert "Corrections requested (four eyes): B1" in asked.text
    assert "Corrected: B1." not in asked.text
    api = "/api/v1/elections/test-2024/rounds/2"

    def votes() -> dict[str, int]:
        return {c["code"]: c["votes"] for c in client.get(api).get_json()["candidates"]}

    assert votes() == {"AAA": 150, "BBB": 146}
    assert decide("super2").status_code == 302
    assert votes() == {"AAA": 146, "BBB": 150}
    assert upload(sign_in("clerk1"), url, changed).status_code == 403
    assert (
        "Choose a file: an Excel workbook (.xlsx) or a CSV file."
        in supervisor.post(url, data={}).text
    )


# --------------------------------------------------------------------------- committees' files


def upload_bytes(client, url: str, raw: bytes, name: str, **extra: str):
    data = {"file": (io.BytesIO(raw), name), **extra}
    return client.post(url, data=data, content_type="multipart/form-data")


def problems_of(response) -> list[str]:
    """The problems listed on an import page, one per list item."""
    return [
        html.unescape(item)
        for item in re.findall(r"<li>(.*?)</li>", response.text.split('class="problems"')[1])
    ]


SHEETS_URL = "/staff/elections/test-2024/rounds/2/import/sheets"


def test_sheets_import_of_a_workbook_with_names(runoff, sign_in, client) -> None:
    supervisor = sign_in("super1")
    raw = xlsx(
        [
            ["branch", "ballots_cast", "invalid", "Alice Aharoni", "Boaz Ben-David", None],
            ["B1", 300, 4, 150.0, 146],
            ["B2", 500, 5, 250, "245"],
        ]
    )
    done = upload_bytes(supervisor, SHEETS_URL, raw, "sheets.xlsx")
    assert done.status_code == 200, done.text
    assert "Added: B1, B2." in done.text
    api = client.get("/api/v1/elections/test-2024/rounds/2").get_json()
    assert {c["code"]: c["votes"] for c in api["candidates"]} == {"AAA": 400, "BBB": 391}


def test_every_problem_of_a_file_at_once_in_the_web_s_words(runoff, sign_in, client) -> None:
    supervisor = sign_in("super1")
    first = "branch;ballots_cast;invalid;AAA;BBB\nB1;300;4;150;146\n"
    assert upload(supervisor, SHEETS_URL, first).status_code == 200
    raw = (
        "branch;ballots_cast;invalid;AAA;BBB;\r\n"
        "B1;300;4;146;150;\r\n"  # a different counted sheet
        "B2;500;5;250;200;\r\n"  # the sum rule
        "B77;1;0;1;0;\r\n"  # no such branch
        "B3;1;x;1;0;\r\n"  # not a number
    ).encode("cp1255")
    refused = upload_bytes(supervisor, SHEETS_URL, raw, "sheets.csv")
    assert refused.status_code == 422
    assert problems_of(refused) == [
        "line 2: branch B1 already has a different counted sheet in round 2 (to replace it, "
        "tick “Correct sheets that are already counted with different numbers” and give a "
        "reason)",
        "line 3: votes 450 + invalid 5 = 455, but ballots_cast is 500",
        "line 4: branch: no branch 'B77' in test-2024",
        'line 5: invalid: must be a whole number >= 0 written in digits, not "x"',
    ]
    assert "--correct" not in refused.text
    assert client.get("/api/v1/elections/test-2024/rounds/2").get_json()["branches"]["counted"] == 1


def test_a_semicolon_file_with_one_problem_shows_one_problem(runoff, sign_in) -> None:
    supervisor = sign_in("super1")
    refused = upload(supervisor, SHEETS_URL, "branch;ballots_cast;invalid;AAA;BBB\nB1;9;0;1;1\n")
    assert refused.status_code == 422
    assert problems_of(refused) == ["line 2: votes 2 + invalid 0 = 2, but ballots_cast is 9"]


def test_branches_import_of_a_workbook(loaded, sign_in) -> None:
    admin = sign_in("admin1")
    url = "/staff/elections/test-2024/import/branches"
    raw = xlsx([["code", "name", "region", "eligible"], ["B6", "אילת", "דרום", 90]])
    done = upload_bytes(admin, url, raw, "branches.xlsx")
    assert done.status_code == 200 and "Added: B6." in done.text
    assert db.session.query(Branch).filter_by(code="B6").one().name == "אילת"
    bad = xlsx([["code", "name", "region", "eligible"], ["B7", "=A1", "דרום", 12.5]])
    refused = upload_bytes(admin, url, bad, "branches.xlsx")
    assert refused.status_code == 422
    assert problems_of(refused) == [
        'line 2: name: cell B2 holds a formula ("=A1"): give its value instead',
        'line 2: eligible: must be a whole number >= 0 written in digits, not "12.5"',
    ]


def test_templates_hold_the_pending_branches(runoff, sign_in) -> None:
    supervisor = sign_in("super1")
    page = supervisor.get(SHEETS_URL)
    assert "import/sheets/template.xlsx" in page.text and "import/sheets/template.csv" in page.text
    upload(supervisor, SHEETS_URL, "branch,ballots_cast,invalid,AAA,BBB\nB1,300,4,150,146\n")
    csv_file = supervisor.get(SHEETS_URL + "/template.csv")
    assert csv_file.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert csv_file.data.startswith(b"\xef\xbb\xbf")
    assert csv_file.get_data(as_text=True).splitlines() == [
        "\ufeffbranch,ballots_cast,invalid,AAA,BBB",
        "B2",
        "B3",
        "B4",
        "B5",
    ]
    workbook = supervisor.get(SHEETS_URL + "/template.xlsx")
    assert workbook.mimetype == XLSX_MIMETYPE
    assert rows_of(workbook.data) == [
        ["branch", "ballots_cast", "invalid", "AAA", "BBB"],
        ["B2"],
        ["B3"],
        ["B4"],
        ["B5"],
    ]
    # Filled in and brought back, the template imports.
    filled = xlsx([["branch", "ballots_cast", "invalid", "AAA", "BBB"], ["B2", 10, 0, 5, 5]])
    assert "Added: B2." in upload_bytes(supervisor, SHEETS_URL, filled, "t.xlsx").text
    branches_page = supervisor.get("/staff/elections/test-2024/import/branches").text
    assert "import/branches/template.xlsx" in branches_page
    assert "import/branches/template.csv" in branches_page
    branches = supervisor.get("/staff/elections/test-2024/import/branches/template.xlsx")
    assert rows_of(branches.data)[:2] == [
        ["code", "name", "region", "eligible"],
        ["B1", "Haifa - Carmel", "North", 500],
    ]


def test_a_files_problems_in_the_readers_language(runoff, sign_in, client) -> None:
    """The same file's problems, in Hebrew and in Arabic: each line, column and rule said in the
    reader's words (the command line keeps the English above)."""
    supervisor = sign_in("super1")
    first = "branch;ballots_cast;invalid;AAA;BBB\nB1;300;4;150;146\n"
    assert upload(supervisor, SHEETS_URL, first).status_code == 200
    raw = (
        "branch;ballots_cast;invalid;AAA;BBB\n"
        "B2;500;5;250;200\n"  # the sum rule
        "B77;1;0;1;0\n"  # no such branch
        "B3;1;x;1;0\n"  # not a number
    )
    said = {
        "he": [
            "שורה 2: קולות 450 + פסולים 5 = 455, אבל ballots_cast הוא 500",
            "שורה 3: קלפי: אין קלפי 'B77' ב־test-2024",
            'שורה 4: invalid: חייב להיות מספר שלם \u200e>= 0 בספרות, לא "x"',
        ],
        "ar": [
            "السطر 3: صندوق الاقتراع: لا يوجد صندوق اقتراع 'B77' في test-2024",
            'السطر 4: invalid: يجب أن يكون عددًا صحيحًا \u200e>= 0 مكتوبًا بالأرقام، لا "x"',
        ],
    }
    for language, expected in said.items():
        refused = upload(supervisor, f"{SHEETS_URL}?lang={language}", raw)
        assert refused.status_code == 422
        found = problems_of(refused)
        assert len(found) == 3, found
        for problem in expected:
            assert problem in found, (problem, found)
    assert client.get("/api/v1/elections/test-2024/rounds/2").get_json()["branches"]["counted"] == 1
