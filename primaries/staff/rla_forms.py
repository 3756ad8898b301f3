"""The forms of a risk-limiting audit's staff pages: start (risk limit, seed), draw more, and an
audited (hand) count of a drawn box."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, SelectField, StringField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, Length, Optional

from ..core.rla import risk_limit_problem, seed_problem
from ..core.sheets import vote_field
from .forms import REQUIRED_COUNT, CountField


class RlaStartForm(FlaskForm):
    risk_limit = StringField(
        _l("Risk limit (percent)"),
        validators=[DataRequired(_l("Give the risk limit."))],
        default="5",
        description=_l("The largest chance, in percent, of confirming a wrong outcome: 5 or less."),
    )
    seed = StringField(
        _l("Seed"),
        validators=[DataRequired(_l("Type the seed as it was rolled."))],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
        description=_l("20 to 64 digits, rolled with ten-sided dice in front of the observers."),
    )
    draws = CountField(
        _l("Draws (optional)"),
        [Optional()],
        description=_l("Leave empty to draw the estimate."),
    )

    def validate_risk_limit(self, field: StringField) -> None:
        problem = risk_limit_problem((field.data or "").strip())
        if problem:
            raise ValidationError(problem)

    def validate_seed(self, field: StringField) -> None:
        problem = seed_problem((field.data or "").strip())
        if problem:
            raise ValidationError(problem)


class RlaDrawForm(FlaskForm):
    draws = CountField(_l("More draws"), [REQUIRED_COUNT])


class RlaCountForm(FlaskForm):
    """A hand count of one drawn box; built by :func:`rla_count_form` for the round's ballot."""

    branch = SelectField(_l("Box (branch)"), validators=[DataRequired()])
    ballots_cast = CountField(_l("Ballots cast"), [REQUIRED_COUNT])
    invalid = CountField(_l("Invalid ballots"), [REQUIRED_COUNT])
    reason = TextAreaField(
        _l("Reason (a correction of a count already recorded)"),
        validators=[Optional(), Length(max=2000)],
    )
    codes: list[str]

    def vote_fields(self) -> list[Field]:
        return [self[vote_field(code)] for code in self.codes]

    def votes(self) -> dict[str, int]:
        return {code: self[vote_field(code)].data for code in self.codes}


def rla_count_form(
    ballot: tuple[tuple[str, str], ...], drawn: list[tuple[str, str]], **kwargs: Any
) -> RlaCountForm:
    """The form for this ballot; ``drawn``: (code, label) of the boxes that may be counted."""
    form = _form_class(ballot)(**kwargs)
    form.branch.choices = drawn
    form.codes = [code for code, _ in ballot]
    return form


@lru_cache(maxsize=64)
def _form_class(ballot: tuple[tuple[str, str], ...]) -> type[RlaCountForm]:
    fields = {vote_field(code): CountField(name, [REQUIRED_COUNT]) for code, name in ballot}
    return type("BallotRlaCountForm", (RlaCountForm,), fields)
