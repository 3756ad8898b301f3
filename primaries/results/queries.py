"""Read-side queries shared by the public pages, the downloads and the JSON API.

The database sums (``primaries.tally`` for a round's result, GROUP BY queries here for regions);
what this module adds is arrangement: rows per branch and per region, a branch's rounds side by
side, a runoff compared with the round before. Everything that costs a query over the sheets is
cached by ``(round id, data_version)`` (:mod:`primaries.results.cache`), so pages and API answers
never re-sum a round that has not changed. Counted things stay exact integers; percentages are
the contract's strings, and percentage-point changes exact ``Decimal``s rounded half-up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import aliased

from ..core.limits import SLUG_RE
from ..core.rules import percent
from ..elections.lookup import MAX_ROUND_NUMBER
from ..elections.rounds import current_certificate
from ..elections.services import rules_dict
from ..extensions import db
from ..models import AuditEvent, Branch, Election, EntryVote, Round, Sheet, SheetEntry
from ..tally import COUNTS, ballot_of, counted_votes_by_entry, round_result
from .cache import cached, recent

# --------------------------------------------------------------------------------------------
# Versions: what ETags and cache keys are made of


@dataclass(frozen=True)
class RoundVersion:
    round_id: int
    number: int
    data_version: int
    status: str


def election_versions(election: Election) -> tuple[RoundVersion, ...]:
    """Every round of the election with its data version (one small query)."""
    rows = db.session.execute(
        select(Round.id, Round.number, Round.data_version, Round.status)
        .where(Round.election_id == election.id)
        .order_by(Round.number)
    )
    return tuple(RoundVersion(int(a), int(b), int(c), str(d)) for a, b, c, d in rows)


def site_versions() -> tuple[tuple[int, int | None, int | None, str | None], ...]:
    """Every election and round with its data version: the state behind the list of elections."""
    rows = db.session.execute(
        select(Election.id, Round.id, Round.data_version, Round.status)
        .outerjoin(Round, Round.election_id == Election.id)
        .order_by(Election.id, Round.number)
    )
    return tuple(
        (int(e), None if r is None else int(r), None if v is None else int(v), s)
        for e, r, v, s in rows
    )


@dataclass(frozen=True)
class RoundState:
    """What an API answer about one round needs before anything is computed (its cache key)."""

    round_id: int
    data_version: int
    final: bool  # certified, or followed by a later round


def _round_state_statement() -> Any:
    later = aliased(Round)
    last = (
        select(func.max(later.number))
        .where(later.election_id == Round.election_id)
        .scalar_subquery()
    )
    return (
        select(Round.id, Round.data_version, Round.status, Round.number, last)
        .join(Election, Election.id == Round.election_id)
        .where(Election.slug == bindparam("slug"), Round.number == bindparam("number"))
    )


# Built once: this query runs on every API request, and building a statement costs more than
# running it (SQLAlchemy then finds the compiled form in its cache).
_ROUND_STATE = _round_state_statement()


def round_state(slug: str, number: int) -> RoundState | None:
    """Round ``number`` of the election ``slug`` by its version, in one small query (None: none).

    Asked at most every ``RESULTS_RECHECK_SECONDS`` per process (:func:`recent`). A slug or
    number that no election can have (NUL bytes, an INTEGER overflow) is None without a query.
    """
    if not (SLUG_RE.match(slug) and 1 <= number <= MAX_ROUND_NUMBER):
        return None

    def ask() -> RoundState | None:
        row = db.session.execute(_ROUND_STATE, {"slug": slug, "number": number}).one_or_none()
        if row is None:
            return None
        round_id, version, status, round_number, last_number = row
        final = status == "certified" or int(round_number) < int(last_number)
        return RoundState(int(round_id), int(version), final)

    return recent(("round", slug, number), ask)


_VERSIONS_BY_SLUG = (
    select(Round.id, Round.number, Round.data_version, Round.status)
    .join(Election, Election.id == Round.election_id)
    .where(Election.slug == bindparam("slug"))
    .order_by(Round.number)
)


def versions_by_slug(slug: str) -> tuple[RoundVersion, ...] | None:
    """What :func:`election_versions` says, by the election's slug, in one query; None when the
    election is unknown or has no round yet (ask :func:`election_versions` then).

    Asked at most every ``RESULTS_RECHECK_SECONDS`` per process (:func:`recent`); a slug no
    election can have is None without a query.
    """
    if not SLUG_RE.match(slug):
        return None

    def ask() -> tuple[RoundVersion, ...] | None:
        rows = db.session.execute(_VERSIONS_BY_SLUG, {"slug": slug}).all()
        return tuple(RoundVersion(int(a), int(b), int(c), str(d)) for a, b, c, d in rows) or None

    return recent(("versions", slug), ask)


def _key(kind: str, round_: Round) -> tuple[str, int, int]:
    return (kind, round_.id, int(round_.data_version))


def ballot(round_: Round) -> list[tuple[str, str]]:
    """The round's ballot in ballot order: (code, name) pairs."""
    return cached(
        _key("ballot", round_), lambda: [(code, name) for _, code, name in ballot_of(round_)]
    )


# --------------------------------------------------------------------------------------------
# The contract's JSON (API) and the summaries behind the lists


def result_of(round_: Round) -> dict[str, Any]:
    """The contract's result JSON of the round, computed once per data version."""
    return cached(_key("result", round_), lambda: round_result(round_))


def branches_of(round_: Round) -> list[dict[str, Any]]:
    """The contract's per-branch objects of the round, computed once per data version."""
    return cached(_key("branches", round_), lambda: round_branches(round_))


@dataclass(frozen=True)
class Certificate:
    certified_at: dt.datetime
    certified_by: str
    result_sha256: str | None
    audit_head: str | None


def certificate_of(round_: Round) -> Certificate | None:
    """Who certified the round, when, and the digests they certified (None unless certified)."""

    def compute() -> Certificate | None:
        event = current_certificate(round_)
        if event is None:
            return None
        actor = db.session.scalar(
            select(AuditEvent.actor)
            .where(
                AuditEvent.action == "round.certify",
                AuditEvent.election == round_.election.slug,
                AuditEvent.round_number == round_.number,
            )
            .order_by(AuditEvent.seq.desc())
            .limit(1)
        )
        by = event.user.username if event.user is not None else (actor or "")
        return Certificate(event.created_at, by, event.result_sha256, event.audit_head)

    return cached(_key("certificate", round_), compute)


def elections_summary() -> list[dict[str, Any]]:
    out = []
    for election in db.session.scalars(select(Election).order_by(Election.created_at.desc())):
        out.append(
            {
                "slug": election.slug,
                "name": election.name,
                "rounds": [round_summary(r) for r in election.rounds],
            }
        )
    return out


def round_summary(round_: Round) -> dict[str, Any]:
    def compute() -> dict[str, Any]:
        certificate = current_certificate(round_)
        return {
            "number": round_.number,
            "held_on": round_.held_on.isoformat() if round_.held_on else None,
            "status": round_.status,
            "candidates": [code for _, code, _ in ballot_of(round_)],
            "certificate": None
            if certificate is None
            else {
                "certified_at": certificate.created_at.isoformat(),
                "result_sha256": certificate.result_sha256,
                "audit_head": certificate.audit_head,
            },
        }

    return cached(_key("summary", round_), compute)


def election_detail(election: Election) -> dict[str, Any]:
    branches = db.session.scalar(
        select(func.count(Branch.id)).where(Branch.election_id == election.id)
    )
    return {
        "slug": election.slug,
        "name": election.name,
        "rules": rules_dict(election),
        "candidates": [{"code": c.code, "name": c.name} for c in election.candidates],
        "branches": int(branches or 0),
        "rounds": [round_summary(r) for r in election.rounds],
    }


def round_branches(round_: Round, *, code: str | None = None) -> list[dict[str, Any]]:
    """One object per branch: code, name, region, eligible, status and counted numbers.

    Every branch of the election, or only the one with ``code`` (a branch's own page). Plain
    columns, not ORM objects: at national scale this is 12,926 rows and 500,000 votes.
    """
    ballot = ballot_of(round_)
    stmt = (
        select(
            Branch.id,
            Branch.code,
            Branch.name,
            Branch.region,
            Branch.eligible,
            Sheet.state,
            Sheet.annulled,
            Sheet.annul_reason,
            SheetEntry.id,
            SheetEntry.ballots_cast,
            SheetEntry.invalid,
        )
        .outerjoin(Sheet, (Sheet.branch_id == Branch.id) & (Sheet.round_id == round_.id))
        .outerjoin(SheetEntry, SheetEntry.id == Sheet.counted_entry_id)
        .where(Branch.election_id == round_.election_id)
        .order_by(Branch.code)
    )
    if code is not None:
        stmt = stmt.where(Branch.code == code)
    rows = db.session.execute(stmt).all()
    only = rows[0][0] if code is not None and rows else None
    votes_of = counted_votes_by_entry(round_, branch_id=only) if rows else {}
    out = []
    for _id, b_code, name, region, eligible, state, annulled, reason, entry_id, cast, inv in rows:
        item: dict[str, Any] = {
            "code": b_code,
            "name": name,
            "region": region,
            "eligible": eligible,
        }
        if annulled:
            item.update(status="annulled", reason=reason)
        elif state == "counted" and entry_id is not None:
            counted = votes_of.get(entry_id, {})
            item.update(
                status="counted",
                ballots_cast=cast,
                invalid=inv,
                votes={c: counted.get(c, 0) for _, c, _ in ballot},
            )
        else:
            item["status"] = "pending"
        out.append(item)
    return out


# --------------------------------------------------------------------------------------------
# Rows for people: branches and regions with valid votes, turnout and leader


def leader_of(votes: Mapping[str, int], order: Sequence[str]) -> tuple[str | None, bool]:
    """The candidate with most votes (``order`` breaks nothing: a shared top is a tie).

    Returns ``(code, False)``, ``(None, True)`` for a tie at the top, ``(None, False)`` when
    nobody has a vote.
    """
    if not votes:
        return None, False
    top = max(votes.values())
    if top == 0:
        return None, False
    leaders = [code for code in order if votes.get(code, 0) == top]
    if len(leaders) > 1:
        return None, True
    return leaders[0], False


@dataclass(frozen=True)
class BranchRow:
    """A branch in a round, as the tables show it."""

    code: str
    name: str
    region: str | None
    eligible: int
    status: str  # counted, annulled, pending
    reason: str | None = None
    ballots_cast: int | None = None
    invalid: int | None = None
    votes: Mapping[str, int] = field(default_factory=dict)
    leader: str | None = None
    tied: bool = False

    @property
    def counted(self) -> bool:
        return self.status == "counted"

    @property
    def valid(self) -> int | None:
        if self.ballots_cast is None or self.invalid is None:
            return None
        return self.ballots_cast - self.invalid

    @property
    def turnout(self) -> str | None:
        return None if self.ballots_cast is None else percent(self.ballots_cast, self.eligible)

    @property
    def turnout_fraction(self) -> Fraction | None:
        if self.ballots_cast is None or not self.eligible:
            return None
        return Fraction(self.ballots_cast, self.eligible)

    def percent_of(self, code: str) -> str | None:
        valid = self.valid
        return None if valid is None else percent(self.votes.get(code, 0), valid)

    def turnout_change_from(self, earlier: BranchRow) -> Decimal | None:
        """Turnout now minus turnout in ``earlier`` (same branch), in percentage points."""
        if self.ballots_cast is None or earlier.ballots_cast is None:
            return None
        return points_change(
            (earlier.ballots_cast, earlier.eligible), (self.ballots_cast, self.eligible)
        )


def branch_rows(round_: Round) -> list[BranchRow]:
    """Every branch of the election in this round (by code), computed once per data version."""

    def compute() -> list[BranchRow]:
        order = [code for _, code, _ in ballot_of(round_)]
        return [_branch_row(item, order) for item in branches_of(round_)]

    return cached(_key("rows", round_), compute)


def branch_row(round_: Round, code: str) -> BranchRow | None:
    """One branch in this round (None: no such branch), without computing every other branch."""

    def compute() -> BranchRow | None:
        order = [c for _, c, _ in ballot_of(round_)]
        items = round_branches(round_, code=code)
        return _branch_row(items[0], order) if items else None

    return cached((*_key("row", round_), code), compute)


def _branch_row(item: Mapping[str, Any], order: Sequence[str]) -> BranchRow:
    votes = dict(item.get("votes") or {})
    leader, tied = leader_of(votes, order)
    return BranchRow(
        code=item["code"],
        name=item["name"],
        region=item["region"],
        eligible=int(item["eligible"]),
        status=item["status"],
        reason=item.get("reason"),
        ballots_cast=item.get("ballots_cast"),
        invalid=item.get("invalid"),
        votes=votes,
        leader=leader,
        tied=tied,
    )


@dataclass(frozen=True)
class RegionRow:
    """A region's sums in a round (over its counted branches; ``None`` is "no region")."""

    region: str | None
    branches: int
    counted: int
    annulled: int
    eligible: int
    ballots_cast: int
    invalid: int
    votes: Mapping[str, int]
    leader: str | None
    tied: bool

    @property
    def pending(self) -> int:
        return self.branches - self.counted - self.annulled

    @property
    def reported(self) -> int:
        return self.counted + self.annulled

    @property
    def valid(self) -> int:
        return self.ballots_cast - self.invalid

    @property
    def turnout(self) -> str | None:
        return percent(self.ballots_cast, self.eligible)

    def percent_of(self, code: str) -> str | None:
        return percent(self.votes.get(code, 0), self.valid)


def region_rows(round_: Round) -> list[RegionRow]:
    """One row per region (named regions by name, then branches without a region).

    Sums by SQL GROUP BY over the counted sheets, like the tally; computed once per version.
    """

    def compute() -> list[RegionRow]:
        ballot = ballot_of(round_)
        order = [code for _, code, _ in ballot]
        code_of = {cid: code for cid, code, _ in ballot}
        branches = dict(
            db.session.execute(
                select(Branch.region, func.count(Branch.id))
                .where(Branch.election_id == round_.election_id)
                .group_by(Branch.region)
            ).all()
        )
        sums = {
            region: (int(n), int(e or 0), int(c or 0), int(i or 0))
            for region, n, e, c, i in db.session.execute(
                select(
                    Branch.region,
                    func.count(Sheet.id),
                    func.sum(Branch.eligible),
                    func.sum(SheetEntry.ballots_cast),
                    func.sum(SheetEntry.invalid),
                )
                .select_from(Sheet)
                .join(SheetEntry, SheetEntry.id == Sheet.counted_entry_id)
                .join(Branch, Branch.id == Sheet.branch_id)
                .where(Sheet.round_id == round_.id, COUNTS)
                .group_by(Branch.region)
            )
        }
        annulled = dict(
            db.session.execute(
                select(Branch.region, func.count(Sheet.id))
                .join(Branch, Branch.id == Sheet.branch_id)
                .where(Sheet.round_id == round_.id, Sheet.annulled.is_(True))
                .group_by(Branch.region)
            ).all()
        )
        votes: dict[str | None, dict[str, int]] = {}
        for region, candidate_id, total in db.session.execute(
            select(Branch.region, EntryVote.candidate_id, func.sum(EntryVote.votes))
            .select_from(EntryVote)
            .join(Sheet, Sheet.counted_entry_id == EntryVote.entry_id)
            .join(Branch, Branch.id == Sheet.branch_id)
            .where(Sheet.round_id == round_.id, COUNTS)
            .group_by(Branch.region, EntryVote.candidate_id)
        ):
            votes.setdefault(region, {})[code_of[candidate_id]] = int(total or 0)
        rows = []
        for region in sorted(branches, key=lambda r: (r is None, r or "")):
            counted, eligible, cast, invalid = sums.get(region, (0, 0, 0, 0))
            region_votes = {code: votes.get(region, {}).get(code, 0) for code in order}
            leader, tied = leader_of(region_votes, order)
            rows.append(
                RegionRow(
                    region=region,
                    branches=int(branches[region]),
                    counted=counted,
                    annulled=int(annulled.get(region, 0)),
                    eligible=eligible,
                    ballots_cast=cast,
                    invalid=invalid,
                    votes=region_votes,
                    leader=leader,
                    tied=tied,
                )
            )
        return rows

    return cached(_key("regions", round_), compute)


# --------------------------------------------------------------------------------------------
# An election at a glance: its rounds, where it stands


@dataclass(frozen=True)
class RoundView:
    round: Round
    result: Mapping[str, Any]
    certificate: Certificate | None
    next_round: Round | None

    @property
    def number(self) -> int:
        return self.round.number

    @property
    def certified(self) -> bool:
        return self.certificate is not None

    @property
    def final(self) -> bool:
        """Certified, or followed by a later round: its numbers no longer change."""
        return self.certified or self.next_round is not None

    @property
    def live(self) -> bool:
        return not self.final

    @property
    def reported(self) -> int:
        branches = self.result["branches"]
        return int(branches["counted"]) + int(branches["annulled"])

    @property
    def names(self) -> dict[str, str]:
        return {c["code"]: c["name"] for c in self.result["candidates"]}


def round_views(election: Election) -> list[RoundView]:
    rounds = list(election.rounds)
    return [
        RoundView(
            round=r,
            result=result_of(r),
            certificate=certificate_of(r),
            next_round=rounds[i + 1] if i + 1 < len(rounds) else None,
        )
        for i, r in enumerate(rounds)
    ]


def election_state(views: Sequence[RoundView]) -> str:
    """``decided``, ``runoff_scheduled``, ``counting`` or ``not_started``.

    ``decided`` needs a certified winner; a runoff that exists but has no reported branch yet is
    ``runoff_scheduled``, as is a certified runoff outcome whose runoff is not yet opened.
    """
    if not views:
        return "not_started"
    last = views[-1]
    status = last.result["outcome"]["status"]
    if last.certified and status == "winner":
        return "decided"
    if last.certified and status == "runoff":
        return "runoff_scheduled"
    if last.number > 1 and last.reported == 0:
        return "runoff_scheduled"
    if last.number == 1 and last.reported == 0:
        return "not_started"
    return "counting"


@dataclass(frozen=True)
class ElectionOverview:
    election: Election
    rules: Mapping[str, Any]
    rounds: list[RoundView]
    state: str

    @property
    def latest(self) -> RoundView | None:
        return self.rounds[-1] if self.rounds else None


def election_overview(election: Election) -> ElectionOverview:
    views = round_views(election)
    return ElectionOverview(election, rules_dict(election), views, election_state(views))


def all_elections() -> list[ElectionOverview]:
    return [
        election_overview(e)
        for e in db.session.scalars(select(Election).order_by(Election.created_at.desc()))
    ]


# --------------------------------------------------------------------------------------------
# A branch's rounds side by side, and a runoff compared with the round before


def points_change(before: tuple[int, int], after: tuple[int, int]) -> Decimal | None:
    """``after - before`` of two shares (numerator, denominator) in percentage points.

    Exact fractions, rounded half-up (away from zero) to two decimals; None if either
    denominator is zero.
    """
    if before[1] == 0 or after[1] == 0:
        return None
    exact = (Fraction(after[0], after[1]) - Fraction(before[0], before[1])) * 100
    value = Decimal(exact.numerator) / Decimal(exact.denominator)
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class BranchRound:
    round: RoundView
    row: BranchRow


@dataclass(frozen=True)
class BranchHistory:
    """A branch in every round, and every candidate who was on any of its ballots."""

    rounds: list[BranchRound]
    candidates: list[tuple[str, str]]  # (code, name), round 1's ballot order first

    @property
    def names(self) -> dict[str, str]:
        return dict(self.candidates)


def branch_history(views: Sequence[RoundView], code: str) -> BranchHistory:
    rounds: list[BranchRound] = []
    candidates: dict[str, str] = {}
    for view in views:
        row = branch_row(view.round, code)
        for candidate_code, name in ballot(view.round):
            candidates.setdefault(candidate_code, name)
        if row is not None:
            rounds.append(BranchRound(view, row))
    return BranchHistory(rounds, list(candidates.items()))


@dataclass(frozen=True)
class Change:
    """One unit (a branch, a region or everything) compared between two rounds."""

    label: str | None
    code: str | None
    units: int  # branches compared (counted in both rounds)
    eligible: int
    cast_before: int
    cast_after: int
    votes_before: Mapping[str, int]
    votes_after: Mapping[str, int]

    @property
    def turnout_before(self) -> str | None:
        return percent(self.cast_before, self.eligible)

    @property
    def turnout_after(self) -> str | None:
        return percent(self.cast_after, self.eligible)

    @property
    def turnout_change(self) -> Decimal | None:
        return points_change((self.cast_before, self.eligible), (self.cast_after, self.eligible))

    def vote_change(self, code: str) -> int:
        return self.votes_after.get(code, 0) - self.votes_before.get(code, 0)


@dataclass(frozen=True)
class Comparison:
    earlier: RoundView
    later: RoundView
    candidates: list[tuple[str, str]]  # the later round's ballot (code, name)
    branches: list[Change]
    regions: list[Change]
    total: Change
    not_compared: int  # branches not counted in both rounds


def _sum_changes(label: str | None, items: Iterable[Change]) -> Change:
    items = list(items)
    codes = {code for item in items for code in item.votes_after} | {
        code for item in items for code in item.votes_before
    }
    return Change(
        label=label,
        code=None,
        units=sum(i.units for i in items),
        eligible=sum(i.eligible for i in items),
        cast_before=sum(i.cast_before for i in items),
        cast_after=sum(i.cast_after for i in items),
        votes_before={c: sum(i.votes_before.get(c, 0) for i in items) for c in codes},
        votes_after={c: sum(i.votes_after.get(c, 0) for i in items) for c in codes},
    )


def compare_rounds(earlier: RoundView, later: RoundView) -> Comparison:
    """The later round against the earlier one, over the branches counted in both."""
    before = {row.code: row for row in branch_rows(earlier.round)}
    codes = [code for code, _ in ballot(later.round)]
    names = later.names
    changes: list[Change] = []
    not_compared = 0
    for row in branch_rows(later.round):
        old = before.get(row.code)
        if not (row.counted and old is not None and old.counted):
            not_compared += 1
            continue
        changes.append(
            Change(
                label=row.name,
                code=row.code,
                units=1,
                eligible=row.eligible,
                cast_before=old.ballots_cast or 0,
                cast_after=row.ballots_cast or 0,
                votes_before={c: old.votes.get(c, 0) for c in codes},
                votes_after={c: row.votes.get(c, 0) for c in codes},
            )
        )
    region_of = {row.code: row.region for row in branch_rows(later.round)}
    grouped: dict[str | None, list[Change]] = {}
    for change in changes:
        grouped.setdefault(region_of[change.code or ""], []).append(change)
    regions = [
        _sum_changes(region, grouped[region])
        for region in sorted(grouped, key=lambda r: (r is None, r or ""))
    ]
    return Comparison(
        earlier=earlier,
        later=later,
        candidates=[(code, names.get(code, code)) for code in codes],
        branches=changes,
        regions=regions,
        total=_sum_changes(None, changes),
        not_compared=not_compared,
    )
