"""Accept an uploaded image only after Pillow has decoded it safely, then re-encode it."""

from __future__ import annotations

import io
import secrets
import warnings
from typing import IO, Any

from flask import current_app
from flask_babel import format_decimal
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from traceapp.errors import ValidationFailed
from traceapp.extensions import db
from traceapp.media.models import StoredImage

#: Formats recognised by content, not by file name. SVG, EPS, TIFF, BMP, ... are refused.
ALLOWED_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
#: Decoding more pixels than this is treated as a decompression bomb.
MAX_PIXELS = 40_000_000
#: Longest side kept after re-encoding.
MAX_SIDE = 1600


def _refuse(field: str, message: str) -> ValidationFailed:
    return ValidationFailed.field(field, message)


def too_large_message(limit: int) -> str:
    """The refusal of a file above ``limit`` bytes, naming the limit in megabytes."""
    # TRANSLATORS: %(size)s is a number of megabytes, such as 8.
    return _(
        "The file is larger than %(size)s MB.", size=format_decimal(round(limit / (1024 * 1024), 1))
    )


def read_upload(stream: IO[bytes], field: str, limit: int | None = None) -> bytes:
    """Read an upload, refusing it past the size limit without reading it all."""
    limit = limit or current_app.config["TRACEAPP_UPLOAD_MAX_BYTES"]
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise _refuse(field, too_large_message(limit))
    if not data:
        raise _refuse(field, _("The file is empty."))
    return data


def decode_image(data: bytes, field: str) -> Image.Image:
    """Open and fully decode an image under the bomb guard, or refuse it naming the field."""
    old_limit = Image.MAX_IMAGE_PIXELS
    try:
        Image.MAX_IMAGE_PIXELS = MAX_PIXELS
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data), formats=list(ALLOWED_FORMATS))
            fmt = img.format
            img.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse(field, _("The image has too many pixels to be processed safely.")) from None
    except UnidentifiedImageError:
        raise _refuse(
            field, _("Only PNG, JPEG or WebP images are accepted (SVG, EPS and others are not).")
        ) from None
    except (OSError, ValueError, SyntaxError):
        raise _refuse(field, _("The image is damaged and cannot be read.")) from None
    finally:
        Image.MAX_IMAGE_PIXELS = old_limit
    if fmt not in ALLOWED_FORMATS:
        raise _refuse(field, _("Only PNG, JPEG or WebP images are accepted."))
    return img


def reencode(img: Image.Image) -> tuple[bytes, str, int, int]:
    """Apply the EXIF orientation, shrink to MAX_SIDE, and save without any metadata."""
    img = ImageOps.exif_transpose(img)
    img.thumbnail((MAX_SIDE, MAX_SIDE))
    has_alpha = img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info)
    out = io.BytesIO()
    if has_alpha:
        img = img.convert("RGBA")
        img.save(out, format="PNG", optimize=True)
        content_type = "image/png"
    else:
        img = img.convert("RGB")
        img.save(out, format="JPEG", quality=85, optimize=True, progressive=True)
        content_type = "image/jpeg"
    return out.getvalue(), content_type, img.width, img.height


def store_image(upload: Any, field: str, cooperative_id: int | None) -> StoredImage:
    """Validate, re-encode and store an uploaded image (a Werkzeug FileStorage or bytes)."""
    if isinstance(upload, bytes | bytearray):
        data, name = bytes(upload), None
    else:
        data, name = read_upload(upload.stream, field), getattr(upload, "filename", None)
    img = decode_image(data, field)
    encoded, content_type, width, height = reencode(img)
    stored = StoredImage(
        key=secrets.token_urlsafe(16),
        cooperative_id=cooperative_id,
        content_type=content_type,
        width=width,
        height=height,
        size=len(encoded),
        data=encoded,
        original_name=(name or "")[:200] or None,
    )
    db.session.add(stored)
    db.session.flush()
    return stored
