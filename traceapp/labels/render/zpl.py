"""ZPL II for Zebra-compatible thermal printers: one ^XA...^XZ format per label."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import qrcode
from qrcode import constants, util

from .content import (
    Captions,
    LabelContent,
    default_captions,
    english_captions,
    field_lines,
    strip_scheme,
)
from .fonts import FontFace, face
from .qr import QUIET_ZONE, check_ec

MM_PER_INCH = 25.4
#: Text heights in mm (at 203 dpi: 21, 17 and 15 dots), and line spacing.
NAME_MM, BODY_MM, URL_MM = 2.6, 2.1, 1.9
LINE_SPACING = 1.2
#: Blank border inside the label, in mm.
MARGIN_MM = 1.5
#: Held back under the symbol: some firmware prints ^BQ a few dots below its ^FO.
QR_DRIFT_DOTS = 10
#: The smallest scalable-font height that still prints legibly, in dots.
MIN_TEXT_DOTS = 12

_EC = {
    "L": constants.ERROR_CORRECT_L,
    "M": constants.ERROR_CORRECT_M,
    "Q": constants.ERROR_CORRECT_Q,
    "H": constants.ERROR_CORRECT_H,
}
# ^ and ~ start commands anywhere in the data stream and _ is the ^FH escape character.
_HEX_ESCAPES = {ord(ch): f"_{ord(ch):02X}" for ch in "^~_"}


@functools.cache
def qr_modules_for_bytes(length: int, ec: str) -> int:
    """Modules across a byte-mode QR symbol holding ``length`` bytes at level ``ec``."""
    code = qrcode.QRCode(error_correction=_EC[ec])
    code.add_data(util.QRData(b"\0" * length, mode=util.MODE_8BIT_BYTE, check_data=False))
    try:
        version = code.best_fit()
    except qrcode.exceptions.DataOverflowError as exc:
        raise ValueError("url: too long for a QR code") from exc
    return 17 + 4 * version


def field_data(text: str, *, block: bool = True) -> str:
    """``^FD...^FS`` for ``text``, behind ``^FH`` when a character must be hex-escaped."""
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    if block:  # inside ^FB a backslash starts an escape of its own; doubled it prints as one
        text = text.replace("\\", "\\\\")
    escaped = text.translate(_HEX_ESCAPES)
    prefix = "^FH" if escaped != text else ""
    return f"{prefix}^FD{escaped}^FS"


@dataclass(frozen=True, slots=True)
class _Frame:
    """Label geometry in printer dots."""

    width: int
    height: int
    margin: int
    name: int
    body: int
    url: int

    @classmethod
    def build(cls, width_mm: float, height_mm: float, dpi: int) -> _Frame:
        """Convert the label size and text heights to dots."""
        if not (width_mm > 0 and height_mm > 0 and dpi > 0):
            raise ValueError("width_mm, height_mm and dpi must be positive")

        def dots(mm: float) -> int:
            return round(mm / MM_PER_INCH * dpi)

        return cls(
            width=dots(width_mm),
            height=dots(height_mm),
            margin=dots(MARGIN_MM),
            name=max(MIN_TEXT_DOTS, dots(NAME_MM)),
            body=max(MIN_TEXT_DOTS, dots(BODY_MM)),
            url=max(MIN_TEXT_DOTS, dots(URL_MM)),
        )


class _ZplLabel:
    """Builds the fields of one label."""

    def __init__(self, frame: _Frame, font: str, metrics: FontFace) -> None:
        self.frame = frame
        self.font = font
        self.metrics = metrics
        self.fields: list[str] = []

    def text(self, x: int, y: int, height: int, width: int, text: str) -> None:
        """One line of text at (x, y), at most ``width`` dots wide (clipped by ^FB)."""
        if self.font.isalnum() and len(self.font) == 1:
            select = f"^A{self.font}N,{height},{height}"
        else:  # a font file on the printer, e.g. E:TT0003M_.FNT, for full Unicode coverage
            select = f"^A@N,{height},{height},{self.font}"
        self.fields.append(f"^FO{x},{y}{select}^FB{width},1,0,L,0{field_data(text)}")

    def fit(self, text: str, height: int, width: int) -> str:
        """``text`` truncated with an ellipsis where the printer font would overflow."""
        fitted, _scale = self.metrics.fit(text, height, width, min_scale=100.0, ellipsis="...")
        return fitted


def render_zpl(
    contents: Iterable[LabelContent],
    *,
    width_mm: float = 50,
    height_mm: float = 30,
    dpi: int = 203,
    ec: str = "M",
    captions: Captions | None = None,
    font: str = "0",
    star: str = "*",
) -> Iterator[str]:
    """Yield one ZPL label format per content; encode each as UTF-8 (``^CI28``) to send it.

    ``font`` is a resident font letter (``0`` is the scalable default) or a font file on the
    printer such as ``E:TT0003M_.FNT``, which is needed for every Vietnamese glyph to print on
    many models. ``star`` draws the OCOP stars; ``*`` prints with every font.

    Label printers hold no Chinese font unless one was loaded onto them, so captions in a
    script the label face lacks (Chinese, Khmer) are printed in English rather than as '?'.
    Product names in those scripts print as '?' unless ``font`` names a printer font that
    has them: print such labels as a PDF sheet (which embeds the fonts and shapes Khmer).
    """
    level = check_ec(ec)
    frame = _Frame.build(width_mm, height_mm, dpi)
    metrics = face(True)  # a bold condensed face, like the printers' font 0
    asked = captions or default_captions()
    captions = printable_captions(asked, metrics)
    # Said in the file itself (a ZPL comment), so whoever sends it knows why.
    note = "" if captions is asked else FALLBACK_NOTE
    for content in contents:
        if not isinstance(content, LabelContent):
            raise TypeError("contents: every item must be a LabelContent")
        printed = _label(content, frame, level, captions, font, star, metrics)
        yield printed.replace("^XA\n", "^XA\n" + note, 1) if note else printed


#: The ZPL comment of a file whose captions fell back to English.
FALLBACK_NOTE = (
    "^FXCaptions in English: the printer font lacks the script of the label's language "
    "(Chinese, Khmer); print a PDF sheet for them.^FS\n"
)


def printable_captions(captions: Captions, metrics: FontFace) -> Captions:
    """The captions, or the English ones when the face lacks some of their letters."""
    if all(metrics.has_glyphs(text) for text in captions.texts()):
        return captions
    return english_captions()


def _label(
    content: LabelContent,
    frame: _Frame,
    ec: str,
    captions: Captions,
    font: str,
    star: str,
    metrics: FontFace,
) -> str:
    """The ZPL of one label."""
    data = content.url.encode("utf-8")
    modules = qr_modules_for_bytes(len(data), ec)
    url_line = round(frame.url * LINE_SPACING)
    band = 2 * url_line
    inner_width = frame.width - 2 * frame.margin
    room = min(frame.height - 2 * frame.margin - band - QR_DRIFT_DOTS, inner_width * 0.55)
    magnification = min(10, int(room // (modules + 2 * QUIET_ZONE)))
    if magnification < 1:
        raise ValueError("url: too long for a QR code on this label size")
    zpl = _ZplLabel(frame, font, metrics)
    qr_x = qr_y = frame.margin + QUIET_ZONE * magnification
    # Manual byte mode fixes the symbol version, so the size computed above is the printed one.
    zpl.fields.append(
        f"^FO{qr_x},{qr_y}^BQN,2,{magnification}"
        + field_data(f"{ec}M,B{len(data):04d}{content.url}", block=False)
    )
    text_x = frame.margin + (modules + 2 * QUIET_ZONE) * magnification + QUIET_ZONE
    text_width = frame.width - frame.margin - text_x
    text_bottom = frame.height - frame.margin - band
    _text_column(zpl, content, captions, star, text_x, text_width, text_bottom)
    short = metrics.printable(content.short_text or strip_scheme(content.url))
    first, second = metrics.break_url(short, frame.url, inner_width)
    bottom = frame.height - frame.margin
    if second:
        zpl.text(frame.margin, bottom - band, frame.url, inner_width, first)
        zpl.text(
            frame.margin,
            bottom - url_line,
            frame.url,
            inner_width,
            zpl.fit(second, frame.url, inner_width),
        )
    else:
        zpl.text(frame.margin, bottom - url_line, frame.url, inner_width, first)
    body = "\n".join(zpl.fields)
    return f"^XA\n^CI28\n^PW{frame.width}\n^LL{frame.height}\n^LH0,0\n{body}\n^PQ1\n^XZ\n"


def _text_column(
    zpl: _ZplLabel,
    content: LabelContent,
    captions: Captions,
    star: str,
    x: int,
    width: int,
    bottom: int,
) -> None:
    """Product name and field lines to the right of the symbol, above ``bottom``."""
    frame, metrics = zpl.frame, zpl.metrics
    name = metrics.printable(content.product_name)
    # printable() trims the space a language puts after the serial caption; it is kept.
    lines = [
        (kind, metrics.printable(text) + (text[len(text.rstrip()) :] if kind == "serial" else ""))
        for kind, text in field_lines(content, captions, star)
    ]
    serial = metrics.printable(content.serial) if content.serial is not None else ""
    name_step = round(frame.name * LINE_SPACING)
    body_step = round(frame.body * LINE_SPACING)
    room = bottom - frame.margin
    wrapped = metrics.wrap(name, frame.name, width, 2, "...") if name else []
    while len(wrapped) * name_step + len(lines) * body_step > room:
        if any(kind == "gtin" for kind, _text in lines):
            lines = [line for line in lines if line[0] != "gtin"]
        elif len(wrapped) > 1:
            wrapped = metrics.wrap(name, frame.name, width, 1, "...")
        else:
            lines = lines[:-1]
    y = frame.margin
    for text in wrapped:
        zpl.text(x, y, frame.name, width, text)
        y += name_step
    for kind, text in lines:
        height = frame.body
        if kind == "serial":
            text = f"{text}{serial}"
            # A serial is never cut short: a smaller font keeps it whole.
            natural = metrics.width(text, height)
            if natural > width:
                height = max(MIN_TEXT_DOTS, int(height * width / natural))
        zpl.text(x, y, height, width, zpl.fit(text, height, width))
        y += body_step
