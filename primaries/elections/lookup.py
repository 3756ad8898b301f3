"""Finding elections, rounds and branches by their public names, and whether a round may change.

Reads only: the rules themselves (what makes a round final, when entry stops) are in
:mod:`primaries.core.rounds`; this module asks the database what they need to know.
"""

from __future__ import annotations

from sqlalchemy import bindparam, func, select

from ..core import rounds as round_rules
from ..core.limits import is_branch_code, is_round_number, is_slug
from ..core.rounds import Words
from ..core.words import N_, Said, about
from ..errors import NotFound, Refused
from ..extensions import db
from ..models import Branch, Election, RlaAudit, Round


def get_election(slug: str) -> Election:
    if not is_slug(slug):  # NUL, lone surrogates...: not a slug, never stored
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
    if not is_round_number(number):
        raise NotFound(f"election {election.slug!r} has no round {number}")
    round_ = db.session.scalar(stmt.where(Round.number == number))
    if round_ is None:
        raise NotFound(f"election {election.slug!r} has no round {number}")
    return round_


def find_branch(election_id: int, code: str) -> Branch | None:
    """The election's branch of this code, or None."""
    if not is_branch_code(code):
        return None
    return db.session.scalar(
        select(Branch).where(Branch.election_id == election_id, Branch.code == code)
    )


def get_branch(election: Election, code: str) -> Branch:
    branch = find_branch(election.id, code)
    if branch is None:
        raise NotFound(f"election {election.slug!r} has no branch {code!r}")
    return branch


def branch_field(round_: Round, code: str) -> tuple[Branch | None, Said | None]:
    """A branch a person typed into a form about ``round_``: the branch, or the problem in the
    form's words (``branch: SLUG has no branch 'X'``)."""
    branch = find_branch(round_.election_id, code)
    if branch is None:
        missing = Said(
            N_("%(slug)s has no branch %(code)s"), slug=round_.election.slug, code=repr(code)
        )
        return None, about(N_("branch"), missing)
    return branch, None


# Built once: every save runs it (building a statement costs more than running it).
_LATER_ROUNDS = select(func.count(Round.id)).where(
    Round.election_id == bindparam("election_id"), Round.number > bindparam("number")
)


def has_later_round(round_: Round) -> bool:
    params = {"election_id": round_.election_id, "number": round_.number}
    return bool(db.session.scalar(_LATER_ROUNDS, params))


# The statuses of a risk-limiting audit that is still running (primaries.rla).
_AUDITING = select(RlaAudit.id).where(
    RlaAudit.round_id == bindparam("round_id"), RlaAudit.status.in_(("in_progress", "escalate"))
)


def lock_reason(round_: Round) -> Said | None:
    """Why this round accepts no changes to its count, or None when it does.

    The one place that says so: corrections, annulments, lots and imports all ask it (through
    :func:`ensure_changeable`), and so do the staff pages. Besides the round's life (certified,
    or followed by a later round), a risk-limiting audit in progress locks the count it checks.
    """
    return _said(lock_words(round_))


def lock_words(round_: Round) -> Words | None:
    """:func:`lock_reason` as a sentence to translate where it is shown, and its values."""
    locked = round_rules.lock_words(
        round_.status, round_.number, has_later_round=has_later_round(round_)
    )
    return locked or audit_lock_words(round_)


def audit_lock_reason(round_: Round) -> Said | None:
    """Why a risk-limiting audit in progress keeps this round as it is (nor may it reopen)."""
    return _said(audit_lock_words(round_))


def audit_lock_words(round_: Round) -> Words | None:
    """:func:`audit_lock_reason` as a sentence to translate where it is shown, and its values."""
    if db.session.scalar(_AUDITING, {"round_id": round_.id}) is None:
        return None
    return N_(
        "round %(number)s is under a risk-limiting audit "
        "(`primaries rla status %(slug)s --round %(number)s`): its count "
        "may not change until the audit ends"
    ), {"number": round_.number, "slug": round_.election.slug}


def entry_stop_reason(round_: Round) -> Said | None:
    """Why no new sheet may be typed into this round now, or None when it may."""
    return _said(entry_stop_words(round_))


def _said(words: Words | None) -> Said | None:
    return None if words is None else Said(words)


def entry_stop_words(round_: Round) -> Words | None:
    """:func:`entry_stop_reason` as a sentence to translate where it is shown, and its values."""
    return round_rules.entry_stop_words(
        round_.status, round_.number, has_later_round=has_later_round(round_)
    )


def ensure_changeable(round_: Round, *, entry: bool = False) -> None:
    """Refuse a change of the round's count (and, for ``entry``, typing into a closed round)."""
    reason = entry_stop_reason(round_) if entry else lock_reason(round_)
    if reason:
        raise Refused(reason)
