"""The staff blueprint, who may do what in it, and helpers shared by its views."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort
from flask_babel import gettext as _
from flask_login import current_user

from ..changes import Actor
from ..core.flags import Flag
from ..core.paper import check_code
from ..core.roles import ADMIN, COUNT, ENTER, READ, ROLE_LABELS, STAFF, Role
from ..core.rounds import ROUND_STATUS_LABELS
from ..core.sheets import HIDDEN_NUMBERS, STATUS_LABELS
from ..elections.lookup import get_election, get_round
from ..errors import NotFound
from ..i18n import said as said  # the services' sentences in the reader's words
from ..models import Election, Round, User
from ..sheets.place import SheetPlace, SheetRef, locate

bp = Blueprint("staff", __name__, url_prefix="/staff")

__all__ = ["ADMIN", "COUNT", "ENTER", "READ", "STAFF", "bp"]


@dataclass(frozen=True)
class Abilities:
    """What the signed-in account may do: the templates show only what it can use."""

    role: str | None

    @property
    def enters(self) -> bool:
        return self.role in ENTER

    @property
    def counts(self) -> bool:
        return self.role in COUNT

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def sees_count(self) -> bool:
        return self.role in COUNT or self.role in READ

    @property
    def sees_accounts(self) -> bool:
        return self.role in (Role.ADMIN, Role.SUPERVISOR, Role.OBSERVER)

    @property
    def read_only(self) -> bool:
        return self.role in READ


@bp.app_template_global("flag_said")
def flag_said(flag: Flag) -> str:
    """A red flag's message in the reader's language (:mod:`primaries.core.flag_words`)."""
    return flag.message if flag.words is None else str(said(flag.words))


def translated(labels: dict[str, str]) -> dict[str, str]:
    """``labels`` in the reader's language (their keys unchanged)."""
    return {key: _(label) for key, label in labels.items()}


@bp.app_context_processor
def staff_context() -> dict[str, Any]:
    role = current_user.role if current_user.is_authenticated else None
    return {
        "staff": Abilities(role),
        "state_labels": translated(STATUS_LABELS),
        "role_labels": translated(ROLE_LABELS),
        "round_statuses": translated(ROUND_STATUS_LABELS),
        "hidden_numbers": _(HIDDEN_NUMBERS),
        "check_code": check_code,  # the paper sheet's, shown on its entry form too
    }


def me() -> User:
    """The signed-in account itself (not Flask-Login's proxy), for the services."""
    user: User = current_user._get_current_object()
    return user


def actor() -> Actor:
    """The signed-in account as the services' :class:`Actor`."""
    return Actor.of(me())


def election_or_404(slug: str) -> Election:
    try:
        return get_election(slug)
    except NotFound as exc:
        abort(404, exc.problems[0])


def round_or_404(slug: str, number: int) -> Round:
    try:
        return get_round(get_election(slug), number)
    except NotFound as exc:
        abort(404, exc.problems[0])


def place_or_404(slug: str, number: int, branch: str) -> SheetPlace:
    try:
        return locate(slug, number, branch)
    except NotFound as exc:
        abort(404, exc.problems[0])


def ref(slug: str, number: int, place: SheetPlace) -> SheetRef:
    """The services' name of the sheet a page shows (its branch code as stored)."""
    return SheetRef(slug, number, place.branch.code)
