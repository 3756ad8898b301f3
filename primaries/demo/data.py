"""The demo election package: the 2011 Israeli Labor Party leadership primary.

A pure, deterministic generator (standard library only) of a CONTRACT section-5 election
package for the race of 12 and 21 September 2011. The committee's published totals are real
(see DOMAIN.md); the 171 branches and their per-branch sheets are an invented but plausible
breakdown that adds up to those totals exactly:

- round 1: YAC 14,203, PER 13,616, HER 10,848, MIT 5,244 (43,911 valid), 169 invalid;
- runoff: YAC 22,299, PER 18,769 (41,068 valid), ``RUNOFF_INVALID`` invalid;
- 66,310 eligible members over 171 branches.

The static data lives in two CSV files shipped beside this module: ``branches.csv`` (code,
name, region and size class of every branch, in the order the generator draws for them) and
``regions.csv`` (each region's leaning, runoff transfer and Hebrew name, see :class:`Region`).

Every random choice comes from ``random.Random`` seeded with a constant and only plain float
arithmetic is used, so every call (and every run, on every platform) returns the same package.
Exact sums are obtained by apportioning integers with the largest-remainder method (eligible,
ballots cast, invalid per branch), then fitting each round's branch-by-candidate table to its
row sums (valid votes of the branch) and column sums (candidate totals) with iterative
proportional fitting and a controlled rounding that keeps both sums exact.
"""

from __future__ import annotations

import copy
import csv
import functools
import importlib.resources
import io
import random
from collections.abc import Sequence
from typing import Any, NamedTuple

from .names import CANDIDATE_NAMES as IN_HEBREW
from .names import ELECTION_NAMES

DEMO_SLUG = "labor-2011"

ELECTION_NAME = "Israeli Labor Party leadership primary, 2011"
ROUND1_DATE = "2011-09-12"
RUNOFF_DATE = "2011-09-21"

CANDIDATES: tuple[tuple[str, str], ...] = (
    ("YAC", "Shelly Yacimovich"),
    ("PER", "Amir Peretz"),
    ("HER", "Isaac Herzog"),
    ("MIT", "Amram Mitzna"),
)
RUNOFF_CANDIDATES: tuple[str, ...] = ("YAC", "PER")

TOTAL_ELIGIBLE = 66_310
ROUND1_VOTES: dict[str, int] = {"YAC": 14_203, "PER": 13_616, "HER": 10_848, "MIT": 5_244}
ROUND1_INVALID = 169
RUNOFF_VOTES: dict[str, int] = {"YAC": 22_299, "PER": 18_769}
RUNOFF_INVALID = 197
PENDING_RUNOFF_COUNT = 21

_SEED = 20110912

# Branch sizes: (lowest, highest) eligible members before the total is made exact.
_SIZES: dict[str, tuple[int, int]] = {"L": (620, 980), "M": (330, 560), "S": (100, 200)}

# Sheets fixed by hand rather than generated: branch name -> (eligible, round-one invalid,
# round-one votes). Yeruham's Peretz 46 and Mitzna 34 are Haaretz's figures; Mitzna was the
# town's mayor until 2011.
_FIXED_ROUND1: dict[str, tuple[int, int, dict[str, int]]] = {
    "Yeruham": (168, 1, {"YAC": 21, "PER": 46, "HER": 13, "MIT": 34}),
}

# Round-one turnout far above the rest (the complaint of suspected forgery in Abu Karinat).
_HIGH_TURNOUT: dict[str, float] = {"Abu Karinat": 0.88}


def demo_package(*, complete: bool = False) -> dict[str, Any]:
    """Return the demo election package (CONTRACT section 5, ``primaries/election@1``).

    Round 1 is complete (171 sheets). The runoff has all 171 sheets when ``complete`` is true,
    and otherwise 150 of them: the count in progress, with the sheets of
    ``pending_runoff_sheets()`` still to be typed in. A fresh copy is returned on every call.
    """
    data = _generated()
    pending = {sheet["branch"] for sheet in data["pending"]}
    runoff_sheets = [
        sheet for sheet in data["runoff"] if complete or sheet["branch"] not in pending
    ]
    package = {
        "format": "primaries/election@1",
        "election": {
            "slug": DEMO_SLUG,
            "name": ELECTION_NAME,
            "names": ELECTION_NAMES,
            "rules": {
                "threshold_percent": "40",
                "threshold_inclusive": True,
                "threshold_basis": "valid",
                "runoff_size": 2,
                "double_entry": True,
            },
            "regions": [{"name": n, "names": {"he": r.name_he}} for n, r in _regions().items()],
            "candidates": [{"code": c, "name": n, "names": IN_HEBREW[c]} for c, n in CANDIDATES],
            "branches": data["branches"],
        },
        "rounds": [
            {"number": 1, "held_on": ROUND1_DATE, "sheets": data["round1"]},
            {
                "number": 2,
                "held_on": RUNOFF_DATE,
                "candidates": list(RUNOFF_CANDIDATES),
                "sheets": runoff_sheets,
            },
        ],
    }
    return copy.deepcopy(package)


def pending_runoff_sheets() -> list[dict[str, Any]]:
    """Return the 21 runoff sheets left out of ``demo_package()`` (ordered by branch code).

    Together with the 150 runoff sheets of the incomplete package they make the 171 of
    ``demo_package(complete=True)``.
    """
    return copy.deepcopy(_generated()["pending"])


# --- the data files -----------------------------------------------------------------------


class Branch(NamedTuple):
    """A row of ``branches.csv``: the size class is a key of ``_SIZES``."""

    code: str
    name: str
    region: str
    size: str


class Region(NamedTuple):
    """A row of ``regions.csv``.

    ``leaning`` is the round-one strength of each candidate, in the order of ``CANDIDATES``:
    Peretz in the south, the Negev and the periphery, Yacimovich and Herzog in Tel Aviv and
    the Sharon, Mitzna in Haifa (its former mayor) and on the kibbutzim. ``to_peretz`` is the
    share of the Herzog and Mitzna vote taken to go to Peretz in the runoff.
    """

    leaning: tuple[float, ...]
    to_peretz: float
    name_he: str


def _read_table(filename: str) -> list[dict[str, str]]:
    """The rows of a CSV file shipped in this package (UTF-8, the first line the header)."""
    raw = importlib.resources.files("primaries.demo").joinpath(filename).read_bytes()
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))


@functools.cache
def _regions() -> dict[str, Region]:
    """``regions.csv``, by region name."""
    return {
        row["region"]: Region(
            leaning=tuple(float(row[code]) for code, _ in CANDIDATES),
            to_peretz=float(row["runoff_to_PER"]),
            name_he=row["name_he"],
        )
        for row in _read_table("regions.csv")
    }


@functools.cache
def _branches() -> tuple[Branch, ...]:
    """``branches.csv``, in file order: the order the generator draws in, so never reorder."""
    branches = tuple(
        Branch(row["code"], row["name"], row["region"], row["size"])
        for row in _read_table("branches.csv")
    )
    for field in ("code", "name"):
        if len({getattr(branch, field) for branch in branches}) != len(branches):
            raise ValueError(f"branches.csv: a branch {field} is repeated")
    for branch in branches:
        if branch.region not in _regions() or branch.size not in _SIZES:
            raise ValueError(f"branches.csv: unknown region or size for {branch.code}")
    return branches


# --- generation ---------------------------------------------------------------------------


@functools.cache
def _generated() -> dict[str, Any]:
    """Build everything once; callers get deep copies."""
    rng = random.Random(_SEED)
    listed = _branches()
    names = [branch.name for branch in listed]
    regions = [branch.region for branch in listed]
    codes = [branch.code for branch in listed]
    fixed = [names.index(name) for name in _FIXED_ROUND1]
    free = [i for i in range(len(listed)) if i not in fixed]

    eligible = _eligible(rng, listed, fixed)
    cast1, invalid1, votes1 = _round1(rng, regions, names, eligible, fixed, free)
    cast2, invalid2, votes2 = _runoff(rng, regions, eligible, cast1, votes1)

    branches = [
        {"code": codes[i], "name": names[i], "region": regions[i], "eligible": eligible[i]}
        for i in range(len(listed))
    ]
    round1 = [_sheet(codes[i], cast1[i], invalid1[i], votes1[i]) for i in range(len(codes))]
    runoff = [_sheet(codes[i], cast2[i], invalid2[i], votes2[i]) for i in range(len(codes))]
    pending = set(_pending_indices(rng, len(codes)))
    return {
        "branches": branches,
        "round1": round1,
        "runoff": runoff,
        "pending": [runoff[i] for i in sorted(pending)],
    }


def _sheet(code: str, ballots_cast: int, invalid: int, votes: dict[str, int]) -> dict[str, Any]:
    return {"branch": code, "ballots_cast": ballots_cast, "invalid": invalid, "votes": votes}


def _eligible(rng: random.Random, listed: Sequence[Branch], fixed: list[int]) -> list[int]:
    """Members on the roll per branch, summing exactly to TOTAL_ELIGIBLE."""
    raw = [float(rng.randint(*_SIZES[branch.size])) for branch in listed]
    result = [0] * len(listed)
    for i in fixed:
        result[i] = _FIXED_ROUND1[listed[i].name][0]
    free = [i for i in range(len(listed)) if i not in fixed]
    shares = _apportion([raw[i] for i in free], TOTAL_ELIGIBLE - sum(result))
    for i, value in zip(free, shares, strict=True):
        result[i] = value
    return result


def _round1(
    rng: random.Random,
    regions: list[str],
    names: list[str],
    eligible: list[int],
    fixed: list[int],
    free: list[int],
) -> tuple[list[int], list[int], list[dict[str, int]]]:
    count = len(eligible)
    codes = [code for code, _ in CANDIDATES]
    cast = [0] * count
    invalid = [0] * count
    votes: list[dict[str, int]] = [{} for _ in range(count)]
    for i in fixed:
        _, fixed_invalid, fixed_votes = _FIXED_ROUND1[names[i]]
        invalid[i] = fixed_invalid
        votes[i] = dict(fixed_votes)
        cast[i] = fixed_invalid + sum(fixed_votes.values())

    target_cast = sum(ROUND1_VOTES.values()) + ROUND1_INVALID
    turnout = [_HIGH_TURNOUT.get(names[i], rng.uniform(0.56, 0.76)) for i in free]
    wanted = [eligible[i] * rate for i, rate in zip(free, turnout, strict=True)]
    free_cast = _apportion(
        wanted, target_cast - sum(cast[i] for i in fixed), caps=[eligible[i] for i in free]
    )
    free_invalid = _apportion(
        [cast_i * rng.uniform(0.2, 1.8) for cast_i in free_cast],
        ROUND1_INVALID - sum(invalid[i] for i in fixed),
        caps=[max(0, cast_i // 40) for cast_i in free_cast],
    )

    seed_table = []
    for i in free:
        leaning = _regions()[regions[i]].leaning
        seed_table.append([share * rng.uniform(0.75, 1.25) for share in leaning])
    valid = [c - v for c, v in zip(free_cast, free_invalid, strict=True)]
    column_totals = [ROUND1_VOTES[code] - sum(votes[i][code] for i in fixed) for code in codes]
    table = _fit_table(seed_table, valid, column_totals)

    for position, i in enumerate(free):
        cast[i] = free_cast[position]
        invalid[i] = free_invalid[position]
        votes[i] = dict(zip(codes, table[position], strict=True))
    return cast, invalid, votes


def _runoff(
    rng: random.Random,
    regions: list[str],
    eligible: list[int],
    cast1: list[int],
    votes1: list[dict[str, int]],
) -> tuple[list[int], list[int], list[dict[str, int]]]:
    target_cast = sum(RUNOFF_VOTES.values()) + RUNOFF_INVALID
    wanted = [cast_i * rng.uniform(0.86, 1.02) for cast_i in cast1]
    cast = _apportion(wanted, target_cast, caps=eligible)
    invalid = _apportion(
        [cast_i * rng.uniform(0.2, 1.8) for cast_i in cast],
        RUNOFF_INVALID,
        caps=[max(0, cast_i // 40) for cast_i in cast],
    )
    seed_table = []
    for region, first in zip(regions, votes1, strict=True):
        # Most Herzog and Mitzna voters went to Yacimovich; less so in Peretz's strongholds.
        to_peretz = _regions()[region].to_peretz
        yac = first["YAC"] + (1 - to_peretz) * (first["HER"] + first["MIT"])
        per = first["PER"] + to_peretz * (first["HER"] + first["MIT"])
        seed_table.append([yac * rng.uniform(0.9, 1.1), per * rng.uniform(0.9, 1.1)])
    valid = [c - v for c, v in zip(cast, invalid, strict=True)]
    column_totals = [RUNOFF_VOTES[code] for code in RUNOFF_CANDIDATES]
    table = _fit_table(seed_table, valid, column_totals)
    votes = [dict(zip(RUNOFF_CANDIDATES, row, strict=True)) for row in table]
    return cast, invalid, votes


def _pending_indices(rng: random.Random, count: int) -> list[int]:
    """One branch from each of PENDING_RUNOFF_COUNT equal stretches of the branch list.

    The list is ordered by region, so the pending sheets are spread over the country.
    """
    bounds = [count * k // PENDING_RUNOFF_COUNT for k in range(PENDING_RUNOFF_COUNT + 1)]
    return [rng.randrange(bounds[k], bounds[k + 1]) for k in range(PENDING_RUNOFF_COUNT)]


# --- exact integer sums ---------------------------------------------------------------------


def _apportion(
    weights: Sequence[float], total: int, caps: Sequence[int] | None = None
) -> list[int]:
    """Integers proportional to ``weights`` that sum exactly to ``total``, each <= its cap.

    Largest remainder method; units a capped entry cannot take go to the others in the same
    order of remainders, round after round.
    """
    weight_sum = sum(weights)
    if weight_sum <= 0 or total < 0:
        raise ValueError("nothing to apportion")
    limits = list(caps) if caps is not None else [total] * len(weights)
    ideal = [weight * total / weight_sum for weight in weights]
    result = [min(int(value), limit) for value, limit in zip(ideal, limits, strict=True)]
    remainder = total - sum(result)
    order = sorted(range(len(ideal)), key=lambda i: (-(ideal[i] - int(ideal[i])), i))
    while remainder > 0:
        progressed = False
        for i in order:
            if remainder == 0:
                break
            if result[i] < limits[i]:
                result[i] += 1
                remainder -= 1
                progressed = True
        if not progressed:
            raise ValueError("the caps are below the total")
    return result


def _fit_table(
    seed: list[list[float]], row_totals: list[int], column_totals: list[int]
) -> list[list[int]]:
    """An integer table shaped like ``seed`` with exactly the given row and column sums.

    Iterative proportional fitting scales the seed to both margins; each row is then rounded
    to its total, and single votes are moved between columns, inside a row, until every
    column total is exact (each move keeps the row sums and brings two columns closer).
    """
    if sum(row_totals) != sum(column_totals):
        raise ValueError("row and column totals differ")
    columns = range(len(column_totals))
    fitted = [list(row) for row in seed]
    for _ in range(200):
        for row, total in zip(fitted, row_totals, strict=True):
            row_sum = sum(row)
            for j in columns:
                row[j] = row[j] * total / row_sum if row_sum else 0.0
        for j in columns:
            column_sum = sum(row[j] for row in fitted)
            for row in fitted:
                row[j] = row[j] * column_totals[j] / column_sum
    table = [
        _apportion(row, total) if total else [0] * len(row)
        for row, total in zip(fitted, row_totals, strict=True)
    ]

    def column_excess(j: int) -> int:
        return sum(row[j] for row in table) - column_totals[j]

    while True:
        excess = [column_excess(j) for j in columns]
        over = next((j for j in columns if excess[j] > 0), None)
        if over is None:
            break
        under = next(j for j in columns if excess[j] < 0)
        # The row where the move strays least from the fitted values.
        best = max(
            (i for i in range(len(table)) if table[i][over] > 0),
            key=lambda i: (
                (table[i][over] - fitted[i][over]) + (fitted[i][under] - table[i][under]),
                -i,
            ),
        )
        table[best][over] -= 1
        table[best][under] += 1
    return table
