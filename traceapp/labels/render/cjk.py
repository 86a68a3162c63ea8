"""Chinese text on PDF labels: Adobe's STSong-Light CID font, named but not embedded.

The bundled DejaVu faces have no Chinese glyphs, and a freely licensed CJK font is tens of
megabytes. PDF readers instead supply STSong-Light, one of the standard Adobe CJK fonts
(Acrobat through its Asian font pack, other readers by substitution), so a PDF only has to
name it: a Type 0 font with the predefined ``UniGB-UCS2-H`` CMap, whose codes are the
characters' UCS-2 (Unicode) values. The metrics come from ReportLab's tables for the font.
Characters the label face lacks and this font covers are drawn with it; nothing changes for
labels without such characters.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Protocol

from reportlab.pdfbase._cidfontdata import CIDFontInfo
from reportlab.pdfbase.cidfonts import UnicodeCIDFont

from .cmap import to_unicode_cmap

FONT_NAME = "STSong-Light"
ENCODING = "UniGB-UCS2-H"
#: Resource name of the font on the pages that use it.
TAG = b"/C0"
#: Blocks of Chinese script and punctuation (all in the Basic Multilingual Plane, so a UCS-2
#: code is the code point): radicals, CJK symbols and punctuation, bopomofo, extension A,
#: the unified ideographs, compatibility ideographs, vertical forms, CJK compatibility forms,
#: and half-width and full-width forms (the full-width colon of Chinese captions).
_BLOCKS = (
    (0x2E80, 0x2FDF),
    (0x3000, 0x303F),
    (0x3100, 0x312F),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0xFE10, 0xFE1F),
    (0xFE30, 0xFE4F),
    (0xFF00, 0xFFEF),
)


class ObjectWriter(Protocol):
    """What the font needs from the PDF writer."""

    def allocate(self) -> int:
        """Reserve an object number."""

    def write_object(self, number: int, body: bytes) -> None:
        """Write a non-stream object."""

    def write_stream(self, number: int, data: bytes, level: int, extra: bytes = b"") -> None:
        """Write a compressed stream object."""


def covers(ch: str) -> bool:
    """Whether the Chinese font draws ``ch``."""
    code = ord(ch)
    return any(low <= code <= high for low, high in _BLOCKS)


@functools.cache
def _metrics() -> UnicodeCIDFont:
    return UnicodeCIDFont(FONT_NAME)


def width(ch: str) -> float:
    """Advance width of ``ch`` in thousandths of the type size."""
    return float(_metrics().stringWidth(ch, 1000))


class CidFont:
    """The Chinese font as used by one PDF: one object number, the characters shown."""

    def __init__(self, allocate: Callable[[], int]) -> None:
        """Reserve the font's object number; the objects are written at the end."""
        self.number = allocate()
        self.used: set[int] = set()

    def resource_names(self) -> bytes:
        """The ``/Name n 0 R`` entry for a page's Font resources."""
        return b"%s %d 0 R" % (TAG, self.number)

    def show(self, text: str, size: bytes) -> bytes:
        """Operators selecting the font at ``size`` (a PDF number) and showing ``text``."""
        self.used.update(map(ord, text))
        return b"%s %s Tf <%s> Tj" % (TAG, size, text.encode("utf-16-be").hex().encode())

    def write_objects(self, writer: ObjectWriter, level: int) -> None:
        """Write the Type 0 font, its CIDFont, the descriptor and a ToUnicode map."""
        info = CIDFontInfo[FONT_NAME]["DescendantFonts"][0]
        desc = info["FontDescriptor"]
        cid_font, descriptor, cmap = (writer.allocate() for _ in range(3))
        bbox = " ".join(str(v) for v in desc["FontBBox"])
        writer.write_object(
            descriptor,
            (
                f"<< /Type /FontDescriptor /FontName {desc['FontName']} /Flags {desc['Flags']} "
                f"/FontBBox [{bbox}] /ItalicAngle {desc['ItalicAngle']} /Ascent {desc['Ascent']} "
                f"/Descent {desc['Descent']} /CapHeight {desc['CapHeight']} "
                f"/StemV {desc['StemV']} /MissingWidth {desc['MissingWidth']} >>"
            ).encode(),
        )
        system = info["CIDSystemInfo"]
        writer.write_object(
            cid_font,
            (
                f"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /{FONT_NAME} "
                f"/CIDSystemInfo << /Registry {system['Registry']} /Ordering {system['Ordering']} "
                f"/Supplement {system['Supplement']} >> /FontDescriptor {descriptor} 0 R "
                f"/DW {info['DW']} /W {_widths(info['W'])} >>"
            ).encode(),
        )
        writer.write_stream(cmap, to_unicode_cmap(((c, c) for c in sorted(self.used)), 2), level)
        writer.write_object(
            self.number,
            (
                f"<< /Type /Font /Subtype /Type0 /BaseFont /{FONT_NAME}-{ENCODING} "
                f"/Encoding /{ENCODING} /DescendantFonts [{cid_font} 0 R] "
                f"/ToUnicode {cmap} 0 R >>"
            ).encode(),
        )


def _widths(entries: list) -> str:
    """A PDF /W array from ReportLab's nested list."""
    parts = []
    for entry in entries:
        if isinstance(entry, list):
            parts.append("[" + " ".join(str(v) for v in entry) + "]")
        else:
            parts.append(str(entry))
    return "[" + " ".join(parts) + "]"
