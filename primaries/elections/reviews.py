"""Clearing a box held for review by red flags (issue 13, quarantine).

With the election's ``hold_for_review`` setting on (the default, :mod:`primaries.core.flags`), a
counted box that a red flag fires on is held for review until a supervisor or admin clears it with
a reason: the dashboard lists the held boxes and whether they could change the outcome
(:func:`primaries.core.review.could_change`), the public round page says how many are under
review, and the round cannot be certified while one is held (:mod:`.rounds`). A held box's
numbers count as its sheet says meanwhile: the contract counts every settled sheet (CONTRACT
sections 4 and 6), and a hold is the committee's question about the paper, not an answer.

Which boxes are held, and whether they could change the outcome, is read by
:mod:`primaries.results.reviews`. A clearance holds for the counted entry it cleared and the
checks that fired then: a corrected sheet, or a new check firing, holds the box again. The only
writer of ``flag_reviews``
(:class:`~primaries.models.FlagReview`); each clearance is one ``flags.clear`` audit event in the
same transaction.
"""

from __future__ import annotations

from ..audit.chain import record
from ..changes import Actor
from ..core.rounds import RoundStatus
from ..core.text import text_problem
from ..core.words import N_, Said, about
from ..database import begin_change
from ..errors import Refused
from ..extensions import db
from ..models import FlagReview
from ..results.reviews import held_boxes
from ..timestamps import utcnow
from .lookup import branch_field, get_election, get_round
from .versions import bump_version

REASON_MAX = 2000


def clear_box(slug: str, number: int, code: str, reason: str, *, actor: Actor) -> FlagReview:
    """Clear branch ``code``'s box, held for review in round ``number``, with a reason. Refused
    (nothing changed) for a box that is not held, without a reason, or once the round is
    certified."""
    begin_change()
    round_ = get_round(get_election(slug), number)
    problems: list[str] = []
    if round_.status == RoundStatus.CERTIFIED:
        problems.append(
            Said(N_("round %(number)s is certified: there is nothing held to clear"), number=number)
        )
    branch, missing = branch_field(round_, code)
    if missing:
        problems.append(missing)
    words = (reason or "").strip()
    problem = text_problem(words, REASON_MAX) if words else Said(N_("say why the box is cleared"))
    if problem:
        problems.append(about(N_("reason"), problem))
    box = None
    if branch is not None:
        box = next((h for h in held_boxes(round_) if h.code == branch.code), None)
        if box is None:
            problems.append(
                Said(
                    N_("branch %(code)s's box is not held for review in round %(number)s"),
                    code=branch.code,
                    number=number,
                )
            )
    if problems:
        raise Refused(problems)
    assert branch is not None and box is not None
    review = FlagReview(
        round_id=round_.id,
        branch_id=branch.id,
        entry_id=box.entry_id,
        checks=list(box.checks),
        reason=words,
        actor=actor.name,
        user_id=actor.user_id,
        created_at=utcnow(),
    )
    db.session.add(review)
    db.session.flush()
    bump_version(round_)  # the dashboard's blockers and the public count change
    record(
        "flags.clear",
        actor=actor.name,
        object_type="branch",
        object_id=branch.code,
        election=slug,
        round_number=number,
        branch=branch.code,
        after={"entry_id": box.entry_id, "checks": list(box.checks), "reason": words},
    )
    return review
