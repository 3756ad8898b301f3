"""What is current: the rounds' data versions, which ETags and cache keys are made of.

Every change that can change a round's result bumps ``Round.data_version`` in the same
transaction, so these small queries say whether anything a reader has seen has changed, before
anything is summed or rendered. :func:`round_key` names a round's cached values by that version.
A round's finality (``primaries.core.rounds.is_final``) decides how long readers may keep an
answer: :func:`all_final` and :func:`site_final` ask it of every round an answer shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, case, func, select
from sqlalchemy.orm import aliased

from ..core.limits import is_round_number, is_slug
from ..core.rounds import Publishing, is_final, is_published
from ..extensions import db
from ..models import Branch, Election, Round, RoundTotal
from .cache import recent


@dataclass(frozen=True)
class RoundVersion:
    round_id: int
    number: int
    data_version: int
    status: str


SiteVersion = tuple[int, int | None, int | None, str | None]
"""(election id, round id, data version, round status); the round's fields are None for an
election without rounds."""


def round_key(kind: str, round_: Round) -> tuple[str, int, int]:
    """The cache key of what ``kind`` computes from the round as it is now."""
    return (kind, round_.id, int(round_.data_version))


def election_versions(election: Election) -> tuple[RoundVersion, ...]:
    """Every round of the election with its data version (one small query)."""
    rows = db.session.execute(
        select(Round.id, Round.number, Round.data_version, Round.status)
        .where(Round.election_id == election.id)
        .order_by(Round.number)
    )
    return tuple(RoundVersion(int(a), int(b), int(c), str(d)) for a, b, c, d in rows)


def site_versions() -> tuple[SiteVersion, ...]:
    """Every election and round with its data version: the state behind the list of elections.

    Ordered by election, then round number.
    """
    rows = db.session.execute(
        select(Election.id, Round.id, Round.data_version, Round.status)
        .outerjoin(Round, Round.election_id == Election.id)
        .order_by(Election.id, Round.number)
    )
    return tuple(
        (int(e), None if r is None else int(r), None if v is None else int(v), s)
        for e, r, v, s in rows
    )


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
    if not is_slug(slug):
        return None

    def ask() -> tuple[RoundVersion, ...] | None:
        rows = db.session.execute(_VERSIONS_BY_SLUG, {"slug": slug}).all()
        return tuple(RoundVersion(int(a), int(b), int(c), str(d)) for a, b, c, d in rows) or None

    return recent(("versions", slug), ask)


def all_final(versions: Sequence[RoundVersion], number: int | None = None) -> bool:
    """Is every round shown final? All of ``versions`` (an election's rounds in order), or only
    round ``number``."""
    last = versions[-1].number if versions else 0
    return all(
        is_final(v.status, has_later_round=v.number < last)
        for v in versions
        if number is None or v.number == number
    )


def site_final(versions: Sequence[SiteVersion]) -> bool:
    """Is every round of every election final? ``versions`` as :func:`site_versions` orders
    them."""
    for index, (election_id, round_id, _version, status) in enumerate(versions):
        if round_id is None:
            continue  # an election without rounds shows none
        following = versions[index + 1] if index + 1 < len(versions) else None
        later = following is not None and following[0] == election_id
        if not is_final(str(status), has_later_round=later):
            return False
    return True


# --------------------------------------------------------------------------------------------
# One round, for the API


@dataclass(frozen=True)
class RoundState:
    """What an API answer about one round needs before anything is computed (its cache key)."""

    round_id: int
    data_version: int
    final: bool  # certified, or followed by a later round
    published: bool = True  # its results are public now (primaries.core.rounds.is_published)
    publish: str = Publishing.LIVE.value


def _round_state_statement() -> Any:
    later = aliased(Round)
    last = (
        select(func.max(later.number))
        .where(later.election_id == Round.election_id)
        .scalar_subquery()
    )
    branches = (
        select(func.count(Branch.id)).where(Branch.election_id == Round.election_id)
    ).scalar_subquery()
    reported = (
        select(func.sum(RoundTotal.counted + RoundTotal.annulled)).where(
            RoundTotal.round_id == Round.id
        )
    ).scalar_subquery()
    complete = func.coalesce(reported, 0) >= branches
    return (
        select(
            Round.id,
            Round.data_version,
            Round.status,
            Round.number,
            last,
            Round.publish,
            # counted only for a round published once complete: this runs on every API request
            case((Round.publish == Publishing.COMPLETE.value, complete), else_=False),
        )
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
    if not (is_slug(slug) and is_round_number(number)):
        return None

    def ask() -> RoundState | None:
        row = db.session.execute(_ROUND_STATE, {"slug": slug, "number": number}).one_or_none()
        if row is None:
            return None
        round_id, version, status, round_number, last_number, publish, complete = row
        later = int(round_number) < int(last_number)
        return RoundState(
            int(round_id),
            int(version),
            is_final(status, has_later_round=later),
            is_published(publish, status=status, complete=bool(complete), has_later_round=later),
            str(publish),
        )

    return recent(("round", slug, number), ask)
