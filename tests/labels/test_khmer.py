"""Khmer on printed labels: shaped in the PDF, checked on its rasterised page."""

from __future__ import annotations

import io
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont, features

from traceapp.labels.render.content import LabelContent
from traceapp.labels.render.khmer import FONT_DIR
from traceapp.labels.render.layouts import PT_PER_MM, get_layout
from traceapp.labels.render.pdf import LEADING, QR_MAX_SHARE, TEXT_GAP, render_pdf
from traceapp.labels.render.zpl import render_zpl

#: Whether the printed pages can be looked at: poppler's rasteriser, and libraqm in Pillow
#: for the reference rendering.
POPPLER_AND_RAQM = bool(shutil.which("pdftoppm")) and bool(features.check("raqm"))
pytestmark = pytest.mark.skipif(
    not POPPLER_AND_RAQM, reason="needs poppler-utils (pdftoppm) and Pillow with raqm"
)

#: "Fragrant jasmine rice" (Khmer writes a phrase without spaces): subscript consonants
#: (ង្ក, ក្រ, ផ្ក, ម្ល), a pre-base coeng ra and vowels above and below, which only shaping
#: draws right.
NAME = "អង្ករក្រអូបផ្កាម្លិះ"


def _label_pdf(name: str) -> bytes:
    content = LabelContent(
        url="https://trace.example/l/KHM0000001",
        product_name=name,
        lot_code="TKO-2026-001",
        serial="KHM0000001",
    )
    out = io.BytesIO()
    render_pdf([content], "roll-50x30", out)
    return out.getvalue()


def _ink(png: bytes) -> np.ndarray:
    return np.array(Image.open(io.BytesIO(png)).convert("L")) < 128


def _trim(ink: np.ndarray) -> np.ndarray:
    rows, cols = np.where(ink.any(axis=1))[0], np.where(ink.any(axis=0))[0]
    return ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def name_line(pdf: bytes, layout_key: str = "roll-50x30", slot: int = 0) -> np.ndarray:
    """The product name's line of the label in ``slot`` on the first page, rasterised at
    600 dpi: the first band of ink in the label's text column (right of its QR code)."""
    dpi = 600
    png = subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-f", "1", "-l", "1", "-gray", "-png", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout
    ink = _ink(png)
    layout = get_layout(layout_key)
    x, y = layout.label_box(slot)
    cx0, cy0, cx1, cy1 = layout.content_box(slot)
    band = 2 * layout.url_size * LEADING
    width, height = (cx1 - cx0) * PT_PER_MM, (cy1 - cy0) * PT_PER_MM
    qr_side = min(height - band, width * QR_MAX_SHARE)
    left = (x + cx0) * PT_PER_MM + qr_side + TEXT_GAP * PT_PER_MM
    right = (x + cx1) * PT_PER_MM
    # Khmer vowels above the consonant rise above the Latin ascent: up to the label's edge.
    top = (y + layout.label_height) * PT_PER_MM
    bottom = (y + cy0) * PT_PER_MM + band
    page_top = layout.page_height * PT_PER_MM

    def px(value: float) -> int:
        return round(value * dpi / 72)

    column = ink[px(page_top - top) : px(page_top - bottom), px(left) : px(right)]
    rows = np.where(column.any(axis=1))[0]
    end = 0
    while end + 1 < len(rows) and rows[end + 1] - rows[end] <= 6:
        end += 1
    return _trim(column[rows[0] : rows[end] + 1])


def _name_line(pdf: bytes) -> np.ndarray:
    return name_line(pdf)


def shaped_and_naive(printed: np.ndarray, text: str) -> tuple[float, float]:
    """How closely a printed line matches ``text`` shaped by libraqm, and drawn unshaped."""
    shaped = _overlap(printed, _reference(text, printed.shape, ImageFont.Layout.RAQM))
    naive = _overlap(printed, _reference(text, printed.shape, ImageFont.Layout.BASIC))
    return shaped, naive


def _reference(text: str, shape: tuple[int, int], engine: ImageFont.Layout) -> np.ndarray:
    """``text`` drawn by Pillow (shaped by libraqm, or not at all with BASIC) in the bundled
    bold Khmer face, scaled to the printed line's size."""
    font = ImageFont.truetype(str(FONT_DIR / "NotoSansKhmer-Bold.ttf"), 200, layout_engine=engine)
    image = Image.new("L", (4000, 600), 255)
    ImageDraw.Draw(image).text((50, 150), text, font=font, fill=0)
    ink = _trim(np.array(image) < 128)
    scaled = Image.fromarray((ink * 255).astype("uint8")).resize(
        (shape[1], shape[0]), Image.Resampling.BILINEAR
    )
    return np.array(scaled) >= 128


def _overlap(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / (a | b).sum())


def test_a_khmer_product_name_prints_shaped():
    printed = _name_line(_label_pdf(NAME))
    shaped, naive = shaped_and_naive(printed, NAME)
    # The printed name matches the shaped reference closely, and an unshaped drawing of the
    # same characters (subscripts and vowels left in reading order) clearly does not.
    assert shaped > 0.8, shaped
    assert naive < 0.5, naive
    assert shaped - naive > 0.2


def test_the_pdf_embeds_the_khmer_face_and_keeps_the_text():
    pdf = _label_pdf(NAME)
    fonts = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True).stdout.decode()
    if not fonts:  # older pdffonts read files only
        fonts = NAME
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    # Copying the label's text gives the Khmer letters back (the ToUnicode map), none as '?'.
    assert "?" not in text
    assert {ch for ch in NAME if not ch.isspace()} <= set(text)
    assert "TKO-2026-001" in text


def test_latin_labels_are_unchanged_by_the_khmer_support():
    pdf = _label_pdf("Đậu phộng Xuân Phước")
    assert b"NotoSansKhmer" not in pdf


def test_zpl_falls_back_to_english_captions_in_khmer():
    from traceapp.labels.render.content import Captions

    khmer = Captions(lot="ឡូត៍", serial="លេខស៊េរី", best_before="ប្រើមុន", net="ទម្ងន់")
    content = LabelContent(url="https://t.example/l/A1", product_name="Rice", lot_code="L1")
    (zpl,) = render_zpl([content], captions=khmer)
    assert "ឡូត៍" not in zpl
    assert "Lot" in zpl
    assert "^FXCaptions in English" in zpl  # and the file says why
