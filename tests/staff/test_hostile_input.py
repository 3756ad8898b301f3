"""Hostile input in URLs answered with a normal page, a refusal or a 404: never a 500."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from primaries.core.limits import MAX_INT, MAX_PAGE, page_number

PASSWORD = "correct horse battery"
HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    ("text", "page"),
    [
        (None, 1),
        ("", 1),
        ("3", 3),
        (str(MAX_PAGE), MAX_PAGE),
        (str(MAX_PAGE + 1), 1),
        ("0", 1),
        ("-2", 1),
        (HUGE, 1),
        ("9" * 5000, 1),
        ("٣", 1),
        ("x", 1),
    ],
)
def test_page_number(text: str | None, page: int) -> None:
    assert page_number(text) == page


@pytest.mark.parametrize(
    "path",
    [
        "/elections/test-2024/rounds/2/branches",
        "/staff/elections/test-2024/rounds/2",
        "/staff/audit",
    ],
)
@pytest.mark.parametrize("page", [HUGE, "-" + HUGE, "9" * 5000])
def test_a_huge_page_number_is_a_normal_page(runoff, sign_in, path: str, page: str) -> None:
    client = sign_in("super1")
    response = client.get(f"{path}?page={page}")
    assert response.status_code in (200, 404)


@pytest.mark.parametrize("target", ["/staff/audit\r\nSet-Cookie: x=1", "%0d%0a/evil", "/a\nb"])
def test_a_next_with_a_line_break_is_ignored(app: Flask, accounts, target: str) -> None:
    client = app.test_client()
    response = client.post(
        "/staff/sign-in",
        query_string={"next": target},
        data={"username": "clerk1", "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.location == "/staff/"


@pytest.mark.parametrize(
    "value",
    [str(MAX_INT + 1), "9" * 5000, "0" * 30 + str(MAX_INT + 1), "0" * 5000 + "1" + "0" * 19],
)
def test_a_count_beyond_the_limit_in_the_form_is_refused_with_the_limit(
    runoff, sign_in, staff_db, value: str
) -> None:
    client = sign_in("clerk1")
    response = client.post(
        "/staff/elections/test-2024/rounds/2/sheets/B3",
        data={
            "version": "0",
            "ballots_cast": value,
            "invalid": "0",
            "votes_AAA": "0",
            "votes_BBB": "0",
        },
    )
    assert response.status_code == 422
    assert f"This number is too large: a count is at most {MAX_INT}." in response.text
    # Python's digit limit is not shown; a whole number, since a hash in the footer may hold 4300
    assert re.search(r"\b4300\b", response.text) is None
    assert staff_db.sheet(2, "B3") is None
