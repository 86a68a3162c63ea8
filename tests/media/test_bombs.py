"""Image bombs: refused from the header with 413 naming the limit, nothing stored, little memory."""

from __future__ import annotations

import io
import re
import struct
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from PIL import Image

from tests.conftest import bearer
from tests.products.factories import ProductFactory
from traceapp.extensions import db
from traceapp.media.models import StoredImage
from traceapp.media.services import MAX_DECODED_BYTES, MAX_PIXELS, MAX_SIDE
from traceapp.products.models import Product

STATUS = Path("/proc/self/status")
CLEAR_REFS = Path("/proc/self/clear_refs")


def _kib(field: str) -> int:
    return int(re.search(rf"{field}:\s+(\d+)", STATUS.read_text()).group(1))  # type: ignore[union-attr]


def memory_growth(action: Callable[[], Any]) -> tuple[Any, int]:
    """What ``action`` returns, and how far it raised the process's peak memory, in bytes."""
    try:
        CLEAR_REFS.write_text("5")  # resets the peak (VmHWM) to the current size
    except OSError:
        pytest.skip("the peak memory of a process can only be reset on Linux")
    before = _kib("VmRSS")
    result = action()
    return result, (_kib("VmHWM") - before) * 1024


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def png(width: int, height: int, *, colour: int = 2, text: list[bytes] = ()) -> bytes:  # type: ignore[assignment]
    """A blank PNG of any size built row by row, so the test never holds the pixels."""
    bands = {0: 1, 2: 3, 6: 4}[colour]
    header = struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0)
    parts = [b"\x89PNG\r\n\x1a\n", _chunk(b"IHDR", header)]
    parts += [_chunk(b"zTXt", b"note%d\0\0" % i + blob) for i, blob in enumerate(text)]
    packer = zlib.compressobj(9)
    row = b"\0" * (1 + width * bands)
    pixels = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    parts += [_chunk(b"IDAT", pixels), _chunk(b"IEND", b"")]
    return b"".join(parts)


def jpeg(width: int, height: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (180, 120, 40)).save(buf, format="JPEG", quality=50)
    return buf.getvalue()


def _stored() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(StoredImage)) or 0


def _upload(client: Any, token: str, product: Product, data: bytes) -> Any:
    response = client.post(
        f"/api/v1/products/{product.id}/image",
        data={"image": (io.BytesIO(data), "photo.png")},
        headers=bearer(token),
        content_type="multipart/form-data",
    )
    # The test client spools a large body to a file; a server closes its input, so do we.
    response.request.environ["wsgi.input"].close()
    return response


@pytest.fixture
def product(world: Any) -> Product:
    return ProductFactory(cooperative=world.a.coop)


def _refused(client: Any, api_token: str, product: Product, data: bytes) -> tuple[Any, int]:
    stored = _stored()
    response, growth = memory_growth(lambda: _upload(client, api_token, product, data))
    assert _stored() == stored  # nothing stored
    assert db.session.get(Product, product.id).image is None
    return response, growth


def test_a_picture_just_under_the_pixel_guard_is_refused_from_its_header(
    client, api_token, product
):
    # The attack of issue 15: 6300 x 6300 (39.7 megapixels) once cost a worker +502 MB.
    data = png(6300, 6300)
    assert len(data) < 1024 * 1024 and MAX_PIXELS > 6300 * 6300
    r, growth = _refused(client, api_token, product, data)
    assert r.status_code == 413, r.json
    message = r.json["errors"]["json"]["image"][0]
    assert "6300 × 6300" in message and "above the limit of 48 MB" in message
    assert growth < 100 * 2**20, growth


def test_a_pixel_flood_past_pillows_guard_is_refused(client, api_token, product):
    r, growth = _refused(client, api_token, product, png(30_000, 30_000, colour=0))
    assert r.status_code == 413
    assert "too many pixels" in r.json["errors"]["json"]["image"][0]
    assert growth < 100 * 2**20, growth


def test_a_png_full_of_compressed_text_is_refused(client, api_token, product):
    # Each note inflates to 900 KB; Pillow's default would keep up to 64 MB of them.
    notes = [zlib.compress(b"x" * 900_000, 9) for _ in range(60)]
    r, growth = _refused(client, api_token, product, png(8, 8, text=notes))
    assert r.status_code == 413
    assert "more than 1 MB of embedded text" in r.json["errors"]["json"]["image"][0]
    assert growth < 100 * 2**20, growth


def test_a_file_past_the_byte_limit_is_refused_unread(client, api_token, product, app):
    limit = app.config["TRACEAPP_UPLOAD_MAX_BYTES"]
    r, _ = _refused(client, api_token, product, b"\x89PNG" + b"0" * limit)
    assert r.status_code == 413
    assert r.json["errors"]["json"]["image"] == ["The file is larger than 5 MB."]


def test_the_web_form_names_the_limit_too(manager_client, world):
    coop = world.a.coop
    r = manager_client.form_post(
        f"/cooperatives/{coop.id}/logo",
        {"logo": (io.BytesIO(png(6000, 3000, colour=6)), "logo.png")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422
    assert "above the limit of 48 MB" in r.get_data(as_text=True)
    assert coop.logo is None


@pytest.mark.parametrize(
    "make",
    [
        # The largest PNG accepted: 4000 x 3000 RGB, held as 45.8 MiB.
        pytest.param(lambda: png(4000, 3000), id="png-12-megapixels"),
        # A 24-megapixel JPEG decodes at half scale: it never needs its full size.
        pytest.param(lambda: jpeg(6000, 4000), id="jpeg-24-megapixels"),
    ],
)
def test_large_photos_within_the_limits_are_kept_within_memory(make, client, api_token, product):
    data = make()
    assert MAX_DECODED_BYTES < 6000 * 4000 * 4  # the JPEG only fits because of its scale
    r, growth = memory_growth(lambda: _upload(client, api_token, product, data))
    assert r.status_code == 200, r.json
    stored = db.session.scalars(sa.select(StoredImage)).one()
    assert max(stored.width, stored.height) == MAX_SIDE
    assert growth < 100 * 2**20, growth
