"""Marking a round's result as changed: caches and ETags key on ``Round.data_version``.

Every change that can alter what a round shows bumps its version in the same transaction.
"""

from __future__ import annotations

from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session

from ..database import at_commit, change_memo, confined_to
from ..extensions import db
from ..models import Election, Round

# Built once: every save runs it (building a statement costs more than running it).
_BUMP_VERSION = (
    update(Round)
    .where(Round.id == bindparam("round_id"))
    .values(data_version=Round.data_version + 1)
    .execution_options(synchronize_session=False)
)


def bump_version(round_: Round) -> None:
    """Mark the round's result as changed: at once, or in a change confined to one sheet, just
    before it commits (the round's row is shared by all its sheets' changes: it is locked from
    the update to the commit)."""
    session = db.session()
    if confined_to(session) is None:
        session.execute(_BUMP_VERSION, {"round_id": round_.id})
    else:
        change_memo(session).setdefault(_BUMPED, set()).add(round_.id)
        at_commit("versions", _bump_at_commit)
    session.expire(round_, ["data_version"])  # read again, as the database has it, if asked


_BUMPED = "versions"  # change_memo: the rounds a confined change has changed


def _bump_at_commit(session: Session) -> None:
    for round_id in sorted(change_memo(session).pop(_BUMPED, ())):
        session.execute(_BUMP_VERSION, {"round_id": round_id})


def bump_election_versions(election: Election) -> None:
    """Mark every round of the election as changed (its branches changed)."""
    db.session.execute(
        update(Round)
        .where(Round.election_id == election.id)
        .values(data_version=Round.data_version + 1)
    )
