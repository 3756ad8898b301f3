"""When a round's results go public (issue 15, item 5), chosen on the round's dashboard by a
supervisor or admin, with a reason: live from the first counted sheet (the default), once every
branch is counted, or once the round is certified. The choice is
:func:`primaries.elections.settings.set_publishing` (audited); the public pages, downloads and
API follow it (:mod:`primaries.results.publishing`)."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from ..access import roles
from ..changes import attempt
from ..core.rounds import Publishing
from ..core.words import N_
from ..elections.settings import set_photos_public, set_publishing
from .blueprint import ADMIN, COUNT, actor, bp, election_or_404, round_or_404
from .forms import ReasonForm, options

PUBLISHING_LABELS: dict[str, str] = {
    Publishing.LIVE: N_("live, from the first counted sheet"),
    Publishing.COMPLETE: N_("once every branch is counted or annulled"),
    Publishing.CERTIFIED: N_("once the round is certified"),
}
"""What the pages call each choice (translated where shown)."""


class PublishForm(FlaskForm):
    publish = SelectField(
        _l("Results go public"),
        choices=options((value, _l(label)) for value, label in PUBLISHING_LABELS.items()),
        validators=[DataRequired()],
    )
    reason = StringField(
        _l("Reason"),
        validators=[DataRequired(_l("Say why.")), Length(max=2000)],
        render_kw={"size": 40},
    )


@bp.post("/elections/<slug>/rounds/<int:number>/publishing")
@roles(*COUNT)
def publishing(slug: str, number: int) -> Response:
    """Choose when the round's results go public, with a reason."""
    round_or_404(slug, number)
    form = PublishForm(prefix="publishing")
    if not form.validate_on_submit():
        flash(_("Nothing was changed: a reason is needed."), "error")
    else:
        outcome = attempt(
            set_publishing,
            slug,
            number,
            form.publish.data or "",
            form.reason.data or "",
            actor=actor(),
        )
        for problem in outcome.problems:
            flash(_("Nothing was changed: %(problem)s", problem=problem), "error")
        if not outcome.problems:
            chosen = _(PUBLISHING_LABELS[str(form.publish.data)])
            flash(
                _("Round %(number)s's results go public %(when)s.", number=number, when=chosen),
                "success",
            )
    return redirect(url_for("staff.round_dashboard", slug=slug, number=number))


@bp.post("/elections/<slug>/photos-public")
@roles(*ADMIN)
def photos_public(slug: str) -> Response:
    """Show (``on=on``) or stop showing the photos of certified rounds' signed sheets on the
    public branch pages, with a reason."""
    election_or_404(slug)
    form = ReasonForm(prefix="photos")
    on = request.form.get("on") == "on"
    if not form.validate_on_submit():
        flash(_("Nothing was changed: a reason is needed."), "error")
    else:
        outcome = attempt(set_photos_public, slug, on, form.reason.data or "", actor=actor())
        for problem in outcome.problems:
            flash(_("Nothing was changed: %(problem)s", problem=problem), "error")
        if not outcome.problems:
            flash(
                _("The photos of certified rounds' signed sheets are now public.")
                if on
                else _("The photos of the signed sheets are no longer public."),
                "success",
            )
    return redirect(url_for("staff.home"))
