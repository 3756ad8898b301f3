"""Rules about text that is stored or handed to other programs.

- :func:`storable_problem`: a database can store the text (no NUL, no lone surrogate).
- :func:`name_problem`: a name (of an election, candidate, branch, region or account) is
  storable and has no character that hides or reorders what a reader sees: bidirectional
  overrides and isolates, zero-width characters, control characters.
- :func:`shown_name`: untrusted text made safe to record as a name (those characters escaped).
- :func:`spreadsheet_cell`: a cell a spreadsheet would run as a formula is kept as text (CSV
  injection): it gets a leading apostrophe, also after leading spaces and in the full-width
  forms. Numbers and None pass unchanged.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

from .words import N_, Said

# A cell starting with one of these is run as a formula (or split into one) by spreadsheet
# programs; a newline too, as some programs start a new row and read what follows as a cell.
# The full-width forms (＝ ＋ － ＠) too: some programs read them as their ASCII forms.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


BIDI_CONTROLS = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))
"""Bidirectional embeddings, overrides (U+202A-U+202E) and isolates (U+2066-U+2069): they
reorder how the text around them is shown."""

ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff")
"""Zero-width space, non-joiner, joiner, word joiner and the byte order mark: invisible."""


def _hidden(ch: str) -> str | None:
    """What kind of character a name must not hold ``ch`` is, or None."""
    if ch in BIDI_CONTROLS:
        return "bidirectional control"
    if ch in ZERO_WIDTH:
        return "zero-width"
    if unicodedata.category(ch) == "Cc":
        return "control"
    return None


def name_problem(text: str) -> Said | None:
    """What keeps ``text`` from being a name, or None when it may be one."""
    problem = storable_problem(text)
    if problem is not None:
        return problem
    for ch in text:
        kind = _hidden(ch)
        if kind is not None:
            return Said(
                N_("must not contain the %(kind)s character %(code)s"),
                kind=kind,
                code=f"U+{ord(ch):04X}",
            )
    return None


def shown_name(text: str) -> str:
    """``text`` with every character a name must not hold (and any lone surrogate) written as
    its escape (``\\u202e``): for recording a name nobody checked, such as a failed sign-in's."""
    return "".join(
        f"\\u{ord(ch):04x}" if _hidden(ch) or 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in text
    )


def storable_problem(text: str) -> Said | None:
    """What keeps ``text`` from being stored, or None when a database can store it."""
    if "\x00" in text:
        return Said(N_("must not contain a NUL character (\\u0000)"))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return Said(N_("must be valid Unicode text (it has a lone surrogate such as \\ud800)"))
    return None


def text_problem(text: str, limit: int) -> Said | None:
    """What keeps free text (a reason, a note) of at most ``limit`` characters from being
    stored, or None."""
    if len(text) > limit:
        return Said(N_("at most %(limit)s characters"), limit=limit)
    return storable_problem(text)


def spreadsheet_cell(value: object) -> object:
    """Neutralise a text cell a spreadsheet would evaluate; other values pass unchanged."""
    if isinstance(value, str) and (
        value.startswith(FORMULA_STARTS) or value.lstrip(" \u3000").startswith(FORMULA_STARTS)
    ):
        # Leading spaces (also the ideographic one) are skipped by programs that then read a
        # formula: " =1+1" is guarded too.
        return "'" + value
    return value


def local_name(name: str, names: Mapping[str, str] | None, tag: str) -> str:
    """``name`` in the language ``tag`` (``he``, ``en-gb``; any case, ``_`` or ``-``) when
    ``names`` has it: the whole tag first, then its language alone; else ``name`` itself (the
    fallback every election, candidate, branch and region has, CONTRACT section 5)."""
    if not names:
        return name
    wanted = tag.replace("_", "-").lower()
    found = names.get(wanted) or names.get(wanted.split("-", 1)[0])
    return found or name
