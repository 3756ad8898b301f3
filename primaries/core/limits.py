"""The one home of the patterns and limits every name and number must keep.

Codes and slugs appear in URLs, files and the command line; counts are stored as signed 64-bit
integers (BIGINT) and round numbers as 32-bit ones. Readers (package files, CSV files, forms,
URL lookups) all check against these, so a name that one accepts the others find.
"""

from __future__ import annotations

import re
import unicodedata

from .words import N_, Said

# ``\Z``, not ``$``: ``$`` also matches before a trailing newline.
SLUG_RE = re.compile(r"^[a-z0-9-]{1,64}\Z")
CANDIDATE_CODE_RE = re.compile(r"^[A-Z0-9_-]{1,16}\Z")
BRANCH_CODE_RE = re.compile(r"^[A-Za-z0-9._-]{1,32}\Z")
# A language tag of a name (CONTRACT section 5, version 1.1): BCP 47 in lowercase, a language of
# two or three letters and optional subtags (script, region), e.g. he, ar, en, en-gb, zh-hant.
LANGUAGE_TAG_RE = re.compile(r"^(?=.{2,35}\Z)[a-z]{2,3}(-[a-z0-9]{2,8})*\Z")

SLUG_RULE = N_("1-64 lowercase letters, digits or -")
CANDIDATE_CODE_RULE = N_("1-16 capital letters, digits, - or _")
BRANCH_CODE_RULE = N_("1-32 letters, digits, -, _ or .")
LANGUAGE_TAG_RULE = N_(
    "a lowercase language tag: 2-3 letters, then optional -subtags of 2-8 letters or digits "
    "(he, ar, en-gb)"
)

MAX_INT = 2**63 - 1
"""The largest count accepted anywhere (a signed 64-bit integer, the database's BIGINT)."""


def short_number(text: str) -> str:
    """A number as written, shortened for a message when it is long (``12345... (5000 digits)``)."""
    return text if len(text) <= 40 else f"{text[:20]}... ({len(text)} digits)"


def eligible_total_problem(total: int) -> str | None:
    """Every total of a round (eligible members, ballots, votes) is at most the eligible members
    of all the election's branches added up: that sum must fit a total's BIGINT too."""
    if total <= MAX_INT:
        return None
    return (
        f"the branches' eligible members add up to {total}, more than the {MAX_INT} a total can"
        " hold"
    )


MAX_ROUND_NUMBER = 2**31 - 1
"""Round numbers are 32-bit INTEGER columns: a larger number (from a URL or an option) names no
round, and asking the database about it would fail instead of finding nothing."""


MAX_PAGE = 10**6
"""The last page number a list reads from ``?page=``: beyond it (or not a number) is page 1, so a
huge number never reaches the database as an OFFSET it cannot hold."""


def page_number(text: str | None) -> int:
    """The page a ``?page=`` asks for: 1 when missing, not a whole number or outside 1..MAX_PAGE."""
    if not text or len(text) > len(str(MAX_PAGE)) or not text.isascii() or not text.isdigit():
        return 1
    number = int(text)
    return number if 1 <= number <= MAX_PAGE else 1


def page_count(total: int, per_page: int) -> int:
    """How many pages of ``per_page`` items ``total`` items fill: at least 1 (an empty list is
    one empty page)."""
    return max(1, -(-total // per_page))


def code_key(code: str) -> str:
    """What makes two codes the same: they are equal after Unicode NFC normalisation and case
    folding (``X1`` and ``x1`` are one branch). Codes must be unique by this key within a file
    and against the election's existing branches."""
    return unicodedata.normalize("NFC", code).casefold()


def same_code_problem(code: str, other: str, where: str) -> Said:
    """The words for ``code`` given again (as ``other``, at ``where``)."""
    if code == other:
        return Said(N_("%(code)s is already used by %(where)s"), code=code, where=where)
    return Said(
        N_(
            "%(code)s is the same code as %(other)s (used by %(where)s): codes that differ only "
            "by case or Unicode form are one code"
        ),
        code=code,
        other=other,
        where=where,
    )


def is_int(value: object) -> bool:
    """A whole number, and not a bool (which Python counts as one)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_slug(text: str) -> bool:
    return bool(SLUG_RE.match(text))


def is_branch_code(text: str) -> bool:
    return bool(BRANCH_CODE_RE.match(text))


def is_round_number(number: int) -> bool:
    return 1 <= number <= MAX_ROUND_NUMBER
