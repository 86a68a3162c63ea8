"""The label rendering engine: every QR code is decoded back with a real decoder."""

from __future__ import annotations

import base64
import io
import math
import re
import secrets
import shutil
import subprocess
import tracemalloc
from datetime import date
from pathlib import Path

import numpy as np
import pytest
import zxingcpp
from PIL import Image, ImageDraw

from traceapp.labels.render import qr as qr_module
from traceapp.labels.render.layouts import PT_PER_MM
from traceapp.labels.render.zpl import qr_modules_for_bytes
from traceapp.labels.rendering import (
    LAYOUTS,
    QUIET_ZONE,
    Captions,
    LabelContent,
    lot_label_copies,
    qr_matrix,
    render_pdf,
    render_png,
    render_svg,
    render_zpl,
)

PEANUTS = "Đậu phộng Xuân Phước"
POPPLER = shutil.which("pdftoppm") and shutil.which("pdftotext") and shutil.which("pdffonts")
needs_poppler = pytest.mark.skipif(
    not POPPLER,
    reason="no PDF rasteriser: install the Debian/Ubuntu package poppler-utils (pdftoppm)",
)


def serial() -> str:
    """A random 16-character base32 serial, like the issuing service makes."""
    return base64.b32encode(secrets.token_bytes(10)).decode()


def digital_link(value: str, lot: str = "XP-2026-0042") -> str:
    """A GS1 Digital Link URL for one serialised can or bag."""
    return f"https://trace.example.vn/01/08934567890128/10/{lot}/21/{value}"


def peanut_label(value: str | None = None, **changes) -> LabelContent:
    """A label of the Xuân Phước peanut cooperative; serialised unless ``value`` is None."""
    url = digital_link(value) if value else "https://trace.example.vn/l/LOTXP20260042"
    fields = {
        "url": url,
        "product_name": f"{PEANUTS} rang muối",
        "lot_code": "XP-2026-0042",
        "serial": value,
        "net_quantity": "500 g",
        "best_before": date(2026, 12, 31),
        "mark_name": PEANUTS,
        "ocop_stars": 4,
        "short_text": url.removeprefix("https://"),
        "gtin_display": "08934567890128",
    }
    fields.update(changes)
    return LabelContent(**fields)


def decode(image: Image.Image) -> str:
    """The text of the single QR code in ``image``."""
    found = zxingcpp.read_barcode(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert found is not None, "no QR code found"
    return found.text


def with_quiet_zone(matrix: list[list[bool]], scale: int = 4) -> Image.Image:
    """A greyscale image of a module matrix, with a 4-module quiet zone."""
    dark = np.pad(np.array(matrix, dtype=bool), QUIET_ZONE)
    pixels = np.where(dark, 0, 255).astype(np.uint8)
    return Image.fromarray(np.kron(pixels, np.ones((scale, scale), dtype=np.uint8)))


class Sink:
    """A write-only, non-seekable output that only counts bytes (like a socket)."""

    def __init__(self) -> None:
        self.size = 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        return len(data)


# --- QR matrices --------------------------------------------------------------------------


@pytest.mark.parametrize("ec", ["M", "Q"])
def test_qr_matrix_decodes_to_the_url_at_the_level_asked(ec):
    url = digital_link(serial())
    matrix = qr_matrix(url, ec)
    assert len(matrix) == len(matrix[0]) and (len(matrix) - 17) % 4 == 0  # a QR version size
    found = zxingcpp.read_barcode(with_quiet_zone(matrix))
    assert found.text == url
    assert found.ec_level == ec


def test_qr_matrix_has_no_quiet_zone_and_defaults_to_m():
    url = digital_link(serial())
    matrix = qr_matrix(url)
    # The finder pattern starts in the very first module: a dark 7-module row, no margin.
    assert matrix[0][:7] == [True] * 7 and matrix[0][7] is False
    assert zxingcpp.read_barcode(with_quiet_zone(matrix)).ec_level == "M"
    assert len(qr_matrix(url, "H")) > len(qr_matrix(url, "L"))


def test_qr_matrix_refuses_unknown_levels_and_oversized_urls():
    with pytest.raises(ValueError, match="ec"):
        qr_matrix("https://trace.example.vn/l/X", "Z")
    with pytest.raises(ValueError, match="url"):
        qr_matrix("https://trace.example.vn/" + "x" * 4000)


def test_qr_matrix_rejects_an_encoder_that_changes_the_level(monkeypatch):
    real = zxingcpp.create_barcode

    def lower_level(content, fmt, ec_level):
        return real(content, fmt, ec_level="L")

    monkeypatch.setattr(qr_module.zxingcpp, "create_barcode", lower_level)
    with pytest.raises(RuntimeError, match="EC level"):
        qr_matrix(digital_link(serial()), "Q")


def test_the_qrcode_fallback_makes_decodable_symbols(monkeypatch):
    monkeypatch.setattr(qr_module, "zxingcpp", None)
    url = digital_link(serial())
    found = zxingcpp.read_barcode(with_quiet_zone(qr_matrix(url, "Q")))
    assert found.text == url and found.ec_level == "Q"


# --- PNG and SVG --------------------------------------------------------------------------


@pytest.mark.parametrize("ec", ["M", "Q"])
def test_png_samples_decode_to_their_urls(ec):
    for _ in range(5):
        url = digital_link(serial())
        with Image.open(io.BytesIO(render_png(url, ec=ec))) as image:
            assert decode(image) == url


def test_png_is_one_bit_with_whole_pixel_modules_and_a_quiet_zone():
    url = digital_link(serial())
    modules = len(qr_matrix(url))
    image = Image.open(io.BytesIO(render_png(url, size_mm=20.0, dpi=300)))
    assert image.mode == "1"
    limit = 20.0 / 25.4 * 300
    assert image.width == image.height <= limit
    scale, remainder = divmod(image.width, modules + 2 * QUIET_ZONE)
    assert remainder == 0 and scale == math.floor(limit / (modules + 2 * QUIET_ZONE))
    pixels = np.array(image)
    border = QUIET_ZONE * scale
    assert pixels[:border].all() and pixels[:, :border].all()  # white all round
    assert pixels[-border:].all() and pixels[:, -border:].all()
    assert round(image.info["dpi"][0]) == 300


def test_png_module_size_follows_print_size_and_resolution():
    url = digital_link(serial())
    small = Image.open(io.BytesIO(render_png(url, size_mm=10, dpi=300)))
    large = Image.open(io.BytesIO(render_png(url, size_mm=30, dpi=600)))
    assert large.width >= 5 * small.width
    assert decode(large) == url and decode(small) == url
    with pytest.raises(ValueError):
        render_png(url, size_mm=0)


def svg_to_image(svg: str, scale: int = 8) -> Image.Image:
    """Rasterise our SVG by drawing the rectangles of its path."""
    side = int(re.search(r'viewBox="0 0 (\d+) \1"', svg).group(1))
    image = Image.new("L", (side * scale, side * scale), 255)
    draw = ImageDraw.Draw(image)
    path = re.search(r'<path fill="#000" d="([^"]+)"', svg).group(1)
    runs = re.findall(r"M(\d+) (\d+)h(\d+)v1h-\3z", path)
    assert "".join(f"M{x} {y}h{n}v1h-{n}z" for x, y, n in runs) == path  # nothing else in it
    for x, y, n in runs:
        x, y, n = int(x), int(y), int(n)
        draw.rectangle([x * scale, y * scale, (x + n) * scale - 1, (y + 1) * scale - 1], fill=0)
    return image


@pytest.mark.parametrize("ec", ["M", "Q"])
def test_svg_decodes_and_is_one_crisp_path_sized_in_mm(ec):
    url = digital_link(serial())
    svg = render_svg(url, ec=ec, size_mm=25)
    assert 'width="25mm"' in svg and 'height="25mm"' in svg
    assert 'shape-rendering="crispEdges"' in svg
    assert svg.count("<path") == 1
    modules = len(qr_matrix(url, ec))
    assert f'viewBox="0 0 {modules + 8} {modules + 8}"' in svg
    found = zxingcpp.read_barcode(svg_to_image(svg))
    assert found.text == url and found.ec_level == ec


def test_svg_merges_runs_of_dark_modules():
    url = digital_link(serial())
    dark = sum(map(sum, qr_matrix(url)))
    runs = render_svg(url).count("M")
    assert runs < dark * 0.6  # one rectangle per run, far fewer than one per module


# --- label content ------------------------------------------------------------------------


def test_lot_label_copies_repeats_a_lot_level_label():
    label = peanut_label(None)
    copies = list(lot_label_copies(label, 3))
    assert copies == [label, label, label]
    with pytest.raises(ValueError, match="serial"):
        lot_label_copies(peanut_label(serial()), 2)
    for bad in (0, -1, 100_001, 2.5, True):
        with pytest.raises(ValueError, match="copies"):
            lot_label_copies(label, bad)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"url": ""}, "url"),
        ({"lot_code": " "}, "lot_code"),
        ({"serial": ""}, "serial"),
        ({"ocop_stars": 6}, "ocop_stars"),
        ({"ocop_stars": 0}, "ocop_stars"),
        ({"best_before": "2026-12-31"}, "best_before"),
        ({"gtin_display": "0893-456"}, "gtin_display"),
    ],
)
def test_label_content_names_the_bad_field(changes, field):
    with pytest.raises(ValueError, match=field):
        peanut_label(serial(), **changes)


def test_layouts_describe_real_sticker_stock():
    assert {key: layout.per_page for key, layout in LAYOUTS.items()} == {
        "a4-3x8": 24,
        "a4-4x10": 40,
        "roll-50x30": 1,
    }
    for layout in LAYOUTS.values():
        assert str(layout.name)
        for slot in range(layout.per_page):
            x, y = layout.label_box(slot)
            assert x >= -1e-9 and x + layout.label_width <= layout.page_width + 1e-9
            assert y >= -1e-9 and y + layout.label_height <= layout.page_height + 1e-9
            x0, y0, x1, y1 = layout.content_box(slot)
            assert layout.padding <= x0 < x1 <= layout.label_width - layout.padding
            assert layout.padding <= y0 < y1 <= layout.label_height - layout.padding
            # Nothing is printed where office printers cannot reach.
            assert x + x0 >= layout.printable_inset - 1e-9
            assert x + x1 <= layout.page_width - layout.printable_inset + 1e-9
    sheet = LAYOUTS["a4-3x8"]
    assert (sheet.margin_left, sheet.margin_top) == (0.0, 0.5)
    assert LAYOUTS["a4-4x10"].margin_left == 8.0 and LAYOUTS["a4-4x10"].margin_top == 21.5


# --- PDF ----------------------------------------------------------------------------------


def rasterise(pdf: Path, dpi: int = 300) -> list[Image.Image]:
    """Every page of ``pdf`` as a greyscale image, drawn by poppler."""
    prefix = pdf.with_suffix("")
    result = subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-gray", str(pdf), str(prefix)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert result.stderr == b"", result.stderr  # poppler reports any syntax error it meets
    images = []
    for path in sorted(pdf.parent.glob(f"{prefix.name}-*.pgm")):
        with Image.open(path) as image:
            images.append(image.copy())
    return images


def page_count(pdf: Path) -> int:
    """Pages in ``pdf`` according to poppler."""
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))


def decoded_by_slot(image: Image.Image, layout, dpi: int = 300) -> dict[int, str]:
    """Decode every QR code on a page and say which label slot each one lies in."""
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    slots: dict[int, str] = {}
    mm_per_px = 25.4 / dpi
    for code in found:
        corners = code.position
        cx = (corners.top_left.x + corners.bottom_right.x) / 2 * mm_per_px
        cy = layout.page_height - (corners.top_left.y + corners.bottom_right.y) / 2 * mm_per_px
        for slot in range(layout.per_page):
            x, y = layout.label_box(slot)
            if x <= cx <= x + layout.label_width and y <= cy <= y + layout.label_height:
                assert slot not in slots, "two codes in one label"
                slots[slot] = code.text
                break
        else:
            pytest.fail(f"a QR code outside every label: {code.text}")
    return slots


@needs_poppler
@pytest.mark.parametrize(("layout_key", "count"), [("a4-3x8", 30), ("a4-4x10", 45)])
@pytest.mark.parametrize("ec", ["M", "Q"])
def test_every_qr_on_every_sheet_decodes_in_its_own_label(tmp_path, layout_key, count, ec):
    layout = LAYOUTS[layout_key]
    labels = [peanut_label(serial()) for _ in range(count)]
    pdf = tmp_path / "run.pdf"
    with pdf.open("wb") as out:
        assert render_pdf(labels, layout_key, out, ec=ec) == count
    assert page_count(pdf) == math.ceil(count / layout.per_page)
    pages = rasterise(pdf)
    for number, image in enumerate(pages):
        expected = labels[number * layout.per_page : (number + 1) * layout.per_page]
        assert decoded_by_slot(image, layout) == {
            slot: label.url for slot, label in enumerate(expected)
        }


@needs_poppler
def test_symbols_of_different_sizes_share_a_page(tmp_path):
    layout = LAYOUTS["a4-3x8"]
    labels = []
    for index in range(layout.per_page):
        if index % 3 == 0:  # a lot-level label without GTIN: a short URL, a small symbol
            url = f"https://trace.example.vn/l/{serial()}"
            labels.append(peanut_label(None, url=url, short_text=url[8:]))
        else:
            labels.append(peanut_label(serial() + "X" * (index % 5)))
    assert len({len(qr_matrix(label.url)) for label in labels}) >= 2
    pdf = tmp_path / "mixed.pdf"
    with pdf.open("wb") as out:
        render_pdf(labels, "a4-3x8", out)
    (image,) = rasterise(pdf)
    assert decoded_by_slot(image, layout) == {i: label.url for i, label in enumerate(labels)}


@needs_poppler
def test_a_symbol_of_over_100_modules_still_decodes(tmp_path):
    url = digital_link(serial()) + "?note=" + "x" * 700
    assert len(qr_matrix(url)) >= 100
    pdf = tmp_path / "big.pdf"
    with pdf.open("wb") as out:
        render_pdf([peanut_label(serial(), url=url)], "a4-3x8", out)
    # Only the first label, at 1200 dpi: its modules are a quarter of a millimetre.
    prefix = tmp_path / "big"
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "1200",
            "-gray",
            "-x",
            "0",
            "-y",
            "0",
            "-W",
            "3400",
            "-H",
            "1800",
            str(pdf),
            str(prefix),
        ],
        check=True,
        capture_output=True,
    )
    (path,) = tmp_path.glob("big-*.pgm")
    with Image.open(path) as image:
        assert decode(image) == url


@needs_poppler
def test_roll_layout_has_one_decodable_label_per_page(tmp_path):
    labels = [peanut_label(serial()) for _ in range(3)]
    pdf = tmp_path / "roll.pdf"
    with pdf.open("wb") as out:
        render_pdf(labels, "roll-50x30", out)
    assert page_count(pdf) == 3
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    assert (round(width / PT_PER_MM), round(height / PT_PER_MM)) == (50, 30)
    for image, label in zip(rasterise(pdf, dpi=203), labels, strict=True):
        assert decoded_by_slot(image, LAYOUTS["roll-50x30"], dpi=203) == {0: label.url}


def pdf_text(pdf: Path) -> str:
    """The text poppler extracts, in reading order."""
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


@needs_poppler
def test_label_text_is_printed_in_vietnamese_with_embedded_fonts(tmp_path):
    value = serial()
    pdf = tmp_path / "text.pdf"
    with pdf.open("wb") as out:
        render_pdf([peanut_label(value)], "a4-3x8", out)
    text = pdf_text(pdf)
    assert f"{PEANUTS}" in text and "rang muối" in text
    for line in (
        "Lot: XP-2026-0042",
        f"Serial: {value}",
        "Net: 500 g",
        "Best before: 31/12/2026",
        "OCOP ★★★★",
        "trace.example.vn/01/08934567890128/10/XP-2026-0042/21/",
    ):
        assert line in text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    rows = [row.split() for row in fonts.splitlines()[2:]]
    assert {row[0].split("+")[1] for row in rows} == {
        "DejaVuSansCondensed",
        "DejaVuSansCondensed-Bold",
    }
    assert all(row[-5:-2] == ["yes", "yes", "yes"] for row in rows)  # embedded, subset, ToUnicode


@needs_poppler
def test_captions_can_be_printed_in_the_labels_language(tmp_path):
    captions = Captions(
        lot="Lô",
        serial="Số sê-ri",
        net="Khối lượng tịnh",
        best_before="HSD",
        date_format="%d.%m.%Y",
    )
    value = serial()
    pdf = tmp_path / "vi.pdf"
    with pdf.open("wb") as out:
        render_pdf([peanut_label(value, gtin_display=None)], "a4-3x8", out, captions=captions)
    text = pdf_text(pdf)
    for line in (
        "Lô: XP-2026-0042",
        f"Số sê-ri: {value}",
        "Khối lượng tịnh: 500 g",
        "HSD: 31.12.2026",
    ):
        assert line in text
    assert "Lot:" not in text


@needs_poppler
def test_lot_level_labels_leave_out_the_serial_and_uncertified_stars(tmp_path):
    label = peanut_label(None, ocop_stars=2, mark_name=None)
    pdf = tmp_path / "copies.pdf"
    with pdf.open("wb") as out:
        assert render_pdf(lot_label_copies(label, 30), "a4-3x8", out) == 30
    text = pdf_text(pdf)
    assert "Serial" not in text and "OCOP" not in text and "Lot: XP-2026-0042" in text
    assert text.count("Lot: XP-2026-0042") == 30
    pages = rasterise(pdf, dpi=200)
    assert len(pages) == 2
    assert set(decoded_by_slot(pages[1], LAYOUTS["a4-3x8"], dpi=200).values()) == {label.url}


@needs_poppler
def test_text_stays_inside_its_label_even_when_too_long(tmp_path):
    layout = LAYOUTS["a4-4x10"]
    long_name = " ".join([PEANUTS, "rang muối tỏi ớt đặc biệt loại một thượng hạng"] * 3)
    long_lot = "XP-2026-0042-ABCDEFGHJ"
    labels = [
        peanut_label(
            serial() + "XXXX",
            product_name=long_name,
            lot_code=long_lot,
            mark_name="Nhãn hiệu tập thể " + PEANUTS + " tỉnh Phú Yên",
            net_quantity="1 thùng 24 hộp x 500 g",
        )
        for _ in range(layout.per_page)
    ]
    pdf = tmp_path / "long.pdf"
    with pdf.open("wb") as out:
        render_pdf(labels, "a4-4x10", out)
    xhtml = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    words = re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">', xhtml
    )
    assert len(words) > 40 * 8
    page_height = layout.page_height * PT_PER_MM
    for x_min, y_min, x_max, y_max in (map(float, word) for word in words):
        centre_x, centre_y = (x_min + x_max) / 2, page_height - (y_min + y_max) / 2
        boxes = [layout.label_box(slot) for slot in range(layout.per_page)]
        (x, y) = next(
            (x, y)
            for x, y in ((bx * PT_PER_MM, by * PT_PER_MM) for bx, by in boxes)
            if x <= centre_x <= x + layout.label_width * PT_PER_MM
            and y <= centre_y <= y + layout.label_height * PT_PER_MM
        )
        slack = 1.0 * PT_PER_MM  # well inside the 1.5 mm padding
        assert x_min >= x + slack and x_max <= x + layout.label_width * PT_PER_MM - slack
        top = page_height - y - layout.label_height * PT_PER_MM
        assert y_min >= top + slack * 0.5
        assert y_max <= top + layout.label_height * PT_PER_MM - slack * 0.5
    text = pdf_text(pdf)
    assert "…" in text  # the name was cut with an ellipsis, not spilled


@needs_poppler
def test_more_than_one_font_subset_still_prints_every_character(tmp_path):
    alphabet = (
        [chr(c) for c in range(0x0410, 0x0450)]  # Cyrillic
        + [chr(c) for c in range(0x03B1, 0x03CA)]  # Greek
        + [chr(c) for c in range(0x1EA0, 0x1EFA)]  # Vietnamese letters with marks
        + [chr(c) for c in range(0x0100, 0x0180)]  # Latin Extended-A
    )
    assert len(alphabet) > 256
    names = ["".join(alphabet[i : i + 8]) for i in range(0, len(alphabet), 8)]
    labels = [peanut_label(serial(), product_name=name) for name in names]
    pdf = tmp_path / "alphabet.pdf"
    with pdf.open("wb") as out:
        render_pdf(labels, "a4-3x8", out)
    text = pdf_text(pdf)
    for name in names:
        assert name in text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    assert fonts.count("DejaVuSansCondensed-Bold") >= 2  # the bold face needed two subsets


def test_pdf_is_written_while_the_labels_are_still_coming():
    out = Sink()
    written_midway: list[int] = []

    def labels():
        for index in range(200):
            if index == 150:
                written_midway.append(out.size)
            yield peanut_label(serial())

    assert render_pdf(labels(), "a4-3x8", out) == 200
    assert written_midway[0] > 100_000  # six pages were out before label 150 was made
    assert out.size > written_midway[0]


def test_progress_is_reported_about_every_500_labels():
    seen: list[int] = []
    render_pdf(
        (peanut_label(serial()) for _ in range(1234)), "a4-4x10", Sink(), progress=seen.append
    )
    assert seen[-1] == 1234
    assert seen == sorted(seen) and len(seen) == 3
    assert all(abs(a - b) < 540 for a, b in zip(seen, [500, 1000], strict=False))


def test_pdf_structure_is_complete(tmp_path):
    buffer = io.BytesIO()
    render_pdf([peanut_label(serial()) for _ in range(50)], "a4-3x8", buffer)
    data = buffer.getvalue()
    assert data.startswith(b"%PDF-1.4") and data.rstrip().endswith(b"%%EOF")
    start = int(re.search(rb"startxref\n(\d+)", data).group(1))
    assert data[start:].startswith(b"xref\n")
    # Every offset in the cross-reference table points at its object.
    entries = re.findall(rb"(\d{10}) 00000 n ", data[start:])
    for number, offset in enumerate(entries, start=1):
        assert data[int(offset) :].startswith(b"%d 0 obj" % number)
    assert b"/Count 3" in data


def test_pdf_refuses_bad_requests():
    with pytest.raises(ValueError, match="layout"):
        render_pdf([peanut_label(serial())], "a5-2x2", Sink())
    with pytest.raises(ValueError, match="no labels"):
        render_pdf([], "a4-3x8", Sink())
    with pytest.raises(ValueError, match="ec"):
        render_pdf([peanut_label(serial())], "a4-3x8", Sink(), ec="X")
    with pytest.raises(TypeError, match="LabelContent"):
        render_pdf([{"url": "x"}], "a4-3x8", Sink())


def peak_memory(count: int) -> int:
    """Peak traced memory while rendering ``count`` labels to a byte-counting sink."""
    labels = (peanut_label(serial()) for _ in range(count))
    tracemalloc.start()
    try:
        render_pdf(labels, "a4-3x8", Sink())
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.slow
def test_memory_stays_flat_for_large_runs():
    render_pdf([peanut_label(serial())], "a4-3x8", Sink())  # load fonts and tables first
    small = peak_memory(2_000)
    large = peak_memory(20_000)
    assert large < 60 * 2**20
    assert large < small * 1.25 + 2**20, (small, large)


# --- ZPL ----------------------------------------------------------------------------------

QR_FIELD = re.compile(r"\^FO(\d+),(\d+)\^BQN,2,(\d+)(\^FH)?\^FD([HQML])M,B(\d{4})(.*?)\^FS")
TEXT_FIELD = re.compile(r"\^FO(\d+),(\d+)\^A[0-9A-Z@]N,(\d+),(\d+)(?:,[^^]*)?\^FB(\d+),(\d+),")


def unescape(data: str) -> str:
    """Undo ^FH hex escapes."""
    return re.sub(r"_([0-9A-F]{2})", lambda m: chr(int(m.group(1), 16)), data)


@pytest.mark.parametrize("ec", ["M", "Q"])
def test_zpl_has_one_format_per_label_with_the_url_in_the_qr(ec):
    labels = [peanut_label(serial()) for _ in range(5)] + [peanut_label(None)]
    formats = list(render_zpl(labels, ec=ec))
    assert len(formats) == len(labels)
    for zpl, label in zip(formats, labels, strict=True):
        assert zpl.startswith("^XA") and zpl.rstrip().endswith("^XZ")
        assert zpl.count("^XA") == zpl.count("^XZ") == 1
        assert "^CI28" in zpl and "^PW400" in zpl and "^LL240" in zpl
        (match,) = QR_FIELD.findall(zpl)
        level, length, data = match[4], int(match[5]), match[6]
        assert level == ec
        assert data == label.url and length == len(label.url.encode())
        assert ("Serial" in zpl) == (label.serial is not None)
        assert PEANUTS in zpl  # UTF-8 text, printed through ^CI28


@pytest.mark.parametrize(
    ("width_mm", "height_mm", "dpi"), [(50, 30, 203), (50, 30, 300), (100, 50, 203), (40, 25, 203)]
)
def test_zpl_fields_stay_inside_the_label_and_clear_of_the_qr(width_mm, height_mm, dpi):
    label = peanut_label(serial(), product_name=PEANUTS * 4)
    zpl = next(render_zpl([label], width_mm=width_mm, height_mm=height_mm, dpi=dpi))
    width = int(re.search(r"\^PW(\d+)", zpl).group(1))
    height = int(re.search(r"\^LL(\d+)", zpl).group(1))
    assert width == round(width_mm / 25.4 * dpi) and height == round(height_mm / 25.4 * dpi)
    x, y, mag = (int(v) for v in QR_FIELD.search(zpl).groups()[:3])
    side = qr_modules_for_bytes(len(label.url), "M") * mag
    quiet = QUIET_ZONE * mag
    qr_box = (x - quiet, y - quiet, x + side + quiet, y + side + quiet)
    assert qr_box[0] >= 0 and qr_box[1] >= 0 and qr_box[2] <= width and qr_box[3] <= height
    fields = TEXT_FIELD.findall(zpl)
    assert len(fields) >= 6
    for fx, fy, font_height, _w, block_width, lines in (map(int, f) for f in fields):
        right, bottom = fx + block_width, fy + font_height * lines
        assert fx >= 0 and right <= width and fy >= 0 and bottom <= height
        overlaps = fx < qr_box[2] and right > qr_box[0] and fy < qr_box[3] and bottom > qr_box[1]
        assert not overlaps, f"text field at {fx},{fy} inside the QR quiet zone"


def test_zpl_escapes_control_characters_in_text():
    label = peanut_label(serial(), product_name="Bad ^XZ~JA name_1", lot_code="LOT_1")
    zpl = next(render_zpl([label]))
    assert zpl.count("^XZ") == 1 and "~" not in zpl
    assert "^FH^FDBad _5EXZ_7EJA name_5F1" in zpl
    assert "^FH^FDLot: LOT_5F1^FS" in zpl


def test_zpl_url_with_an_escape_character_still_encodes_the_url():
    label = peanut_label("ABC_DEF")
    (match,) = QR_FIELD.findall(next(render_zpl([label])))
    assert match[3] == "^FH" and unescape(match[6]) == label.url
    assert int(match[5]) == len(label.url)


def test_zpl_can_use_a_unicode_font_file_on_the_printer():
    zpl = next(render_zpl([peanut_label(serial())], font="E:TT0003M_.FNT", star="★"))
    assert "^A0" not in zpl and "^A@N,21,21,E:TT0003M_.FNT" in zpl
    assert "OCOP ★★★★" in zpl


def test_zpl_refuses_a_label_too_small_for_the_code():
    with pytest.raises(ValueError, match="url"):
        next(render_zpl([peanut_label(serial())], width_mm=10, height_mm=8))
