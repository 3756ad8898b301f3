"""The red flags' thresholds of an election on the web (``primaries flags SLUG --settings`` and
``--set``): every setting with its value, its default and what it does; an admin changes them
with a reason, through :func:`primaries.elections.settings.set_flag_settings` (checked, audited,
every problem named at once, nothing changed when one is refused)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import TextAreaField
from wtforms.validators import Length

from ..access import roles
from ..changes import attempt
from ..core.flag_settings import DEFAULT, DEFAULTS, NAMES, settings_from, settings_text
from ..core.roles import ADMIN, Role
from ..elections.settings import set_flag_settings
from .blueprint import actor, bp, election_or_404

SETTING_WORDS: dict[str, tuple[str, str]] = {
    "min_eligible": (
        _l("Smallest box checked for turnout"),
        _l("Eligible members: boxes with fewer are not checked for turnout."),
    ),
    "turnout_points": (
        _l("Turnout above the region (points)"),
        _l("A box's turnout this many points above the rest of its region is flagged."),
    ),
    "full_turnout_percent": (
        _l("Nearly full turnout (percent)"),
        _l("A turnout at or above this (below 100%) is flagged; also the fingerprint's corner."),
    ),
    "min_valid": (
        _l("Smallest box checked for shares"),
        _l("Valid votes (ballots, for invalid ballots): boxes with fewer are not checked."),
    ),
    "sweep_percent": (
        _l("One candidate's sweep (percent)"),
        _l("One candidate with at least this share of a box's valid votes is flagged ..."),
    ),
    "split_percent": (
        _l("A split region (percent)"),
        _l("... when no candidate has more than this in the rest of the region."),
    ),
    "z": (
        _l("Beyond chance (standard deviations)"),
        _l("How far beyond chance a box's shares or invalid ballots must be to be flagged."),
    ),
    "overdispersion": (
        _l("Over-dispersion"),
        _l("How much more than coin flips real boxes differ (1/50): larger flags fewer boxes."),
    ),
    "share_points": (
        _l("Shares differ by (points)"),
        _l("A candidate's share must also differ from the region's by this many points."),
    ),
    "invalid_points": (
        _l("Invalid ballots above the region (points)"),
        _l("An invalid share this many points above the rest of the region's is flagged."),
    ),
    "region_min_valid": (
        _l("Smallest region to compare with"),
        _l("Valid votes the rest of the region must have for a box to be compared with it."),
    ),
    "moved_turnout_points": (
        _l("Runoff: turnout moved (points)"),
        _l("A box whose turnout moved this much more than its region's since the round before."),
    ),
    "moved_share_points": (
        _l("Runoff: shares moved (points)"),
        _l("A box whose shares moved this much more than its region's since the round before."),
    ),
    "hold_for_review": (
        _l("Hold flagged boxes for review (1 or 0)"),
        _l("1: a flagged box is held until a supervisor clears it. 0: flags are only shown."),
    ),
}
"""What the page calls each setting and what it does (docs/flags.md has the whole story)."""


class FlagSettingsForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[Length(max=2000)])


@dataclass(frozen=True)
class SettingRow:
    name: str
    label: str
    help: str
    value: str
    default: str
    changed: bool


def _rows(kept: dict[str, str] | None, typed: dict[str, str] | None = None) -> list[SettingRow]:
    now = settings_text(settings_from(kept))
    defaults = settings_text(DEFAULTS)
    rows = []
    for name in NAMES:
        label, help_text = SETTING_WORDS[name]
        value = now[name] if typed is None else typed.get(name, now[name])
        rows.append(
            SettingRow(
                name, str(label), str(help_text), value, defaults[name], now[name] != defaults[name]
            )
        )
    return rows


def _changes(kept: dict[str, str] | None, typed: dict[str, str]) -> dict[str, str]:
    """The settings typed differently from those in force; an empty field takes the default."""
    now = settings_text(settings_from(kept))
    changes = {}
    for name in NAMES:
        text = typed.get(name, now[name]).strip()
        if text != now[name]:
            changes[name] = text or DEFAULT
    return changes


@bp.route("/elections/<slug>/flag-settings", methods=["GET", "POST"])
@roles(*ADMIN, read_only_for=(Role.SUPERVISOR, Role.OBSERVER))
def flag_settings(slug: str) -> Response | str | tuple[str, int]:
    """The election's red-flag thresholds; an admin changes them with a reason."""
    election = election_or_404(slug)
    form = FlagSettingsForm()
    problems: list[str] = []
    typed: dict[str, str] | None = None
    if request.method == "POST":
        typed = {name: request.form.get(f"setting-{name}", "") for name in NAMES}
        if not form.validate_on_submit():
            problems = [_("the form was incomplete; try again.")]
        else:
            changes = _changes(election.flag_settings, typed)
            outcome = attempt(
                set_flag_settings, slug, changes, form.reason.data or "", actor=actor()
            )
            problems = outcome.problems
            if not problems:
                flash(_("The red-flag settings of %(slug)s are saved.", slug=slug), "success")
                return redirect(url_for("staff.flag_settings", slug=slug))
    page = render_template(
        "staff/flag_settings.html",
        election=election,
        rows=_rows(election.flag_settings, typed),
        form=form,
        problems=problems,
    )
    return (page, 422) if problems else page
