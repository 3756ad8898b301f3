"""Marking a round's result as changed: caches and ETags key on ``Round.data_version``.

Every change that can alter what a round shows bumps its version in the same transaction.
"""

from __future__ import annotations

from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session

from ..database import change_memo, write_shared
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
    """Mark the round's result as changed (the round's row is shared by all its sheets'
    changes: :func:`primaries.database.write_shared` writes it)."""
    session = db.session()
    change_memo(session).setdefault(_BUMPED, set()).add(round_.id)
    write_shared("versions", _bump)
    session.expire(round_, ["data_version"])  # read again, as the database has it, if asked


_BUMPED = "versions"  # change_memo: the rounds the change has changed, not yet marked


def _bump(session: Session) -> None:
    for round_id in sorted(change_memo(session).pop(_BUMPED, ())):
        session.execute(_BUMP_VERSION, {"round_id": round_id})


def bump_election_versions(election: Election) -> None:
    """Mark every round of the election as changed (its branches changed)."""
    db.session.execute(
        update(Round)
        .where(Round.election_id == election.id)
        .values(data_version=Round.data_version + 1)
    )
