"""The photos of a certified round's signed count sheets on the public branch pages (issue 13,
item 5), when the election's setting says so (``elections.photos_public``, set by an admin):
Mexico's preliminary results programme publishes every tally sheet's image beside its numbers.

Only a certified round's photos, only of a round whose results are published, and only while the
setting is on; anything else answers 404. The files are served as the staff pages serve them
(:func:`primaries.photo_files.stored_file`: nothing in them may run).
"""

from __future__ import annotations

from typing import Any

from ..access import results
from ..core.rounds import RoundStatus
from ..elections.lookup import get_branch, get_election, get_round
from ..errors import NotFound
from ..models import Branch, Round, SheetPhoto
from ..photo_files import sheet_photo_rows, stored_file
from .publishing import ensure_published
from .views import bp


@bp.app_template_global("public_sheet_photos")
def public_sheet_photos(round_: Round, branch: Branch) -> list[SheetPhoto]:
    """The photos the public may see of ``branch``'s sheet in ``round_`` (none unless the
    election shows them and the round is certified)."""
    if not round_.election.photos_public or round_.status != RoundStatus.CERTIFIED:
        return []
    return sheet_photo_rows(round_.id, branch.id)


@bp.get("/elections/<slug>/rounds/<int:number>/branches/<code>/photos/<sha256>")
@results
def public_photo(slug: str, number: int, code: str, sha256: str) -> Any:
    """One photo of a certified round's signed sheet, when the election shows them."""
    round_ = get_round(get_election(slug), number)
    branch = get_branch(round_.election, code)
    ensure_published(slug, number)
    photo = next((p for p in public_sheet_photos(round_, branch) if p.sha256 == sha256), None)
    if photo is None:
        raise NotFound(f"no public photo {sha256[:12]} of branch {branch.code} in round {number}")
    return stored_file(
        photo.sha256, photo.content_type, f"{slug}-round-{number}-{branch.code}", public=True
    )
