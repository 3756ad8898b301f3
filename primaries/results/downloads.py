"""The downloads of a round and an election: per-branch CSV and NIST SP 1500-100 ERR JSON.

(The result JSON and the branches JSON are the API's answers, :mod:`.documents`; the election
package is :mod:`.package`.)

CSV cells that a spreadsheet would run as a formula get a leading apostrophe
(:func:`primaries.core.text.spreadsheet_cell`): a branch named ``=HYPERLINK(...)`` stays text.
Numbers are written as plain integers, so they are never touched.

The ERR (Election Results Reporting common data format, version 2, JSON) report is a reasonable
subset: one ``ElectionReport`` per round with its ``Election`` (type ``primary`` for round 1,
``runoff`` after), one ``CandidateContest``, a ``Candidate`` per candidate on the ballot, a
``ReportingUnit`` (``GpUnit``) for the party-wide scope, each region and each branch
(``polling-place``), and ``VoteCounts`` of type ``total`` per candidate for every counted branch,
every region and the whole election, plus ``SummaryCounts`` (ballots cast; invalid ballots as
``BallotsRejected``). ``Status`` is ``certified``, ``unofficial-complete`` or
``unofficial-partial``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from typing import Any

from flask import current_app

from ..core.sheets import PublicStatus
from ..core.text import spreadsheet_cell
from ..models import Election
from ..timestamps import utcnow
from .cache import cached
from .overview import RoundView
from .regions import RegionRow, region_rows
from .rows import BranchRow, ballot, branch_rows


def branches_csv(view: RoundView) -> str:
    """One line per branch: its status and numbers, one column per candidate code."""
    codes = [code for code, _ in ballot(view.round)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            "code",
            "name",
            "region",
            "eligible",
            "status",
            "ballots_cast",
            "invalid",
            "valid",
            "turnout_percent",
            *codes,
            "annulment_reason",
        ]
    )
    for row in branch_rows(view.round):
        counted = row.counted
        writer.writerow(
            [
                spreadsheet_cell(row.code),
                spreadsheet_cell(row.name),
                spreadsheet_cell(row.region or ""),
                row.eligible,
                row.status,
                row.ballots_cast if counted else "",
                row.invalid if counted else "",
                row.valid if counted else "",
                row.turnout or "" if counted else "",
                *[row.votes.get(code, 0) if counted else "" for code in codes],
                spreadsheet_cell(row.reason or ""),
            ]
        )
    return out.getvalue()


# --------------------------------------------------------------------------------------------
# NIST SP 1500-100 Election Results Reporting, version 2 (JSON)

_ID = re.compile(r"[^A-Za-z0-9._-]")


def _id(prefix: str, value: str) -> str:
    """An ``@id`` (an XML NCName): a letter first, only safe characters after."""
    return f"{prefix}-{_ID.sub('_', value)}"


def _text(value: str, language: str = "en") -> dict[str, Any]:
    return {
        "@type": "ElectionResults.InternationalizedText",
        "Text": [
            {"@type": "ElectionResults.LanguageString", "Content": value, "Language": language}
        ],
    }


def _summary(gp_unit: str | None, cast: int, invalid: int) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "@type": "ElectionResults.SummaryCounts",
        "Type": "total",
        "BallotsCast": cast,
        "BallotsRejected": invalid,
    }
    if gp_unit:
        summary["GpUnitId"] = gp_unit
    return summary


def _count(gp_unit: str, votes: int) -> dict[str, Any]:
    return {
        "@type": "ElectionResults.VoteCounts",
        "Type": "total",
        "GpUnitId": gp_unit,
        "Count": votes,
    }


def _region_id(region: str | None) -> str:
    return _id("gpu-region", region) if region is not None else "gpu-region-none"


def err_report(election: Election, view: RoundView) -> dict[str, Any]:
    """The round's results as an ERR ``ElectionReport`` (cached per data version)."""
    key = ("err", view.round.id, int(view.round.data_version), view.certified)
    return cached(key, lambda: _err_report(election, view))


def _err_report(election: Election, view: RoundView) -> dict[str, Any]:
    result = view.result
    rows: Sequence[BranchRow] = branch_rows(view.round)
    regions: Sequence[RegionRow] = region_rows(view.round)
    codes = [code for code, _ in ballot(view.round)]
    scope = _id("gpu", election.slug)
    if view.certified:
        status = "certified"
    elif result["complete"]:
        status = "unofficial-complete"
    else:
        status = "unofficial-partial"
    outcome: Mapping[str, Any] = result["outcome"]

    gp_units: list[dict[str, Any]] = [
        {
            "@type": "ElectionResults.ReportingUnit",
            "@id": scope,
            "Type": "other",
            "OtherType": "party-wide",
            "Name": election.name,
            "ComposingGpUnitIds": [_region_id(r.region) for r in regions],
            "TotalSubUnits": int(result["branches"]["total"]),
            "SubUnitsReported": int(result["branches"]["counted"])
            + int(result["branches"]["annulled"]),
            "VotersRegistered": int(result["totals"]["eligible"]),
            "VotersParticipated": int(result["totals"]["ballots_cast"]),
            "SummaryCounts": [
                _summary(None, result["totals"]["ballots_cast"], result["totals"]["invalid"])
            ],
        }
    ]
    for region in regions:
        gp_units.append(
            {
                "@type": "ElectionResults.ReportingUnit",
                "@id": _region_id(region.region),
                "Type": "other",
                "OtherType": "region",
                "Name": region.region or "(no region)",
                "ComposingGpUnitIds": [
                    _id("gpu-branch", row.code) for row in rows if row.region == region.region
                ],
                "TotalSubUnits": region.branches,
                "SubUnitsReported": region.reported,
                "SummaryCounts": [_summary(None, region.ballots_cast, region.invalid)],
            }
        )
    for row in rows:
        reported = row.status != PublicStatus.PENDING
        unit: dict[str, Any] = {
            "@type": "ElectionResults.ReportingUnit",
            "@id": _id("gpu-branch", row.code),
            "Type": "polling-place",
            "Name": row.name,
            "Number": row.code,
            "VotersRegistered": row.eligible,
            "CountStatus": [
                {
                    "@type": "ElectionResults.CountStatus",
                    "Type": "total",
                    "Status": "completed" if reported else "not-processed",
                }
            ],
        }
        if row.counted:
            unit["VotersParticipated"] = row.ballots_cast
            unit["SummaryCounts"] = [_summary(None, row.ballots_cast or 0, row.invalid or 0)]
        gp_units.append(unit)

    candidates = []
    for code, name in ballot(view.round):
        candidate: dict[str, Any] = {
            "@type": "ElectionResults.Candidate",
            "@id": _id("cand", code),
            "BallotName": _text(name),
            "ExternalIdentifier": [
                {
                    "@type": "ElectionResults.ExternalIdentifier",
                    "Type": "local-level",
                    "Value": code,
                }
            ],
        }
        if view.certified and outcome["status"] == "winner" and outcome["winner"] == code:
            candidate["PostElectionStatus"] = "winner"
        elif view.certified and outcome["status"] == "runoff" and code in outcome["qualifiers"]:
            candidate["PostElectionStatus"] = "advanced-to-runoff"
        candidates.append(candidate)

    votes = {c["code"]: int(c["votes"]) for c in result["candidates"]}
    selections = []
    for position, code in enumerate(codes, start=1):
        counts = [_count(scope, votes.get(code, 0))]
        counts += [_count(_region_id(r.region), r.votes.get(code, 0)) for r in regions]
        counts += [
            _count(_id("gpu-branch", row.code), row.votes.get(code, 0))
            for row in rows
            if row.counted
        ]
        selections.append(
            {
                "@type": "ElectionResults.CandidateSelection",
                "@id": _id(f"sel-r{view.number}", code),
                "CandidateIds": [_id("cand", code)],
                "SequenceOrder": position,
                "VoteCounts": counts,
            }
        )

    contest: dict[str, Any] = {
        "@type": "ElectionResults.CandidateContest",
        "@id": _id(f"contest-r{view.number}", election.slug),
        "Name": election.name,
        "ElectoralDistrictId": scope,
        "VotesAllowed": 1,
        "NumberElected": 1,
        "TotalSubUnits": int(result["branches"]["total"]),
        "SubUnitsReported": int(result["branches"]["counted"])
        + int(result["branches"]["annulled"]),
        "CountStatus": [
            {
                "@type": "ElectionResults.CountStatus",
                "Type": "total",
                "Status": "completed" if result["complete"] else "in-process",
            }
        ],
        "BallotSelection": selections,
        "SummaryCounts": [
            _summary(scope, result["totals"]["ballots_cast"], result["totals"]["invalid"])
        ],
    }
    if view.number == 1:
        contest["NumberRunoff"] = election.runoff_size
        contest["VoteVariation"] = "other"
        contest["OtherVoteVariation"] = (
            f"{'at least' if election.threshold_inclusive else 'more than'} "
            f"{format(election.threshold_percent.normalize(), 'f')}% of "
            f"{'valid votes' if election.threshold_basis == 'valid' else 'ballots cast'} "
            f"wins outright, else the top {election.runoff_size} go to a runoff"
        )
    else:
        contest["VoteVariation"] = "plurality"

    held_on = (view.round.held_on or view.round.created_at.date()).isoformat()
    return {
        "@type": "ElectionResults.ElectionReport",
        "Format": "precinct-level",
        "GeneratedDate": utcnow().replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "Issuer": str(current_app.config.get("RESULTS_ISSUER", "primaries")),
        "IssuerAbbreviation": str(
            current_app.config.get("RESULTS_ISSUER_ABBREVIATION", "primaries")
        ),
        "SequenceStart": 1,
        "SequenceEnd": 1,
        "Status": status,
        "VendorApplicationId": "primaries",
        "Notes": f"{election.slug} round {view.number}; primaries contract version 1",
        "GpUnit": gp_units,
        "Election": [
            {
                "@type": "ElectionResults.Election",
                "Name": _text(election.name),
                "Type": "primary" if view.number == 1 else "runoff",
                "StartDate": held_on,
                "EndDate": held_on,
                "ElectionScopeId": scope,
                "CountStatus": [
                    {
                        "@type": "ElectionResults.CountStatus",
                        "Type": "total",
                        "Status": "completed" if result["complete"] else "in-process",
                    }
                ],
                "Candidate": candidates,
                "Contest": [contest],
            }
        ],
    }
