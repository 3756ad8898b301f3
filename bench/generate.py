"""Deterministic generators of the benchmark elections, written in the contract's formats.

- ``labor``: the demo election (the 2011 Labor primary, 171 branches x 4 candidates, both
  rounds complete), under the slug ``bench-labor``; its runoff sheets are also written as the
  "paper sheets" that the election-night clerks type in.
- ``national``: 12,926 ballot boxes x 39 lists, shaped like the 2021 Knesset election: a few
  large lists and a long tail of small ones, ballot boxes of different sectors voting very
  differently, lognormal box sizes, turnout and invalid ballots varying by sector.
- ``huge``: 100,000 precincts x 40 candidates with Zipf-like shares.

Every number comes from ``random.Random`` seeded with a constant, and packages are written one
sheet per line as they are generated, so memory stays small even for ``huge``.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

FORMAT = "primaries/election@1"
GENERATOR_VERSION = 1  # bump when the output changes, so cached files are rewritten

# The 13 lists that passed the threshold in March 2021 (share of valid votes, %), then a tail.
_NATIONAL_LISTS: tuple[tuple[str, str, float], ...] = (
    ("MHL", "Likud", 24.19),
    ("PH", "Yesh Atid", 13.93),
    ("SHAS", "Shas", 7.17),
    ("KAHOL", "Blue and White", 6.63),
    ("YMN", "Yamina", 6.21),
    ("EMT", "Labor", 6.09),
    ("GIMEL", "United Torah Judaism", 5.63),
    ("L", "Yisrael Beiteinu", 5.63),
    ("TET", "Religious Zionism", 5.12),
    ("VDAM", "Joint List", 4.82),
    ("TAF", "New Hope", 4.74),
    ("MRZ", "Meretz", 4.59),
    ("AAM", "United Arab List", 3.79),
)
_NATIONAL_SECTORS: dict[str, tuple[float, float, dict[str, float]]] = {
    # sector: (share of boxes, mean turnout, multipliers of list shares)
    "general": (0.66, 0.68, {"VDAM": 0.03, "AAM": 0.02, "GIMEL": 0.3, "SHAS": 0.6}),
    "haredi": (0.09, 0.82, {"GIMEL": 9.0, "SHAS": 4.5, "PH": 0.05, "MRZ": 0.02, "EMT": 0.05}),
    "arab": (0.13, 0.45, {"VDAM": 14.0, "AAM": 14.0, "MHL": 0.1, "GIMEL": 0.0, "TET": 0.0}),
    "settlements": (0.07, 0.75, {"TET": 4.0, "YMN": 3.0, "MRZ": 0.1, "VDAM": 0.0}),
    "kibbutz": (0.05, 0.72, {"EMT": 3.0, "MRZ": 3.5, "KAHOL": 2.0, "SHAS": 0.2}),
}
_REGIONS = (
    "Jerusalem",
    "Tel Aviv",
    "Haifa",
    "Center",
    "North",
    "South",
    "Judea and Samaria",
    "Sharon",
    "Shfela",
    "Negev",
)


@dataclass(frozen=True)
class Generated:
    """The files of one generated election."""

    name: str
    slug: str
    package: Path
    branches: int
    candidates: int
    sheets: int
    sha256: str
    extra: dict[str, str]


def _largest_remainder(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` (exact sum)."""
    weight_sum = sum(weights)
    if total == 0 or weight_sum <= 0:
        return [0] * len(weights)
    shares = [total * w / weight_sum for w in weights]
    result = [math.floor(s) for s in shares]
    left = total - sum(result)
    order = sorted(range(len(weights)), key=lambda i: (result[i] - shares[i], i))
    for i in order[:left]:
        result[i] += 1
    return result


def _sheet_line(code: str, cast: int, invalid: int, codes: Sequence[str], votes: list[int]) -> str:
    pairs = ",".join(f'"{c}":{v}' for c, v in zip(codes, votes, strict=True))
    return f'{{"branch":"{code}","ballots_cast":{cast},"invalid":{invalid},"votes":{{{pairs}}}}}'


def _write_package(
    out: TextIO,
    *,
    slug: str,
    name: str,
    candidates: Sequence[tuple[str, str]],
    branches: Sequence[dict[str, Any]],
    rounds: Sequence[tuple[dict[str, Any], Iterator[str]]],
) -> int:
    """Write a package, sheets one per line from iterators; return the number of sheets."""
    election = {
        "slug": slug,
        "name": name,
        "rules": {"threshold_percent": "40", "runoff_size": 2, "double_entry": True},
        "candidates": [{"code": c, "name": n} for c, n in candidates],
    }
    head = json.dumps({"format": FORMAT, "election": election}, ensure_ascii=False)
    out.write(head[:-2] + ',\n  "branches": [\n')
    for i, branch in enumerate(branches):
        out.write(("    " if i == 0 else "   ,") + json.dumps(branch, ensure_ascii=False) + "\n")
    out.write('  ]},\n "rounds": [\n')
    count = 0
    for r, (header, sheets) in enumerate(rounds):
        head = json.dumps(header, ensure_ascii=False)
        out.write(("  " if r == 0 else "  ,") + head[:-1] + ', "sheets": [\n')
        for i, line in enumerate(sheets):
            out.write(("    " if i == 0 else "   ,") + line + "\n")
            count += 1
        out.write("  ]}\n")
    out.write(" ]\n}\n")
    return count


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fresh(path: Path, key: str) -> bool:
    """True when ``path`` was written by this generator version with the same key."""
    stamp = path.with_suffix(path.suffix + ".stamp")
    return path.exists() and stamp.exists() and stamp.read_text() == key


def _stamp(path: Path, key: str) -> None:
    path.with_suffix(path.suffix + ".stamp").write_text(key)


# --------------------------------------------------------------------------------------------
# labor


def labor(out: Path) -> Generated:
    """The demo election with both rounds complete, and the runoff's paper sheets as CSV."""
    from primaries.demo.data import demo_package

    out.mkdir(parents=True, exist_ok=True)
    package = demo_package(complete=True)
    package["election"]["slug"] = "bench-labor"
    path = out / "labor.json"
    path.write_text(json.dumps(package, ensure_ascii=False, indent=1), encoding="utf-8")
    # Election night: round 1 complete, the runoff opened and empty.
    night = json.loads(json.dumps(package))
    night["election"]["slug"] = "bench-night"
    runoff_sheets = night["rounds"][1]["sheets"]
    night["rounds"][1]["sheets"] = []
    night_path = out / "night.json"
    night_path.write_text(json.dumps(night, ensure_ascii=False, indent=1), encoding="utf-8")
    paper = out / "night-runoff-sheets.json"
    paper.write_text(json.dumps(runoff_sheets), encoding="utf-8")
    return Generated(
        name="labor",
        slug="bench-labor",
        package=path,
        branches=len(package["election"]["branches"]),
        candidates=len(package["election"]["candidates"]),
        sheets=sum(len(r["sheets"]) for r in package["rounds"]),
        sha256=_sha256(path),
        extra={"night_package": str(night_path), "night_sheets": str(paper)},
    )


# --------------------------------------------------------------------------------------------
# national and huge


@dataclass(frozen=True)
class _Shape:
    slug: str
    name: str
    boxes: int
    candidates: tuple[tuple[str, str, float], ...]
    sectors: dict[str, tuple[float, float, dict[str, float]]]
    size_mu: float  # lognormal parameters of a box's eligible members
    size_sigma: float
    noise: float  # gamma shape of per-box noise on each share (higher = less noise)
    seed: int


def _national_shape() -> _Shape:
    lists = list(_NATIONAL_LISTS)
    tail_share = 100.0 - sum(share for _, _, share in lists)
    tail = 39 - len(lists)
    # A geometric tail: the biggest small list gets ~0.5%, the smallest a few hundred votes.
    ratios = [0.72**i for i in range(tail)]
    scale = tail_share / sum(ratios)
    for i in range(tail):
        code = f"Z{i + 1:02d}"
        lists.append((code, f"Small list {i + 1}", ratios[i] * scale))
    return _Shape(
        slug="bench-national",
        name="Knesset-scale general election (12,926 ballot boxes, 39 lists)",
        boxes=12_926,
        candidates=tuple(lists),
        sectors=_NATIONAL_SECTORS,
        size_mu=math.log(520),
        size_sigma=0.35,
        noise=6.0,
        seed=20210323,
    )


def _huge_shape() -> _Shape:
    candidates = tuple(
        (f"C{i + 1:02d}", f"Candidate {i + 1}", 100.0 / (i + 1) ** 1.1) for i in range(40)
    )
    sectors = {
        "urban": (0.55, 0.58, {"C02": 1.6, "C04": 1.4, "C01": 0.8}),
        "rural": (0.35, 0.66, {"C01": 1.5, "C03": 1.3, "C02": 0.6}),
        "campus": (0.10, 0.44, {"C05": 3.0, "C09": 2.0, "C01": 0.5}),
    }
    return _Shape(
        slug="bench-huge",
        name="State-scale primary (100,000 precincts, 40 candidates)",
        boxes=100_000,
        candidates=candidates,
        sectors=sectors,
        size_mu=math.log(900),
        size_sigma=0.5,
        noise=8.0,
        seed=20240305,
    )


def _boxes(shape: _Shape) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """The branches (with their sectors, for the sheets) of a shape."""
    rng = random.Random(shape.seed)
    sector_names = list(shape.sectors)
    sector_weights = [shape.sectors[s][0] for s in sector_names]
    branches = []
    sectors = []
    digits = len(str(shape.boxes))
    for number in range(1, shape.boxes + 1):
        sector = rng.choices(sector_names, sector_weights)[0]
        region = _REGIONS[rng.randrange(len(_REGIONS))]
        eligible = max(50, int(rng.lognormvariate(shape.size_mu, shape.size_sigma)))
        code = f"{number:0{digits}d}.{rng.randrange(10)}"
        branches.append(
            {
                "code": code,
                "name": f"{region} {sector} box {number}",
                "region": region,
                "eligible": eligible,
            }
        )
        sectors.append((code, sector))
    return branches, sectors


def _sheets(shape: _Shape, branches: list[dict[str, Any]], sectors: list[tuple[str, str]]):
    """(code, ballots cast, invalid, votes) per box, deterministic."""
    rng = random.Random(shape.seed + 1)
    codes = [c for c, _, _ in shape.candidates]
    base = {
        sector: [
            share * multipliers.get(code, 1.0)
            for code, _, share in shape.candidates
            for multipliers in (shape.sectors[sector][2],)
        ]
        for sector in shape.sectors
    }
    k = shape.noise
    for branch, (_, sector) in zip(branches, sectors, strict=True):
        eligible = branch["eligible"]
        turnout = min(0.97, max(0.05, rng.gauss(shape.sectors[sector][1], 0.08)))
        cast = min(eligible, round(eligible * turnout))
        invalid = min(cast, int(rng.expovariate(1 / max(0.5, cast * 0.006))))
        weights = [w * rng.gammavariate(k, 1 / k) if w > 0 else 0.0 for w in base[sector]]
        votes = _largest_remainder(cast - invalid, weights)
        yield branch["code"], cast, invalid, votes, codes


def _scaled(out: Path, shape: _Shape, name: str, *, csv_too: bool) -> Generated:
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.json"
    key = f"v{GENERATOR_VERSION}:{shape.seed}:{shape.boxes}"
    extra: dict[str, str] = {}
    if csv_too:
        extra = {
            "branches_package": str(out / f"{name}-branches.json"),
            "sheets_csv": str(out / f"{name}-round1.csv"),
        }
    if _fresh(path, key) and all(Path(p).exists() for p in extra.values()):
        return Generated(
            name=name,
            slug=shape.slug,
            package=path,
            branches=shape.boxes,
            candidates=len(shape.candidates),
            sheets=shape.boxes,
            sha256=_sha256(path),
            extra=extra,
        )
    branches, sectors = _boxes(shape)
    candidates = [(c, n) for c, n, _ in shape.candidates]
    codes = [c for c, _ in candidates]
    with path.open("w", encoding="utf-8") as fh:
        lines = (
            _sheet_line(code, cast, invalid, codes, votes)
            for code, cast, invalid, votes, _ in _sheets(shape, branches, sectors)
        )
        count = _write_package(
            fh,
            slug=shape.slug,
            name=shape.name,
            candidates=candidates,
            branches=branches,
            rounds=[({"number": 1, "held_on": "2021-03-23"}, lines)],
        )
    if csv_too:
        # The same election with an empty round, and its sheets as the import CSV.
        with Path(extra["branches_package"]).open("w", encoding="utf-8") as fh:
            _write_package(
                fh,
                slug=shape.slug + "-csv",
                name=shape.name + " (sheets imported as CSV)",
                candidates=candidates,
                branches=branches,
                rounds=[({"number": 1, "held_on": "2021-03-23"}, iter(()))],
            )
        with Path(extra["sheets_csv"]).open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["branch", "ballots_cast", "invalid", *codes])
            for code, cast, invalid, votes, _ in _sheets(shape, branches, sectors):
                writer.writerow([code, cast, invalid, *votes])
    _stamp(path, key)
    return Generated(
        name=name,
        slug=shape.slug,
        package=path,
        branches=len(branches),
        candidates=len(candidates),
        sheets=count,
        sha256=_sha256(path),
        extra=extra,
    )


def national(out: Path) -> Generated:
    return _scaled(out, _national_shape(), "national", csv_too=True)


def huge(out: Path) -> Generated:
    return _scaled(out, _huge_shape(), "huge", csv_too=False)


GENERATORS = {"labor": labor, "national": national, "huge": huge}
