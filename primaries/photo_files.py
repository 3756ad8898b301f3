"""Where the photos of signed sheets (and objections' attachments) live on the server, which
photos a sheet has, and how one is served: neither side of the application owns them, so the
writer (:mod:`primaries.elections.photos`), the staff pages and the public pages all ask here.

Files are content-addressed: ``PHOTO_DIR`` (or ``photos`` in the instance folder), then the
first two characters of the SHA-256, then ``<sha256>.<ext>``. Served with headers that let
nothing in a file run, a PDF always downloaded, never shown inline.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Response, current_app
from sqlalchemy import bindparam, select

from .extensions import db
from .formats.images import EXTENSIONS
from .models import SheetPhoto


def photo_dir() -> Path:
    """Where photo files live: ``PHOTO_DIR``, or ``photos`` in the instance folder."""
    configured = current_app.config.get("PHOTO_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "photos"


def photo_path(sha256: str, content_type: str) -> Path:
    return photo_dir() / sha256[:2] / f"{sha256}.{EXTENSIONS[content_type]}"


# Built once: every entry form asks (building a statement costs more than running it).
_SHEET_PHOTOS = (
    select(SheetPhoto)
    .where(
        SheetPhoto.round_id == bindparam("round_id"),
        SheetPhoto.branch_id == bindparam("branch_id"),
    )
    .order_by(SheetPhoto.id)
)


def sheet_photo_rows(round_id: int, branch_id: int) -> list[SheetPhoto]:
    """The photos of one branch's sheet in one round, oldest first."""
    params = {"round_id": round_id, "branch_id": branch_id}
    return list(db.session.scalars(_SHEET_PHOTOS, params))


def stored_file(sha256: str, content_type: str, name: str, *, public: bool = False) -> Any:
    """A stored photo or PDF with safe headers (``public``: cacheable by anyone)."""
    path = photo_path(sha256, content_type)
    if not path.is_file():
        return {"error": "the file is missing from the server"}, 404
    filename = f"{name}-{sha256[:12]}{path.suffix}"
    disposition = "attachment" if content_type == "application/pdf" else "inline"
    response = Response(path.read_bytes(), mimetype=content_type)  # at most 15 MB
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    scope = "public" if public else "private"
    response.headers["Cache-Control"] = f"{scope}, max-age=3600, immutable"
    response.set_etag(sha256)
    return response
