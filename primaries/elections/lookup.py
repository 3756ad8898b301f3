"""Finding elections, rounds and branches by their public names, and the rules of change."""

from __future__ import annotations

from sqlalchemy import bindparam, func, select, update

from ..core.limits import BRANCH_CODE_RE, SLUG_RE
from ..errors import NotFound, Refused
from ..extensions import db
from ..models import Branch, Election, Round

# Round numbers are 32-bit INTEGER columns: a larger number (from a URL or an option) names no
# round, and asking the database about it would fail instead of finding nothing.
MAX_ROUND_NUMBER = 2**31 - 1


def get_election(slug: str) -> Election:
    if not SLUG_RE.match(slug):  # NUL, lone surrogates...: not a slug, never stored
        raise NotFound(f"no election {slug!r}")
    election = db.session.scalar(select(Election).where(Election.slug == slug))
    if election is None:
        raise NotFound(f"no election {slug!r}")
    return election


def get_round(election: Election, number: int | None = None) -> Round:
    """Round ``number`` of the election, or its latest round when ``number`` is None."""
    stmt = select(Round).where(Round.election_id == election.id)
    if number is None:
        round_ = db.session.scalar(stmt.order_by(Round.number.desc()).limit(1))
        if round_ is None:
            raise NotFound(f"election {election.slug!r} has no rounds")
        return round_
    if not 1 <= number <= MAX_ROUND_NUMBER:
        raise NotFound(f"election {election.slug!r} has no round {number}")
    round_ = db.session.scalar(stmt.where(Round.number == number))
    if round_ is None:
        raise NotFound(f"election {election.slug!r} has no round {number}")
    return round_


def get_branch(election: Election, code: str) -> Branch:
    if not BRANCH_CODE_RE.match(code):
        raise NotFound(f"election {election.slug!r} has no branch {code!r}")
    branch = db.session.scalar(
        select(Branch).where(Branch.election_id == election.id, Branch.code == code)
    )
    if branch is None:
        raise NotFound(f"election {election.slug!r} has no branch {code!r}")
    return branch


# Statements every save runs, built once (building one costs more than running it).
_LATER_ROUNDS = select(func.count(Round.id)).where(
    Round.election_id == bindparam("election_id"), Round.number > bindparam("number")
)
_BUMP_VERSION = (
    update(Round)
    .where(Round.id == bindparam("round_id"))
    .values(data_version=Round.data_version + 1)
    .execution_options(synchronize_session=False)
)


def has_later_round(round_: Round) -> bool:
    params = {"election_id": round_.election_id, "number": round_.number}
    return bool(db.session.scalar(_LATER_ROUNDS, params))


def lock_reason(round_: Round) -> str | None:
    """Why this round accepts no changes to its count, or None when it does."""
    if round_.status == "certified":
        return f"round {round_.number} is certified: an admin must decertify it first"
    if has_later_round(round_):
        return f"round {round_.number} is final: round {round_.number + 1} has been opened after it"
    return None


def ensure_changeable(round_: Round, *, entry: bool = False) -> None:
    """Refuse a change of the round's count (and, for ``entry``, typing into a closed round)."""
    reason = lock_reason(round_)
    if reason:
        raise Refused(reason)
    if entry and round_.status == "closed":
        raise Refused(f"round {round_.number} is closed: entry has stopped")


def bump_version(round_: Round) -> None:
    """Mark the round's result as changed (caches and ETags key on ``data_version``)."""
    db.session.execute(_BUMP_VERSION, {"round_id": round_.id})
    db.session.expire(round_, ["data_version"])  # read again, as the database has it, if asked


def bump_election_versions(election: Election) -> None:
    db.session.execute(
        update(Round)
        .where(Round.election_id == election.id)
        .values(data_version=Round.data_version + 1)
    )
