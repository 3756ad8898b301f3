"""An election's rules (CONTRACT section 2) as a package gives them in ``election.rules``.

Every key is optional and ``null`` (or no ``rules`` at all) gives the defaults.
``threshold_percent`` is a decimal number in a string (``"40"``, ``"33.33"``), never a JSON
number, so that it is exact. ``double_entry`` is an entry setting, not a rule of
:class:`~primaries.core.rules.Rules`: it is checked here, and the package parser returns it as
``PackageSpec.double_entry`` (it is passed to Rules too, should Rules ever gain that field).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from primaries.core.rules import Rules
from primaries.core.words import N_, Said

from .problems import Problems
from .values import Unrepresentable, check_int, check_keys, describe, join

_RULE_KEYS = (
    "threshold_percent",
    "threshold_inclusive",
    "threshold_basis",
    "runoff_size",
    "double_entry",
)
_THRESHOLD_RE = re.compile(r"^[0-9]{1,3}(\.[0-9]{1,2})?\Z")
_RULES_FIELDS = frozenset(f.name for f in dataclasses.fields(Rules))


def make_rules(values: Mapping[str, object]) -> Rules:
    """:class:`Rules` from checked values (see :func:`check_rules`)."""
    # The core's Rules decides rounds and has no ``double_entry`` (an entry setting): it is
    # passed on only if Rules ever carries it, and is given to the caller as
    # ``PackageSpec.double_entry``.
    known: dict[str, Any] = {key: value for key, value in values.items() if key in _RULES_FIELDS}
    return Rules(**known)


def check_rules(obj: object, path: str, problems: Problems) -> dict[str, object] | None:
    """The given rule values, checked (keys left out are absent); None when there are problems."""
    if obj is None:
        return {}
    if not isinstance(obj, dict):
        problems.add(path, Said(N_("must be an object, not %(value)s"), value=describe(obj)))
        return None
    count = len(problems)
    check_keys(obj, path, problems, _RULE_KEYS)
    values: dict[str, object] = {}

    if "threshold_percent" in obj:
        key_path = join(path, "threshold_percent")
        value = obj["threshold_percent"]
        if not isinstance(value, str):
            is_number = isinstance(value, int | float | Unrepresentable)
            kind = "the number " if is_number and not isinstance(value, bool) else ""
            in_string = (
                N_(
                    'must be a decimal number in a string, e.g. "40" or "33.33", not the number '
                    "%(value)s"
                )
                if kind
                else N_('must be a decimal number in a string, e.g. "40" or "33.33", not %(value)s')
            )
            problems.add(key_path, Said(in_string, value=describe(value)))
        elif not _THRESHOLD_RE.match(value):
            decimals = N_(
                'must be a decimal number from 0 to 100 with at most 2 decimals, e.g. "40" or '
                '"33.33", not %(value)s'
            )
            problems.add(key_path, Said(decimals, value=describe(value)))
        elif Decimal(value) > 100:
            at_most = N_("must be at most 100, not %(value)s")
            problems.add(key_path, Said(at_most, value=describe(value)))
        else:
            values["threshold_percent"] = Decimal(value)

    for key in ("threshold_inclusive", "double_entry"):
        if key in obj:
            if isinstance(obj[key], bool):
                values[key] = obj[key]
            else:
                true_false = N_("must be true or false, not %(value)s")
                problems.add(join(path, key), Said(true_false, value=describe(obj[key])))

    if "threshold_basis" in obj:
        if obj["threshold_basis"] in ("valid", "cast"):
            values["threshold_basis"] = obj["threshold_basis"]
        else:
            basis = N_('must be "valid" or "cast", not %(value)s')
            problems.add(
                join(path, "threshold_basis"), Said(basis, value=describe(obj["threshold_basis"]))
            )

    if "runoff_size" in obj:
        runoff_size = check_int(obj["runoff_size"], join(path, "runoff_size"), problems, 2)
        if runoff_size is not None:
            values["runoff_size"] = runoff_size

    if len(problems) != count:
        return None
    return values


def parse_rules(obj: object, path: str = "election.rules") -> Rules:
    """An election's rules (CONTRACT section 2) from decoded JSON; every key is optional.

    ``None`` gives the defaults. Raises :class:`FormatError` listing every problem.
    ``double_entry`` is checked, but kept only if :class:`Rules` has such a field.
    """
    problems = Problems()
    values = check_rules(obj, path, problems)
    problems.raise_if_any()
    assert values is not None
    return make_rules(values)
