"""Accept an uploaded image only after Pillow has decoded it safely, then re-encode it."""

from __future__ import annotations

import io
import secrets
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from flask import current_app
from flask_babel import format_decimal
from flask_babel import gettext as _
from PIL import Image, ImageOps, PngImagePlugin, UnidentifiedImageError

from traceapp.errors import ValidationFailed
from traceapp.extensions import db
from traceapp.media.models import StoredImage

#: Formats recognised by content, not by file name. SVG, EPS, TIFF, BMP, ... are refused.
ALLOWED_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
#: Decoding more pixels than this is treated as a decompression bomb (Pillow's own guard).
MAX_PIXELS = 40_000_000
#: Memory a decoded image may take, as Pillow holds it (pixels x bytes per pixel): checked
#: from the header before anything is decoded. 48 MiB admits a 12-megapixel photo.
MAX_DECODED_BYTES = 48 * 1024 * 1024
#: Text chunks (tEXt, zTXt, iTXt) a PNG may carry, decompressed: each one, and all together.
MAX_TEXT_CHUNK = 256 * 1024
MAX_TEXT_MEMORY = 1024 * 1024
#: Longest side kept after re-encoding.
MAX_SIDE = 1600

# Pillow's limits are module globals; one image is decoded at a time per process, so a
# threaded server holds at most one decoded image and the limits are never mixed up.
_decoding = threading.Lock()


class UploadTooLarge(ValidationFailed):
    """An upload refused for its size (in bytes, or once decoded): 413, naming the limit."""

    status_code = 413


def _refuse(field: str, message: str) -> ValidationFailed:
    return ValidationFailed.field(field, message)


def _megabytes(size: int) -> str:
    return format_decimal(round(size / (1024 * 1024), 1))


def too_large_message(limit: int) -> str:
    """The refusal of a file above ``limit`` bytes, naming the limit in megabytes."""
    # TRANSLATORS: %(size)s is a number of megabytes, such as 8.
    return _("The file is larger than %(size)s MB.", size=_megabytes(limit))


def read_upload(stream: IO[bytes], field: str, limit: int | None = None) -> bytes:
    """Read an upload, refusing it past the size limit without reading it all."""
    limit = limit or current_app.config["TRACEAPP_UPLOAD_MAX_BYTES"]
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise UploadTooLarge.field(field, too_large_message(limit))
    if not data:
        raise _refuse(field, _("The file is empty."))
    return data


def decoded_size(mode: str, size: tuple[int, int]) -> int:
    """Bytes Pillow needs to hold an image of this mode and size once decoded."""
    # Pillow keeps one byte per pixel for 1, L and P, two for 16-bit greyscale and four for
    # every other mode (RGB included, padded to four bands).
    if mode in ("1", "L", "P"):
        per_pixel = 1
    elif mode.startswith("I;16"):
        per_pixel = 2
    else:
        per_pixel = 4
    return size[0] * size[1] * per_pixel


@contextmanager
def _pillow_limits() -> Iterator[None]:
    """Pillow's bomb guards set to ours for one decoding, restored afterwards."""
    with _decoding:
        saved = Image.MAX_IMAGE_PIXELS, PngImagePlugin.MAX_TEXT_CHUNK
        saved_memory = PngImagePlugin.MAX_TEXT_MEMORY
        Image.MAX_IMAGE_PIXELS = MAX_PIXELS
        PngImagePlugin.MAX_TEXT_CHUNK = MAX_TEXT_CHUNK
        PngImagePlugin.MAX_TEXT_MEMORY = MAX_TEXT_MEMORY
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                yield
        finally:
            Image.MAX_IMAGE_PIXELS, PngImagePlugin.MAX_TEXT_CHUNK = saved
            PngImagePlugin.MAX_TEXT_MEMORY = saved_memory


def _check_header(img: Image.Image, field: str) -> None:
    """Refuse an image whose header promises more memory than the limit allows."""
    width, height = img.size
    needed = decoded_size(img.mode, img.size)
    if needed > MAX_DECODED_BYTES:
        raise UploadTooLarge.field(
            field,
            # TRANSLATORS: %(width)s × %(height)s are pixels; %(size)s and %(limit)s megabytes.
            _(
                "The image is %(width)s × %(height)s pixels: decoded, it would take "
                "%(size)s MB, above the limit of %(limit)s MB. Send a smaller image.",
                width=width,
                height=height,
                size=_megabytes(needed),
                limit=_megabytes(MAX_DECODED_BYTES),
            ),
        )


def decode_image(data: bytes, field: str) -> Image.Image:
    """Open an image, check its header against the limits, then decode it, or refuse it."""
    try:
        with _pillow_limits():
            img = Image.open(io.BytesIO(data), formats=list(ALLOWED_FORMATS))
            fmt = img.format
            if img.width * img.height > MAX_PIXELS:
                raise Image.DecompressionBombError(f"{img.size} pixels")
            if fmt == "JPEG":
                # A JPEG decodes at 1/2, 1/4 or 1/8 scale for free: no larger than is kept.
                img.draft(img.mode, (MAX_SIDE, MAX_SIDE))
            _check_header(img, field)
            img.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadTooLarge.field(
            field, _("The image has too many pixels to be processed safely.")
        ) from None
    except UnidentifiedImageError:
        raise _refuse(
            field, _("Only PNG, JPEG or WebP images are accepted (SVG, EPS and others are not).")
        ) from None
    except ValueError as exc:
        if "text chunk" in str(exc) or "MAX_TEXT_CHUNK" in str(exc):
            raise UploadTooLarge.field(
                field,
                # TRANSLATORS: %(limit)s is a number of megabytes, such as 1.
                _(
                    "The image carries more than %(limit)s MB of embedded text.",
                    limit=_megabytes(MAX_TEXT_MEMORY),
                ),
            ) from None
        raise _refuse(field, _("The image is damaged and cannot be read.")) from None
    except (OSError, SyntaxError):
        raise _refuse(field, _("The image is damaged and cannot be read.")) from None
    if fmt not in ALLOWED_FORMATS:
        raise _refuse(field, _("Only PNG, JPEG or WebP images are accepted."))
    return img


def reencode(img: Image.Image) -> tuple[bytes, str, int, int]:
    """Shrink to MAX_SIDE, apply the EXIF orientation, and save without any metadata."""
    # Shrinking first: the bound is square, and turning a full-size image would copy it.
    img.thumbnail((MAX_SIDE, MAX_SIDE))
    img = ImageOps.exif_transpose(img)
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
