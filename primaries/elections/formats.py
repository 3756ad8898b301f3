"""The contract's input formats: the election package (JSON) and the branch and sheet CSV files.

CONTRACT sections 1, 2, 5 and 6. This module reads bytes and returns frozen specs, or raises
:class:`FormatError` listing every problem it found, one human-readable line each:

- package problems are ``path: message``, the path in the JSON document
  (``rounds[0].sheets[3].votes.PER: must be an integer >= 0, not -3``); problems with the file
  as a whole (encoding, JSON syntax, top level) carry no path;
- CSV problems are ``line N: column: message`` with ``N`` the physical 1-based line of the file
  (the header is line 1), or ``line N: message`` for a problem of the whole row.

It is pure: the standard library and :mod:`primaries.core.rules` only. Loading a package into
the database, and everything that needs the database (an existing slug, sheets already counted),
is the caller's job. Checking that a package's later round may exist (the round before is
complete and its outcome is ``runoff``) is done here, with :func:`primaries.core.rules.decide`
over the package's own sheets and lots.

Decisions where the contract is silent:

- Unknown keys are refused everywhere in a package, and so is a key given twice in one object.
- ``branches`` may be an empty list (branches can follow with ``import-branches``);
  ``candidates`` and ``rounds`` must each have at least one entry.
- Round 1 may give ``"candidates"`` only if it names, as a set, every candidate.
- A round's ballot is always in the election's candidate order, whatever order
  ``"candidates"`` gives.
- ``held_on``, ``region``, a lot's ``note`` and ``rules`` may be ``null``, meaning left out.
- A number is a JSON integer, not ``1.0``, ``1e3`` or ``true``, from 0 (2 for ``runoff_size``)
  to 2**63 - 1. Text that a database cannot store (a NUL character, a lone surrogate) is refused.
- ``rules.double_entry`` is an entry setting, not a rule of :class:`Rules`: it is returned as
  ``PackageSpec.double_entry`` (and passed to Rules too, should Rules ever gain that field).
- A later round's dependent checks (round before complete, outcome ``runoff``, the ballot) are
  skipped while the round before has problems of its own, to report causes, not their echoes.
- A counted sheet may say ``"annulled": false``; an annulled sheet (``"annulled": true``) has
  only ``branch``, ``annulled`` and a non-empty ``reason``: no numbers.
- In CSV files values are trimmed of surrounding spaces, trailing empty cells beyond the header
  are ignored, and blank lines (also before the header) are skipped. A file with only the header
  gives no rows; an empty file is refused.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import datetime
import io
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from primaries.core.rules import Rules, decide
from primaries.errors import Refused

__all__ = [
    "BRANCH_CODE_RE",
    "CANDIDATE_CODE_RE",
    "FORMAT",
    "MAX_INT",
    "MAX_PROBLEMS",
    "SLUG_RE",
    "BranchSpec",
    "CandidateSpec",
    "FormatError",
    "LotSpec",
    "PackageSpec",
    "RoundSpec",
    "SheetSpec",
    "check_sheet_numbers",
    "parse_branches_csv",
    "parse_package",
    "parse_rules",
    "parse_sheets_csv",
]

FORMAT = "primaries/election@1"

# ``\Z``, not ``$``: ``$`` also matches before a trailing newline.
SLUG_RE = re.compile(r"^[a-z0-9-]{1,64}\Z")
CANDIDATE_CODE_RE = re.compile(r"^[A-Z0-9_-]{1,16}\Z")
BRANCH_CODE_RE = re.compile(r"^[A-Za-z0-9._-]{1,32}\Z")

MAX_INT = 2**63 - 1
"""The largest count accepted anywhere (a signed 64-bit integer, the database's BIGINT)."""

MAX_PROBLEMS = 200
"""At most this many problems are listed; one more line says how many were left out."""

SLUG_RULE = "1-64 lowercase letters, digits or -"
CANDIDATE_CODE_RULE = "1-16 capital letters, digits, - or _"
BRANCH_CODE_RULE = "1-32 letters, digits, -, _ or ."

BRANCH_COLUMNS = ("code", "name", "region", "eligible")
SHEET_COLUMNS = ("branch", "ballots_cast", "invalid")

_RULE_KEYS = (
    "threshold_percent",
    "threshold_inclusive",
    "threshold_basis",
    "runoff_size",
    "double_entry",
)
_THRESHOLD_RE = re.compile(r"^[0-9]{1,3}(\.[0-9]{1,2})?\Z")
_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_DIGITS_RE = re.compile(r"^[0-9]+\Z")
_THOUSANDS_RE = re.compile(r"^[0-9]{1,3}([,'. ][0-9]{3})+\Z")
_PLAIN_KEY_RE = re.compile(r"^[A-Za-z0-9_-]+\Z")
_RULES_FIELDS = frozenset(f.name for f in dataclasses.fields(Rules))


class FormatError(Refused):
    """Refused input. ``problems`` holds one human-readable line per problem."""

    def __init__(self, problems: Sequence[str]) -> None:
        problems = list(problems)
        if len(problems) > MAX_PROBLEMS:
            left_off = len(problems) - MAX_PROBLEMS
            problems = [*problems[:MAX_PROBLEMS], f"... and {left_off} more problems"]
        super().__init__(problems)

    def __str__(self) -> str:
        return "\n".join(self.problems)


@dataclass(frozen=True)
class CandidateSpec:
    code: str
    name: str


@dataclass(frozen=True)
class BranchSpec:
    code: str
    name: str
    region: str | None
    eligible: int
    line: int | None = None
    """The CSV line it was read from; ``None`` when it comes from a package."""


@dataclass(frozen=True)
class SheetSpec:
    """One branch's sheet in one round: counted (numbers given) or annulled (a reason given)."""

    branch: str
    ballots_cast: int | None
    invalid: int | None
    votes: Mapping[str, int] | None
    """Candidate code -> votes, in the order of the round's ballot; ``None`` when annulled."""
    annulled: bool = False
    reason: str | None = None
    line: int | None = None
    """The CSV line it was read from, when it comes from a CSV file."""
    path: str | None = None
    """Its JSON path (``rounds[0].sheets[3]``), when it comes from a package."""


@dataclass(frozen=True)
class LotSpec:
    order: tuple[str, ...]
    note: str | None


@dataclass(frozen=True)
class RoundSpec:
    number: int
    held_on: datetime.date | None
    ballot: tuple[str, ...]
    """The round's candidates in the election's order: round 1 all of them; a later round the
    given ``candidates``, or else the qualifiers of the round before."""
    candidates_given: bool
    lots: tuple[LotSpec, ...]
    sheets: Sequence[SheetSpec]
    """A tuple; for a large package a lazy sequence that decodes each sheet when it is read."""


@dataclass(frozen=True)
class PackageSpec:
    slug: str
    name: str
    rules: Rules
    candidates: tuple[CandidateSpec, ...]
    branches: tuple[BranchSpec, ...]
    rounds: tuple[RoundSpec, ...]
    double_entry: bool = True
    """``election.rules.double_entry``: an entry setting, which the core's Rules does not hold."""


# --------------------------------------------------------------------------- shared helpers


class _Problems:
    """Collects problems as ``path: message`` lines, in the order found."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.lines.append(f"{path}: {message}" if path else message)

    def __len__(self) -> int:
        return len(self.lines)

    def raise_if_any(self) -> None:
        if self.lines:
            raise FormatError(self.lines)


class _JsonObject(dict[str, Any]):
    """A decoded JSON object that remembers the keys it was given more than once."""

    duplicate_keys: tuple[str, ...] = ()


class _Unrepresentable:
    """A JSON number this format never accepts (1.0, 1e3, NaN, huge integers), as written."""

    def __init__(self, text: str, too_big: bool = False) -> None:
        self.text = text
        self.too_big = too_big


def _object_pairs(pairs: list[tuple[str, Any]]) -> _JsonObject:
    obj = _JsonObject(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        duplicates: list[str] = []
        for key, _ in pairs:
            if key in seen and key not in duplicates:
                duplicates.append(key)
            seen.add(key)
        obj.duplicate_keys = tuple(duplicates)
    return obj


def _parse_json_int(text: str) -> int | _Unrepresentable:
    # Python refuses to convert integers of more than 4300 digits; anything beyond 19 digits is
    # out of range anyway, so it is never converted.
    if len(text.lstrip("-")) > 19:
        shown = text if len(text) <= 40 else f"{text[:20]}... ({len(text)} digits)"
        return _Unrepresentable(shown, too_big=not text.startswith("-"))
    return int(text)


def _quote(text: str) -> str:
    """``text`` in double quotes, escaped as in JSON, printable whatever it holds."""
    quoted = json.dumps(text, ensure_ascii=False)
    try:
        quoted.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate would break printing the message
        return json.dumps(text)
    return quoted


def _describe(value: object) -> str:
    """A short rendering of a JSON value for a message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _Unrepresentable):
        return value.text
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        text = _quote(value)
        return text if len(text) <= 50 else f'{text[:45]}..."'
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__  # pragma: no cover - json yields nothing else


def _join(base: str, key: str) -> str:
    """The JSON path of ``key`` inside the object at ``base``."""
    if not _PLAIN_KEY_RE.match(key):
        return f"{base}[{_quote(key)}]"
    return f"{base}.{key}" if base else key


def _decode(raw: bytes | str) -> str:
    """UTF-8 text (a byte-order mark allowed and dropped), or a FormatError saying why not."""
    if isinstance(raw, str):
        return raw.removeprefix("\ufeff")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FormatError(
            [
                "the file is not UTF-8 text: it is UTF-16 (it starts with a UTF-16 byte-order "
                "mark); save it as UTF-8"
            ]
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        byte = raw[error.start]
        raise FormatError(
            [
                f"the file is not UTF-8 text: byte 0x{byte:02X} at offset {error.start} "
                "is not valid UTF-8 (is it in another encoding, such as Windows-1255?); "
                "save it as UTF-8"
            ]
        ) from None
    if "\x00" in text:
        offset = raw.index(b"\x00")
        raise FormatError(
            [
                f"the file is not UTF-8 text: it has a NUL byte at offset {offset} "
                "(is it UTF-16?); save it as UTF-8"
            ]
        )
    return text


def _is_int(value: object) -> bool:
    """A JSON integer: not a bool, not a float such as 1.0."""
    return isinstance(value, int) and not isinstance(value, bool)


def _check_int(value: object, path: str, problems: _Problems, minimum: int = 0) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        if minimum <= value <= MAX_INT:
            return value
        too_big = value > MAX_INT
    else:
        too_big = isinstance(value, _Unrepresentable) and value.too_big
    wanted = f"must be an integer >= {minimum}"
    if too_big:
        wanted += f" and at most {MAX_INT}"
    problems.add(path, f"{wanted}, not {_describe(value)}")
    return None


def _check_keys(
    obj: _JsonObject | dict[str, Any],
    path: str,
    problems: _Problems,
    allowed: Sequence[str],
    required: Sequence[str] = (),
) -> bool:
    """Report unknown, repeated and missing keys. True when there were none."""
    count = len(problems)
    for key in getattr(obj, "duplicate_keys", ()):
        problems.add(_join(path, key), "is given more than once")
    for key in obj:
        if key not in allowed:
            problems.add(_join(path, key), f"unknown key (expected: {', '.join(allowed)})")
    for key in required:
        if key not in obj:
            problems.add(_join(path, key), "is required")
    return len(problems) == count


def _storable(value: str, path: str, problems: _Problems) -> str | None:
    """``value`` if a database can store it: no NUL character, no lone surrogate (``\\ud800``)."""
    if "\x00" in value:
        problems.add(path, "must not contain a NUL character (\\u0000)")
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        problems.add(path, "must be valid Unicode text (it has a lone surrogate such as \\ud800)")
        return None
    return value


def _check_name(value: object, path: str, problems: _Problems) -> str | None:
    if isinstance(value, str) and value.strip():
        return _storable(value, path, problems)
    problems.add(path, f"must be a non-empty string, not {_describe(value)}")
    return None


def _check_optional_string(value: object, path: str, problems: _Problems) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return _storable(value, path, problems)
    problems.add(path, f"must be a string or null, not {_describe(value)}")
    return None


def _codes(codes: Sequence[str]) -> str:
    return ", ".join(codes) if codes else "none"


# --------------------------------------------------------------------------- sheet numbers


def check_sheet_numbers(
    ballots_cast: int,
    invalid: int,
    votes: Mapping[str, int],
    *,
    eligible: int | None = None,
) -> list[str]:
    """The sum rule of a sheet, stated in its numbers; ``[]`` when the numbers agree.

    ``sum(votes) + invalid == ballots_cast``, and, when ``eligible`` is given,
    ``ballots_cast <= eligible``. The numbers themselves must already be integers >= 0.
    """
    problems = []
    total_votes = sum(votes.values())
    if total_votes + invalid != ballots_cast:
        problems.append(
            f"votes {total_votes} + invalid {invalid} = {total_votes + invalid}, "
            f"but ballots_cast is {ballots_cast}"
        )
    if eligible is not None and ballots_cast > eligible:
        problems.append(
            f"ballots_cast {ballots_cast} is more than the branch's eligible {eligible}"
        )
    return problems


# --------------------------------------------------------------------------- rules


def _make_rules(values: Mapping[str, object]) -> Rules:
    # The core's Rules decides rounds and has no ``double_entry`` (an entry setting): it is
    # passed on only if Rules ever carries it, and is given to the caller as
    # ``PackageSpec.double_entry``.
    known: dict[str, Any] = {key: value for key, value in values.items() if key in _RULES_FIELDS}
    return Rules(**known)


def _parse_rules(obj: object, path: str, problems: _Problems) -> dict[str, object] | None:
    """The given rule values, checked (keys left out are absent); None when there are problems."""
    if obj is None:
        return {}
    if not isinstance(obj, dict):
        problems.add(path, f"must be an object, not {_describe(obj)}")
        return None
    count = len(problems)
    _check_keys(obj, path, problems, _RULE_KEYS)
    values: dict[str, object] = {}

    if "threshold_percent" in obj:
        key_path = _join(path, "threshold_percent")
        value = obj["threshold_percent"]
        example = 'e.g. "40" or "33.33"'
        if not isinstance(value, str):
            is_number = isinstance(value, int | float | _Unrepresentable)
            kind = "the number " if is_number and not isinstance(value, bool) else ""
            problems.add(
                key_path,
                f"must be a decimal number in a string, {example}, not {kind}{_describe(value)}",
            )
        elif not _THRESHOLD_RE.match(value):
            problems.add(
                key_path,
                f"must be a decimal number from 0 to 100 with at most 2 decimals, {example}, "
                f"not {_describe(value)}",
            )
        elif Decimal(value) > 100:
            problems.add(key_path, f"must be at most 100, not {_describe(value)}")
        else:
            values["threshold_percent"] = Decimal(value)

    for key in ("threshold_inclusive", "double_entry"):
        if key in obj:
            if isinstance(obj[key], bool):
                values[key] = obj[key]
            else:
                problems.add(_join(path, key), f"must be true or false, not {_describe(obj[key])}")

    if "threshold_basis" in obj:
        if obj["threshold_basis"] in ("valid", "cast"):
            values["threshold_basis"] = obj["threshold_basis"]
        else:
            problems.add(
                _join(path, "threshold_basis"),
                f'must be "valid" or "cast", not {_describe(obj["threshold_basis"])}',
            )

    if "runoff_size" in obj:
        runoff_size = _check_int(obj["runoff_size"], _join(path, "runoff_size"), problems, 2)
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
    problems = _Problems()
    values = _parse_rules(obj, path, problems)
    problems.raise_if_any()
    assert values is not None
    return _make_rules(values)


# --------------------------------------------------------------------------- package


@dataclass
class _RoundState:
    """What a later round needs to know about the round before it."""

    number: int
    ballot: tuple[str, ...] | None
    sound: bool
    lots: tuple[LotSpec, ...]
    sheets: Sequence[SheetSpec]


class _PackageParser:
    def __init__(self) -> None:
        self.problems = _Problems()
        self.rules: Rules | None = None
        self.double_entry = True
        self.candidates: tuple[CandidateSpec, ...] = ()
        self.candidates_sound = False
        self.branches: tuple[BranchSpec, ...] = ()
        self.branch_eligible: dict[str, int | None] = {}
        self.branches_sound = False

    def add(self, path: str, message: str) -> None:
        self.problems.add(path, message)

    # -- election ------------------------------------------------------------------------

    def parse(self, document: object) -> PackageSpec:
        if not isinstance(document, dict):
            raise FormatError([f"the top level must be a JSON object, not {_describe(document)}"])
        _check_keys(
            document, "", self.problems, ("format", "election", "rounds"), ("election", "rounds")
        )
        if "format" not in document:
            self.add("format", f'is required: "{FORMAT}"')
        elif document["format"] != FORMAT:
            self.add("format", f'must be "{FORMAT}", not {_describe(document["format"])}')

        slug = name = None
        election = document.get("election")
        if "election" in document and not isinstance(election, dict):
            self.add("election", f"must be an object, not {_describe(election)}")
        elif isinstance(election, dict):
            slug, name = self.parse_election(election)

        rounds: tuple[RoundSpec, ...] = ()
        if "rounds" in document:
            rounds = self.parse_rounds(document["rounds"])

        self.problems.raise_if_any()
        assert slug is not None
        assert name is not None
        assert self.rules is not None
        return PackageSpec(
            slug=slug,
            name=name,
            rules=self.rules,
            candidates=self.candidates,
            branches=self.branches,
            rounds=rounds,
            double_entry=self.double_entry,
        )

    def parse_election(self, election: dict[str, Any]) -> tuple[str | None, str | None]:
        _check_keys(
            election,
            "election",
            self.problems,
            ("slug", "name", "rules", "candidates", "branches"),
            ("slug", "name", "candidates", "branches"),
        )
        slug = None
        if "slug" in election:
            value = election["slug"]
            if isinstance(value, str) and SLUG_RE.match(value):
                slug = value
            else:
                self.add("election.slug", f"must be {SLUG_RULE}, not {_describe(value)}")
        name = None
        if "name" in election:
            name = _check_name(election["name"], "election.name", self.problems)
        values = _parse_rules(election.get("rules"), "election.rules", self.problems)
        if values is not None:
            self.rules = _make_rules(values)
            self.double_entry = bool(values.get("double_entry", True))
        if "candidates" in election:
            self.parse_candidates(election["candidates"])
        if "branches" in election:
            self.parse_branches(election["branches"])
        return slug, name

    def parse_candidates(self, value: object) -> None:
        path = "election.candidates"
        if not isinstance(value, list) or not value:
            self.add(path, f"must be a list of at least one candidate, not {_describe(value)}")
            return
        count = len(self.problems)
        candidates: list[CandidateSpec] = []
        first_seen: dict[str, str] = {}
        for index, item in enumerate(value):
            item_path = f"{path}[{index}]"
            if not isinstance(item, dict):
                self.add(item_path, f"must be an object, not {_describe(item)}")
                continue
            _check_keys(item, item_path, self.problems, ("code", "name"), ("code", "name"))
            code = item.get("code")
            if "code" in item:
                if not (isinstance(code, str) and CANDIDATE_CODE_RE.match(code)):
                    self.add(
                        f"{item_path}.code", f"must be {CANDIDATE_CODE_RULE}, not {_describe(code)}"
                    )
                    code = None
                elif code in first_seen:
                    self.add(f"{item_path}.code", f"{code} is already used by {first_seen[code]}")
                    code = None
                else:
                    first_seen[code] = item_path
            name = (
                _check_name(item["name"], f"{item_path}.name", self.problems)
                if "name" in item
                else None
            )
            if code is not None and name is not None:
                candidates.append(CandidateSpec(code=code, name=name))
        self.candidates = tuple(candidates)
        self.candidates_sound = len(self.problems) == count

    def parse_branches(self, value: object) -> None:
        path = "election.branches"
        if not isinstance(value, list):
            self.add(path, f"must be a list (it may be empty), not {_describe(value)}")
            return
        count = len(self.problems)
        branches: list[BranchSpec] = []
        first_seen: dict[str, str] = {}
        for index, item in enumerate(value):
            item_path = f"{path}[{index}]"
            if not isinstance(item, dict):
                self.add(item_path, f"must be an object, not {_describe(item)}")
                continue
            _check_keys(
                item,
                item_path,
                self.problems,
                ("code", "name", "region", "eligible"),
                ("code", "name", "eligible"),
            )
            code = item.get("code")
            if "code" in item:
                if not (isinstance(code, str) and BRANCH_CODE_RE.match(code)):
                    self.add(
                        f"{item_path}.code", f"must be {BRANCH_CODE_RULE}, not {_describe(code)}"
                    )
                    code = None
                elif code in first_seen:
                    self.add(f"{item_path}.code", f"{code} is already used by {first_seen[code]}")
                    code = None
                else:
                    first_seen[code] = item_path
            name = (
                _check_name(item["name"], f"{item_path}.name", self.problems)
                if "name" in item
                else None
            )
            region = _check_optional_string(
                item.get("region"), f"{item_path}.region", self.problems
            )
            eligible = (
                _check_int(item["eligible"], f"{item_path}.eligible", self.problems)
                if "eligible" in item
                else None
            )
            if code is not None:
                self.branch_eligible[code] = eligible
            if code is not None and name is not None and eligible is not None:
                branches.append(BranchSpec(code=code, name=name, region=region, eligible=eligible))
        self.branches = tuple(branches)
        self.branches_sound = len(self.problems) == count

    # -- rounds --------------------------------------------------------------------------

    def parse_rounds(self, value: object) -> tuple[RoundSpec, ...]:
        if not isinstance(value, list) or not value:
            self.add("rounds", f"must be a list of at least one round, not {_describe(value)}")
            return ()
        rounds: list[RoundSpec] = []
        before: _RoundState | None = None
        for index, item in enumerate(value):
            path = f"rounds[{index}]"
            if not isinstance(item, dict):
                self.add(path, f"must be an object, not {_describe(item)}")
                before = None
                continue
            spec, before = self.parse_round(item, path, index + 1, before)
            if spec is not None:
                rounds.append(spec)
        return tuple(rounds)

    def parse_round(
        self, item: dict[str, Any], path: str, number: int, before: _RoundState | None
    ) -> tuple[RoundSpec | None, _RoundState]:
        count = len(self.problems)
        _check_keys(
            item,
            path,
            self.problems,
            ("number", "held_on", "candidates", "lots", "sheets"),
            ("number", "sheets"),
        )
        if "number" in item and not (_is_int(item["number"]) and item["number"] == number):
            self.add(
                f"{path}.number",
                f"must be {number} (rounds are numbered 1, 2, 3... in order), "
                f"not {_describe(item['number'])}",
            )

        held_on = None
        if item.get("held_on") is not None:
            value = item["held_on"]
            try:
                if not (isinstance(value, str) and _DATE_RE.match(value)):
                    raise ValueError
                held_on = datetime.date.fromisoformat(value)
            except ValueError:
                self.add(
                    f"{path}.held_on",
                    f'must be a date written "YYYY-MM-DD", or null, not {_describe(value)}',
                )

        ballot = self.round_ballot(item, path, number, before)
        lots = self.parse_lots(item.get("lots", []), f"{path}.lots", ballot)
        sheets: Sequence[SheetSpec] = ()
        if "sheets" in item:
            sheets = self.parse_sheets(item["sheets"], f"{path}.sheets", number, ballot)

        sound = (
            len(self.problems) == count
            and ballot is not None
            and self.rules is not None
            and self.branches_sound
            and self.candidates_sound
        )
        state = _RoundState(number=number, ballot=ballot, sound=sound, lots=lots, sheets=sheets)
        if ballot is None or len(self.problems) != count:
            return None, state
        spec = RoundSpec(
            number=number,
            held_on=held_on,
            ballot=ballot,
            candidates_given="candidates" in item,
            lots=lots,
            sheets=sheets,
        )
        return spec, state

    def in_election_order(self, codes: set[str]) -> tuple[str, ...]:
        return tuple(c.code for c in self.candidates if c.code in codes)

    def round_ballot(
        self, item: dict[str, Any], path: str, number: int, before: _RoundState | None
    ) -> tuple[str, ...] | None:
        """The round's ballot, or None when it cannot be known (problems found elsewhere)."""
        every = {c.code for c in self.candidates}
        given: set[str] | None = None
        if "candidates" in item:
            given = self.parse_round_candidates(item["candidates"], f"{path}.candidates")

        if number == 1:
            if given is not None and given != every:
                self.add(
                    f"{path}.candidates",
                    "round 1's ballot is every candidate: leave this out, or list all of them "
                    f"(missing: {_codes(self.in_election_order(every - given))})",
                )
            return self.in_election_order(every) if self.candidates_sound else None

        qualifiers = self.qualifiers_before(path, before) if before is not None else None
        if qualifiers is not None and given is not None and given != set(qualifiers):
            problems = [f"must be the qualifiers of round {number - 1}: {_codes(qualifiers)}"]
            if missing := [code for code in qualifiers if code not in given]:
                problems.append(f"missing: {_codes(missing)}")
            if extra := given - set(qualifiers):
                problems.append(f"not qualified: {_codes(self.in_election_order(extra))}")
            self.add(f"{path}.candidates", "; ".join(problems))
            return None
        if given is not None:
            return self.in_election_order(given)
        if qualifiers is not None:
            return self.in_election_order(set(qualifiers))
        return None

    def parse_round_candidates(self, value: object, path: str) -> set[str] | None:
        if not isinstance(value, list) or not value:
            self.add(path, f"must be a list of candidate codes, not {_describe(value)}")
            return None
        count = len(self.problems)
        known = {c.code for c in self.candidates}
        codes: set[str] = set()
        for index, code in enumerate(value):
            if not isinstance(code, str):
                self.add(f"{path}[{index}]", f"must be a candidate code, not {_describe(code)}")
            elif code in codes:
                self.add(f"{path}[{index}]", f"{code} is listed more than once")
            elif self.candidates_sound and code not in known:
                self.add(f"{path}[{index}]", f"unknown candidate {_describe(code)}")
            else:
                codes.add(code)
        if len(self.problems) != count or not self.candidates_sound:
            return None
        return codes

    def qualifiers_before(self, path: str, before: _RoundState) -> tuple[str, ...] | None:
        """The qualifiers of the round before, after checking that a later round may follow it.

        None when that round has problems of its own (they are reported there) or when it is
        incomplete or its outcome is not ``runoff`` (reported here).
        """
        if not before.sound or before.ballot is None or self.rules is None:
            return None
        number = before.number
        sheeted = {sheet.branch for sheet in before.sheets}
        pending = [b.code for b in self.branches if b.code not in sheeted]
        if pending:
            shown = ", ".join(pending[:10]) + (
                f" and {len(pending) - 10} more" if len(pending) > 10 else ""
            )
            self.add(
                path,
                f"round {number} is incomplete ({len(pending)} of {len(self.branches)} branches "
                f"without a sheet: {shown}), so round {number + 1} cannot be loaded",
            )
            return None

        votes = dict.fromkeys(before.ballot, 0)
        valid = cast = 0
        for sheet in before.sheets:
            if sheet.annulled or sheet.votes is None:
                continue
            assert sheet.ballots_cast is not None
            assert sheet.invalid is not None
            for code, count in sheet.votes.items():
                votes[code] += count
            cast += sheet.ballots_cast
            valid += sheet.ballots_cast - sheet.invalid
        try:
            outcome = decide(
                round_number=number,
                rules=self.rules,
                votes=votes,
                valid=valid,
                cast=cast,
                lots=[lot.order for lot in before.lots],
            ).outcome
        except (ValueError, TypeError) as error:  # pragma: no cover - the checks above prevent it
            self.add(path, f"round {number} cannot be decided: {error}")
            return None
        if outcome.status == "runoff":
            return tuple(outcome.qualifiers)
        detail = {
            "winner": f"winner {outcome.winner}",
            "lot_required": (
                f"lot_required (a lot must order {_codes(outcome.tied)} "
                f"for {outcome.places} place{'s' if outcome.places != 1 else ''})"
            ),
            "no_votes": "no_votes",
        }.get(outcome.status, outcome.status)
        self.add(
            path,
            f"round {number}'s outcome is {detail}, not runoff, so round {number + 1} "
            "cannot be loaded",
        )
        return None

    def parse_lots(
        self, value: object, path: str, ballot: tuple[str, ...] | None
    ) -> tuple[LotSpec, ...]:
        if not isinstance(value, list):
            self.add(path, f"must be a list, not {_describe(value)}")
            return ()
        lots: list[LotSpec] = []
        for index, item in enumerate(value):
            item_path = f"{path}[{index}]"
            if not isinstance(item, dict):
                self.add(item_path, f"must be an object, not {_describe(item)}")
                continue
            count = len(self.problems)
            _check_keys(item, item_path, self.problems, ("order", "note"), ("order",))
            note = _check_optional_string(item.get("note"), f"{item_path}.note", self.problems)
            order = item.get("order")
            if "order" not in item:
                continue
            order_path = f"{item_path}.order"
            if not isinstance(order, list) or len(order) < 2:
                self.add(
                    order_path,
                    f"must be a list of at least 2 candidate codes, not {_describe(order)}",
                )
                continue
            seen: list[str] = []
            for position, code in enumerate(order):
                code_path = f"{order_path}[{position}]"
                if not isinstance(code, str):
                    self.add(code_path, f"must be a candidate code, not {_describe(code)}")
                elif code in seen:
                    self.add(code_path, f"{code} is listed more than once")
                elif ballot is not None and code not in ballot:
                    self.add(
                        code_path,
                        f"{_describe(code)} is not on this round's ballot ({_codes(ballot)})",
                    )
                else:
                    seen.append(code)
            if len(self.problems) == count:
                lots.append(LotSpec(order=tuple(seen), note=note))
        return tuple(lots)

    def parse_sheets(
        self, value: object, path: str, number: int, ballot: tuple[str, ...] | None
    ) -> Sequence[SheetSpec]:
        if not isinstance(value, list):
            self.add(path, f"must be a list (it may be empty), not {_describe(value)}")
            return ()
        sheets: list[SheetSpec] = []
        lazy = isinstance(value, _LazyArray)  # a large package: check now, decode again later
        first_seen: dict[str, str] = {}
        for index, item in enumerate(value):
            item_path = f"{path}[{index}]"
            if not isinstance(item, dict):
                self.add(item_path, f"must be an object, not {_describe(item)}")
                continue
            sheet = self.parse_sheet(item, item_path, number, ballot)
            branch = item.get("branch")
            if isinstance(branch, str):
                if branch in first_seen:
                    self.add(
                        f"{item_path}.branch",
                        f"{branch} already has a sheet in this round, at {first_seen[branch]}",
                    )
                    continue
                first_seen[branch] = item_path
            if sheet is not None and not lazy:
                sheets.append(sheet)
        if isinstance(value, _LazyArray):
            return _LazySheets(self, value, path, number, ballot)
        return tuple(sheets)

    def parse_sheet(
        self, item: dict[str, Any], path: str, number: int, ballot: tuple[str, ...] | None
    ) -> SheetSpec | None:
        count = len(self.problems)
        annulled = item.get("annulled", False)
        if not isinstance(annulled, bool):
            self.add(f"{path}.annulled", f"must be true or false, not {_describe(annulled)}")
            return None
        numbers = ("ballots_cast", "invalid", "votes")
        if annulled:
            _check_keys(
                item,
                path,
                self.problems,
                ("branch", "annulled", "reason", *numbers),
                ("branch", "reason"),
            )
            for key in numbers:
                if key in item:
                    self.add(f"{path}.{key}", "an annulled sheet has no numbers: leave it out")
        else:
            _check_keys(
                item,
                path,
                self.problems,
                ("branch", "annulled", "reason", *numbers),
                ("branch", *numbers),
            )
            if "reason" in item:
                self.add(
                    f"{path}.reason",
                    'only an annulled sheet has a reason (with "annulled": true)',
                )

        branch = (
            self.check_sheet_branch(item.get("branch"), f"{path}.branch")
            if "branch" in item
            else None
        )

        if annulled:
            reason = item.get("reason")
            if "reason" in item:
                reason = _check_name(reason, f"{path}.reason", self.problems)
            if len(self.problems) != count or branch is None or reason is None:
                return None
            return SheetSpec(
                branch=branch,
                ballots_cast=None,
                invalid=None,
                votes=None,
                annulled=True,
                reason=reason,
                path=path,
            )

        ballots_cast = invalid = None
        if "ballots_cast" in item:
            ballots_cast = _check_int(item["ballots_cast"], f"{path}.ballots_cast", self.problems)
        if "invalid" in item:
            invalid = _check_int(item["invalid"], f"{path}.invalid", self.problems)
        votes = (
            self.parse_votes(item["votes"], f"{path}.votes", number, ballot)
            if "votes" in item
            else None
        )

        if ballots_cast is not None and invalid is not None and votes is not None:
            eligible = self.branch_eligible.get(branch) if branch is not None else None
            for message in check_sheet_numbers(ballots_cast, invalid, votes, eligible=eligible):
                self.add(path, message)
        if len(self.problems) != count or branch is None or votes is None:
            return None
        return SheetSpec(
            branch=branch,
            ballots_cast=ballots_cast,
            invalid=invalid,
            votes=votes,
            path=path,
        )

    def check_sheet_branch(self, value: object, path: str) -> str | None:
        if not (isinstance(value, str) and BRANCH_CODE_RE.match(value)):
            self.add(path, f"must be a branch code ({BRANCH_CODE_RULE}), not {_describe(value)}")
            return None
        if self.branches_sound and value not in self.branch_eligible:
            self.add(path, f"unknown branch {value}")
            return None
        return value

    def parse_votes(
        self, value: object, path: str, number: int, ballot: tuple[str, ...] | None
    ) -> dict[str, int] | None:
        """Code -> votes in ballot order; None when broken or when the ballot is unknown."""
        if not isinstance(value, dict):
            self.add(path, f"must be an object of candidate code -> votes, not {_describe(value)}")
            return None
        if (
            ballot is not None
            and len(value) == len(ballot)
            and not getattr(value, "duplicate_keys", ())
            and all(type(value.get(code)) is int and 0 <= value[code] <= MAX_INT for code in ballot)
        ):
            # The common case, a sound sheet, without building a path per number: the checks
            # below would find nothing and return exactly this.
            return {code: value[code] for code in ballot}
        count = len(self.problems)
        for key in getattr(value, "duplicate_keys", ()):
            self.add(_join(path, key), "is given more than once")
        known = {c.code for c in self.candidates}
        numbers: dict[str, int] = {}
        for code, votes in value.items():
            code_path = _join(path, code)
            if ballot is not None and code not in ballot:
                where = "on round " + str(number) + "'s ballot" if code in known else "a candidate"
                self.add(code_path, f"not {where} (the ballot is {_codes(ballot)})")
                continue
            checked = _check_int(votes, code_path, self.problems)
            if checked is not None:
                numbers[code] = checked
        if ballot is None:
            return None
        for code in ballot:
            if code not in value:
                self.add(
                    _join(path, code),
                    "is required: every candidate on the round's ballot needs a number (0 if none)",
                )
        if len(self.problems) != count:
            return None
        return {code: numbers[code] for code in ballot}


STREAM_THRESHOLD = 16 * 2**20
"""Packages of at least this many characters are read sheet by sheet (``_lazy_document``)."""

_LONG_DIGITS_RE = re.compile(r"[0-9]{20}")
_WHITESPACE_RE = re.compile(r"[ \t\n\r]*")


def _decoder(text: str) -> json.JSONDecoder:
    # Integers of up to 19 digits are what ``_parse_json_int`` returns as plain ints; when the
    # text has no run of 20 digits anywhere, the C parser's own ints are the same and much faster
    # than a Python call per number.
    return json.JSONDecoder(
        object_pairs_hook=_object_pairs,
        parse_int=_parse_json_int if _LONG_DIGITS_RE.search(text) else None,
        parse_float=_Unrepresentable,  # never accepted, and shown as written
        parse_constant=_Unrepresentable,
    )


def parse_package(raw: bytes | str) -> PackageSpec:
    """Parse and validate an election package (CONTRACT section 5).

    Raises :class:`FormatError` listing every problem found, each ``path: message``. A large
    package (``STREAM_THRESHOLD``) is read with bounded memory: its sheets are decoded one at a
    time when checked and again when loaded, never all held at once, and its rounds' ``sheets``
    are then lazy sequences rather than tuples; the problems found are the same either way.
    """
    text = _decode(raw)
    if not text or text.isspace():  # what ``not text.strip()`` says, without copying the text
        raise FormatError(["the file is empty: expected an election package (a JSON object)"])
    decoder = _decoder(text)
    if len(text) >= STREAM_THRESHOLD:
        try:
            document: Any = _lazy_document(text, decoder)
        except _NotStreamable:
            pass  # broken JSON: the whole-document parse below names the problem exactly
        else:
            return _PackageParser().parse(document)
    try:
        document = decoder.decode(text)
    except json.JSONDecodeError as error:
        raise FormatError([f"line {error.lineno} column {error.colno}: {error.msg}"]) from None
    except RecursionError:
        raise FormatError(["the JSON is nested too deeply"]) from None
    return _PackageParser().parse(document)


class _NotStreamable(Exception):
    """The text is not well-formed JSON; the ordinary parse reports why."""


class _LazyArray(list[Any]):
    """A JSON array left in the text: its items are decoded one at a time when iterated.

    It is a ``list`` only so that type checks of the package's shape treat it as the JSON array
    it is; it holds no items itself."""

    def __init__(self, text: str, starts: list[int], scan: Any) -> None:
        super().__init__()
        self.text, self.starts, self.scan = text, starts, scan

    def __iter__(self) -> Any:
        for start in self.starts:
            yield self.scan(self.text, start)[0]

    def __len__(self) -> int:
        return len(self.starts)

    def __bool__(self) -> bool:
        return bool(self.starts)


def _lazy_document(text: str, decoder: json.JSONDecoder) -> Any:
    """The package with every ``rounds[i].sheets`` array left in the text (a ``_LazyArray``).

    The structure around them is read here, every other value by the JSON module's own scanner,
    with the same hooks as the whole-document parse, so the values are the same. Raises
    ``_NotStreamable`` at anything that is not well-formed JSON.
    """
    scan: Callable[[str, int], tuple[Any, int]]
    scan = decoder.scan_once  # type: ignore[attr-defined]  # set in JSONDecoder.__init__

    def skip(index: int) -> int:
        found = _WHITESPACE_RE.match(text, index)
        assert found is not None  # the pattern matches the empty string too
        return found.end()

    def value(index: int, path: tuple[Any, ...]) -> tuple[Any, int]:
        char = text[index : index + 1]
        if path == () and char == "{":
            return members(index, path)
        if path == ("rounds",) and char == "[":
            return items(index, path)
        if len(path) == 2 and path[0] == "rounds" and char == "{":
            return members(index, path)
        if len(path) == 3 and path[2] == "sheets" and char == "[":
            return lazy(index)
        try:
            return scan(text, index)
        except (StopIteration, json.JSONDecodeError, RecursionError):
            raise _NotStreamable from None

    def members(index: int, path: tuple[Any, ...]) -> tuple[Any, int]:
        pairs: list[tuple[str, Any]] = []
        index = skip(index + 1)
        if text[index : index + 1] == "}":
            return _object_pairs(pairs), index + 1
        while True:
            if text[index : index + 1] != '"':
                raise _NotStreamable
            try:
                key, index = json.decoder.scanstring(text, index + 1, True)  # type: ignore[attr-defined]  # stubs omit it
            except json.JSONDecodeError:
                raise _NotStreamable from None
            index = skip(index)
            if text[index : index + 1] != ":":
                raise _NotStreamable
            item, index = value(skip(index + 1), (*path, key))
            pairs.append((key, item))
            index = skip(index)
            char = text[index : index + 1]
            if char == "}":
                return _object_pairs(pairs), index + 1
            if char != ",":
                raise _NotStreamable
            index = skip(index + 1)

    def items(index: int, path: tuple[Any, ...]) -> tuple[Any, int]:
        out: list[Any] = []
        index = skip(index + 1)
        if text[index : index + 1] == "]":
            return out, index + 1
        while True:
            item, index = value(index, (*path, len(out)))
            out.append(item)
            index = skip(index)
            char = text[index : index + 1]
            if char == "]":
                return out, index + 1
            if char != ",":
                raise _NotStreamable
            index = skip(index + 1)

    def lazy(index: int) -> tuple[Any, int]:
        starts: list[int] = []
        index = skip(index + 1)
        if text[index : index + 1] == "]":
            return _LazyArray(text, starts, scan), index + 1
        while True:
            try:
                _, end = scan(text, index)  # decoded to find its end, then dropped
            except (StopIteration, json.JSONDecodeError, RecursionError):
                raise _NotStreamable from None
            starts.append(index)
            index = skip(end)
            char = text[index : index + 1]
            if char == "]":
                return _LazyArray(text, starts, scan), index + 1
            if char != ",":
                raise _NotStreamable
            index = skip(index + 1)

    document, end = value(skip(0), ())
    if skip(end) != len(text):
        raise _NotStreamable
    return document


class _LazySheets(Sequence[SheetSpec]):
    """A round's checked sheets, decoded again from the text each time they are read."""

    def __init__(
        self,
        parser: _PackageParser,
        array: _LazyArray,
        path: str,
        number: int,
        ballot: tuple[str, ...] | None,
    ) -> None:
        self.parser, self.array = parser, array
        self.path, self.number, self.ballot = path, number, ballot

    def _sheet(self, index: int, item: Any) -> SheetSpec:
        sheet = self.parser.parse_sheet(item, f"{self.path}[{index}]", self.number, self.ballot)
        assert sheet is not None, "sheets are read again only once they were all found sound"
        return sheet

    def __iter__(self) -> Any:
        for index, item in enumerate(self.array):
            yield self._sheet(index, item)

    def __len__(self) -> int:
        return len(self.array)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and tuple(self) == tuple(other)

    __hash__ = None  # type: ignore[assignment]  # None: unhashable (mypy wants a method)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        start = self.array.starts[index]
        return self._sheet(index % len(self), self.array.scan(self.array.text, start)[0])


# --------------------------------------------------------------------------- CSV


@dataclass(frozen=True)
class _Row:
    line: int
    values: dict[str, str]
    problem: str | None = None
    """Why the row cannot be read at all (its values are then empty)."""


def _csv_number(text: str) -> tuple[int | None, str | None]:
    """A whole number >= 0 written in plain digits: (value, None) or (None, the problem)."""
    if _DIGITS_RE.match(text) and len(text) <= 19:  # the common case, kept cheap
        value = int(text)
        if value <= MAX_INT:
            return value, None
    if not text:
        return None, "is empty: a whole number >= 0 is required"
    if _DIGITS_RE.match(text):
        if len(text.lstrip("0")) <= 19 and int(text) <= MAX_INT:
            return int(text), None
        return None, f"must be at most {MAX_INT}, not {_quote(text)}"
    if _THOUSANDS_RE.match(text):
        return (
            None,
            f"must be written in plain digits, without thousands separators, not {_quote(text)}",
        )
    return None, f"must be a whole number >= 0 written in digits, not {_quote(text)}"


def _read_csv(raw: bytes | str, columns: Sequence[str]) -> tuple[list[_Row], str | None]:
    """The rows of a CSV file with exactly ``columns`` (any order), values trimmed, and the
    problem that stopped the reading, if any (broken quoting).

    Problems with the file or its header raise at once; row problems are for the caller.
    """
    text = _decode(raw)
    header_text = ",".join(columns)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    header_line = 0
    rows: list[_Row] = []
    stopped = None
    last_line = 0
    try:
        for fields in reader:
            line = last_line + 1
            last_line = reader.line_num
            if not any(field.strip() for field in fields):
                continue
            if header is None:
                header, header_line = [field.strip() for field in fields], line
                _check_header(header, header_line, columns)
                continue
            if len(fields) > len(header) and not any(f.strip() for f in fields[len(header) :]):
                fields = fields[: len(header)]
            if len(fields) != len(header):
                problem = (
                    f"line {line}: has {len(fields)} values, but the header has "
                    f"{len(header)} columns ({', '.join(header)})"
                )
                rows.append(_Row(line, {}, problem))
                continue
            rows.append(
                _Row(
                    line, {name: field.strip() for name, field in zip(header, fields, strict=True)}
                )
            )
    except csv.Error as error:
        hint = " (a quote left open?)" if "end of data" in str(error) else ""
        stopped = f"line {reader.line_num}: the CSV is malformed: {error}{hint}"
    if header is None:
        raise FormatError([stopped or f"the file is empty: expected the header {header_text}"])
    return rows, stopped


def _check_header(header: list[str], line: int, columns: Sequence[str]) -> None:
    problems = []
    expected = ", ".join(columns)
    seen: set[str] = set()
    for position, name in enumerate(header, start=1):
        if not name:
            problems.append(
                f"line {line}: column {position} of the header is empty (expected: {expected})"
            )
        elif name in seen:
            problems.append(f"line {line}: column {name} appears more than once in the header")
        elif name not in columns:
            problems.append(f"line {line}: unknown column {_quote(name)} (expected: {expected})")
        seen.add(name)
    problems.extend(
        f"line {line}: missing column {name} (expected: {expected})"
        for name in columns
        if name not in seen
    )
    if problems:
        raise FormatError(problems)


def _check_csv_code(
    text: str, pattern: re.Pattern[str], rule: str, where: str, problems: list[str]
) -> str | None:
    if not text:
        problems.append(f"{where}: is empty")
        return None
    if not pattern.match(text):
        problems.append(f"{where}: must be {rule}, not {_quote(text)}")
        return None
    return text


def _parse_csv_rows(
    raw: bytes | str,
    columns: Sequence[str],
    code_column: str,
    code_pattern: re.Pattern[str],
    code_rule: str,
    build: Callable[[_Row, str, list[str]], Any],
) -> list[Any]:
    rows, stopped = _read_csv(raw, columns)
    problems: list[str] = []
    first_line: dict[str, int] = {}
    specs = []
    for row in rows:
        if row.problem:
            problems.append(row.problem)
            continue
        count = len(problems)
        where = f"line {row.line}: {code_column}"
        code = _check_csv_code(row.values[code_column], code_pattern, code_rule, where, problems)
        if code is not None:
            if code in first_line:
                problems.append(f"{where}: {code} is already on line {first_line[code]}")
            else:
                first_line[code] = row.line
        spec = build(row, code or "", problems)
        if len(problems) == count:
            specs.append(spec)
    if stopped:
        problems.append(stopped)
    if problems:
        raise FormatError(problems)
    return specs


def parse_branches_csv(raw: bytes | str) -> list[BranchSpec]:
    """Branches from a CSV file with the header ``code,name,region,eligible`` (any order).

    An empty region is ``None``. Raises :class:`FormatError`, each problem ``line N: ...``.
    """

    def build(row: _Row, code: str, problems: list[str]) -> BranchSpec | None:
        name = row.values["name"]
        if not name:
            problems.append(f"line {row.line}: name: is empty")
        eligible, problem = _csv_number(row.values["eligible"])
        if problem:
            problems.append(f"line {row.line}: eligible: {problem}")
        if not (code and name and eligible is not None):
            return None
        return BranchSpec(
            code=code,
            name=name,
            region=row.values["region"] or None,
            eligible=eligible,
            line=row.line,
        )

    return _parse_csv_rows(raw, BRANCH_COLUMNS, "code", BRANCH_CODE_RE, BRANCH_CODE_RULE, build)


def parse_sheets_csv(raw: bytes | str, ballot: Sequence[str]) -> list[SheetSpec]:
    """Counted sheets from a CSV file with the header ``branch,ballots_cast,invalid`` and one
    column per candidate code of ``ballot`` (any order).

    Each row is checked on its own (numbers, the sum rule); whether its branch exists, and its
    ``eligible``, is the caller's to check. Raises :class:`FormatError`, each problem
    ``line N: ...``.
    """
    ballot = tuple(ballot)

    def build(row: _Row, code: str, problems: list[str]) -> SheetSpec | None:
        numbers: dict[str, int] = {}
        for column in (*SHEET_COLUMNS[1:], *ballot):
            value, problem = _csv_number(row.values[column])
            if problem:
                problems.append(f"line {row.line}: {column}: {problem}")
            else:
                assert value is not None
                numbers[column] = value
        if len(numbers) != 2 + len(ballot):
            return None
        votes = {candidate: numbers[candidate] for candidate in ballot}
        problems.extend(
            f"line {row.line}: {message}"
            for message in check_sheet_numbers(numbers["ballots_cast"], numbers["invalid"], votes)
        )
        return SheetSpec(
            branch=code,
            ballots_cast=numbers["ballots_cast"],
            invalid=numbers["invalid"],
            votes=votes,
            line=row.line,
        )

    return _parse_csv_rows(
        raw, (*SHEET_COLUMNS, *ballot), "branch", BRANCH_CODE_RE, BRANCH_CODE_RULE, build
    )
