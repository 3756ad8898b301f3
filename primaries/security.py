"""Security headers, request ids and structured logs: wired into the app by ``init_security``.

Every answer (pages, JSON, errors, static files) carries:

- a Content-Security-Policy that allows no inline script and no framing (:data:`CSP`);
- ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY``,
  ``Referrer-Policy: strict-origin-when-cross-origin``, a ``Permissions-Policy`` that switches
  off the browser features the service never uses, and ``Cross-Origin-Opener-Policy``;
- ``Strict-Transport-Security`` when the request came over HTTPS;
- ``Cache-Control: no-store`` on staff pages (unpublished counts must not sit in a shared cache)
  unless the view chose its own caching.

A body larger than ``MAX_CONTENT_LENGTH`` is answered 413 with a message that says the limit and
what to do (a page, or JSON under ``/api/``); so is a form whose text field is larger than
``MAX_FORM_MEMORY_SIZE`` or that has more than ``MAX_FORM_PARTS`` fields, with its own message.

``TRUSTED_PROXIES`` (config or environment; default 0) is the number of reverse proxies in front
of the app (1 behind nginx): their ``X-Forwarded-For``/``-Proto``/``-Host`` headers are then
believed, so logs, audit events and rate limits see the client's address, not the proxy's.

Request bodies that arrive slowly get a deadline and at most a share of the server's threads
(:mod:`primaries.request_bodies`).
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
)

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": (
        "camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
        "accelerometer=(), gyroscope=(), magnetometer=()"
    ),
    "Cross-Origin-Opener-Policy": "same-origin",
}

HSTS = "max-age=31536000"


def init_security(app: Flask) -> None:
    """Add the security headers to every answer and a request id to every log line."""
    from .request_log import init_logging

    hops = int(os.environ.get("TRUSTED_PROXIES") or app.config.get("TRUSTED_PROXIES") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]  # Flask's way to add middleware
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops
        )

    from .request_bodies import init_request_bodies

    init_request_bodies(app)  # slow uploads: a deadline and a share of the threads
    init_logging(app)

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        if request.path.startswith("/staff/") and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store"
        return response

    app.register_error_handler(RequestEntityTooLarge, too_large)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


def too_large(exc: RequestEntityTooLarge) -> Any:
    """413 that names the limit and what to do, as a page or (under /api/) as JSON."""
    from flask import current_app

    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    size = f"at most {_megabytes(limit)}" if limit else "smaller"
    message = (
        f"The upload is too large: this server accepts {size} in one request. "
        "Split the file into smaller files (for example one per region) and send them one "
        "after the other, or ask the administrator to raise MAX_CONTENT_LENGTH."
    )
    length = request.content_length
    if limit and length is not None and length <= limit:
        # Under the upload limit: a form field over MAX_FORM_MEMORY_SIZE, or too many fields.
        field = current_app.config.get("MAX_FORM_MEMORY_SIZE") or 500_000
        parts = current_app.config.get("MAX_FORM_PARTS") or 1000
        message = (
            f"The form is too large: this server accepts at most {field // 1000} KB of text in "
            f"one field and {parts} fields in one form. Nothing was saved: shorten the text "
            "(a reason needs a few sentences) and send the form again."
        )
    if request.path.startswith("/api/"):
        response = jsonify({"error": message})
        response.status_code = 413
        return response
    return render_template("error.html", title="Upload too large", message=message), 413
