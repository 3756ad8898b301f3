"""Who is who on the staff side: the four roles and what each may do.

- *clerk*: types count sheets;
- *supervisor*: everything about the count (decisions, corrections, annulments, rounds);
- *admin*: what a supervisor may, plus accounts, branch imports and decertifying;
- *observer*: a candidate's representative; sees every staff page and changes nothing.
"""

from __future__ import annotations

from enum import StrEnum

from .words import N_


class Role(StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    CLERK = "clerk"
    OBSERVER = "observer"


ROLE_LABELS: dict[str, str] = {
    Role.ADMIN: N_("admin"),
    Role.SUPERVISOR: N_("supervisor"),
    Role.CLERK: N_("clerk"),
    Role.OBSERVER: N_("observer"),
}
"""What the pages call a role (the value itself is what forms, the database and the CLI know)."""


# Plain strings (the values), as forms, option parsers and the database know them.
ROLES: tuple[str, ...] = tuple(role.value for role in Role)
STAFF: tuple[str, ...] = ROLES
ENTER: tuple[str, ...] = (Role.CLERK.value, Role.SUPERVISOR.value, Role.ADMIN.value)  # types sheets
COUNT: tuple[str, ...] = (Role.SUPERVISOR.value, Role.ADMIN.value)  # everything about the count
ADMIN: tuple[str, ...] = (Role.ADMIN.value,)
READ: tuple[str, ...] = (Role.OBSERVER.value,)  # sees every staff page, changes nothing
