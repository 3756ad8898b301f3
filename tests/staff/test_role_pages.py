"""Pages offer only what the signed-in role can do (issue 14, finding 10): an observer reads a
counted sheet's correction page without a form; the links to pages a role could only look at
empty (import branches for a supervisor, import sheets for an observer) are not shown."""

from __future__ import annotations

from typing import Any

import pytest

SHEET = "/staff/elections/test-2024/rounds/2/sheets/{}"


@pytest.fixture
def counted_b2(runoff: Any, sign_in: Any, enter: Any, paper: Any) -> None:
    enter(sign_in("clerk1"), "B2", paper["B2"])
    enter(sign_in("clerk2"), "B2", paper["B2"])


def test_an_observer_reads_the_correction_page_without_a_form(
    counted_b2: None, sign_in: Any, paper: Any
) -> None:
    page = sign_in("observer1").get(SHEET.format("B2") + "/correct")
    assert page.status_code == 200
    assert "Only a supervisor or an admin can correct a sheet" in page.text
    assert '<form method="post" novalidate class="sheet-form"' not in page.text
    assert 'name="ballots_cast"' not in page.text
    cast, _invalid, a, _b = paper["B2"]
    assert f'<td class="num">{cast}</td>' in page.text and f'<td class="num">{a}</td>' in page.text


def test_a_supervisor_gets_the_correction_form(counted_b2: None, sign_in: Any) -> None:
    page = sign_in("super1").get(SHEET.format("B2") + "/correct")
    assert 'name="ballots_cast"' in page.text
    assert "Only a supervisor or an admin can correct a sheet" not in page.text


@pytest.mark.parametrize(
    ("account", "branches_link", "sheets_link"),
    [
        ("admin1", True, True),
        ("super1", False, True),
        ("observer1", False, False),
        ("clerk1", False, False),
    ],
)
def test_import_links_only_for_who_can_import(
    runoff: Any, sign_in: Any, account: str, branches_link: bool, sheets_link: bool
) -> None:
    client = sign_in(account)
    home = client.get("/staff/").text
    assert ("/import/branches" in home) is branches_link
    dashboard = client.get("/staff/elections/test-2024/rounds/2")
    if dashboard.status_code == 200:
        assert ("/import/sheets" in dashboard.text) is sheets_link
    else:
        assert not sheets_link


def test_a_refusal_says_in_words_what_the_role_may_not_do(runoff: Any, sign_in: Any) -> None:
    """Issue 14, finding 13: the 403 page in a person's words, not the server's."""
    clerk = sign_in("clerk1").get("/staff/accounts")
    assert clerk.status_code == 403
    assert "You may not use this page" in clerk.text
    assert "This page is not for the clerk role: ask a supervisor or an admin." in clerk.text
    assert "Back to the workspace" in clerk.text
    observer = sign_in("observer1")
    closing = observer.post("/staff/elections/test-2024/rounds/2/close")
    assert closing.status_code == 403
    assert "This page is not for the observer role" in closing.text
    importing = observer.post("/staff/elections/test-2024/rounds/2/import/sheets")
    assert importing.status_code == 403
    looks_only = "The observer role may look at this page but not change anything on it."
    assert looks_only in importing.text


def test_the_accounts_caption_counts_in_words(runoff: Any, sign_in: Any) -> None:
    page = sign_in("admin1").get("/staff/accounts").text
    assert "6 accounts" in page
