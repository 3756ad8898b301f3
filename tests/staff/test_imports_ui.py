"""Imports from the browser: all or nothing, problems listed by line."""

from __future__ import annotations

import io

from primaries.extensions import db
from primaries.models import Branch


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
