"""Label rendering: QR matrices, PNG/SVG codes, streaming PDF sheets and ZPL, no database.

The functions here are pure: they take label contents and write bytes or text. The database
side (label runs, serials, voids) builds a ``LabelContent`` per label and calls them.
"""

from __future__ import annotations

from .render.content import (
    MAX_COPIES,
    Captions,
    LabelContent,
    default_captions,
    lot_label_copies,
)
from .render.layouts import LAYOUTS, Layout, get_layout
from .render.pdf import PROGRESS_EVERY, render_pdf
from .render.qr import EC_LEVELS, QUIET_ZONE, qr_matrix, render_png, render_svg
from .render.zpl import render_zpl

__all__ = [
    "EC_LEVELS",
    "LAYOUTS",
    "MAX_COPIES",
    "PROGRESS_EVERY",
    "QUIET_ZONE",
    "Captions",
    "LabelContent",
    "Layout",
    "default_captions",
    "get_layout",
    "lot_label_copies",
    "qr_matrix",
    "render_pdf",
    "render_png",
    "render_svg",
    "render_zpl",
]
