"""Issue 13, "Measured": the red flags on real precinct results of a primary and its runoff.

The data is the Mississippi Republican primary for U.S. Senate of 3 June 2014 (Thomas L. Carey,
Thad Cochran, Chris McDaniel: nobody above 50%) and its runoff of 24 June 2014 (Cochran,
McDaniel), precinct by precinct as OpenElections publishes them (tests/data/openelections/, whose
README.md names the repository, files and commit). Each precinct is a branch, each county a
region. The files have no registered voters, so ``eligible`` is a stand-in (see
:func:`stand_in_eligible`): the turnout checks see only what it gives them.

Measured (a box is a counted sheet: 1,826 in round 1 and 1,825 in the runoff, with the sheets
of zeros of 26 precincts without a vote in round 1 and 2 without one in the runoff):

- round 1, default settings: 8 boxes flagged (0.4%): shares_differ 6, turnout_above_region 2,
  one_candidate_sweep 1;
- the runoff, default settings: 71 boxes (3.9%): runoff_turnout_moved 52, shares_differ 17,
  runoff_shares_moved 15, one_candidate_sweep 3. The checks that read votes only (not
  ``eligible``) flag 30 boxes (1.6%). This runoff is known for its turnout (Cochran's campaign
  brought new voters, many of them Democrats, to it); runoff_turnout_moved asks whether a move
  is beyond chance for the box's size (docs/flags.md), so tiny boxes are not flagged for it (a
  Hinds County precinct going from 1 ballot to 37 "moves" 55 points against the stand-in's 65
  eligible, where against its real registered voters it would move a few). Before it asked,
  the runoff flagged 144 boxes (7.9%, runoff_turnout_moved 133);
- with ``min_eligible=100`` (:func:`set_min_eligible`: the turnout checks leave out boxes whose
  stand-in is below 100, at most 60 ballots in both rounds): round 1, 8 boxes (0.4%); the
  runoff, 55 boxes (3.0%): runoff_turnout_moved 33, shares_differ 17, runoff_shares_moved 15,
  one_candidate_sweep 3.

Boxes planted the way stuffing changes shares (a minor candidate at 60%, the runoff's loser at
97%, turnout at 99%) are each flagged, with and without that setting (checks named below).
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskCliRunner

DATA = Path(__file__).parent / "data" / "openelections"
ROUND_1_FILE = DATA / "ms-2014-06-03-gop-senate-primary.csv"
RUNOFF_FILE = DATA / "ms-2014-06-24-gop-senate-runoff.csv"

SLUG = "ms-2014-senate-r"
CODES = {"Thomas L. Carey": "CAREY", "Thad Cochran": "COCHRAN", "Chris McDaniel": "MCDANIEL"}

Precinct = tuple[str, str]
"""(county, precinct) as the files spell them."""
Counts = dict[Precinct, dict[str, int]]
"""Each precinct's votes per candidate code, in the file's order of precincts and candidates."""

# The boxes planted below: mid-sized precincts (200-450 ballots in each round), in counties of
# 35 precincts or more, that no check flags as published (with the default settings).
MINOR_AT_60 = ("Harrison", "Long Beach #1")  # round 1: 7 Carey, 167 Cochran, 119 McDaniel
LOSER_AT_97 = ("Forrest", "West Hills")  # runoff: 145 Cochran, 126 McDaniel
TURNOUT_AT_99 = ("DeSoto", "Love")  # runoff: 147 Cochran, 290 McDaniel; stand-in 665 eligible


def read_counts(path: Path) -> tuple[list[str], Counts]:
    """The candidates' codes (in the file's column order) and every precinct's votes."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = csv.reader(handle)
        header = next(rows)
        assert header[:2] == ["county", "precinct"], header
        codes = [CODES[name] for name in header[2:]]
        counts: Counts = {}
        for row in rows:
            key = (row[0], row[1])
            assert key not in counts, f"{key} is given twice in {path.name}"
            counts[key] = dict(zip(codes, (int(value) for value in row[2:]), strict=True))
    return codes, counts


def stand_in_eligible(first: Counts, second: Counts) -> dict[Precinct, int]:
    """The files have no registered voters: a stand-in of 3/2 of the larger round's ballots, plus
    10, so that every box's turnout is at most about 2/3 in either round. The turnout checks
    then see only this: a box's turnout moves between the rounds as its ballots do against the
    larger of the two, not against its real registered voters (which would make a real
    primary's turnout far lower and its moves far smaller)."""
    precincts = dict.fromkeys([*first, *second])
    return {
        key: max(sum(first.get(key, {}).values()), sum(second.get(key, {}).values())) * 3 // 2 + 10
        for key in precincts
    }


def sheets(counts: Counts, code: dict[Precinct, str]) -> list[dict[str, Any]]:
    """A counted sheet for every precinct of the round that is a branch. A precinct that
    reported no votes in this round but some in the other has a sheet of zeros: that is what was
    published, and a round must be complete (every branch with a sheet) before the next one is
    loaded."""
    return [
        {"branch": code[key], "ballots_cast": sum(votes.values()), "invalid": 0, "votes": votes}
        for key, votes in counts.items()
        if key in code
    ]


def build_package(
    first: Counts,
    second: Counts,
    first_codes: list[str],
    second_codes: list[str],
    eligible: dict[Precinct, int],
) -> tuple[dict[str, Any], dict[Precinct, str]]:
    """The contract's package (one branch per precinct, the county its region) and each
    precinct's branch code. The 10 precincts with no vote in either round are no branch;
    Jackson County's Sue Ellen (not in the runoff's file) has a round-1 sheet only."""
    voted = [
        key
        for key in eligible
        if sum(first.get(key, {}).values()) + sum(second.get(key, {}).values())
    ]
    code = {key: f"P{i:04d}" for i, key in enumerate(voted, start=1)}
    names = {value: name for name, value in CODES.items()}
    package = {
        "format": "primaries/election@1",
        "election": {
            "slug": SLUG,
            "name": "Mississippi Republican primary for U.S. Senate, 2014",
            # The US rule: a majority of the valid votes wins, else the top two go to a runoff.
            "rules": {
                "threshold_percent": "50",
                "threshold_inclusive": False,
                "threshold_basis": "valid",
                "runoff_size": 2,
            },
            "candidates": [{"code": c, "name": names[c]} for c in first_codes],
            "branches": [
                {
                    "code": code[key],
                    "name": f"{key[0]} County: {key[1]}",
                    "region": key[0],
                    "eligible": eligible[key],
                }
                for key in code
            ],
        },
        "rounds": [
            {"number": 1, "sheets": sheets(first, code)},
            {"number": 2, "candidates": second_codes, "sheets": sheets(second, code)},
        ],
    }
    return package, code


# The runoff's file spells three precincts differently from round 1's: "3~61" is "3-61" in the
# repository's own Warren County runoff file; the two others are the same places under a longer
# or a shorter name (Holders in Jasper County, Mauldin in Jones County). It also gives Jasper
# County's Antioch twice: once more as "Beat 1 Antioch 2 Judicial", with the same 23 and 117
# votes (the county file too). The runoff's precincts take round 1's names, the second Antioch
# is dropped; Jackson County's Sue Ellen is in round 1's file only.
RUNOFF_RENAMED = {
    ("Warren", "3~61"): ("Warren", "3-61"),
    ("Jones", "Mauldin Community Center"): ("Jones", "Springhill/Mauldin Community Center"),
    ("Jasper", "Beat 1 Holders-Waldrup 1"): ("Jasper", "Holders"),
}
RUNOFF_DUPLICATE = (("Jasper", "Beat 1 Antioch 2 Judicial"), ("Jasper", "Antioch"))


def published() -> tuple[Counts, Counts, list[str], list[str]]:
    """Both rounds as published, the runoff's precincts matched to round 1's."""
    first_codes, first = read_counts(ROUND_1_FILE)
    second_codes, raw = read_counts(RUNOFF_FILE)
    duplicate, original = RUNOFF_DUPLICATE
    assert raw[duplicate] == raw[original]
    second = {RUNOFF_RENAMED.get(key, key): votes for key, votes in raw.items() if key != duplicate}
    assert set(second) == set(first) - {("Jackson", "Sue Ellen")}
    return first, second, first_codes, second_codes


def load(runner: FlaskCliRunner, write_json: Callable[..., Path], data: dict[str, Any]) -> None:
    result = runner.invoke(args=["load", str(write_json(data))])
    assert result.exit_code == 0, result.output


def flags(runner: FlaskCliRunner, round_number: int) -> list[dict[str, Any]]:
    result = runner.invoke(args=["flags", SLUG, "--round", str(round_number), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["election"] == SLUG and document["round"] == round_number
    found: list[dict[str, Any]] = document["flags"]
    return found


def set_min_eligible(runner: FlaskCliRunner) -> None:
    """``min_eligible=100``: the turnout checks leave out boxes whose stand-in eligible is below
    100 (at most 60 ballots in both rounds). Their turnout is a ratio of two small counts, not of
    ballots to voters: a Hinds County precinct going from 1 ballot to 37 "moves" 55 points
    against a stand-in of 65 eligible, where against its real registered voters (hundreds) it
    would move a few points. docs/flags.md: boxes below the minimum sizes are not checked."""
    reason = "OpenElections files have no registered voters; tiny boxes' stand-in turnout is noise"
    result = runner.invoke(args=["flags", SLUG, "--set", "min_eligible=100", "--reason", reason])
    assert result.exit_code == 0, result.output


def share_of(part: int, whole: int) -> str:
    return f"{part} of {whole} boxes ({100 * part / whole:.1f}%)"


def totals(counts: Counts) -> Counter[str]:
    found = Counter[str]()
    for votes in counts.values():
        found.update(votes)
    return found


def test_the_extract_is_the_contest() -> None:
    """The files hold the contest as published: 1,836 precincts in each, 82 counties; round 1
    Cochran 156,313, McDaniel 157,152, Carey 4,854 (nobody above 50%: a runoff between McDaniel
    and Cochran); the runoff Cochran 194,872, McDaniel 187,345, and 140 fewer McDaniel and
    Cochran votes once its second Antioch is dropped."""
    first_codes, first = read_counts(ROUND_1_FILE)
    second_codes, second = read_counts(RUNOFF_FILE)
    assert first_codes == ["CAREY", "COCHRAN", "MCDANIEL"]
    assert second_codes == ["COCHRAN", "MCDANIEL"]
    assert len(first) == len(second) == 1836
    assert len({county for county, _ in first}) == len({county for county, _ in second}) == 82
    assert totals(first) == {"CAREY": 4854, "COCHRAN": 156313, "MCDANIEL": 157152}
    assert totals(second) == {"COCHRAN": 194872, "MCDANIEL": 187345}
    _, matched, _, _ = published()
    assert len(matched) == 1835
    assert totals(matched) == {"COCHRAN": 194872 - 23, "MCDANIEL": 187345 - 117}


@pytest.mark.backends("sqlite")
def test_as_published_at_most_5_percent_of_boxes_are_flagged(
    runner: FlaskCliRunner, write_json: Callable[..., Path]
) -> None:
    """Default settings: round 1, 8 of 1,826 boxes flagged (0.4%); the runoff, 71 of 1,825
    (3.9%), of which the checks that read votes only flag 30 (1.6%). With
    ``min_eligible=100``: round 1, 8 (0.4%); the runoff, 55 (3.0%)."""
    first, second, first_codes, second_codes = published()
    package, _ = build_package(
        first, second, first_codes, second_codes, stand_in_eligible(first, second)
    )
    load(runner, write_json, package)
    boxes = [len(r["sheets"]) for r in package["rounds"]]
    assert boxes == [1826, 1825]

    round_1 = flags(runner, 1)
    flagged = {f["branch"] for f in round_1}
    assert len(flagged) * 20 <= boxes[0], share_of(len(flagged), boxes[0])

    runoff = flags(runner, 2)
    flagged = {f["branch"] for f in runoff}
    assert len(flagged) * 20 <= boxes[1], share_of(len(flagged), boxes[1])
    # turnout_above_region, turnout_near_full, cast_equals_eligible and runoff_turnout_moved
    # read the stand-in eligible; these read the votes only:
    votes_only = {"shares_differ", "one_candidate_sweep", "runoff_shares_moved", "invalid_high"}
    flagged = {f["branch"] for f in runoff if f["check"] in votes_only}
    assert len(flagged) * 20 <= boxes[1], share_of(len(flagged), boxes[1])

    set_min_eligible(runner)
    for number, count in enumerate(boxes, start=1):
        flagged = {f["branch"] for f in flags(runner, number)}
        assert len(flagged) * 20 <= count, f"round {number}: {share_of(len(flagged), count)}"


def plant(first: Counts, second: Counts, eligible: dict[Precinct, int]) -> None:
    """Change three boxes the way stuffing changes them, keeping each sheet's arithmetic."""
    # Round 1: the minor candidate (Carey, 1.5% statewide) at 60% of the box's valid votes,
    # taken from the others in proportion; the box's total stays.
    votes = first[MINOR_AT_60]
    valid = sum(votes.values())
    carey = (valid * 60 + 99) // 100
    cochran = (valid - carey) * votes["COCHRAN"] // (votes["COCHRAN"] + votes["MCDANIEL"])
    first[MINOR_AT_60] = {"CAREY": carey, "COCHRAN": cochran, "MCDANIEL": valid - carey - cochran}
    # The runoff: its overall loser (McDaniel) at 97% of the box's votes.
    valid = sum(second[LOSER_AT_97].values())
    mcdaniel = (valid * 97 + 50) // 100
    second[LOSER_AT_97] = {"COCHRAN": valid - mcdaniel, "MCDANIEL": mcdaniel}
    # The runoff: turnout up to 99% of the (unchanged) eligible, the shares kept.
    votes = second[TURNOUT_AT_99]
    cast = eligible[TURNOUT_AT_99] * 99 // 100
    cochran = cast * votes["COCHRAN"] // sum(votes.values())
    second[TURNOUT_AT_99] = {"COCHRAN": cochran, "MCDANIEL": cast - cochran}


@pytest.mark.backends("sqlite")
def test_planted_stuffing_is_flagged(
    runner: FlaskCliRunner, write_json: Callable[..., Path]
) -> None:
    """The planted boxes are flagged with the default settings (and still with
    ``min_eligible=100``): Carey at 60% by shares_differ (60% against 4% in Harrison County);
    McDaniel at 97% of a runoff box by one_candidate_sweep, shares_differ and
    runoff_shares_moved; turnout at 99% by turnout_near_full, turnout_above_region and
    runoff_turnout_moved. The other boxes stay within 5%, as measured above."""
    first, second, first_codes, second_codes = published()
    eligible = stand_in_eligible(first, second)  # from the published figures: a roll is fixed
    plant(first, second, eligible)
    assert first[MINOR_AT_60] == {"CAREY": 176, "COCHRAN": 68, "MCDANIEL": 49}
    assert second[LOSER_AT_97] == {"COCHRAN": 8, "MCDANIEL": 263}
    assert sum(second[TURNOUT_AT_99].values()) == 658 and eligible[TURNOUT_AT_99] == 665
    package, code = build_package(first, second, first_codes, second_codes, eligible)
    load(runner, write_json, package)
    planted = {code[MINOR_AT_60], code[LOSER_AT_97], code[TURNOUT_AT_99]}

    def checks(found: list[dict[str, Any]], key: Precinct) -> set[str]:
        return {f["check"] for f in found if f["branch"] == code[key]}

    round_1 = flags(runner, 1)
    assert "shares_differ" in checks(round_1, MINOR_AT_60), (
        "shares_differ should flag Carey at 60% in round 1"
    )
    minor = next(f for f in round_1 if f["branch"] == code[MINOR_AT_60])
    assert minor["figures"]["candidate"] == "CAREY", minor
    runoff = flags(runner, 2)
    assert {"one_candidate_sweep", "shares_differ", "runoff_shares_moved"} <= checks(
        runoff, LOSER_AT_97
    ), "one_candidate_sweep, shares_differ and runoff_shares_moved should flag McDaniel at 97%"
    sweep = next(
        f
        for f in runoff
        if f["branch"] == code[LOSER_AT_97] and f["check"] == "one_candidate_sweep"
    )
    assert sweep["figures"]["candidate"] == "MCDANIEL", sweep
    assert {"turnout_near_full", "turnout_above_region", "runoff_turnout_moved"} <= checks(
        runoff, TURNOUT_AT_99
    ), "turnout_near_full, turnout_above_region and runoff_turnout_moved should flag 99% turnout"
    others_1 = {f["branch"] for f in round_1} - planted
    assert len(others_1) * 20 <= len(package["rounds"][0]["sheets"]), len(others_1)
    others_2 = {f["branch"] for f in runoff} - planted
    assert len(others_2) * 20 <= len(package["rounds"][1]["sheets"]), len(others_2)

    set_min_eligible(runner)
    round_1 = flags(runner, 1)
    runoff = flags(runner, 2)
    assert "shares_differ" in checks(round_1, MINOR_AT_60)
    assert {"one_candidate_sweep", "shares_differ", "runoff_shares_moved"} <= checks(
        runoff, LOSER_AT_97
    )
    assert {"turnout_near_full", "turnout_above_region", "runoff_turnout_moved"} <= checks(
        runoff, TURNOUT_AT_99
    )
    for found, sheet_count in zip(
        (round_1, runoff), (len(r["sheets"]) for r in package["rounds"]), strict=True
    ):
        others = {f["branch"] for f in found} - planted
        assert len(others) * 20 <= sheet_count, share_of(len(others), sheet_count)
