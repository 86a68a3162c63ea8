"""Logos: allow-listed formats by content, bomb guard, re-encoding without metadata."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from traceapp.cooperatives.models import Cooperative
from traceapp.errors import ValidationFailed
from traceapp.extensions import db
from traceapp.media.services import MAX_PIXELS, store_image


def _png(size: tuple[int, int] = (64, 64), **info: object) -> bytes:
    buf = io.BytesIO()
    img = Image.new("RGB", size, (20, 120, 60))
    img.save(buf, format="PNG", **info)
    return buf.getvalue()


def _jpeg_with_exif() -> bytes:
    buf = io.BytesIO()
    img = Image.new("RGB", (40, 30), (200, 10, 10))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0112] = 6  # orientation: rotate
    img.save(buf, format="JPEG", exif=exif.tobytes())
    return buf.getvalue()


def test_logo_upload_is_reencoded_and_served(manager_client, world):
    coop = world.a.coop
    r = manager_client.form_post(
        f"/cooperatives/{coop.id}/logo",
        {"logo": (io.BytesIO(_jpeg_with_exif()), "logo.jpg")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 302
    key = db.session.get(Cooperative, coop.id).logo
    served = manager_client.get(f"/media/{key}")
    assert served.status_code == 200
    img = Image.open(io.BytesIO(served.data))
    assert b"SecretCam" not in served.data
    assert not img.getexif()
    assert img.size == (30, 40)  # the EXIF orientation was applied, then dropped
    assert "immutable" in served.headers["Cache-Control"]


def test_svg_is_refused_with_a_clear_message(manager_client, world):
    coop = world.a.coop
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    r = manager_client.form_post(
        f"/cooperatives/{coop.id}/logo",
        {"logo": (io.BytesIO(svg), "logo.png")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422
    assert "SVG, EPS and others are not" in r.get_data(as_text=True)
    assert db.session.get(Cooperative, coop.id).logo is None


def test_decompression_bomb_is_refused(session):
    side = int(MAX_PIXELS**0.5) + 100
    buf = io.BytesIO()
    Image.new("1", (side, side)).save(buf, format="PNG", optimize=True)
    assert len(buf.getvalue()) < 1_000_000  # small file, huge image
    with pytest.raises(ValidationFailed) as exc:
        store_image(buf.getvalue(), "logo", None)
    assert "too many pixels" in exc.value.errors["logo"][0]


def test_damaged_and_oversized_files_are_refused(session, app):
    with pytest.raises(ValidationFailed, match="damaged"):
        store_image(_png()[:60], "image", None)
    from werkzeug.datastructures import FileStorage

    big = FileStorage(
        io.BytesIO(b"\x89PNG" + b"0" * (app.config["TRACEAPP_UPLOAD_MAX_BYTES"] + 1)),
        filename="big.png",
    )
    with pytest.raises(ValidationFailed, match="larger than"):
        store_image(big, "image", None)
