"""A round's results as NIST SP 1500-100 Election Results Reporting, version 2 (JSON).

The file validates against NIST's official v2 JSON schema (``NIST_V2_election_results_reporting
.json``, draft-04) and is written in pieces (:func:`err_chunks`): the big arrays (a reporting unit
per branch, a count per branch and candidate) are serialised one object at a time, so the report
is never held as one dict or one string.

What is in it: one ``ElectionReport`` (``IsTest`` false) with

- ``Party``: the party holding the primary (config ``RESULTS_PARTY_NAME``, else the election's
  name); ``Office``: the post the primary fills;
- ``GpUnit``: a ``ReportingUnit`` for the party-wide scope, each region and each branch
  (``polling-place``). A branch's ``CountStatus`` is ``completed`` when counted, ``not-processed``
  when pending, and for an annulled branch ``not-processed`` in total plus ``other``/``annulled``
  ``completed``: annulled boxes carry no counts;
- one ``Election`` (``primary`` for round 1, ``runoff`` after) with ``BallotCounts`` (ballots
  cast, invalid as ``BallotsRejected``) per unit by ``GpUnitId``, its ``Candidate`` list (each with
  ``PartyId`` and, once decided, ``PostElectionStatus``: ``winner``, ``advanced-to-runoff`` or
  ``defeated``; ``projected-winner`` while complete but uncertified) and one ``CandidateContest``
  (``ElectionDistrictId``, ``OfficeIds``, ``PrimaryPartyIds``, ``ContestSelection`` of
  ``CandidateSelection`` with ``VoteCounts`` per unit).

Ids come from codes (the election slug, candidate and branch codes; a region's name is its key),
escaped injectively: letters and digits stay, every other character becomes ``_`` and the two hex
digits of each of its UTF-8 bytes (``Tel Aviv`` -> ``Tel_20Aviv``, ``Tel_Aviv`` -> ``Tel_5FAviv``).

Names are ``InternationalizedText``. Each name's language is read from its script (Hebrew ``he``,
Arabic ``ar``, Cyrillic ``ru``, Latin ``en``; a name without letters takes the election's language,
read from the election's name); any other languages an object carries in a ``names`` mapping
(contract 1.1: language tag -> name) are added after it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from flask import current_app

from ..core.sheets import PublicStatus
from ..models import Election
from ..timestamps import utcnow
from .local import LocalNames
from .nist_text import TYPE, ncname, script_language, text
from .overview import RoundView
from .regions import region_rows
from .rows import ballot, branch_rows

_TYPE = TYPE


def _names(thing: object) -> Mapping[str, str] | None:
    names = getattr(thing, "names", None)
    return names if isinstance(names, Mapping) else None


def _status(kind: str, status: str, other: str | None = None) -> dict[str, Any]:
    item = {"@type": _TYPE + "CountStatus", "Type": kind, "Status": status}
    if other is not None:
        item["OtherType"] = other
    return item


# The many small objects are written as text straight away (ids need no JSON escaping).


def _ballots(gp_unit: str, cast: int, invalid: int) -> str:
    return (
        f'{{"@type":"{_TYPE}BallotCounts","Type":"total","GpUnitId":"{gp_unit}",'
        f'"BallotsCast":{int(cast)},"BallotsRejected":{int(invalid)}}}'
    )


def _votes(gp_unit: str, votes: int) -> str:
    return (
        f'{{"@type":"{_TYPE}VoteCounts","Type":"total","GpUnitId":"{gp_unit}",'
        f'"Count":{int(votes)}}}'
    )


def region_id(region: str | None) -> str:
    return ncname("gpu-region", region) if region is not None else "gpu-noregion"


class _Report:
    """The pieces of one round's report (ids, units, counts), produced on demand."""

    def __init__(self, election: Election, view: RoundView) -> None:
        self.election = election
        self.view = view
        self.result = view.result
        self.rows = branch_rows(view.round)
        self.regions = region_rows(view.round)
        self.ballot = ballot(view.round)
        self.language = script_language(election.name, "en")
        self.scope = ncname("gpu-election", election.slug)
        self.party = ncname("party", election.slug)
        self.office = ncname("office", election.slug)
        self.complete = bool(self.result["complete"])
        # Everything that reads the database or the app is read now, in the request: the pieces
        # are written after the view returns, from plain data.
        self.branch_ids = [ncname("gpu-branch", row.code) for row in self.rows]
        self.in_region: dict[str | None, list[str]] = {}
        for row, branch_id in zip(self.rows, self.branch_ids, strict=True):
            self.in_region.setdefault(row.region, []).append(branch_id)
        self.name = self.text(election.name, election)
        self.things = {c.code: c for c in getattr(election, "candidates", [])}
        local = LocalNames(election, tag="en")  # read now: names in other languages (1.1)
        self.branch_names, self.region_names = local.branch_names, local.region_names
        self.header = self._header()
        self.election_head = self._election_head()
        self.contest_head = self._contest_head()

    def text(self, name: str, thing: object = None) -> dict[str, Any]:
        return text(name, self.language, _names(thing))

    def _header(self) -> dict[str, Any]:
        config = current_app.config
        if self.view.certified:
            status = "certified"
        else:
            status = "unofficial-complete" if self.complete else "unofficial-partial"
        party_name = str(config.get("RESULTS_PARTY_NAME") or self.election.name)
        return {
            "@type": _TYPE + "ElectionReport",
            "Format": "precinct-level",
            "GeneratedDate": utcnow().replace(microsecond=0).isoformat().replace("+00:00", "Z"),
            "Issuer": str(config.get("RESULTS_ISSUER", "primaries")),
            "IssuerAbbreviation": str(config.get("RESULTS_ISSUER_ABBREVIATION", "primaries")),
            "IsTest": False,
            "SequenceStart": 1,
            "SequenceEnd": 1,
            "Status": status,
            "VendorApplicationId": "primaries",
            "Notes": f"{self.election.slug} round {self.view.number}; primaries contract 1.1",
            "Party": [
                {
                    "@type": _TYPE + "Party",
                    "@id": self.party,
                    "Name": self.text(party_name),
                    "PartyScopeGpUnitIds": [self.scope],
                }
            ],
            "Office": [
                {
                    "@type": _TYPE + "Office",
                    "@id": self.office,
                    "Name": self.text(self.election.name, self.election),
                    "ElectionDistrictId": self.scope,
                    "IsPartisan": True,
                }
            ],
        }

    def units(self) -> Iterator[dict[str, Any]]:
        branches = self.result["branches"]
        reported = int(branches["counted"]) + int(branches["annulled"])
        yield {
            "@type": _TYPE + "ReportingUnit",
            "@id": self.scope,
            "Type": "other",
            "OtherType": "party-wide",
            "Name": self.name,
            "ComposingGpUnitIds": [region_id(r.region) for r in self.regions],
            "TotalSubUnits": int(branches["total"]),
            "SubUnitsReported": reported,
            "VotersRegistered": int(self.result["totals"]["eligible"]),
            "VotersParticipated": int(self.result["totals"]["ballots_cast"]),
            "CountStatus": [_status("total", "completed" if self.complete else "in-process")],
        }
        for region in self.regions:
            yield {
                "@type": _TYPE + "ReportingUnit",
                "@id": region_id(region.region),
                "Type": "other",
                "OtherType": "region",
                "Name": text(
                    region.region or "-",
                    self.language,
                    self.region_names.get(region.region or ""),
                ),
                "ComposingGpUnitIds": self.in_region.get(region.region, []),
                "TotalSubUnits": region.branches,
                "SubUnitsReported": region.reported,
                "VotersRegistered": region.eligible,
                "VotersParticipated": region.ballots_cast,
            }
        for row, branch_id in zip(self.rows, self.branch_ids, strict=True):
            unit: dict[str, Any] = {
                "@type": _TYPE + "ReportingUnit",
                "@id": branch_id,
                "Type": "polling-place",
                "Name": text(row.name, self.language, self.branch_names.get(row.code)),
                "Number": row.code,
                "VotersRegistered": row.eligible,
            }
            if row.counted:
                unit["VotersParticipated"] = row.ballots_cast
                unit["CountStatus"] = [_status("total", "completed")]
            elif row.status == PublicStatus.ANNULLED:
                unit["CountStatus"] = [
                    _status("total", "not-processed"),
                    _status("other", "completed", "annulled"),
                ]
            else:
                unit["CountStatus"] = [_status("total", "not-processed")]
            yield unit

    def ballot_counts(self) -> Iterator[str]:
        totals = self.result["totals"]
        yield _ballots(self.scope, int(totals["ballots_cast"]), int(totals["invalid"]))
        for region in self.regions:
            yield _ballots(region_id(region.region), region.ballots_cast, region.invalid)
        for row, branch_id in zip(self.rows, self.branch_ids, strict=True):
            if row.counted:
                yield _ballots(branch_id, row.ballots_cast or 0, row.invalid or 0)

    def post_status(self, code: str) -> str | None:
        outcome: Mapping[str, Any] = self.result["outcome"]
        if not self.view.certified:
            if self.complete and outcome["status"] == "winner" and outcome["winner"] == code:
                return "projected-winner"
            return None
        if outcome["status"] == "winner":
            return "winner" if outcome["winner"] == code else "defeated"
        if outcome["status"] == "runoff":
            return "advanced-to-runoff" if code in outcome["qualifiers"] else "defeated"
        return None

    def candidates(self) -> list[dict[str, Any]]:
        out = []
        for code, name in self.ballot:
            candidate: dict[str, Any] = {
                "@type": _TYPE + "Candidate",
                "@id": ncname("cand", code),
                "BallotName": self.text(name, self.things.get(code)),
                "PartyId": self.party,
                "ExternalIdentifier": [
                    {"@type": _TYPE + "ExternalIdentifier", "Type": "local-level", "Value": code}
                ],
            }
            status = self.post_status(code)
            if status is not None:
                candidate["PostElectionStatus"] = status
            out.append(candidate)
        return out

    def _contest_head(self) -> dict[str, Any]:
        election, branches = self.election, self.result["branches"]
        contest: dict[str, Any] = {
            "@type": _TYPE + "CandidateContest",
            "@id": ncname(f"contest-r{self.view.number}", election.slug),
            "Name": election.name,
            "BallotTitle": self.text(election.name, election),
            "ElectionDistrictId": self.scope,
            "OfficeIds": [self.office],
            "PrimaryPartyIds": [self.party],
            "VotesAllowed": 1,
            "NumberElected": 1,
            "TotalSubUnits": int(branches["total"]),
            "SubUnitsReported": int(branches["counted"]) + int(branches["annulled"]),
            "CountStatus": [_status("total", "completed" if self.complete else "in-process")],
        }
        if self.view.number == 1:
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
        return contest

    def selection_head(self, position: int, code: str) -> dict[str, Any]:
        return {
            "@type": _TYPE + "CandidateSelection",
            "@id": ncname(f"sel-r{self.view.number}", code),
            "CandidateIds": [ncname("cand", code)],
            "SequenceOrder": position,
        }

    def vote_counts(self, code: str) -> Iterator[str]:
        votes = {c["code"]: int(c["votes"]) for c in self.result["candidates"]}
        yield _votes(self.scope, votes.get(code, 0))
        for region in self.regions:
            yield _votes(region_id(region.region), region.votes.get(code, 0))
        for row, branch_id in zip(self.rows, self.branch_ids, strict=True):
            if row.counted:
                yield _votes(branch_id, row.votes.get(code, 0))

    def _election_head(self) -> dict[str, Any]:
        held_on = (self.view.round.held_on or self.view.round.created_at.date()).isoformat()
        return {
            "@type": _TYPE + "Election",
            "Name": self.text(self.election.name, self.election),
            "Type": "primary" if self.view.number == 1 else "runoff",
            "StartDate": held_on,
            "EndDate": held_on,
            "ElectionScopeId": self.scope,
            "CountStatus": [_status("total", "completed" if self.complete else "in-process")],
            "Candidate": self.candidates(),
        }


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _open(head: Mapping[str, Any]) -> str:
    """``head`` as JSON without its closing brace, ready for more members."""
    return _dump(head)[:-1]


_BATCH = 500  # array members per piece written


def _array(name: str, items: Iterator[dict[str, Any]] | Iterator[str]) -> Iterator[str]:
    """``,"name":[...]``, in pieces of :data:`_BATCH` members (dicts dumped, text as it is)."""
    batch: list[str] = []
    head = f',"{name}":['
    for item in items:
        batch.append(item if isinstance(item, str) else _dump(item))
        if len(batch) == _BATCH:
            yield head + ",".join(batch)
            head, batch = ",", []
    if batch:
        yield head + ",".join(batch) + "]"
    else:  # an empty array, or the last piece was full
        yield ("" if head == "," else head) + "]"


def err_chunks(election: Election, view: RoundView) -> Iterator[str]:
    """The round's ERR v2 report as JSON text, in pieces (one array member at a time).

    The database is read here, at the call; the pieces need no request or session after it.
    """
    return _chunks(_Report(election, view))


def _chunks(report: _Report) -> Iterator[str]:
    yield _open(report.header)
    yield from _array("GpUnit", report.units())
    yield ',"Election":[' + _open(report.election_head)
    yield from _array("BallotCounts", report.ballot_counts())
    yield ',"Contest":[' + _open(report.contest_head) + ',"ContestSelection":['
    for position, (code, _name) in enumerate(report.ballot, start=1):
        yield ("," if position > 1 else "") + _open(report.selection_head(position, code))
        yield from _array("VoteCounts", report.vote_counts(code))
        yield "}"
    yield "]}]}]}"


def err_report(election: Election, view: RoundView) -> dict[str, Any]:
    """The round's ERR v2 report as one dict (for tests and small elections)."""
    loaded: dict[str, Any] = json.loads("".join(err_chunks(election, view)))
    return loaded
