"""Photos of signed count sheets (issue 13): a clerk or supervisor adds a photo or scan of a
box's paper sheet, at entry or later; it is checked and re-encoded
(:func:`primaries.formats.images.checked_upload`), stored once under its SHA-256, and recorded
(``sheet_photos`` and the event ``sheet.photo`` with the SHA-256, in the same transaction).

The only writer of ``sheet_photos`` and of the photo files (an objection's attachment is stored
here too, :func:`store_checked`). A file is written before the row,
under a temporary name renamed into place, so a refused or rolled-back change leaves at most an
unreferenced file, never a row without its file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from flask import current_app

from ..audit.chain import record
from ..changes import Actor
from ..database import begin_change
from ..errors import Refused
from ..extensions import db
from ..formats.images import EXTENSIONS, Checked, checked_upload
from ..models import SheetPhoto
from ..timestamps import utcnow
from .lookup import branch_field, get_election, get_round


def photo_dir() -> Path:
    """Where photo files live: ``PHOTO_DIR``, or ``photos`` in the instance folder."""
    configured = current_app.config.get("PHOTO_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "photos"


def photo_path(sha256: str, content_type: str) -> Path:
    return photo_dir() / sha256[:2] / f"{sha256}.{EXTENSIONS[content_type]}"


def _store(data: bytes, path: Path) -> None:
    if path.exists():
        return  # content-addressed: the same bytes are stored once
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def store_checked(checked: Checked) -> tuple[str, str, int]:
    """Store a checked photo or PDF (:func:`checked_upload`): its SHA-256, content type and size
    as stored. Also the store of an objection's attachment."""
    digest = hashlib.sha256(checked.data).hexdigest()
    _store(checked.data, photo_path(digest, checked.content_type))
    return digest, checked.content_type, len(checked.data)


def add_photo(slug: str, number: int, code: str, data: bytes, *, actor: Actor) -> SheetPhoto:
    """Add a photo or scan of branch ``code``'s signed sheet of round ``number``. Refused, saying
    why, for an unknown branch or a file that is not a readable photo or PDF."""
    begin_change()
    round_ = get_round(get_election(slug), number)
    branch, problem = branch_field(round_, code)
    if branch is None:
        raise Refused(problem or "")
    digest, content_type, size = store_checked(checked_upload(data))
    photo = SheetPhoto(
        round_id=round_.id,
        branch_id=branch.id,
        sha256=digest,
        content_type=content_type,
        size=size,
        actor=actor.name,
        user_id=actor.user_id,
        created_at=utcnow(),
    )
    db.session.add(photo)
    db.session.flush()
    record(
        "sheet.photo",
        actor=actor.name,
        object_type="branch",
        object_id=f"{slug}/{number}/{branch.code}",
        election=slug,
        round_number=number,
        branch=branch.code,
        after={"sha256": digest, "content_type": content_type, "size": size},
    )
    return photo
