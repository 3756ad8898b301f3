"""Configuration: defaults in code, then ``instance/config.py``, then environment variables.

``DATABASE_URL`` picks the database (an SQLAlchemy URL; a plain ``postgresql://`` URL uses the
psycopg 3 driver); without it the database is ``instance/primaries.sqlite``. On PostgreSQL,
``MIGRATIONS_DATABASE_URL`` is the same database as the role that owns the tables: only
``primaries db upgrade`` (and ``db grant``) use it, and the app's role gets no more than it needs
(``primaries.privileges``, docs/deploy.md). ``SECRET_KEY`` signs sessions and CSRF tokens: in
production (``PRIMARIES_ENV=production``) it must be given; on a developer's machine one is
generated on first run and kept in ``instance/secret_key``. The audit chain's signing key follows
the same rule (``AUDIT_SIGNING_KEY`` or ``instance/audit_signing_key.pem``, see
:mod:`primaries.audit.keys`).
``RATELIMIT_STORAGE_URI`` (and ``RATELIMIT_KEY_PREFIX``) say where failed sign-ins and costly
page variants are counted: ``redis://127.0.0.1:6379/0`` in production (see
:mod:`primaries.auth.limits`).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask


class ConfigError(RuntimeError):
    """The configuration cannot work; the message says what to set."""


DEFAULTS: dict[str, Any] = {
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
    # WTForms' own messages in English: the forms are the staff's, whose pages are English only
    # (and Flask-WTF would otherwise read WTForms' catalogue from disk on every request).
    "WTF_I18N_ENABLED": False,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "PERMANENT_SESSION_LIFETIME": 30 * 60,  # idle time-out of staff sessions, seconds
    "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,  # uploads
    "RESULTS_PUBLIC": True,
    "PRIMARIES_ENV": "development",
    "JSON_SORT_KEYS": False,
}


def normalise_database_url(url: str) -> str:
    """Make ``postgresql://`` (and Heroku-style ``postgres://``) use the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def configure(app: Flask, test_config: dict[str, Any] | None) -> None:
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)

    env = os.environ
    if env.get("PRIMARIES_ENV"):
        app.config["PRIMARIES_ENV"] = env["PRIMARIES_ENV"]
    if env.get("SECRET_KEY") and test_config is None:
        app.config["SECRET_KEY"] = env["SECRET_KEY"]
    if env.get("SESSION_COOKIE_SECURE", "").lower() in ("1", "true", "yes"):
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
    for name in ("RATELIMIT_STORAGE_URI", "RATELIMIT_KEY_PREFIX"):  # where sign-in failures count
        if env.get(name) and test_config is None:
            app.config[name] = env[name]

    if test_config is None or "SQLALCHEMY_DATABASE_URI" not in test_config:
        url = (
            env.get("DATABASE_URL")
            or app.config.get("DATABASE_URL")
            or app.config.get("SQLALCHEMY_DATABASE_URI")
            or "sqlite:///" + str(Path(app.instance_path) / "primaries.sqlite")
        )
        app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    if env.get("MIGRATIONS_DATABASE_URL") and test_config is None:
        app.config["MIGRATIONS_DATABASE_URL"] = env["MIGRATIONS_DATABASE_URL"]
    if app.config.get("MIGRATIONS_DATABASE_URL"):
        app.config["MIGRATIONS_DATABASE_URL"] = normalise_database_url(
            app.config["MIGRATIONS_DATABASE_URL"]
        )

    if not app.config.get("SECRET_KEY"):
        if app.config["PRIMARIES_ENV"] == "production":
            raise ConfigError(
                "SECRET_KEY is not set. In production set the SECRET_KEY environment variable "
                "(or SECRET_KEY in instance/config.py) to a long random string, e.g. "
                "python -c 'import secrets; print(secrets.token_hex(32))'."
            )
        app.config["SECRET_KEY"] = _local_secret_key(Path(app.instance_path))

    from .audit.keys import KeyProblem, configure_signing_key

    try:
        configure_signing_key(app, from_env=test_config is None)
    except KeyProblem as exc:
        raise ConfigError(str(exc)) from None


def _local_secret_key(instance: Path) -> str:
    """A key generated once for this machine and kept in the instance folder (not in git)."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key
