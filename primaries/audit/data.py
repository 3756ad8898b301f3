"""The data proven against the audit chain (CONTRACT section 6, ``audit verify``, version 1.1).

:func:`verify_data` replays the chain (:mod:`.replay`) and compares every table with what it
says (:mod:`.tables`, :mod:`.counts`): every sheet, entry, vote, decision, annulment, lot, round
state and event, certificate and running total, risk-limiting audit, paper receipt, photo and
objection, and the elections, candidates and branches they belong to. It names the first
difference (which branch, round and field; what the chain says; what the table says), including
rows added behind the application's back and rows removed. Run it after
:func:`primaries.audit.chain.verify` has found the chain intact: an intact chain is what makes
its events worth comparing with.
"""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import User
from .chain import Verification, verify
from .counts import (
    compare_certificates,
    compare_decisions,
    compare_entries,
    compare_sheets,
    compare_totals,
)
from .expected import Difference
from .objections import compare_objections
from .paper import compare_papers, compare_photos
from .replay import chain_events, replay
from .reviews import compare_reviews
from .rla import compare_audits
from .tables import (
    Names,
    compare_ballots,
    compare_branches,
    compare_candidates,
    compare_elections,
    compare_round_life,
    compare_rounds,
)


def verify_data() -> str | None:
    """None when the tables hold exactly what the chain says, else the first difference."""
    users = {int(i): str(name) for i, name in db.session.execute(select(User.id, User.username))}
    try:
        expected = replay(chain_events(), set(users.values()))
        names = Names(users)
        compare_elections(expected, names)
        compare_candidates(expected, names)
        compare_branches(expected, names)
        compare_rounds(expected, names)
        compare_ballots(expected, names)
        compare_round_life(expected, names)
        counting = compare_sheets(expected, names)
        sums = compare_entries(expected, names, counting)
        compare_decisions(expected, names)
        compare_totals(expected, names, sums)
        compare_certificates(expected, names, sums)
        compare_audits(expected, names)
        compare_papers(expected, names)
        compare_photos(expected, names)
        compare_objections(expected, names)
        compare_reviews(expected, names)
    except Difference as exc:
        return str(exc)
    return None


def verify_chain_and_data() -> Verification:
    """The chain (:func:`primaries.audit.chain.verify`), then the data against it, as one
    verdict in the words of ``primaries audit verify`` (for the audit log's page)."""
    outcome = verify()
    if not outcome.ok:
        return outcome
    found = verify_data()
    if found is None:
        return outcome
    message = f"audit chain intact ({outcome.events} events), but {found}"
    return Verification(False, outcome.events, message)
