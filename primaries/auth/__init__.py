"""Accounts and sign-in: Flask-Login wiring, password hashing, account services."""

from __future__ import annotations

from flask import Flask

from ..extensions import db, login_manager
from ..models import User


def init_auth(app: Flask) -> None:
    login_manager.login_view = "auth.sign_in"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        # The id carries the account's session epoch: a password reset, disabling or
        # "sign out everywhere" bumps it and every older session stops working.
        try:
            raw_id, raw_epoch = user_id.split(":", 1)
            user = db.session.get(User, int(raw_id))
        except (ValueError, TypeError):
            return None
        if user is None or not user.active or str(user.session_epoch) != raw_epoch:
            return None
        return user

    from .views import bp

    app.register_blueprint(bp)
