"""Clearing a box that red flags hold for review (issue 13, quarantine), from the round's
dashboard, which lists the held boxes and whether they could change the outcome
(:mod:`primaries.results.reviews`). A supervisor or admin clears one with a reason, through
:func:`primaries.elections.reviews.clear_box` (audited; refused, changing nothing, for a box
that is not held or without a reason)."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ..access import roles
from ..changes import attempt
from ..elections.reviews import clear_box
from .blueprint import COUNT, actor, bp, round_or_404
from .forms import ReasonForm

CLEAR_PREFIX = "clear"


@bp.post("/elections/<slug>/rounds/<int:number>/reviews/<branch>/clear")
@roles(*COUNT)
def clear_held_box(slug: str, number: int, branch: str) -> Response:
    """Clear a held box with a reason; back to the dashboard's list of held boxes."""
    round_or_404(slug, number)
    form = ReasonForm(prefix=CLEAR_PREFIX)
    if not form.validate_on_submit():
        flash(
            _("Nothing was changed: %(problem)s", problem=_("say why the box is cleared")), "error"
        )
    else:
        done = attempt(clear_box, slug, number, branch, form.reason.data or "", actor=actor())
        for problem in done.problems:
            flash(_("Nothing was changed: %(problem)s", problem=problem), "error")
        if done.done:
            flash(_("Branch %(branch)s's box is cleared.", branch=branch), "success")
    return redirect(url_for("staff.round_dashboard", slug=slug, number=number) + "#held")
