"""The paper sheet's check code and reading a sheet's link back from what a QR scanner typed."""

from __future__ import annotations

import pytest

from primaries.core.paper import CHECK_CODE_LENGTH, SheetLink, check_code, sheet_link

US_TO_HEBREW = str.maketrans(
    "qwertyuiop[]asdfghjkl;'zxcvbnm,./`", "/'קראטוןםפ][שדגכעיחלךף,זסבהנמצתץ.;"
)


def test_the_check_code_is_short_stable_and_tells_sheets_apart() -> None:
    code = check_code("test-2024", 2, "B1")
    assert len(code) == CHECK_CODE_LENGTH
    assert code == code.upper()
    assert code == check_code("test-2024", 2, "B1")
    others = {check_code("test-2024", 1, "B1"), check_code("test-2024", 2, "B2")}
    assert code not in others
    # SHA-256 of "test-2024/2/B1", first six hex digits: written out so a change is noticed.
    import hashlib

    assert code == hashlib.sha256(b"test-2024/2/B1").hexdigest()[:6].upper()


@pytest.mark.parametrize(
    "typed",
    [
        "https://votes.example.org/staff/elections/test-2024/rounds/2/sheets/B1",
        "http://localhost:5000/staff/elections/test-2024/rounds/2/sheets/B1/",
        "/staff/elections/test-2024/rounds/2/sheets/B1",
        "  /staff/elections/test-2024/rounds/2/sheets/B1?x=1\n",
    ],
)
def test_a_scanned_link_names_its_sheet(typed: str) -> None:
    assert sheet_link(typed) == SheetLink("test-2024", 2, "B1")


def test_a_quoted_branch_code_is_read_unquoted() -> None:
    assert sheet_link("/staff/elections/e/rounds/1/sheets/A%20B") == SheetLink("e", 1, "A B")


def test_a_link_typed_under_the_hebrew_keyboard_layout_is_read_as_the_keys_pressed() -> None:
    url = "https://votes.example.org/staff/elections/test-2024/rounds/2/sheets/B1"
    typed = url.translate(US_TO_HEBREW)  # upper case, digits, '-' and ':' are the same keys
    assert typed.startswith("יאאפד:..")
    assert sheet_link(typed) == SheetLink("test-2024", 2, "B1")


@pytest.mark.parametrize(
    "typed",
    [
        "B1",
        "Haifa",
        "",
        "/staff/elections/test-2024/rounds/2",
        "/staff/elections/x/rounds/y/sheets/B1",
    ],
)
def test_what_is_not_a_sheet_link_is_none(typed: str) -> None:
    assert sheet_link(typed) is None
