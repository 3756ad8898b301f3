"""Photos of signed count sheets (issue 13) on the staff pages: every sheet page (entry,
mismatch, correction, annulment) shows the photos of its paper beside the numbers, and a clerk,
supervisor or admin adds one (the file input opens a phone's camera). A photo is served only to
signed-in staff, with headers that keep a browser from running anything in it."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from werkzeug.wrappers import Response

from ..access import roles
from ..changes import attempt
from ..elections.photos import add_photo
from ..extensions import db
from ..models import Branch, SheetPhoto
from ..photo_files import sheet_photo_rows, stored_file
from ..sheets.place import SheetPlace
from .blueprint import ENTER, STAFF, actor, bp, round_or_404


class PhotoForm(FlaskForm):
    photo = FileField(
        _l("Photo or scan of the signed sheet"),
        validators=[FileRequired(_l("Choose a photo or a PDF."))],
        render_kw={
            "accept": "image/jpeg,image/png,image/webp,application/pdf",
            "capture": "environment",
        },
        description=_l(
            "A photo (JPEG, PNG, WebP) or a PDF, at most 15 MB. Its location is removed."
        ),
    )


@bp.app_template_global("sheet_photos")
def sheet_photos(place: SheetPlace) -> list[SheetPhoto]:
    """The photos of ``place``'s paper sheet, oldest first."""
    return sheet_photo_rows(place.round.id, place.branch.id)


@bp.app_template_global("photo_form")
def photo_form() -> PhotoForm:
    return PhotoForm(prefix="photo")


@bp.post("/elections/<slug>/rounds/<int:number>/sheets/<branch>/photos")
@roles(*ENTER)
def add_sheet_photo(slug: str, number: int, branch: str) -> Response:
    round_or_404(slug, number)
    form = PhotoForm(prefix="photo")
    back = redirect(url_for("staff.sheet", slug=slug, number=number, branch=branch))
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(_("Nothing was changed: %(problem)s", problem=error), "error")
        return back
    data = form.photo.data.read()
    outcome = attempt(add_photo, slug, number, branch, data, actor=actor())
    for problem in outcome.problems:
        flash(_("Nothing was changed: %(problem)s", problem=problem), "error")
    if not outcome.problems:
        flash(_("The photo of the signed sheet of %(code)s is kept.", code=branch), "success")
    return back


@bp.get("/elections/<slug>/rounds/<int:number>/sheets/<branch>/photos/<sha256>")
@roles(*STAFF)
def sheet_photo(slug: str, number: int, branch: str, sha256: str) -> Any:
    """One photo, as stored; nothing in it may run (a PDF is downloaded, never shown inline)."""
    round_ = round_or_404(slug, number)
    photo = db.session.scalar(
        select(SheetPhoto)
        .join(Branch, Branch.id == SheetPhoto.branch_id)
        .where(SheetPhoto.round_id == round_.id, Branch.code == branch, SheetPhoto.sha256 == sha256)
        .limit(1)
    )
    if photo is None:
        return {"error": "no such photo"}, 404
    return stored_file(photo.sha256, photo.content_type, f"{slug}-round-{number}-{branch}")
