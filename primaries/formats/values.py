"""JSON values as this format decodes them, and the checks of one value, each problem at its path.

The JSON module is given hooks (:func:`object_pairs`, :func:`parse_json_int`,
:class:`Unrepresentable`) so that what the format refuses is still seen as written: a key given
twice in one object is remembered (:class:`JsonObject`), and numbers the format never accepts
(``1.0``, ``1e3``, ``NaN``, integers beyond 64 bits) are kept as their text to be named in the
problem. The checks then add ``path: message`` lines to a :class:`~.problems.Problems`:

- A number is a JSON integer, not ``1.0``, ``1e3`` or ``true``, from its minimum to
  :data:`~primaries.core.limits.MAX_INT`.
- Text that a database cannot store (a NUL character, a lone surrogate) is refused
  (:func:`primaries.core.text.storable_problem`); so are, in names, bidirectional controls,
  zero-width and control characters (:func:`primaries.core.text.name_problem`).
- Unknown keys are refused, and so is a key given twice in one object.
- Names in other languages (``names``, version 1.1) are an object from a lowercase language tag
  (:data:`~primaries.core.limits.LANGUAGE_TAG_RE`) to a name keeping the rule of ``name``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from primaries.core.limits import LANGUAGE_TAG_RE, LANGUAGE_TAG_RULE, MAX_INT, short_number
from primaries.core.text import name_problem, storable_problem
from primaries.core.words import N_, Said

from .encoding import quote
from .problems import Problems

_PLAIN_KEY_RE = re.compile(r"^[A-Za-z0-9_-]+\Z")


class JsonObject(dict[str, Any]):
    """A decoded JSON object that remembers the keys it was given more than once."""

    duplicate_keys: tuple[str, ...] = ()


class Unrepresentable:
    """A JSON number this format never accepts (1.0, 1e3, NaN, huge integers), as written."""

    def __init__(self, text: str, too_big: bool = False) -> None:
        self.text = text
        self.too_big = too_big


def object_pairs(pairs: list[tuple[str, Any]]) -> JsonObject:
    obj = JsonObject(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        duplicates: list[str] = []
        for key, _ in pairs:
            if key in seen and key not in duplicates:
                duplicates.append(key)
            seen.add(key)
        obj.duplicate_keys = tuple(duplicates)
    return obj


def parse_json_int(text: str) -> int | Unrepresentable:
    # Python refuses to convert integers of more than 4300 digits; anything beyond 19 digits is
    # out of range anyway, so it is never converted.
    if len(text.lstrip("-")) > 19:
        return Unrepresentable(short_number(text), too_big=not text.startswith("-"))
    return int(text)


def describe(value: object) -> str:
    """A short rendering of a JSON value for a message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Unrepresentable):
        return value.text
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        text = quote(value)
        return text if len(text) <= 50 else f'{text[:45]}..."'
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__  # pragma: no cover - json yields nothing else


def join(base: str, key: str) -> str:
    """The JSON path of ``key`` inside the object at ``base``."""
    if not _PLAIN_KEY_RE.match(key):
        return f"{base}[{quote(key)}]"
    return f"{base}.{key}" if base else key


def code_list(items: Sequence[str]) -> str:
    """Codes in a message: ``A, B`` or ``none``."""
    return ", ".join(items) if items else "none"


def check_int(value: object, path: str, problems: Problems, minimum: int = 0) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        if minimum <= value <= MAX_INT:
            return value
        too_big = value > MAX_INT
    else:
        too_big = isinstance(value, Unrepresentable) and value.too_big
    wanted = (
        N_("must be an integer >= %(minimum)s and at most %(max)s, not %(value)s")
        if too_big
        else N_("must be an integer >= %(minimum)s, not %(value)s")
    )
    problems.add(path, Said(wanted, minimum=minimum, max=MAX_INT, value=describe(value)))
    return None


def check_keys(
    obj: JsonObject | dict[str, Any],
    path: str,
    problems: Problems,
    allowed: Sequence[str],
    required: Sequence[str] = (),
) -> bool:
    """Report unknown, repeated and missing keys. True when there were none."""
    count = len(problems)
    for key in getattr(obj, "duplicate_keys", ()):
        problems.add(join(path, key), Said(N_("is given more than once")))
    for key in obj:
        if key not in allowed:
            unknown = N_("unknown key (expected: %(keys)s)")
            problems.add(join(path, key), Said(unknown, keys=", ".join(allowed)))
    for key in required:
        if key not in obj:
            problems.add(join(path, key), Said(N_("is required")))
    return len(problems) == count


def storable(value: str, path: str, problems: Problems) -> str | None:
    """``value`` if a database can store it: no NUL character, no lone surrogate (``\\ud800``)."""
    problem = storable_problem(value)
    if problem is not None:
        problems.add(path, problem)
        return None
    return value


def named(value: str, path: str, problems: Problems) -> str | None:
    """``value`` if it may be a name (:func:`primaries.core.text.name_problem`)."""
    problem = name_problem(value)
    if problem is not None:
        problems.add(path, problem)
        return None
    return value


def check_name(value: object, path: str, problems: Problems) -> str | None:
    """A name: a non-empty string keeping the rule of names."""
    if isinstance(value, str) and value.strip():
        return named(value, path, problems)
    problems.add(path, _not_empty(value))
    return None


def _not_empty(value: object) -> Said:
    return Said(N_("must be a non-empty string, not %(value)s"), value=describe(value))


def check_names(value: object, path: str, problems: Problems) -> dict[str, str] | None:
    """Names in other languages: an object from a language tag to a name, in the order given
    (it may be empty). Each problem at its own path (``names.he``)."""
    if not isinstance(value, dict):
        not_names = N_("must be an object from language tags to names, not %(value)s")
        problems.add(path, Said(not_names, value=describe(value)))
        return None
    count = len(problems)
    for key in getattr(value, "duplicate_keys", ()):
        problems.add(join(path, key), Said(N_("is given more than once")))
    names: dict[str, str] = {}
    for tag, name in value.items():
        item_path = join(path, tag)
        if not LANGUAGE_TAG_RE.match(tag):
            hint = f' (write "{tag.lower()}")' if LANGUAGE_TAG_RE.match(tag.lower()) else ""
            not_tag = N_("must be %(rule)s, not %(value)s%(hint)s")
            said = Said(not_tag, rule=(LANGUAGE_TAG_RULE, {}), value=describe(tag), hint=hint)
            problems.add(item_path, said)
            continue
        checked = check_name(name, item_path, problems)
        if checked is not None:
            names[tag] = checked
    return names if len(problems) == count else None


def check_text(value: object, path: str, problems: Problems) -> str | None:
    """Free text (a reason): a non-empty string a database can store."""
    if isinstance(value, str) and value.strip():
        return storable(value, path, problems)
    problems.add(path, _not_empty(value))
    return None


def check_optional_name(value: object, path: str, problems: Problems) -> str | None:
    """A name or null (a region)."""
    if value is None:
        return None
    if isinstance(value, str):
        return named(value, path, problems)
    problems.add(path, _string_or_null(value))
    return None


def check_optional_string(value: object, path: str, problems: Problems) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return storable(value, path, problems)
    problems.add(path, _string_or_null(value))
    return None


def _string_or_null(value: object) -> Said:
    return Said(N_("must be a string or null, not %(value)s"), value=describe(value))
