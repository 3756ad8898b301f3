"""The paper count sheet's link and check code, and reading a link back from what a scanner typed.

A printed sheet carries a QR code of its entry link
``/staff/elections/SLUG/rounds/N/sheets/BRANCH`` (CONTRACT section 7) and, beside it, a short
check code a person can compare by eye (:func:`check_code`). A USB QR scanner is a keyboard: it
types the link into whatever field has the focus, and the sheet chooser reads it back with
:func:`sheet_link`. If the computer's keyboard layout is Hebrew, the scanner's key presses come
out as Hebrew letters ("יאאפד:.." for "https://"); :func:`sheet_link` reads those too.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from urllib.parse import unquote

CHECK_CODE_LENGTH = 6

_LINK = re.compile(r"/staff/elections/([^/?#\s]+)/rounds/(\d+)/sheets/([^/?#\s]+)/?(?:[?#]\S*)?$")

# The Israeli keyboard (SI 1452): what each unshifted key of a US keyboard types under it.
_US = "qwertyuiop[]asdfghjkl;'zxcvbnm,./`"
_HE = "/'קראטוןםפ][שדגכעיחלךף,זסבהנמצתץ.;"
_FROM_HEBREW_LAYOUT = str.maketrans(_HE, _US)


@dataclass(frozen=True)
class SheetLink:
    """Which sheet a link names: election slug, round number, branch code."""

    slug: str
    number: int
    branch: str


def check_code(slug: str, number: int, branch: str) -> str:
    """The sheet's human check code: the first characters of SHA-256("SLUG/N/BRANCH"), upper case.

    Printed beside the QR code; the entry form shows the same code, so that a clerk sees at a
    glance that the screen and the paper are the same sheet.
    """
    digest = hashlib.sha256(f"{slug}/{number}/{branch}".encode()).hexdigest()
    return digest[:CHECK_CODE_LENGTH].upper()


def _parse(text: str) -> SheetLink | None:
    match = _LINK.search(text)
    if match is None:
        return None
    slug, number, branch = match.groups()
    return SheetLink(unquote(slug), int(number), unquote(branch))


def sheet_link(text: str) -> SheetLink | None:
    """The sheet a typed or scanned link names (a full URL or its path), or None if it is not one.

    Text typed under a Hebrew keyboard layout is read as the keys that were pressed.
    """
    text = text.strip()
    if "/" not in text and "." not in text:
        return None
    found = _parse(text)
    if found is None and re.search(r"[\u05d0-\u05ea]", text):
        found = _parse(text.translate(_FROM_HEBREW_LAYOUT))
    return found
