"""An election's red-flag settings (primaries.core.flag_settings): checked, kept as text, read
back as the thresholds' own types; a value equal to the default is not kept."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from primaries.core.flag_settings import (
    DEFAULTS,
    NAMES,
    apply_changes,
    check_changes,
    settings_from,
    settings_text,
)


def test_no_settings_are_the_defaults() -> None:
    assert settings_from(None) == DEFAULTS == settings_from({})
    assert settings_text(DEFAULTS)["overdispersion"] == "1/50"
    assert list(settings_text(DEFAULTS)) == list(NAMES)


def test_settings_are_read_as_their_types() -> None:
    found = settings_from({"min_valid": "50", "z": "3.5", "overdispersion": "0.05"})
    assert found.min_valid == 50 and isinstance(found.min_valid, int)
    assert found.z == Decimal("3.5")
    assert found.overdispersion == Fraction(1, 20)
    assert found.turnout_points == DEFAULTS.turnout_points


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("min_eligible", "1"),
        ("min_eligible", "1000000"),
        ("turnout_points", "0"),
        ("turnout_points", "100"),
        ("turnout_points", "12.25"),
        ("z", "0.01"),
        ("overdispersion", "0"),
        ("overdispersion", "1/3"),
        ("overdispersion", ".5"),
    ],
)
def test_values_accepted(name: str, text: str) -> None:
    assert check_changes({name: text}) == []


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("min_eligible", "0"),
        ("min_eligible", "1000001"),
        ("min_eligible", "2.5"),
        ("turnout_points", "100.01"),
        ("turnout_points", "-1"),
        ("turnout_points", "1.234"),
        ("turnout_points", "1e2"),
        ("z", "0"),
        ("overdispersion", "1"),
        ("overdispersion", "2/2"),
        ("overdispersion", "1/0"),
        ("overdispersion", "-1/2"),
    ],
)
def test_values_refused_by_name(name: str, text: str) -> None:
    problems = check_changes({name: text})
    assert len(problems) == 1 and problems[0].startswith(f"{name}: ")


def test_changes_keep_only_what_differs_from_the_default() -> None:
    kept = apply_changes({}, {"z": "5", "min_valid": "30", "turnout_points": "30"})
    assert kept == {"turnout_points": "30", "z": "5"}  # min_valid 30 is the default
    assert list(kept) == ["turnout_points", "z"]  # in the settings' order
    assert apply_changes(kept, {"z": "default"}) == {"turnout_points": "30"}
    assert apply_changes(kept, {"overdispersion": "0.02"}) == kept  # 1/50 written otherwise
