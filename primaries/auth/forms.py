"""The forms of sign-in and of the account pages."""

from __future__ import annotations

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
from .services import MIN_PASSWORD_LENGTH, USERNAME_RE

ROLE_HELP: dict[str, str] = {
    Role.CLERK: "clerk: enters count sheets",
    Role.SUPERVISOR: "supervisor: everything about the count",
    Role.ADMIN: "admin: the count, accounts and elections",
    Role.OBSERVER: "observer: sees every staff page, changes nothing",
}


class SignInForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])


class NewPasswordMixin:
    password = PasswordField(
        "New password",
        validators=[Optional(), Length(max=1024)],
        description=f"At least {MIN_PASSWORD_LENGTH} characters. Leave it empty to generate one; "
        "it is shown once.",
        render_kw={"autocomplete": "new-password"},
    )

    def validate_password(self, field: PasswordField) -> None:
        if field.data and len(field.data) < MIN_PASSWORD_LENGTH:
            raise ValidationError(f"At least {MIN_PASSWORD_LENGTH} characters.")


class CreateAccountForm(NewPasswordMixin, FlaskForm):
    username = StringField(
        "Username",
        validators=[DataRequired(), Length(max=64)],
        description="Letters, digits, '.', '_' or '-'.",
        render_kw={"autocomplete": "off"},
    )
    role = SelectField(
        "Role",
        choices=[SelectChoice(role, ROLE_HELP[role]) for role in ROLES],
        default=Role.CLERK.value,
    )

    def validate_username(self, field: StringField) -> None:
        if not USERNAME_RE.match(field.data or ""):
            raise ValidationError("Only letters, digits, '.', '_' or '-', at most 64.")


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    pass


class ActiveForm(FlaskForm):
    """Enable or disable an account: the state asked for is explicit, so a resent form is a no-op
    that is refused rather than a toggle back."""

    make_active = HiddenField()

    def validate_make_active(self, field: HiddenField) -> None:
        if field.data not in ("yes", "no"):
            raise ValidationError("Say whether the account is to be enabled or disabled.")


class RoleForm(FlaskForm):
    """Give an account another role (its open sessions end)."""

    role = SelectField("New role", choices=[SelectChoice(role, ROLE_HELP[role]) for role in ROLES])
