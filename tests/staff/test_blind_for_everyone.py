"""Double entry is blind for everyone: while a sheet awaits its second entry or is in mismatch,
no page, download, API answer, audit view or audit CSV shows its entries' numbers, whatever the
role; they appear once the sheet is settled. The resolver of a mismatch made neither entry, and
an import never overwrites entries typed by staff."""

from __future__ import annotations

import copy
import csv
import io
import itertools
import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader

from primaries.changes import Actor
from primaries.errors import Refused
from primaries.extensions import db
from primaries.models import AuditEvent, User
from primaries.sheets.entry import resolve
from primaries.sheets.place import SheetRef
from tests.conftest import small_package
from tests.workbooks import rows_of

SHEET = "/staff/elections/test-2024/rounds/2/sheets/{}"
HIDDEN = "hidden until the sheet is settled"
# B6's paper sheet in round 2, numbers found nowhere else: ballots cast, invalid, AAA, BBB.
PAPER = (4321, 17, 2468, 1836)
OTHER = (4321, 17, 2486, 1818)  # the same sheet keyed with AAA's and BBB's digits swapped
_SEP = "[,.\u202f\u00a0\u2009 ]?"


def pattern(*numbers: int) -> re.Pattern[str]:
    """The numbers as a page may write them (4321, 4,321, 4 321...), not inside a longer word
    (a hash, a token)."""
    ways = [f"{str(n)[:-3]}{_SEP}{str(n)[-3:]}" for n in numbers]
    return re.compile(r"(?<![\w.,])(?:" + "|".join(ways) + r")(?![\w])")


SECRET = pattern(4321, 2468, 1836)
SECRET_MISMATCH = pattern(4321, 2468, 1836, 2486, 1818)


@pytest.fixture
def package() -> dict[str, Any]:
    """The small package with a sixth branch, B6, large enough for PAPER."""
    data = copy.deepcopy(small_package())
    data["election"]["branches"].append(
        {"code": "B6", "name": "Be'er Sheva", "region": "South", "eligible": 9000}
    )
    data["rounds"][0]["sheets"].append(
        {
            "branch": "B6",
            "ballots_cast": 60,
            "invalid": 0,
            "votes": {"AAA": 20, "BBB": 20, "CCC": 10, "DDD": 10},
        }
    )
    return data


def form(sheet: tuple[int, int, int, int], version: int) -> dict[str, str]:
    cast, invalid, a, b = sheet
    return {
        "version": str(version),
        "ballots_cast": str(cast),
        "invalid": str(invalid),
        "votes_AAA": str(a),
        "votes_BBB": str(b),
    }


def urls(app: Flask, names: dict[str, User]) -> Iterator[str]:
    """Every GET route of the app (staff, results, API), with the test election's parameters,
    and the query strings that narrow a page to B6."""
    values: dict[str, list[Any]] = {
        "slug": ["test-2024"],
        "number": [1, 2],
        "branch": ["B1", "B6"],
        "code": ["B1", "B6"],
        "username": sorted(names),
        "sha256": ["0" * 64],  # a photo of a signed sheet (none here: the page answers 404)
        "objection_id": [1],  # an objection's attachment (none here: the page answers 404)
    }
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        args = sorted(rule.arguments)
        assert all(a in values for a in args), f"no test value for {rule.rule}: {args}"
        for combination in itertools.product(*(values[a] for a in args)):
            yield adapter.build(rule.endpoint, dict(zip(args, combination, strict=True)))
    yield from [
        "/staff/audit?branch=B6",
        "/staff/audit?action=sheet.enter",
        "/staff/audit.csv?branch=B6",
        "/staff/audit/verify?branch=B6",
        "/staff/elections/test-2024/rounds/2?state=awaiting_second",
        "/staff/elections/test-2024/rounds/2?state=mismatch",
        "/staff/elections/test-2024/rounds/2?q=B6",
        "/staff/elections/test-2024/rounds/2/sheets?branch=B6",
        "/staff/elections/test-2024/names?q=B6",
        "/elections/test-2024/rounds/2/branches?q=B6",
        "/api/v1/elections/test-2024/rounds/2/branches?status=pending",
    ]


def crawl(app: Flask, client: FlaskClient, secret: re.Pattern[str]) -> dict[str, str]:
    """GET every URL as the client; fail on a server error or on the secret numbers."""
    pages = {}
    names = {u.username: u for u in db.session.query(User)}
    for url in urls(app, names):
        response = client.get(url, follow_redirects=True)
        assert response.status_code < 500, url
        raw = response.get_data()
        response.close()  # a file sent as it is (the favicon) is closed here
        if raw.startswith(b"PK\x03\x04"):  # an Excel download: its cells are what it shows
            body = "\n".join(",".join(map(str, row)) for row in rows_of(raw))
        elif raw.startswith(b"%PDF-"):  # a PDF (the protocol): its text is what it shows
            body = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(raw)).pages)
        else:
            body = raw.decode()
        found = secret.search(body)
        where = body[max(0, found.start() - 80) : found.end() + 80] if found else ""
        assert found is None, f"{url} shows {found.group(0)!r}: ...{where}..."
        pages[url] = body
    return pages


ROLES = ("super1", "admin1", "observer1", "clerk1", "clerk2")


def test_no_page_download_or_answer_shows_a_sheet_awaiting_its_second_entry(
    runoff, app, sign_in, client, staff_db
) -> None:
    clerk = sign_in("clerk1")
    assert clerk.post(SHEET.format("B6"), data=form(PAPER, 0)).status_code == 302
    assert staff_db.sheet(2, "B6").state == "awaiting_second"
    for name in ROLES:
        pages = crawl(app, sign_in(name), SECRET)
        assert len(pages) > 50
        if name in ("super1", "admin1", "observer1"):
            history = pages["/staff/elections/test-2024/branches/B6"]
            assert "entered" in history and HIDDEN in history
            audit = pages["/staff/audit?branch=B6"]
            assert "sheet.enter" in audit and HIDDEN in audit
            assert HIDDEN in pages["/staff/audit.csv?branch=B6"]
            assert "The audit chain is intact" in pages["/staff/audit/verify?branch=B6"]
    crawl(app, client, SECRET)  # signed out: the public pages and the API

    # The second entry agrees: the sheet counts and its numbers appear for all to see.
    done = sign_in("clerk2").post(SHEET.format("B6"), data=form(PAPER, staff_db.version(2, "B6")))
    assert done.status_code == 302
    assert staff_db.sheet(2, "B6").state == "counted"
    supervisor = sign_in("super1")
    history = supervisor.get("/staff/elections/test-2024/branches/B6").text
    assert HIDDEN not in history
    assert history.count(">4321<") == 2 and history.count(">2468<") == 2
    audit_csv = supervisor.get("/staff/audit.csv?action=sheet.enter&branch=B6").text
    rows = list(csv.DictReader(io.StringIO(audit_csv.lstrip("\ufeff"))))
    assert len(rows) == 2 and all('"ballots_cast": 4321' in r["after"] for r in rows)
    assert "4321" in clerk.get("/staff/elections/test-2024/rounds/2/sheets").text


@pytest.fixture
def b6_mismatch(runoff, sign_in, staff_db) -> None:
    """B6 in mismatch: clerk1 typed the paper, clerk2 swapped the digits of the votes."""
    sign_in("clerk1").post(SHEET.format("B6"), data=form(PAPER, 0))
    sign_in("clerk2").post(SHEET.format("B6"), data=form(OTHER, staff_db.version(2, "B6")))
    assert staff_db.sheet(2, "B6").state == "mismatch"


def test_a_mismatch_is_shown_only_on_its_resolvers_page(b6_mismatch, app, sign_in) -> None:
    for name in ("observer1", "clerk1", "clerk2"):
        client = sign_in(name)
        pages = crawl(app, client, SECRET_MISMATCH)
        if name == "observer1":
            page = pages[SHEET.format("B6") + "/resolve"]
            assert "shown only to the supervisor or admin who resolves" in page
            assert "Save the decision" not in page
    resolver = sign_in("super1").get(SHEET.format("B6") + "/resolve").text
    assert "Entry 1: 2468" in resolver and "Entry 2: 2486" in resolver
    assert "Save the decision" in resolver
    # Elsewhere, the resolver too sees nothing of them until the sheet is settled.
    history = sign_in("admin1").get("/staff/elections/test-2024/branches/B6").text
    assert SECRET_MISMATCH.search(history) is None and history.count(HIDDEN) == 2
    audit = sign_in("admin1").get("/staff/audit.csv?branch=B6").text
    assert SECRET_MISMATCH.search(audit) is None and audit.count(HIDDEN) == 6


def test_a_supervisor_who_made_an_entry_does_not_resolve_it(runoff, app, sign_in, staff_db) -> None:
    sign_in("clerk1").post(SHEET.format("B6"), data=form(PAPER, 0))
    entrant = sign_in("super1")
    entrant.post(SHEET.format("B6"), data=form(OTHER, staff_db.version(2, "B6")))
    assert staff_db.sheet(2, "B6").state == "mismatch"
    page = entrant.get(SHEET.format("B6") + "/resolve")
    assert page.status_code == 200
    assert "cannot be resolved by you: you made one of its two entries" in page.text
    assert "Save the decision" not in page.text and SECRET_MISMATCH.search(page.text) is None
    version = str(staff_db.version(2, "B6"))
    choices = {"version": version, "choice_votes_AAA": "1", "choice_votes_BBB": "1"}
    refused = entrant.post(SHEET.format("B6") + "/resolve", data=choices)
    assert refused.status_code == 409 and "cannot be resolved by you" in refused.text
    assert SECRET_MISMATCH.search(refused.text) is None
    assert staff_db.sheet(2, "B6").state == "mismatch"
    # The service refuses it too, whoever calls it.
    user = db.session.query(User).filter_by(username="super1").one()
    with pytest.raises(Refused, match="made one of its two entries"):
        resolve(
            SheetRef("test-2024", 2, "B6"),
            {"votes_AAA": ("1", None), "votes_BBB": ("1", None)},
            version=int(version),
            actor=Actor.of(user),
        )
    db.session.rollback()
    # Another supervisor, who made neither, resolves it; then the numbers are in the history.
    other = sign_in("super2")
    assert "Entry 1: 2468" in other.get(SHEET.format("B6") + "/resolve").text
    done = other.post(SHEET.format("B6") + "/resolve", data=choices)
    assert done.status_code == 302
    assert staff_db.sheet(2, "B6").state == "counted"
    history = entrant.get("/staff/elections/test-2024/branches/B6").text
    assert HIDDEN not in history and ">2486<" in history and ">2468<" in history


def test_a_send_back_sets_the_entries_aside_and_shows_them(b6_mismatch, sign_in, staff_db) -> None:
    supervisor = sign_in("super1")
    version = str(staff_db.version(2, "B6"))
    sent = supervisor.post(SHEET.format("B6") + "/send-back", data={"version": version})
    assert sent.status_code == 302 and staff_db.sheet(2, "B6").state == "empty"
    history = sign_in("observer1").get("/staff/elections/test-2024/branches/B6").text
    assert HIDDEN not in history and ">2468<" in history and ">2486<" in history
    # Keyed again: the new first entry is hidden, the ones set aside stay shown.
    sign_in("clerk2").post(
        SHEET.format("B6"), data=form((4321, 17, 2000, 2304), staff_db.version(2, "B6"))
    )
    history = sign_in("observer1").get("/staff/elections/test-2024/branches/B6").text
    assert history.count(HIDDEN) == 1 and ">2304<" not in history and ">2486<" in history


def test_masking_leaves_the_chain_intact(b6_mismatch, sign_in, runner) -> None:
    events = db.session.query(AuditEvent).filter_by(action="sheet.enter", branch="B6").all()
    assert [e.after["ballots_cast"] for e in events] == [4321, 4321]  # stored as entered
    page = sign_in("observer1").get("/staff/audit/verify").text
    assert SECRET_MISMATCH.search(page) is None and "The audit chain is intact" in page
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output


def upload(client: FlaskClient, content: str, **extra: str) -> Any:
    data = {"file": (io.BytesIO(content.encode()), "sheets.csv"), **extra}
    url = "/staff/elections/test-2024/rounds/2/import/sheets"
    return client.post(url, data=data, content_type="multipart/form-data")


def test_an_import_does_not_overwrite_entries_typed_by_staff(
    runoff, sign_in, staff_db, client, decide
) -> None:
    sign_in("clerk1").post(SHEET.format("B6"), data=form(PAPER, 0))
    sign_in("clerk1").post(SHEET.format("B2"), data=form((500, 5, 250, 245), 0))
    sign_in("clerk2").post(
        SHEET.format("B2"), data=form((500, 5, 245, 250), staff_db.version(2, "B2"))
    )
    assert staff_db.sheet(2, "B2").state == "mismatch"
    supervisor = sign_in("super1")
    lines = "branch,ballots_cast,invalid,AAA,BBB\nB1,300,4,150,146\nB6,4321,17,2468,1836\n"
    refused = upload(supervisor, lines + "B2,500,5,250,245\n")
    assert refused.status_code == 422
    assert (
        "line 3: branch B6: its sheet has a first entry awaiting the second in round 2; an "
        "import does not overwrite entries typed by staff" in refused.text
    )
    assert "line 4: branch B2: its sheet has two entries that differ (mismatch)" in refused.text
    assert staff_db.sheet(2, "B6").state == "awaiting_second"
    assert staff_db.sheet(2, "B1") is None  # all or nothing
    no_reason = upload(supervisor, lines, correct="y")
    assert no_reason.status_code == 422 and staff_db.sheet(2, "B6").state == "awaiting_second"
    corrected = upload(supervisor, lines, correct="y", reason="the committee's count")
    assert corrected.status_code == 200, corrected.text
    # New sheets count at once; the correction of B6 waits for a second pair of eyes.
    assert (
        "Added: B1." in corrected.text and "Corrections requested (four eyes): B6" in corrected.text
    )
    assert staff_db.sheet(2, "B6").state == "awaiting_second"
    assert decide("clerk1").status_code == 403
    assert decide("super2").status_code == 302
    assert staff_db.sheet(2, "B6").state == "counted"
    event = db.session.query(AuditEvent).filter_by(action="sheet.correct", branch="B6").one()
    assert event.before["state"] == "awaiting_second" and len(event.before["entry_ids"]) == 1
    assert event.after["reason"] == "the committee's count"
