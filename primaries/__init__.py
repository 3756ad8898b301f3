"""primaries: runoff-election tallying for party primaries.

``create_app`` is the application factory (the Flask tutorial's pattern): defaults in code,
overrides from ``instance/config.py`` and the environment, or from ``test_config`` in tests
(whose ``INSTANCE_PATH``, if given, is the instance folder: tests keep theirs in a temporary one).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict[str, Any] | None = None, *, for_command: bool = False) -> Flask:
    """The app; ``for_command`` makes the lean one a ``primaries`` command runs in: no pages, no
    sign-in, no web security (nothing to import for them), Flask-Migrate only if it migrates."""
    # models registers the tables; notices, the hook that tells other servers of each change
    from . import models, notices  # noqa: F401
    from .config import configure
    from .database import install_engine_hooks
    from .extensions import db
    from .i18n import init_i18n
    from .schema import bind_migrations

    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance")
        if test_config is None
        else test_config.get("INSTANCE_PATH"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    configure(app, test_config)

    db.init_app(app)
    with app.app_context():
        install_engine_hooks(db.engine)
    init_i18n(app)
    if not for_command:
        bind_migrations(app)
        _register_web(app)

    from .cli import register_commands

    register_commands(app)

    return app


def _register_web(app: Flask) -> None:
    """What serving pages needs: CSRF, sign-in, the security headers, the three audiences'
    blueprints, the error pages and the health check; every route declares who may use it."""
    from . import access
    from .auth import init_auth
    from .extensions import csrf, db, login_manager
    from .security import init_security

    csrf.init_app(app)
    login_manager.init_app(app)
    init_security(app)
    init_auth(app)

    from .api.views import bp as api_bp
    from .results import photo_views as _photo_views  # noqa: F401  (the public photos)
    from .results import rla_views as _rla_views  # noqa: F401  (the audit report's routes)
    from .results import workbook_views as _results_workbooks  # noqa: F401  (its routes)
    from .results.views import bp as results_bp
    from .staff import views as _staff_views  # noqa: F401  (the staff routes)
    from .staff.blueprint import bp as staff_bp

    app.register_blueprint(results_bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(api_bp)
    csrf.exempt(api_bp)
    _register_error_pages(app)

    @app.get("/healthz")
    @access.public
    def healthz() -> tuple[dict[str, str], int]:
        from sqlalchemy import text

        try:
            db.session.execute(text("SELECT 1"))
        except Exception:  # pragma: no cover - the database is down
            return {"status": "database unavailable"}, 503
        return {"status": "ok"}, 200

    app.view_functions["static"] = access.public(app.view_functions["static"])
    access.check_every_route_declares_access(app)


def _register_error_pages(app: Flask) -> None:
    """JSON errors under /api/, plain pages elsewhere; never a traceback."""
    from flask import jsonify, render_template, request
    from werkzeug.exceptions import HTTPException

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        if request.path.startswith("/api/"):
            response = jsonify({"error": exc.description or exc.name})
            response.status_code = exc.code or 500
            return response
        page = render_template(
            "error.html",
            title=_error_titles().get(exc.code or 500, exc.name),
            message=exc.description,
            technical=f"HTTP {exc.code} {exc.name}",
        )
        return page, exc.code or 500


def _error_titles() -> dict[int, str]:
    """Error pages in a person's words (the HTTP name stays below, for whoever needs it)."""
    from flask_babel import gettext as _

    return {
        400: _("The request could not be understood"),
        403: _("You may not use this page"),
        404: _("There is no such page"),
        405: _("This page cannot be used that way"),
        413: _("The file is too large"),
        429: _("Too many requests: wait a moment and try again"),
        500: _("Something went wrong on our side"),
    }
