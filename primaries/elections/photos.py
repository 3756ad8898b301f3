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

from ..audit.chain import record
from ..changes import Actor
from ..database import begin_change
from ..errors import Refused
from ..extensions import db
from ..formats.images import Checked, checked_upload
from ..models import SheetPhoto
from ..photo_files import photo_path
from ..timestamps import utcnow
from .lookup import branch_field, get_election, get_round
from .versions import bump_version


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
    bump_version(round_)  # a certified round's public branch pages may show it
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
