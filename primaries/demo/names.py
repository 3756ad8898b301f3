"""The demo election's names in Hebrew (CONTRACT section 5, version 1.1: ``names``): the
election's and its candidates' (the real candidates of the 2011 Labor primary). The regions' are
the ``name_he`` column of ``regions.csv``."""

from __future__ import annotations

ELECTION_NAMES = {"he": "הבחירות המקדימות לראשות מפלגת העבודה, 2011"}

CANDIDATE_NAMES: dict[str, dict[str, str]] = {
    "YAC": {"he": "שלי יחימוביץ'"},
    "PER": {"he": "עמיר פרץ"},
    "HER": {"he": "יצחק הרצוג"},
    "MIT": {"he": "עמרם מצנע"},
}
