"""The forms of the staff workspace: a sheet's numbers, the supervisor's decisions, the round's
life, imports and the filters of the lists.

A sheet's form is built for its round's ballot (one field per candidate, labelled with the
candidate's name); its numbers are checked by the rules of every sheet
(:func:`primaries.core.sheets.sheet_problems`), with the problem next to the field.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Literal, overload

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    Field,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.fields import SelectChoice  # type: ignore[attr-defined]  # new in 3.3, not in stubs
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import TextInput

from ..core.limits import MAX_INT
from ..core.sheets import (
    BALLOTS_CAST,
    INVALID,
    NUMBER_LABELS,
    STATUS_LABELS,
    Numbers,
    sheet_problems,
    sum_words,
    vote_field,
)
from ..core.words import N_
from ..i18n import said
from ..results.local import local_names
from ..sheets.entry import Mismatch
from ..sheets.place import SheetPlace
from ..tally import ballot_of

_DIGITS = re.compile(r"^[0-9]+\Z")
TYPE_A_COUNT = N_("Type the number on the sheet (0 if there is none).")
NUMBER_ATTRS = {"inputmode": "numeric", "autocomplete": "off", "class": "count"}


class CountField(Field):
    """A whole number >= 0 as typed on a count sheet: digits only (no signs, no decimals)."""

    widget = TextInput()

    def __init__(self, label: str | None = None, validators: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", dict(NUMBER_ATTRS))
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = None
        if not valuelist or not valuelist[0].strip():
            if valuelist and valuelist[0]:  # only spaces: InputRequired would let it through
                raise ValueError(_(TYPE_A_COUNT))
            return
        raw = valuelist[0].strip()
        if not _DIGITS.match(raw):
            raise ValueError(_("Type a whole number, 0 or more (not “%(typed)s”).", typed=raw[:20]))
        # Compared as text first: Python refuses int() of more than 4300 digits.
        digits = raw.lstrip("0") or "0"
        if len(digits) > len(str(MAX_INT)) or int(digits) > MAX_INT:
            raise ValueError(
                _("This number is too large: a count is at most %(max)s.", max=MAX_INT)
            )
        value = int(digits)
        self.data = value

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return "" if self.data is None else str(self.data)


def options(pairs: Any) -> list[SelectChoice]:
    """Choices of a select or radio field: (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def uploaded(field: Any) -> bytes | None:
    """The bytes of the file a form's file field was sent with; None when it was left empty (a
    browser then sends an empty part without a file name)."""
    data = field.data
    return bytes(data.read()) if data and getattr(data, "filename", "") else None


REQUIRED_COUNT = InputRequired(_l(TYPE_A_COUNT))


class VersionedForm(FlaskForm):
    """A form about one sheet: it carries the version of the sheet it was shown with."""

    version = HiddenField()

    def validate_version(self, field: HiddenField) -> None:
        if not _DIGITS.match(str(field.data or "")):
            raise ValidationError(_("This form is damaged: reload the page."))

    @property
    def version_number(self) -> int:
        return int(self.version.data or "")

    def hidden_problems(self) -> list[str]:
        """The problems of the hidden version field: no field shows them, the page must."""
        return list(self.version.errors)


class SheetForm(VersionedForm):
    """The numbers of one branch's sheet. Built by :func:`sheet_form` for the round's ballot."""

    ballots_cast = CountField(_l(NUMBER_LABELS[BALLOTS_CAST]), [REQUIRED_COUNT])
    invalid = CountField(_l(NUMBER_LABELS[INVALID]), [REQUIRED_COUNT])

    place: SheetPlace
    codes: list[str]

    def vote_fields(self) -> list[Field]:
        return [self[vote_field(code)] for code in self.codes]

    def numbers(self) -> Numbers:
        return Numbers(
            ballots_cast=self.ballots_cast.data,
            invalid=self.invalid.data,
            votes={code: self[vote_field(code)].data for code in self.codes},
        )

    def validate_ballots_cast(self, field: CountField) -> None:
        counts = [field, self.invalid, *self.vote_fields()]
        if any(f.data is None for f in counts):
            return  # the missing or malformed number is reported at its own field
        place = self.place
        problems = sheet_problems(
            self.numbers(), self.codes, eligible=place.branch.eligible, branch=place.branch.code
        )
        if problems.get("ballots_cast"):
            found = sum_words(
                self.numbers(), eligible=place.branch.eligible, branch=place.branch.code
            )
            raise ValidationError("; ".join(str(said(words)) for words in found))

    def add_problems(self, by_field: dict[str, list[str]]) -> list[str]:
        """Put a service's problems next to their fields; return those that have no field."""
        loose = []
        for key, problems in by_field.items():
            if key and key in self:
                self[key].errors = [*self[key].errors, *problems]
            else:
                loose.extend(problems)
        return loose


class CorrectionForm(SheetForm):
    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(_l("A correction needs a reason.")), Length(max=2000)],
        description=_l("For example: recount ordered by the committee, protocol no. 12."),
    )


@overload
def sheet_form(
    place: SheetPlace, *, correction: Literal[True], **kwargs: Any
) -> CorrectionForm: ...
@overload
def sheet_form(place: SheetPlace, *, correction: bool = False, **kwargs: Any) -> SheetForm: ...
def sheet_form(place: SheetPlace, *, correction: bool = False, **kwargs: Any) -> SheetForm:
    """The form of this sheet: Ballots cast, Invalid ballots, then one field per candidate
    (named in the reader's language where the election gives the name in it).

    The names in the reader's language are looked up when a label is shown: a save that
    succeeds redirects without showing the form, and so asks nothing about the candidates."""
    ballot = tuple((code, name) for _, code, name in ballot_of(place.round))
    form = _sheet_form_class(ballot, correction)(**kwargs)
    form.place = place
    form.codes = [code for code, _ in ballot]
    names = local_names(place.round.election)
    for code, name in ballot:
        form[vote_field(code)].label.text = LazyString(names.candidate, code, name)
    return form


@lru_cache(maxsize=256)
def _sheet_form_class(ballot: tuple[tuple[str, str], ...], correction: bool) -> type[SheetForm]:
    """The form class of a ballot, made once per ballot (making a class costs a little)."""
    fields = {vote_field(code): CountField(name, [REQUIRED_COUNT]) for code, name in ballot}
    base = CorrectionForm if correction else SheetForm
    return type("BallotSheetForm", (base,), fields)


class ResolveForm(VersionedForm):
    """The supervisor's decision on a mismatch; built by :func:`resolve_form`."""

    keys: list[str]

    def choices(self) -> dict[str, tuple[str | None, int | None]]:
        return {key: (self[f"choice_{key}"].data, self[f"paper_{key}"].data) for key in self.keys}

    def add_problems(self, by_field: dict[str, list[str]]) -> list[str]:
        loose = []
        for key, problems in by_field.items():
            name = f"choice_{key}"
            if key in self.keys:
                self[name].errors = [*self[name].errors, *problems]
            else:
                loose.extend(problems)
        return loose


def resolve_form(mismatch: Mismatch, labels: dict[str, str], **kwargs: Any) -> ResolveForm:
    """One choice per differing field (entry 1, entry 2, the paper) and a box for the paper."""
    fields: dict[str, Any] = {}
    keys = mismatch.differing
    for key in keys:
        first, second = mismatch.first_values[key], mismatch.second_values[key]
        fields[f"choice_{key}"] = RadioField(
            labels[key],
            choices=options(
                [
                    ("1", _("Entry 1: %(number)s", number=first)),
                    ("2", _("Entry 2: %(number)s", number=second)),
                    ("paper", _("The paper says:")),
                ]
            ),
            validate_choice=False,
        )
        fields[f"paper_{key}"] = CountField(
            _("%(field)s on the paper sheet", field=labels[key]), [Optional()]
        )
    form_class: type[ResolveForm] = type("MismatchForm", (ResolveForm,), fields)
    form = form_class(**kwargs)
    form.keys = keys
    return form


class SendBackForm(VersionedForm):
    reason = StringField(
        _l("Why (optional)"),
        validators=[Optional(), Length(max=500)],
        description=_l("For example: both entries differ from the paper."),
    )


class AnnulForm(VersionedForm):
    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(_l("An annulment needs a reason.")), Length(max=2000)],
        description=_l("The committee's decision, as it will stand in the record."),
    )


class ReinstateForm(VersionedForm):
    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(_l("Reversing an annulment needs a reason.")), Length(max=2000)],
    )


class LotForm(FlaskForm):
    """The drawn order of the tied candidates: one choice per place; built by :func:`lot_form`."""

    note = StringField(
        _l("Note (optional)"),
        validators=[Optional(), Length(max=500)],
        description=_l("For example: drawn by the committee chair in public, 22:40."),
    )
    places: int

    def order(self) -> list[str]:
        return [self[f"place_{i}"].data for i in range(1, self.places + 1)]

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        chosen = self.order()
        repeated = sorted({code for code in chosen if chosen.count(code) > 1})
        if repeated:
            self[f"place_{self.places}"].errors = [
                *self[f"place_{self.places}"].errors,
                _(
                    "Each candidate is drawn once: %(codes)s is chosen twice.",
                    codes=", ".join(repeated),
                ),
            ]
            return False
        return valid


ORDINALS = (
    N_("First drawn"),
    N_("Second drawn"),
    N_("Third drawn"),
    N_("Fourth drawn"),
    N_("Fifth drawn"),
    N_("Sixth drawn"),
    N_("Seventh drawn"),
    N_("Eighth drawn"),
)


def lot_form(tied: list[tuple[str, str]], **kwargs: Any) -> LotForm:
    """``tied``: (code, name) of the candidates whose order is drawn."""
    choices = options((code, f"{name} ({code})") for code, name in tied)
    fields = {
        f"place_{i}": SelectField(
            _(ORDINALS[i - 1]) if i <= len(ORDINALS) else _("Place %(number)s drawn", number=i),
            choices=choices,
            default=tied[i - 1][0],
        )
        for i in range(1, len(tied) + 1)
    }
    form_class: type[LotForm] = type("DrawnLotForm", (LotForm,), fields)
    form = form_class(**kwargs)
    form.places = len(tied)
    return form


class CloseForm(FlaskForm):
    """Closing a round (entry stops): no fields but the token."""


class CertifyForm(FlaskForm):
    """Certifying a round: no fields but the token."""


class ReasonForm(FlaskForm):
    reason = StringField(
        _l("Reason"),
        validators=[DataRequired(_l("Say why.")), Length(max=2000)],
        render_kw={"size": 40},
    )


class RunoffForm(FlaskForm):
    held_on = DateField(
        _l("Date of the runoff"),
        validators=[InputRequired(_l("Give the date the runoff is held."))],
        description="YYYY-MM-DD",
    )


class _GetForm(FlaskForm):
    class Meta:
        csrf = False


class ChooseBranchForm(_GetForm):
    branch = StringField(
        _l("Branch (code or name), or scan the sheet's QR code"),
        validators=[Optional(), Length(max=500)],
        render_kw={"list": "branch-codes", "autocomplete": "off"},
    )


class BranchFilterForm(_GetForm):
    q = StringField(_l("Code or name contains"), validators=[Optional(), Length(max=200)])
    state = SelectField(
        _l("State"),
        choices=options(
            [("", _l("any")), *((key, _l(label)) for key, label in STATUS_LABELS.items())]
        ),
        validators=[Optional()],
    )
    region = SelectField(_l("Region"), choices=options([("", _l("any"))]), validators=[Optional()])


class AuditFilterForm(_GetForm):
    action = SelectField(_l("Action"), choices=options([("", _l("any"))]), validators=[Optional()])
    actor = StringField(_l("Account"), validators=[Optional(), Length(max=80)])
    election = SelectField(
        _l("Election"), choices=options([("", _l("any"))]), validators=[Optional()]
    )
    branch = StringField(_l("Branch code"), validators=[Optional(), Length(max=32)])
    since = DateField(_l("From (UTC date)"), validators=[Optional()])
    until = DateField(_l("Until (UTC date, inclusive)"), validators=[Optional()])


class DecideForm(FlaskForm):
    """Approving or refusing a request (four eyes), or withdrawing one's own; a note if wanted."""

    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=2000)])


class FourEyesForm(FlaskForm):
    """Turning an election's four eyes on or off (the ``on`` button's value), with a reason."""

    reason = StringField(_l("Reason"), validators=[DataRequired(_l("Say why.")), Length(max=2000)])
