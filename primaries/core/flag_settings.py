"""An election's red-flag settings (docs/flags.md): which thresholds of
:class:`~primaries.core.flags.FlagSettings` it changes from their defaults.

An election keeps only the settings it changed, each as text (``{"turnout_points": "30"}``):
whole numbers for the sizes below which a box is not judged, decimals for percentages, points
and standard deviations, a fraction or a decimal for the over-dispersion. The text ``default``
takes a setting back to its default. Everything here is pure: the service that stores them is
:mod:`primaries.elections.settings`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import fields, replace
from decimal import Decimal
from fractions import Fraction
from typing import Any

from .flags import FlagSettings
from .words import N_, Said

DEFAULTS = FlagSettings()
NAMES = tuple(f.name for f in fields(FlagSettings))
DEFAULT = "default"
_DECIMAL_RE = re.compile(r"^\d{1,3}(\.\d{1,2})?\Z")
_FRACTION_RE = re.compile(r"^(\d{1,6})/(\d{1,6})\Z|^0?\.\d{1,6}\Z|^0\Z")


def _problem(name: str, text: str) -> Said | None:
    """What is wrong with ``text`` as the value of setting ``name`` (None: nothing)."""
    default = getattr(DEFAULTS, name)
    if name == "hold_for_review":
        if text not in ("0", "1"):
            return Said(
                N_("%(name)s: must be 1 (flagged boxes are held for review) or 0, not %(value)s"),
                name=name,
                value=repr(text),
            )
        return None
    if isinstance(default, int):
        if not text.isdigit() or not 1 <= int(text) <= 1_000_000:
            return Said(
                N_("%(name)s: must be a whole number from 1 to 1000000, not %(value)s"),
                name=name,
                value=repr(text),
            )
        return None
    if isinstance(default, Fraction):
        match = _FRACTION_RE.match(text)
        if match is None or _fraction(text) >= 1:
            return Said(
                N_("%(name)s: must be a fraction from 0 to below 1 (1/50, 0.02), not %(value)s"),
                name=name,
                value=repr(text),
            )
        return None
    if not _DECIMAL_RE.match(text) or Decimal(text) > 100:
        return Said(
            N_("%(name)s: must be a number from 0 to 100 with at most 2 decimals, not %(value)s"),
            name=name,
            value=repr(text),
        )
    if name == "z" and Decimal(text) == 0:
        return Said(N_("z: must be above 0 standard deviations"))
    return None


def _fraction(text: str) -> Fraction:
    try:
        return Fraction(text)
    except (ValueError, ZeroDivisionError):
        return Fraction(1)  # refused by the caller: not below 1


def check_changes(changes: Mapping[str, str]) -> list[str]:
    """Every problem of ``changes`` (setting name -> text, or ``default``), one line each."""
    problems: list[str] = []
    for name, text in changes.items():
        if name not in NAMES:
            problems.append(
                Said(
                    N_("%(name)s: no such setting (the settings: %(names)s)"),
                    name=name,
                    names=", ".join(NAMES),
                )
            )
        elif text != DEFAULT:
            problem = _problem(name, text)
            if problem:
                problems.append(problem)
    return problems


def apply_changes(current: Mapping[str, str], changes: Mapping[str, str]) -> dict[str, str]:
    """The settings an election keeps after ``changes`` (checked): ``default`` drops one, and a
    value equal to the default is not kept either. In the order of :data:`NAMES`."""
    kept = {**current, **changes}
    return {
        name: kept[name]
        for name in NAMES
        if name in kept and kept[name] != DEFAULT and not _is_default(name, kept[name])
    }


def _is_default(name: str, text: str) -> bool:
    return bool(_value(name, text) == getattr(DEFAULTS, name))


def _value(name: str, text: str) -> int | Decimal | Fraction:
    default = getattr(DEFAULTS, name)
    if isinstance(default, int):
        return int(text)
    if isinstance(default, Fraction):
        return Fraction(text)
    return Decimal(text)  # checked by _problem before it is kept


def settings_from(kept: Mapping[str, str] | None) -> FlagSettings:
    """The thresholds of an election that keeps these settings (None: every default)."""
    if not kept:
        return DEFAULTS
    values: dict[str, Any] = {name: _value(name, text) for name, text in kept.items()}
    return replace(DEFAULTS, **values)  # each value of its field's type (:func:`_value`)


def settings_text(settings: FlagSettings) -> dict[str, str]:
    """Every setting as text, in the order of :data:`NAMES` (for a person to read)."""
    return {name: str(getattr(settings, name)) for name in NAMES}
