"""Languages of the interface (English and Hebrew): wired into the app by ``init_i18n``."""

from __future__ import annotations

from flask import Flask


def init_i18n(app: Flask) -> None:
    """Set up Flask-Babel, the locale selector and the template helpers."""
