"""The committee's lots: the drawn order of candidates who are tied now.

A lot orders only the candidates it names, and only while their votes are equal; where lots
disagree about two candidates the most recent one holds (:mod:`primaries.core.rules`).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..audit.chain import record
from ..changes import Actor
from ..core.text import storable_problem
from ..core.words import N_, Said, about
from ..database import begin_change
from ..errors import Refused
from ..extensions import db
from ..models import Lot
from ..tally import sums_of
from .lookup import ensure_changeable, get_election, get_round
from .versions import bump_version


def record_lot(
    slug: str,
    round_number: int,
    codes: Sequence[str],
    *,
    actor: Actor,
    note: str | None = None,
) -> Lot:
    """Record the drawn order of candidates who are tied now."""
    begin_change()
    election = get_election(slug)
    round_ = get_round(election, round_number)
    ensure_changeable(round_)
    codes = list(codes)
    problem = storable_problem(" ".join([*codes, note or ""]))
    if problem:
        raise Refused(about(N_("lot"), problem))
    sums = sums_of(round_)
    problems = []
    if len(codes) < 2:
        problems.append(Said(N_("a lot orders at least two candidates")))
    if len(set(codes)) != len(codes):
        problems.append(Said(N_("a candidate is named twice: %(codes)s"), codes=" ".join(codes)))
    unknown = [c for c in codes if c not in sums.votes]
    if unknown:
        problems.append(
            Said(
                N_("not on round %(number)s's ballot: %(codes)s (the ballot is %(ballot)s)"),
                number=round_.number,
                codes=", ".join(unknown),
                ballot=", ".join(sums.votes),
            )
        )
    if problems:
        raise Refused(problems)
    if len({sums.votes[c] for c in codes}) != 1:
        standing = ", ".join(f"{c} {sums.votes[c]}" for c in codes)
        raise Refused(
            f"these candidates are not tied now ({standing} votes): a lot orders only "
            "candidates with equal votes"
        )
    lot = Lot(
        round_id=round_.id, codes=codes, note=(note or "").strip() or None, user_id=actor.user_id
    )
    db.session.add(lot)
    db.session.flush()
    bump_version(round_)
    record(
        "lot.record",
        actor=actor.name,
        object_type="round",
        object_id=f"{election.slug}/{round_.number}",
        election=election.slug,
        round_number=round_.number,
        after={"order": codes, "votes": sums.votes[codes[0]], "note": lot.note},
    )
    return lot
