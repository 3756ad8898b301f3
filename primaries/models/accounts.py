"""Staff accounts: who may sign in, with which role; old sessions end when the epoch moves."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..core.roles import ROLES
from ..extensions import Base
from ..timestamps import UTCDateTime, utcnow
from .columns import one_of


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(one_of("role", ROLES), name="role_known"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    # The person's name, as certificates show it ("Rina Levi (rina)"); None: the user name only.
    full_name: Mapped[str | None] = mapped_column(String(128))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped on sign-out everywhere, password reset and disabling: old sessions stop working.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    # Flask-Login protocol
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_epoch}"

    def __repr__(self) -> str:
        return f"<User {self.username} ({self.role})>"

    @property
    def shown(self) -> str:
        """The person, for certificates and logs people read: "Rina Levi (rina)", or the user
        name alone when the account has no full name."""
        return f"{self.full_name} ({self.username})" if self.full_name else self.username
