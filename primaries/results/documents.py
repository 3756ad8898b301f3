"""The contract's JSON documents (CONTRACT sections 4 and 7), as the API serves them.

A round's result (:func:`result_of`, from :func:`primaries.tally.round_result`) and its
per-branch objects (:func:`branches_of`), each computed once per data version; the list of
elections and one election's detail with its rounds' summaries. The pages' branch rows
(:mod:`.rows`) are made from the same per-branch objects.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import func, select

from ..core.sheets import PublicStatus, public_status
from ..extensions import db
from ..models import Branch, Election, Round, Sheet, SheetEntry
from ..tally import ballot_of, counted_votes_in_order, round_result, rules_dict
from .cache import cached
from .certificates import current_certificate, matches
from .versions import round_key


def result_of(round_: Round) -> dict[str, Any]:
    """The contract's result JSON of the round, computed once per data version."""
    return cached(round_key("result", round_), lambda: round_result(round_))


def branches_of(round_: Round) -> list[dict[str, Any]]:
    """The contract's per-branch objects of the round, computed once per data version."""
    return cached(round_key("branches", round_), lambda: round_branches(round_))


def round_branches(
    round_: Round,
    *,
    code: str | None = None,
    codes: Collection[str] | None = None,
    votes: bool = True,
) -> list[dict[str, Any]]:
    """One object per branch: code, name, region, eligible, status and counted numbers.

    Every branch of the election, or only the one with ``code`` (a branch's own page), or those
    with ``codes`` (a page of the branch table). Plain columns, not ORM objects: at national
    scale this is 12,926 rows and 500,000 votes (one row per sheet: :func:`counted_votes_in_order`).
    ``votes=False`` reads no vote: a counted branch's ``votes`` are then empty (not the contract's
    object: for what the branch table filters and sorts by, :func:`.rows.table_rows`).
    """
    order = [c for _, c, _ in ballot_of(round_)]
    wanted = None
    if code is not None or codes is not None:
        wanted = [*(codes or ()), *([] if code is None else [code])]
    rows = branch_columns(round_, wanted)
    ids = None if wanted is None else [row[0] for row in rows]
    votes_of = counted_votes_in_order(round_, branch_ids=ids) if rows and votes else {}
    out = []
    for _id, b_code, name, region, eligible, state, annulled, reason, entry_id, cast, inv in rows:
        item: dict[str, Any] = {
            "code": b_code,
            "name": name,
            "region": region,
            "eligible": eligible,
        }
        # A counted sheet always has its counted entry (constraint ``counted_has_entry``).
        status = public_status(state, bool(annulled))
        if status == PublicStatus.ANNULLED:
            item.update(status=status.value, reason=reason)
        elif status == PublicStatus.COUNTED:
            counted = votes_of.get(entry_id)
            item.update(
                status=status.value,
                ballots_cast=cast,
                invalid=inv,
                votes=dict(zip(order, counted or [0] * len(order), strict=True)) if votes else {},
            )
        else:
            item["status"] = status.value
        out.append(item)
    return out


def branch_columns(round_: Round, codes: Collection[str] | None = None) -> Sequence[Any]:
    """Per branch of the election (or of those with ``codes``), by code: branch id, code, name,
    region, eligible; its sheet's state, annulled, reason; the counted entry's id, ballots cast
    and invalid (None where there is no sheet or no counted entry)."""
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
    if codes is not None:
        stmt = stmt.where(Branch.code.in_(codes))
    return db.session.execute(stmt).all()


def branch_codes(round_: Round) -> list[str]:
    """The codes of the election's branches, in :func:`branch_columns`' order."""
    return list(
        db.session.scalars(
            select(Branch.code)
            .where(Branch.election_id == round_.election_id)
            .order_by(Branch.code)
        )
    )


def branch_regions(round_: Round) -> list[str]:
    """The regions of the election's branches, sorted, once each (no region left out)."""

    def compute() -> list[str]:
        found = db.session.scalars(
            select(Branch.region).distinct().where(Branch.election_id == round_.election_id)
        )
        return sorted(region for region in found if region)

    return cached(round_key("branch-regions", round_), compute)


def round_summary(round_: Round) -> dict[str, Any]:
    """A round as the election's detail lists it: number, date, status, ballot, certificate."""

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
                "four_eyes": certificate.four_eyes,
                # False when the result served now is not the one certified (see certificates)
                "result_matches": matches(certificate, result_of(round_)),
            },
        }

    return cached(round_key("summary", round_), compute)


def elections_summary() -> list[dict[str, Any]]:
    """Every election, newest first, with its rounds' summaries (``GET /elections``)."""
    return [
        {
            "slug": election.slug,
            "name": election.name,
            "rounds": [round_summary(r) for r in election.rounds],
        }
        for election in db.session.scalars(select(Election).order_by(Election.created_at.desc()))
    ]


def election_detail(election: Election) -> dict[str, Any]:
    """One election: rules, candidates, the number of branches and its rounds' summaries."""
    branches = db.session.scalar(
        select(func.count(Branch.id)).where(Branch.election_id == election.id)
    )
    # Names in other languages (version 1.1): a ``names`` key only where the package gave them.
    return {
        "slug": election.slug,
        "name": election.name,
        **({} if election.names is None else {"names": election.names}),
        "rules": rules_dict(election),
        "candidates": [
            {"code": c.code, "name": c.name, **({} if c.names is None else {"names": c.names})}
            for c in election.candidates
        ],
        "branches": int(branches or 0),
        "rounds": [round_summary(r) for r in election.rounds],
    }
