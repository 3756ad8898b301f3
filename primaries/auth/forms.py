"""The forms of sign-in and of the account pages."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    ValidationError,
)
from wtforms.fields import SelectChoice  # type: ignore[attr-defined]  # new in 3.3, not in stubs
from wtforms.validators import DataRequired, Length, Optional

from ..core.roles import ROLES, Role
from ..core.words import N_
from .services import MIN_PASSWORD_LENGTH, USERNAME_RE

ROLE_HELP: dict[str, str] = {
    Role.CLERK: N_("clerk: enters count sheets"),
    Role.SUPERVISOR: N_("supervisor: everything about the count"),
    Role.ADMIN: N_("admin: the count, accounts and elections"),
    Role.OBSERVER: N_("observer: sees every staff page, changes nothing"),
}


class SignInForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


class NewPasswordMixin:
    password = PasswordField(
        _l("New password"),
        validators=[Optional(), Length(max=1024)],
        description=_l(
            "At least %(count)s characters. Leave it empty to generate one; it is shown once.",
            count=MIN_PASSWORD_LENGTH,
        ),
        render_kw={"autocomplete": "new-password"},
    )

    def validate_password(self, field: PasswordField) -> None:
        if field.data and len(field.data) < MIN_PASSWORD_LENGTH:
            raise ValidationError(_("At least %(count)s characters.", count=MIN_PASSWORD_LENGTH))


class CreateAccountForm(NewPasswordMixin, FlaskForm):
    username = StringField(
        _l("Username"),
        validators=[DataRequired(), Length(max=64)],
        description=_l("Letters, digits, '.', '_' or '-'."),
        render_kw={"autocomplete": "off"},
    )
    role = SelectField(
        _l("Role"),
        choices=[SelectChoice(role, _l(ROLE_HELP[role])) for role in ROLES],
        default=Role.CLERK.value,
    )
    full_name = StringField(
        _l("Full name (optional)"),
        validators=[Optional(), Length(max=128)],
        description=_l("The person's name, as certificates show it."),
    )

    def validate_username(self, field: StringField) -> None:
        if not USERNAME_RE.match(field.data or ""):
            raise ValidationError(_("Only letters, digits, '.', '_' or '-', at most 64."))


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    pass


class ActiveForm(FlaskForm):
    """Enable or disable an account: the state asked for is explicit, so a resent form is a no-op
    that is refused rather than a toggle back."""

    make_active = HiddenField()

    def validate_make_active(self, field: HiddenField) -> None:
        if field.data not in ("yes", "no"):
            raise ValidationError(_("Say whether the account is to be enabled or disabled."))


class RoleForm(FlaskForm):
    """Give an account another role (its open sessions end)."""

    role = SelectField(
        _l("New role"), choices=[SelectChoice(role, _l(ROLE_HELP[role])) for role in ROLES]
    )


class FullNameForm(FlaskForm):
    """The person behind an account, as certificates show it ("Rina Levi (rina)")."""

    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=128)])
