"""Rules about text that is stored or handed to other programs.

- :func:`storable_problem`: a database can store the text (no NUL, no lone surrogate).
- :func:`spreadsheet_cell`: a cell a spreadsheet would run as a formula is kept as text (CSV
  injection): it gets a leading apostrophe, also after leading spaces and in the full-width
  forms. Numbers and None pass unchanged.
"""

from __future__ import annotations

# A cell starting with one of these is run as a formula (or split into one) by spreadsheet
# programs; a newline too, as some programs start a new row and read what follows as a cell.
# The full-width forms (＝ ＋ － ＠) too: some programs read them as their ASCII forms.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def storable_problem(text: str) -> str | None:
    """What keeps ``text`` from being stored, or None when a database can store it."""
    if "\x00" in text:
        return "must not contain a NUL character (\\u0000)"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "must be valid Unicode text (it has a lone surrogate such as \\ud800)"
    return None


def spreadsheet_cell(value: object) -> object:
    """Neutralise a text cell a spreadsheet would evaluate; other values pass unchanged."""
    if isinstance(value, str) and (
        value.startswith(FORMULA_STARTS) or value.lstrip(" \u3000").startswith(FORMULA_STARTS)
    ):
        # Leading spaces (also the ideographic one) are skipped by programs that then read a
        # formula: " =1+1" is guarded too.
        return "'" + value
    return value
