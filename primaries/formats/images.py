"""Photos (or scans) of a signed count sheet, checked before anything is stored (issue 13).

:func:`checked_upload` takes the bytes a person uploaded and gives back what may be kept, or
refuses them saying why. Images are recognised by their content (never by their name or the
type the browser claimed), must be JPEG, PNG or WebP, at most :data:`MAX_PIXELS` pixels (a
"decompression bomb" is refused before it is decoded), and are re-encoded: turned upright by
their EXIF orientation, then saved without any metadata (EXIF, GPS location, comments), as JPEG
(PNG for a PNG). A PDF (a scanner's file) is kept as it is, once its header and end are there.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from ..core.words import N_, Said, about
from ..errors import Refused

MAX_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 40-megapixel phone photo; a bomb declares far more
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}
"""What is stored (a WebP is re-encoded as JPEG): content type -> file extension."""


@dataclass(frozen=True)
class Checked:
    data: bytes
    content_type: str


def _pdf(data: bytes, field: str) -> Checked:
    if b"%%EOF" not in data[-1024:]:
        raise Refused(about(field, Said(N_("this PDF is cut short (no end): scan it again"))))
    return Checked(data, "application/pdf")


def checked_upload(data: bytes, field: str = N_("file")) -> Checked:
    """What may be stored of an uploaded photo or scan; Refused (saying why, about the form's
    ``field``, marked with ``N_``) for anything else."""

    def refused(problem: Said) -> Refused:
        return Refused(about(field, problem))

    if not data:
        raise refused(Said(N_("the file is empty")))
    if len(data) > MAX_BYTES:
        raise refused(
            Said(N_("at most %(mb)s MB (this one is larger)"), mb=MAX_BYTES // (1024 * 1024))
        )
    if data.startswith(b"%PDF-"):
        return _pdf(data, field)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as image:
                kind = image.format or ""
                if kind not in FORMATS:
                    raise refused(
                        Said(
                            N_(
                                "a %(kind)s is not taken: send a photo (JPEG, PNG or WebP) or a PDF"
                            ),
                            kind=kind or (N_("file of this kind"), {}),
                        )
                    )
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise refused(
                        Said(
                            N_(
                                "the image is %(width)s x %(height)s pixels, more than "
                                "%(million)s million: send a smaller photo"
                            ),
                            width=width,
                            height=height,
                            million=MAX_PIXELS // 1_000_000,
                        )
                    )
                image.load()
                upright = ImageOps.exif_transpose(image)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise refused(
                Said(N_("the image declares more pixels than any photo has: it is refused"))
            ) from None
        except UnidentifiedImageError:
            raise refused(
                Said(
                    N_(
                        "this is not a photo or a PDF (its content is not an image, whatever "
                        "its name says)"
                    )
                )
            ) from None
        except (OSError, ValueError, SyntaxError) as exc:
            raise refused(
                Said(N_("the image cannot be read (%(error)s)"), error=str(exc))
            ) from None
    out = io.BytesIO()
    if kind == "PNG":
        upright.save(out, format="PNG", optimize=True)
        content_type = "image/png"
    else:
        upright.convert("RGB").save(out, format="JPEG", quality=90, optimize=True)
        content_type = "image/jpeg"
    return Checked(out.getvalue(), content_type)
