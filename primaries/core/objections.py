"""Objections to a box's count (issue 13): the decisions a supervisor may take on one.

An observer (a candidate's representative) files an objection about a branch's count before the
round is certified; a supervisor or admin other than the one who filed it decides it, with a
reason. While one is open the round cannot be certified (:mod:`primaries.elections.rounds`).
"""

from __future__ import annotations

from enum import StrEnum

from .words import N_


class ObjectionDecision(StrEnum):
    DISMISSED = "dismissed"
    RECOUNT_ORDERED = "recount_ordered"  # the box is recounted; a correction follows as usual
    BOX_ANNULLED = "box_annulled"  # the box is annulled; the annulment follows as usual


DECISION_LABELS: dict[str, str] = {
    ObjectionDecision.DISMISSED: N_("dismissed"),
    ObjectionDecision.RECOUNT_ORDERED: N_("recount ordered"),
    ObjectionDecision.BOX_ANNULLED: N_("box annulled"),
}
"""What the pages call each decision (translated where shown)."""

TEXT_MAX = 4000
