"""Photos of signed count sheets (issue 13, item 5): a clerk adds a photo or scan on the sheet's
page; it is re-encoded without its metadata (the GPS location is gone), turned upright, stored
once under its SHA-256 (recorded in the audit chain), shown on the sheet's pages and served with
headers that let nothing in it run. Bad uploads are refused, saying why, and change nothing."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import func, select

from primaries.audit.data import verify_data
from primaries.changes import Actor
from primaries.elections.lookup import get_election, get_round
from primaries.elections.photos import add_photo
from primaries.elections.rounds import certify_round, close_round
from primaries.errors import Refused
from primaries.extensions import db
from primaries.formats.images import checked_upload
from primaries.models import AuditEvent, Election, SheetPhoto, User
from primaries.photo_files import photo_dir

SHEET = "/staff/elections/test-2024/rounds/2/sheets/B1"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def jpeg_with_location(width: int = 40, height: int = 20, orientation: int = 1) -> bytes:
    image = Image.new("RGB", (width, height), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010E] = "box 17, Haifa"  # ImageDescription
    exif[0x0112] = orientation
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (32.0, 48.0, 0.0), "E", (34.0, 59.0, 0.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("L", (width, height), 128).save(out, format="PNG")
    return out.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header declares ``width`` x ``height`` (a decompression bomb's header)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    body = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


def upload(client: FlaskClient, data: bytes, name: str = "sheet.jpg") -> Any:
    return client.post(
        f"{SHEET}/photos",
        data={"photo-photo": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def test_a_photo_is_kept_without_its_location(
    runoff: Any, sign_in: Callable[[str], FlaskClient], app: Flask
) -> None:
    clerk = sign_in("clerk1")
    page = upload(clerk, jpeg_with_location(orientation=6))
    assert "The photo of the signed sheet of B1 is kept." in page.text
    photo = db.session.scalars(select(SheetPhoto)).one()
    stored = (photo_dir() / photo.sha256[:2] / f"{photo.sha256}.jpg").read_bytes()
    assert hashlib.sha256(stored).hexdigest() == photo.sha256
    assert (photo.content_type, photo.size, photo.actor) == ("image/jpeg", len(stored), "clerk1")
    with Image.open(io.BytesIO(stored)) as image:
        assert image.size == (20, 40)  # turned upright by its orientation
        assert len(image.getexif()) == 0
    assert b"Exif" not in stored and b"Haifa" not in stored
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "sheet.photo")).one()
    assert event.after == {
        "sha256": photo.sha256,
        "content_type": "image/jpeg",
        "size": len(stored),
    }
    assert (event.branch, event.round_number, event.actor) == ("B1", 2, "clerk1")
    assert f"photos/{photo.sha256}" in page.text  # shown on the sheet's page

    served = clerk.get(f"{SHEET}/photos/{photo.sha256}")
    assert served.status_code == 200 and served.data == stored
    assert served.headers["Content-Type"] == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served.headers["Content-Security-Policy"]
    assert sign_in("observer1").get(f"{SHEET}/photos/{photo.sha256}").status_code == 200
    assert app.test_client().get(f"{SHEET}/photos/{photo.sha256}").status_code == 302


def test_the_same_photo_twice_is_stored_once(runoff: Any, accounts: Any) -> None:
    data = jpeg_with_location()
    first = add_photo("test-2024", 2, "B1", data, actor=Actor("clerk1"))
    second = add_photo("test-2024", 2, "B2", data, actor=Actor("clerk2"))
    db.session.commit()
    assert first.sha256 == second.sha256
    files = [p for p in photo_dir().rglob("*") if p.is_file()]
    assert len(files) == 1


def test_a_png_and_a_pdf(runoff: Any, sign_in: Callable[[str], FlaskClient]) -> None:
    clerk = sign_in("clerk1")
    upload(clerk, png(30, 10), "scan.png")
    upload(clerk, PDF, "scan.pdf")
    kinds = db.session.scalars(select(SheetPhoto.content_type).order_by(SheetPhoto.id)).all()
    assert kinds == ["image/png", "application/pdf"]
    pdf = db.session.scalars(
        select(SheetPhoto).where(SheetPhoto.content_type == "application/pdf")
    ).one()
    served = clerk.get(f"{SHEET}/photos/{pdf.sha256}")
    assert served.data == PDF
    assert served.headers["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        (b"MZ\x90\x00" + b"\x00" * 200, "photo.jpg", "this is not a photo or a PDF"),
        (png_declaring(50_000, 50_000), "bomb.png", "declares more pixels than any photo"),
        (png(8000, 6000), "huge.png", "8000 x 6000 pixels, more than 40 million"),
        (b"GIF89a" + b"\x00" * 100, "anim.gif", "not"),
        (b"%PDF-1.4\nhalf a scan", "cut.pdf", "this PDF is cut short"),
        (b"\xff" * (15 * 1024 * 1024 + 1), "big.jpg", "at most 15 MB"),
    ],
)
def test_bad_uploads_are_refused_and_change_nothing(
    runoff: Any, sign_in: Callable[[str], FlaskClient], data: bytes, name: str, words: str
) -> None:
    page = upload(sign_in("clerk1"), data, name)
    assert "Nothing was changed: file: " in page.text and words in page.text
    assert db.session.scalar(select(func.count(SheetPhoto.id))) == 0
    assert not any(p.is_file() for p in photo_dir().rglob("*")) if photo_dir().exists() else True


def test_checks_of_the_file_itself() -> None:
    with pytest.raises(Refused, match="the file is empty"):
        checked_upload(b"")
    gif = io.BytesIO()
    Image.new("P", (4, 4)).save(gif, format="GIF")
    with pytest.raises(Refused, match="a GIF is not taken"):
        checked_upload(gif.getvalue())
    webp = io.BytesIO()
    Image.new("RGB", (4, 4)).save(webp, format="WEBP")
    assert checked_upload(webp.getvalue()).content_type == "image/jpeg"


def test_who_may_add_a_photo(
    runoff: Any, sign_in: Callable[[str], FlaskClient], tmp_path: Path
) -> None:
    observer = sign_in("observer1")
    assert "Add the photo" not in observer.get(SHEET).text
    answer = observer.post(
        f"{SHEET}/photos",
        data={"photo-photo": (io.BytesIO(png(4, 4)), "x.png")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 403
    assert "Add the photo" in sign_in("clerk1").get(SHEET).text
    empty = sign_in("clerk1").post(f"{SHEET}/photos", data={}, follow_redirects=True)
    assert "Choose a photo or a PDF." in empty.text


def test_verify_names_a_photo_swapped_behind_the_back(runoff: Any, accounts: Any) -> None:
    from primaries.audit.data import verify_data

    add_photo("test-2024", 2, "B1", jpeg_with_location(), actor=Actor("cli:root"))
    db.session.commit()
    assert verify_data() is None
    db.session.execute(db.text(f"UPDATE sheet_photos SET sha256 = '{'0' * 64}'"))
    found = verify_data()
    assert found is not None
    assert "the photos of round 2 of test-2024" in found and "sheet_photos row 1: sha256" in found
    db.session.rollback()
    db.session.execute(db.text("DELETE FROM sheet_photos"))
    found = verify_data()
    assert found is not None and "table says no such row" in found
    db.session.rollback()


def test_certified_rounds_photos_are_public_when_the_election_says_so(
    loaded: Any, sign_in: Callable[[str], FlaskClient], app: Flask
) -> None:
    """Issue 13, item 5: public per branch once the round is certified, if the election's
    setting says so (off by default); the setting is an admin's, with a reason, audited."""
    clerk = db.session.scalars(select(User).where(User.username == "clerk1")).one()
    photo = add_photo("test-2024", 1, "B1", jpeg_with_location(), actor=Actor.of(clerk))
    db.session.commit()
    public = f"/elections/test-2024/rounds/1/branches/B1/photos/{photo.sha256}"
    reader = app.test_client()
    assert reader.get("/elections/test-2024/branches/B1").status_code == 200
    assert "photos-heading" not in reader.get("/elections/test-2024/branches/B1").text
    assert reader.get(public).status_code == 404

    admin = sign_in("admin1")
    home = admin.get("/staff/").text
    assert "Show the photos on the public pages" in home
    assert (
        sign_in("super1")
        .post("/staff/elections/test-2024/photos-public", data={"on": "on", "photos-reason": "x"})
        .status_code
        == 403
    )
    refused = admin.post("/staff/elections/test-2024/photos-public", data={"on": "on"})
    assert refused.status_code == 302
    assert not db.session.scalar(select(Election.photos_public))
    done = admin.post(
        "/staff/elections/test-2024/photos-public",
        data={"on": "on", "photos-reason": "the committee publishes the signed sheets"},
    )
    assert done.status_code == 302
    db.session.remove()
    assert db.session.scalar(select(Election.photos_public)) is True
    assert reader.get(public).status_code == 404  # round 1 is not certified yet

    admin_account = db.session.scalars(select(User).where(User.username == "admin1")).one()
    admin_actor = Actor.of(admin_account)
    close_round(get_round(get_election("test-2024"), 1), actor=admin_actor)
    db.session.commit()
    certify_round(get_round(get_election("test-2024"), 1), actor=admin_actor)
    db.session.commit()
    page = reader.get("/elections/test-2024/branches/B1").text
    assert "photos-heading" in page and public in page
    served = reader.get(public)
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.headers["Cache-Control"].startswith("public")
    assert b"Haifa" not in served.data
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "election.photos_public")
    ).one()
    assert event.after["photos_public"] is True and event.actor == "admin1"
    assert verify_data() is None
    election = db.session.scalars(select(Election)).one()
    election.photos_public = False
    db.session.commit()
    found = verify_data()
    assert found is not None and "photos_public" in found
