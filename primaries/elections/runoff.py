"""Opening the runoff: the next round, between the qualifiers of the last round's outcome."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ..audit.chain import record
from ..changes import Actor
from ..core.rounds import RoundAction, RoundStatus
from ..core.sheets import UNSETTLED
from ..core.words import N_, Said
from ..database import begin_change
from ..errors import Refused
from ..extensions import db
from ..models import Round, RoundCandidate, RoundEvent, Sheet
from ..tally import ballot_of, decision_of, sums_of
from .lookup import get_election, get_round
from .rounds import close_round
from .versions import bump_version


def open_runoff(
    slug: str,
    *,
    actor: Actor,
    held_on: dt.date | None = None,
    require_certified: bool = False,
) -> Round:
    """Open the next round between the qualifiers of the last round's ``runoff`` outcome.

    An open last round is closed first, as :func:`~primaries.elections.rounds.close_round`
    closes any round (with its own audit event).
    """
    begin_change()
    election = get_election(slug)
    last = get_round(election)
    if require_certified and last.status != RoundStatus.CERTIFIED:
        raise Refused(
            Said(
                N_("round %(number)s must be certified before the runoff is opened"),
                number=last.number,
            )
        )
    sums = sums_of(last)
    if sums.pending:
        raise Refused(
            Said(
                N_(
                    "round %(number)s is incomplete: %(pending)s of %(total)s branches are "
                    "neither counted nor annulled"
                ),
                number=last.number,
                pending=sums.pending,
                total=sums.branches_total,
            )
        )
    outcome = decision_of(last, sums).outcome
    if outcome.status != "runoff":
        raise Refused(
            Said(
                N_("round %(number)s's outcome is %(status)s, not runoff: no runoff to open"),
                number=last.number,
                status=outcome.status,
            )
        )
    blockers = db.session.scalar(
        select(Sheet.id)
        .where(
            Sheet.round_id == last.id,
            Sheet.state.in_(UNSETTLED),
            Sheet.annulled.is_(False),
        )
        .limit(1)
    )
    if blockers:
        raise Refused(
            Said(
                N_("round %(number)s has sheets awaiting a second entry or in mismatch"),
                number=last.number,
            )
        )
    if last.status == RoundStatus.OPEN:
        close_round(last, actor=actor, reason="runoff opened")
    runoff = Round(
        election_id=election.id,
        number=last.number + 1,
        held_on=held_on,
        status=RoundStatus.OPEN,
        publish=last.publish,  # the committee's choice of the round before holds for the runoff
        data_version=1,
    )
    db.session.add(runoff)
    db.session.flush()
    ids = {code: cid for cid, code, _ in ballot_of(last)}
    position_of = {code: i for i, (_, code, _) in enumerate(ballot_of(last))}
    for position, code in enumerate(sorted(outcome.qualifiers, key=position_of.__getitem__)):
        db.session.add(
            RoundCandidate(round_id=runoff.id, candidate_id=ids[code], position=position)
        )
    db.session.add(RoundEvent(round_id=runoff.id, action=RoundAction.OPEN, user_id=actor.user_id))
    bump_version(last)
    record(
        "round.open",
        actor=actor.name,
        object_type="round",
        object_id=f"{election.slug}/{runoff.number}",
        election=election.slug,
        round_number=runoff.number,
        after={
            "qualifiers": list(outcome.qualifiers),
            "held_on": held_on.isoformat() if held_on else None,
            "publish": runoff.publish,
        },
    )
    return runoff
