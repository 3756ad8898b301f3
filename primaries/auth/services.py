"""Account services: create, authenticate, disable, reset. Each change is audited."""

from __future__ import annotations

import re
import secrets
import unicodedata
from functools import cache
from importlib.resources import files

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..audit.chain import record
from ..changes import Actor
from ..core.roles import ROLE_LABELS, ROLES, Role
from ..core.text import name_problem, shown_name
from ..core.words import N_, Said, about
from ..database import begin_change
from ..errors import NotFound, Refused
from ..extensions import db
from ..models import User

USERNAME_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}\Z")
MIN_PASSWORD_LENGTH = 8  # NIST SP 800-63B minimum


@cache
def _dummy_hash() -> str:
    """A hash to check against when the account does not exist, so timing does not reveal
    names. Made on first use, not at import: every command would pay for it (about 0.2 s)."""
    return generate_password_hash("not a real password")


def hash_password(password: str) -> str:
    """scrypt (werkzeug's default), salted."""
    return generate_password_hash(password)


@cache
def common_passwords() -> frozenset[str]:
    """The common passwords shipped with the package (``common_passwords.txt``), lowercased."""
    text = files(__package__).joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def _visible(password: str) -> str:
    """The password less its spaces and invisible characters (zero-width, format, control)."""
    return "".join(
        ch
        for ch in password
        if not ch.isspace() and unicodedata.category(ch) not in ("Cf", "Cc", "Zs")
    )


def check_password_rules(password: str) -> list[str]:
    problem = None
    if len(password) < MIN_PASSWORD_LENGTH:
        problem = Said(N_("must be at least %(limit)s characters long"), limit=MIN_PASSWORD_LENGTH)
    elif not _visible(password):
        problem = Said(N_("must not be only spaces or invisible characters"))
    elif password.strip().lower() in common_passwords():
        problem = Said(N_("is one of the most common passwords: choose another"))
    return [about(N_("password"), problem)] if problem else []


MAX_FULL_NAME = 128


def full_name_problem(full_name: str) -> Said | None:
    """What keeps ``full_name`` from being an account's full name, or None."""
    if not full_name.strip():
        return about(N_("full name"), Said(N_("must not be empty")))
    if len(full_name) > MAX_FULL_NAME:
        too_long = Said(
            N_("at most %(limit)s characters (got %(count)s)"),
            limit=MAX_FULL_NAME,
            count=len(full_name),
        )
        return about(N_("full name"), too_long)
    problem = name_problem(full_name)
    return about(N_("full name"), problem) if problem else None


def create_user(
    username: str, role: str, password: str, *, actor: Actor, full_name: str | None = None
) -> User:
    begin_change()
    problems: list[str] = []
    if full_name is not None and (problem := full_name_problem(full_name)) is not None:
        problems.append(problem)
    if (problem := name_problem(username)) is not None:  # the clearer word for such characters
        problems.append(about(N_("username"), problem))
    elif not USERNAME_RE.match(username):
        shape = N_("1-64 characters of letters, digits, '.', '_' or '-' (got %(name)s)")
        problems.append(about(N_("username"), Said(shape, name=repr(username))))
    if role not in ROLES:
        choices = N_("must be one of %(choices)s (got %(value)s)")
        problems.append(
            about(N_("role"), Said(choices, choices=", ".join(ROLES), value=repr(role)))
        )
    problems += check_password_rules(password)
    if not problems and db.session.scalar(
        select(User.id).where(func.lower(User.username) == username.lower())
    ):
        exists = Said(N_("an account named %(name)s already exists"), name=repr(username))
        problems.append(about(N_("username"), exists))
    if problems:
        raise Refused(problems)
    user = User(
        username=username,
        role=role,
        password_hash=hash_password(password),
        active=True,
        full_name=full_name.strip() if full_name else None,
    )
    db.session.add(user)
    db.session.flush()
    record(
        "user.create",
        actor=actor.name,
        object_type="user",
        object_id=username,
        after={
            "username": username,
            "role": role,
            "active": True,
            **({"full_name": user.full_name} if user.full_name else {}),
        },
    )
    return user


def set_full_name(user: User, full_name: str, *, actor: Actor) -> User:
    """Give the account the person's full name (certificates show it); audited."""
    begin_change()
    problem = full_name_problem(full_name)
    if problem:
        raise Refused(problem)
    user = db.session.get_one(User, user.id)
    name = full_name.strip()
    if user.full_name == name:
        already = N_("account %(name)s already has the full name %(full)s")
        raise Refused(Said(already, name=user.username, full=repr(name)))
    before = user.full_name
    user.full_name = name
    record(
        "user.full_name",
        actor=actor.name,
        object_type="user",
        object_id=user.username,
        before={"full_name": before},
        after={"full_name": name},
    )
    return user


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def bootstrap_admin(*, actor: Actor) -> str | None:
    """On a database without accounts, create ``admin`` with a random password and return it."""
    if db.session.scalar(select(func.count(User.id))):
        return None
    password = generate_password()
    create_user("admin", Role.ADMIN, password, actor=actor)
    return password


def authenticate(username: str, password: str) -> User | None:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def set_active(user: User, active: bool, *, actor: Actor) -> User:
    """Enable or disable an account; disabling ends its sessions at once.

    Refused: no change, disabling one's own account, disabling the last active admin.
    """
    begin_change()
    user = db.session.get_one(User, user.id)
    if user.active == active:
        state = N_("active") if active else N_("disabled")
        raise Refused(
            Said(N_("account %(name)s is already %(state)s"), name=user.username, state=(state, {}))
        )
    if not active and actor.user_id == user.id:
        raise Refused(Said(N_("you cannot disable your own account: ask another admin")))
    if not active and user.role == Role.ADMIN and _active_admins() <= 1:
        raise Refused(
            Said(
                N_("account %(name)s is the last active admin: it cannot be disabled"),
                name=user.username,
            )
        )
    before = user.active
    user.active = active
    user.session_epoch += 1
    record(
        "user.enable" if active else "user.disable",
        actor=actor.name,
        object_type="user",
        object_id=user.username,
        before={"active": before},
        after={"active": active},
    )
    return user


def _active_admins() -> int:
    return int(
        db.session.scalar(
            select(func.count(User.id)).where(User.role == Role.ADMIN, User.active.is_(True))
        )
        or 0
    )


def set_role(user: User, role: str, *, actor: Actor) -> User:
    """Give an account another role; its open sessions end at once (they were granted under the
    old role). Refused: an unknown role, no change, one's own role (ask another admin), and taking
    the admin role from the last active admin."""
    begin_change()
    if role not in ROLES:
        not_one = Said(
            N_("%(value)s is not one of %(choices)s"), value=repr(role), choices=", ".join(ROLES)
        )
        raise Refused(about(N_("role"), not_one))
    user = db.session.get_one(User, user.id)
    if user.role == role:
        raise Refused(
            Said(
                N_("account %(name)s is already %(state)s"),
                name=user.username,
                state=(ROLE_LABELS.get(role, role), {}),
            )
        )
    if actor.user_id == user.id:
        raise Refused(Said(N_("you cannot change your own role: ask another admin")))
    if user.role == Role.ADMIN and user.active and _active_admins() <= 1:
        raise Refused(
            Said(
                N_("account %(name)s is the last active admin: it stays admin"),
                name=user.username,
            )
        )
    before = user.role
    user.role = role
    user.session_epoch += 1
    record(
        "user.role",
        actor=actor.name,
        object_type="user",
        object_id=user.username,
        before={"role": before},
        after={"role": role},
    )
    return user


def reset_password(user: User, password: str, *, actor: Actor) -> User:
    """Give the account a new password; every session of the account ends."""
    begin_change()
    problems = check_password_rules(password)
    if problems:
        raise Refused(problems)
    user = db.session.get_one(User, user.id)
    user.password_hash = hash_password(password)
    user.session_epoch += 1
    record("user.reset_password", actor=actor.name, object_type="user", object_id=user.username)
    return user


def get_user(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no account {username!r}")
    return user


def all_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.role, User.username)))


# --------------------------------------------------------------------------------------------
# Sign-in, failure, sign-out and time-out: each is an audit event of its own change.


def record_sign_in(user: User, address: str | None) -> None:
    begin_change(only=f"user:{user.username}")
    record(
        "auth.sign_in",
        actor=user.username,
        object_type="user",
        object_id=user.username,
        after={"address": address},
    )


def record_failed_sign_in(username: str, address: str | None) -> None:
    begin_change(only=f"user:{username[:80]}")
    record(
        "auth.sign_in_failed",
        actor=shown_name(username[:80]) or "(empty)",
        object_type="user",
        object_id=shown_name(username[:64]),
        after={"address": address},
    )


def record_sign_out(username: str, *, idle_seconds: int | None = None) -> None:
    """A sign-out, which ends every session of the account; ``idle_seconds`` when the session
    ended because nobody used it for so long (that ends this session only)."""
    begin_change(only=f"user:{username}")
    if idle_seconds is None:
        # Signing out ends the account's sessions everywhere: a copy of the cookie (kept by the
        # browser, a proxy or someone else) must not stay signed in.
        user = db.session.scalar(select(User).where(User.username == username))
        if user is not None:
            user.session_epoch += 1
        record("auth.sign_out", actor=username, object_type="user", object_id=username)
    else:
        record(
            "auth.timeout",
            actor=username,
            object_type="user",
            object_id=username,
            after={"idle_seconds": idle_seconds},
        )
