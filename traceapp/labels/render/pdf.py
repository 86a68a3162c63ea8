"""Streaming PDF sheets of labels: pages are written as they fill, fonts and xref at the end."""

from __future__ import annotations

import itertools
import math
from array import array
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import IO

from .cjk import CidFont
from .content import Captions, LabelContent, default_captions, field_lines, strip_scheme
from .fonts import DocumentFont, FontFace, _num, face
from .khmer import KhmerFont
from .khmer import shaper as khmer_shaper
from .layouts import PT_PER_MM, Layout, get_layout
from .pdfwriter import PdfWriter, symbol_rectangles
from .qr import QUIET_ZONE, check_ec, qr_dark

#: Report progress about this often (labels).
PROGRESS_EVERY = 500
#: zlib level for page content: 1 is ~4x faster than 6 and the streams are repetitive anyway.
CONTENT_COMPRESSION = 1
FONT_COMPRESSION = 6
#: Line height as a multiple of the font size, and the first baseline below the top edge.
LEADING = 1.22
ASCENT = 0.8
#: Space between the QR quiet zone and the text column, in mm.
TEXT_GAP = 0.8
#: The QR square may take at most this share of the content width.
QR_MAX_SHARE = 0.55
#: Distinct label texts kept ready to reuse; bounded so memory does not grow with a run.
STATIC_CACHE_SIZE = 256


def _pt(mm: float) -> float:
    """Millimetres to points."""
    return mm * PT_PER_MM


class _Geometry:
    """Where things go inside one label's content box (label-local points)."""

    def __init__(self, doc: _SheetDocument, box: tuple[float, float, float, float]) -> None:
        layout = doc.layout
        self.doc = doc
        self.x0, self.y0, self.x1, self.y1 = (_pt(v) for v in box)
        self.url_size = layout.url_size
        band = 2 * self.url_size * LEADING
        first_baseline = self.y0 + band - ASCENT * self.url_size
        self.url_positions = (
            _position(self.x0, first_baseline),
            _position(self.x0, first_baseline - self.url_size * LEADING),
        )
        width = self.x1 - self.x0
        self.qr_side = min(self.y1 - self.y0 - band, width * QR_MAX_SHARE)
        self.text_x = self.x0 + self.qr_side + _pt(TEXT_GAP)
        self.text_width = self.x1 - self.text_x
        self.text_top = self.y1
        self.text_height = self.y1 - self.y0 - band
        self._static: dict[tuple, tuple[bytes, tuple | None]] = {}

    def static(self, content: LabelContent) -> tuple[bytes, tuple | None]:
        """The label's text that does not change from one serial to the next, cached."""
        key = (
            content.product_name,
            content.lot_code,
            content.net_quantity,
            content.best_before,
            content.mark_name,
            content.ocop_stars,
            content.gtin_display,
            content.serial is None,
        )
        cached = self._static.get(key)
        if cached is None:
            if len(self._static) >= STATIC_CACHE_SIZE:
                self._static.clear()
            cached = self._static[key] = self._layout_text(content)
        return cached

    def _layout_text(self, content: LabelContent) -> tuple[bytes, tuple | None]:
        """Fit the product name and the field lines into the text column."""
        doc = self.doc
        regular, bold = doc.regular_face, doc.bold_face
        captions = doc.captions
        name = bold.printable(content.product_name)
        # printable() trims the space a language puts after the serial caption ("Serial: ",
        # but Chinese "序列号：" has none); it is kept, and the serial follows it.
        body = [
            (
                kind,
                regular.printable(text) + (text[len(text.rstrip()) :] if kind == "serial" else ""),
            )
            for kind, text in field_lines(content, captions)
        ]
        # Giving way in turn: the GTIN (it is also in the Digital Link text under the QR),
        # then a little type size, then the product name's second line, then more size.
        short = [line for line in body if line[0] != "gtin"]
        attempts = [(body, 2, 1.0), (short, 2, 1.0), (short, 2, 0.92), (short, 1, 1.0)]
        attempts += [(short, 1, scale) for scale in (0.92, 0.85, 0.78, 0.72, 0.66)]
        layout = self.doc.layout
        for lines, name_lines, scale in attempts:
            name_size = layout.name_size * scale
            body_size = layout.body_size * scale
            wrapped = bold.wrap(name, name_size, self.text_width, name_lines) if name else []
            height = (len(wrapped) * name_size + len(lines) * body_size) * LEADING
            if height <= self.text_height:
                break
        else:  # the smallest attempt still overflows: keep the lines that fit, in order
            room = int(
                (self.text_height - len(wrapped) * name_size * LEADING) // (body_size * LEADING)
            )
            lines = lines[: max(room, 0)]
        ops = [b"BT\n"]
        y = self.text_top - ASCENT * (name_size if wrapped else body_size)
        for text in wrapped:
            ops.append(_line(doc.bold, bold, text, name_size, _position(self.text_x, y)))
            y -= name_size * LEADING
        serial_slot = None
        for kind, text in lines:
            position = _position(self.text_x, y)
            if kind == "serial":
                ops.append(_line(doc.regular, regular, text, body_size, position))
                offset = regular.width(text, body_size)
                serial_slot = (
                    _position(self.text_x + offset, y),
                    body_size,
                    self.text_width - offset,
                )
            else:
                bold_line = kind == "ocop"
                ops.append(
                    _line(
                        doc.bold if bold_line else doc.regular,
                        bold if bold_line else regular,
                        text,
                        body_size,
                        position,
                        self.text_width,
                    )
                )
            y -= body_size * LEADING
        ops.append(b"ET\n")
        return b"".join(ops), serial_slot

    def dynamic(self, content: LabelContent, serial_slot: tuple | None) -> bytes:
        """The serial and the human-readable URL, which differ on every label."""
        doc = self.doc
        regular = doc.regular_face
        ops = [b"BT\n"]
        if serial_slot is not None and content.serial is not None:
            position, size, width = serial_slot
            serial = regular.printable(content.serial)
            ops.append(_line(doc.regular, regular, serial, size, position, width, 50.0))
        text = regular.printable(content.short_text or strip_scheme(content.url))
        size = self.url_size
        width = self.x1 - self.x0
        first, second = regular.break_url(text, size, width)
        if second:
            ops.append(_line(doc.regular, regular, first, size, self.url_positions[0], width))
            ops.append(
                _line(doc.regular, regular, second, size, self.url_positions[1], width, 70.0)
            )
        elif first:
            ops.append(_line(doc.regular, regular, first, size, self.url_positions[1], width))
        ops.append(b"ET\n")
        return b"".join(ops)


def _position(x: float, y: float) -> bytes:
    """A text matrix placing the next line at (x, y)."""
    return b"1 0 0 1 %s %s Tm " % (_num(round(x, 2)), _num(round(y, 2)))


def _line(
    font: DocumentFont,
    font_face: FontFace,
    text: str,
    size: float,
    position: bytes,
    width: float | None = None,
    min_scale: float = 75.0,
) -> bytes:
    """Operators for one line of text, squeezed or truncated to ``width`` when given."""
    scale = 100.0
    if width is not None:
        text, scale = font_face.fit(text, size, width, min_scale=min_scale)
    shown = font.show(text, size)
    if scale < 100.0:
        return position + b"%s Tz %s 100 Tz\n" % (_num(round(scale, 1)), shown)
    return position + shown + b"\n"


class _SheetDocument:
    """One PDF being written: layout, fonts, page list, and per-slot placement."""

    def __init__(self, layout: Layout, out: IO[bytes], ec: str, captions: Captions) -> None:
        self.layout = layout
        self.ec = ec
        self.captions = captions
        self.writer = PdfWriter(out)
        self.catalog = self.writer.allocate()
        self.pages = self.writer.allocate()
        self.info = self.writer.allocate()
        # Chinese captions borrow glyphs from a CID font the reader supplies (see cjk.py).
        self.regular_face, self.bold_face = face(False, chinese=True), face(True, chinese=True)
        self.chinese: CidFont | None = None
        # Khmer runs are shaped and drawn with the bundled Khmer face (see khmer.py).
        self.khmer: dict[bool, KhmerFont] = {}
        self.regular = DocumentFont(
            self.regular_face,
            "F",
            self.writer.allocate,
            self.chinese_font,
            lambda: self.khmer_font(False),
        )
        self.bold = DocumentFont(
            self.bold_face,
            "B",
            self.writer.allocate,
            self.chinese_font,
            lambda: self.khmer_font(True),
        )
        self.page_ids = array("I")
        self.media_box = b"[0 0 %s %s]" % (
            _num(round(_pt(layout.page_width), 3)),
            _num(round(_pt(layout.page_height), 3)),
        )
        self.grid = 72.0 / layout.grid_dpi
        geometries: dict[tuple, _Geometry] = {}
        self.slots: list[tuple[bytes, float, float, _Geometry]] = []
        for slot in range(layout.per_page):
            x0, y0, x1, y1 = layout.content_box(slot)
            box = (round(x0, 4), round(y0, 4), round(x1, 4), round(y1, 4))
            if box not in geometries:
                geometries[box] = _Geometry(self, box)
            x, y = (_pt(v) for v in layout.label_box(slot))
            origin = b"q 1 0 0 1 %s %s cm\n" % (_num(round(x, 3)), _num(round(y, 3)))
            self.slots.append((origin, x, y, geometries[box]))
        self._qr_headers: dict[tuple[int, int], bytes] = {}

    def chinese_font(self) -> CidFont:
        """The document's Chinese font, added when a label first needs it."""
        if self.chinese is None:
            self.chinese = CidFont(self.writer.allocate)
        return self.chinese

    def khmer_font(self, bold: bool) -> KhmerFont:
        """The document's regular or bold Khmer font, added when a label first needs it."""
        font = self.khmer.get(bold)
        if font is None:
            tag = b"/K1" if bold else b"/K0"
            font = self.khmer[bold] = KhmerFont(khmer_shaper(bold), tag, self.writer.allocate)
        return font

    def qr_header(self, slot: int, modules: int) -> bytes:
        """The transform drawing a ``modules``-wide symbol in module units, top-left origin."""
        key = (slot, modules)
        header = self._qr_headers.get(key)
        if header is None:
            _origin, label_x, label_y, geometry = self.slots[slot]
            grid = self.grid
            module = geometry.qr_side / (modules + 2 * QUIET_ZONE)
            if module >= grid:  # whole printer dots per module print evenly
                module = math.floor(module / grid + 1e-9) * grid
            # Snap the symbol's page position to the same grid, then make it label-local.
            left = label_x + geometry.x0 + QUIET_ZONE * module
            top = label_y + geometry.y1 - QUIET_ZONE * module
            left = math.ceil(left / grid - 1e-9) * grid - label_x
            top = math.floor(top / grid + 1e-9) * grid - label_y
            header = self._qr_headers[key] = b"0 g q %s 0 0 %s %s %s cm\n" % (
                _num(round(module, 4)),
                _num(round(-module, 4)),
                _num(round(left, 4)),
                _num(round(top, 4)),
            )
        return header

    def add_page(self, batch: list[LabelContent]) -> None:
        """Draw up to one page of labels and write the page out."""
        for content in batch:
            if not isinstance(content, LabelContent):
                raise TypeError("contents: every item must be a LabelContent")
        symbols = symbol_rectangles([qr_dark(content.url, self.ec) for content in batch])
        parts: list[bytes] = []
        for slot, (content, (modules, rectangles)) in enumerate(zip(batch, symbols, strict=True)):
            origin, _x, _y, geometry = self.slots[slot]
            static, serial_slot = geometry.static(content)
            parts += (
                origin,
                static,
                geometry.dynamic(content, serial_slot),
                self.qr_header(slot, modules),
                rectangles,
                b"f Q Q\n",
            )
        writer = self.writer
        contents_id = writer.allocate()
        writer.write_stream(contents_id, b"".join(parts), CONTENT_COMPRESSION)
        page_id = writer.allocate()
        fonts = self.regular.resource_names() + b" " + self.bold.resource_names()
        if self.chinese is not None:
            fonts += b" " + self.chinese.resource_names()
        for font in self.khmer.values():
            fonts += b" " + font.resource_names()
        writer.write_object(
            page_id,
            b"<< /Type /Page /Parent %d 0 R /MediaBox %s /Resources << /Font << %s >> >> "
            b"/Contents %d 0 R >>" % (self.pages, self.media_box, fonts, contents_id),
        )
        self.page_ids.append(page_id)

    def finish(self) -> None:
        """Write the fonts, page tree, catalogue and cross-reference table."""
        writer = self.writer
        self.regular.write_objects(writer, FONT_COMPRESSION)
        self.bold.write_objects(writer, FONT_COMPRESSION)
        if self.chinese is not None:
            self.chinese.write_objects(writer, FONT_COMPRESSION)
        for font in self.khmer.values():
            font.write_objects(writer, FONT_COMPRESSION)
        kids = b" ".join(b"%d 0 R" % page for page in self.page_ids)
        writer.write_object(
            self.pages,
            b"<< /Type /Pages /Count %d /Kids [%s] >>" % (len(self.page_ids), kids),
        )
        writer.write_object(self.catalog, b"<< /Type /Catalog /Pages %d 0 R >>" % self.pages)
        stamp = datetime.now(UTC).strftime("D:%Y%m%d%H%M%SZ").encode()
        writer.write_object(self.info, b"<< /Producer (traceapp) /CreationDate (%s) >>" % stamp)
        writer.finish(self.catalog, self.info)


def render_pdf(
    contents: Iterable[LabelContent],
    layout: str,
    out: IO[bytes],
    *,
    ec: str = "M",
    progress: Callable[[int], None] | None = None,
    captions: Captions | None = None,
) -> int:
    """Write a PDF of labels on ``layout`` to ``out`` while consuming ``contents``.

    Memory stays flat: each page is written as soon as it is full. ``progress(n)`` is called
    about every 500 labels and once at the end. Returns the number of labels written.
    """
    spec = get_layout(layout)
    level = check_ec(ec)
    items = iter(contents)
    first = next(items, None)
    if first is None:
        raise ValueError("contents: there are no labels to print")
    document = _SheetDocument(spec, out, level, captions or default_captions())
    items = itertools.chain([first], items)
    done = 0
    reported = 0
    while batch := list(itertools.islice(items, spec.per_page)):
        document.add_page(batch)
        done += len(batch)
        if progress is not None and done - reported >= PROGRESS_EVERY:
            progress(done)
            reported = done
    document.finish()
    if progress is not None and reported != done:
        progress(done)
    return done
