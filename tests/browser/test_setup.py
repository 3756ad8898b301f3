"""An election from nothing, in the browser (issue 15's "done when"): an admin sets it up (names,
rules, 3 candidates, 40 branches from an Excel workbook headed in Hebrew), a clerk enters every
sheet, and the API's result equals what ``primaries load`` and ``primaries tally`` give for the
package the same steps stand for."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.security import generate_password_hash

from primaries.extensions import db
from primaries.models import User
from tests.browser.conftest import PASSWORD, LiveServer, screenshot
from tests.browser.test_staff import sign_in
from tests.test_console import run
from tests.workbooks import xlsx

SLUG = "branch-vote-2026"
CANDIDATES = [
    ("ALN", "Alon Levi", "אלון לוי"),
    ("BRK", "Bracha Katz", "ברכה כץ"),
    ("GIL", "Gil Mor", "גיל מור"),
]


def branch(i: int) -> tuple[str, str, str, int]:
    return (f"S{i:02}", f"סניף {i}", ("צפון", "מרכז", "דרום")[i % 3], 90 + 7 * i)


def sheet(i: int) -> tuple[int, int, list[int]]:
    """Branch ``i``'s count: ballots cast, invalid, votes in ballot order (they add up)."""
    votes = [20 + (5 * i) % 31, 15 + (3 * i) % 23, 10 + (7 * i) % 17]
    invalid = i % 4
    return sum(votes) + invalid, invalid, votes


@pytest.fixture
def committee(app: Flask) -> None:
    cheap = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    db.session.add_all(
        User(username=name, role=role, password_hash=cheap, active=True)
        for name, role in (("admin1", "admin"), ("clerk1", "clerk"))
    )
    db.session.commit()


@pytest.mark.backends("sqlite")
def test_an_election_from_nothing_equals_its_package_loaded(
    committee: None, live_server: LiveServer, people: Any, tmp_path: Path
) -> None:
    workbook = tmp_path / "branches.xlsx"
    rows: list[list[Any]] = [["קוד", "שם", "אזור", "בעלי זכות בחירה"]]
    rows += [list(branch(i)) for i in range(1, 41)]
    workbook.write_bytes(xlsx(rows))

    admin = people()
    sign_in(admin, live_server, "admin1")
    admin.get_by_role("link", name="Set up a new election").click()
    admin.get_by_label("Address name (slug)").fill(SLUG)
    admin.get_by_label("Name of the election").fill("Branch vote, 2026")
    admin.get_by_label("Name in Hebrew").fill("הצבעת סניפים 2026")
    admin.get_by_label("Date of round 1").fill("2026-05-04")
    assert admin.get_by_label("Share that wins round 1 (percent)").input_value() == "40"
    admin.get_by_label("Double entry").uncheck()
    admin.get_by_label("Candidates, in ballot order").fill(
        "\n".join(", ".join(c) for c in CANDIDATES)
    )
    admin.get_by_label("... or a branches file (Excel workbook or CSV)").set_input_files(workbook)
    screenshot(admin, "setup-new-election")
    admin.get_by_role("button", name="Create the election").click()
    admin.wait_for_url(f"**/staff/elections/{SLUG}/setup")
    assert "is set up" in admin.content()
    screenshot(admin, "setup-saved")

    clerk = people()
    sign_in(clerk, live_server, "clerk1")
    for i in range(1, 41):
        code = branch(i)[0]
        clerk.goto(f"{live_server.url}/staff/elections/{SLUG}/rounds/1/sheets/{code}")
        cast, invalid, votes = sheet(i)
        clerk.locator("input[name=ballots_cast]").fill(str(cast))
        clerk.locator("input[name=invalid]").fill(str(invalid))
        for (candidate, *_), count in zip(CANDIDATES, votes, strict=True):
            clerk.locator(f"input[name=votes_{candidate}]").fill(str(count))
        clerk.locator("input[name=invalid]").press("Enter")
        clerk.wait_for_url(lambda url, code=code: not url.endswith(f"/sheets/{code}"))
    api = json.loads(
        clerk.request.get(f"{live_server.url}/api/v1/elections/{SLUG}/rounds/1").text()
    )
    assert api["complete"] is True and api["branches"]["counted"] == 40

    # The package the same steps stand for, loaded and tallied by the command line elsewhere
    package = {
        "format": "primaries/election@1",
        "election": {
            "slug": SLUG,
            "name": "Branch vote, 2026",
            "names": {"he": "הצבעת סניפים 2026"},
            "rules": {
                "threshold_percent": "40",
                "threshold_inclusive": True,
                "threshold_basis": "valid",
                "runoff_size": 2,
                "double_entry": False,
            },
            "candidates": [
                {"code": code, "name": name, "names": {"he": local}}
                for code, name, local in CANDIDATES
            ],
            "branches": [
                {"code": c, "name": n, "region": r, "eligible": e}
                for c, n, r, e in (branch(i) for i in range(1, 41))
            ],
        },
        "rounds": [
            {
                "number": 1,
                "held_on": "2026-05-04",
                "sheets": [
                    {
                        "branch": branch(i)[0],
                        "ballots_cast": sheet(i)[0],
                        "invalid": sheet(i)[1],
                        "votes": dict(zip([c[0] for c in CANDIDATES], sheet(i)[2], strict=True)),
                    }
                    for i in range(1, 41)
                ],
            }
        ],
    }
    path = tmp_path / "package.json"
    path.write_text(json.dumps(package, ensure_ascii=False), encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    for args in (("db", "upgrade"), ("load", str(path))):
        done = run(url, *args)
        assert done.returncode == 0, done.stderr
    tallied = run(url, "tally", SLUG, "--round", "1", "--json")
    assert tallied.returncode == 0, tallied.stderr
    assert api == json.loads(tallied.stdout)
    assert api["outcome"]["status"] in ("winner", "runoff")

    exported = json.loads(
        admin.request.get(f"{live_server.url}/staff/elections/{SLUG}/setup/package.json").text()
    )
    assert exported == package
