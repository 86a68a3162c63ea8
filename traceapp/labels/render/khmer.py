"""Khmer text on PDF labels: shaped by HarfBuzz, drawn as positioned glyphs of Noto Sans Khmer.

Khmer is a complex script: a consonant with a subscript (coeng + consonant), a vowel written
before the consonant it follows in speech, or stacked signs are glyphs that only a shaper
chooses and places; drawing the characters one by one prints a wrong word. Runs of Khmer
characters are shaped with ``uharfbuzz`` and drawn from the bundled Noto Sans Khmer face
(SIL Open Font License, ``data/fonts/LICENSE-NotoSansKhmer.txt``), embedded whole as a
CID-keyed TrueType font addressed by glyph id (``Identity-H``). Every glyph is placed by the
shaper's offsets and advances (``TJ`` adjustments and a text rise), and a ToUnicode map gives
each cluster's first glyph the cluster's characters, so the PDF's text can be copied.
Text without Khmer characters is drawn as before.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import threading
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple, Protocol

import uharfbuzz as hb  # type: ignore[import-untyped]

FONT_DIR = Path(__file__).resolve().parents[2] / "data" / "fonts"
FONT_FILES = {False: "NotoSansKhmer-Regular.ttf", True: "NotoSansKhmer-Bold.ttf"}
#: Khmer and Khmer symbols.
_BLOCKS = ((0x1780, 0x17FF), (0x19E0, 0x19FF))


def covers(ch: str) -> bool:
    """Whether ``ch`` is a Khmer character (drawn shaped, with the Khmer face)."""
    code = ord(ch)
    return any(low <= code <= high for low, high in _BLOCKS)


def has_khmer(text: str) -> bool:
    """Whether ``text`` holds a Khmer character."""
    return any(covers(ch) for ch in text)


class Glyph(NamedTuple):
    """One shaped glyph, in font units: its id, its offsets, its advance, its cluster."""

    gid: int
    x_offset: int
    y_offset: int
    x_advance: int
    cluster: int


class Shaper:
    """One Khmer face: HarfBuzz shaping of runs (cached) and the font file for embedding."""

    def __init__(self, path: Path) -> None:
        """Load the font once per process."""
        self.data = path.read_bytes()
        self.face = hb.Face(self.data)
        self.upem = self.face.upem
        self._font = hb.Font(self.face)
        self._lock = threading.Lock()  # a HarfBuzz font is not shared between threads
        self._cache: dict[str, tuple[tuple[Glyph, ...], int]] = {}
        self.base_name = path.stem.replace(" ", "")
        extents = self._font.get_font_extents("ltr")
        self.ascender, self.descender = extents.ascender, extents.descender

    def shape(self, text: str) -> tuple[tuple[Glyph, ...], int]:
        """The glyphs of ``text`` (Khmer) and its advance, in font units."""
        cached = self._cache.get(text)
        if cached is not None:
            return cached
        buf = hb.Buffer()
        buf.add_str(text)
        buf.direction = "ltr"
        buf.script = "Khmr"
        buf.language = "km"
        with self._lock:
            hb.shape(self._font, buf, {})
        glyphs = tuple(
            Glyph(info.codepoint, pos.x_offset, pos.y_offset, pos.x_advance, info.cluster)
            for info, pos in zip(buf.glyph_infos, buf.glyph_positions, strict=True)
        )
        shaped = (glyphs, sum(g.x_advance for g in glyphs))
        if len(self._cache) > 4096:
            self._cache.clear()
        self._cache[text] = shaped
        return shaped

    @functools.lru_cache(maxsize=512)  # noqa: B019 - one shaper per face, for the process
    def nominal(self, ch: str) -> int | None:
        """The glyph the font maps ``ch`` to before shaping."""
        with self._lock:
            return self._font.get_nominal_glyph(ord(ch))

    def width(self, text: str, size: float) -> float:
        """The shaped advance of ``text`` in points at ``size``."""
        return self.shape(text)[1] * size / self.upem


def runs_width(shaper_: Shaper, shaped: set[str], text: str, size: float) -> float:
    """The shaped advance of the Khmer runs of ``text`` (``shaped``: its Khmer characters)."""
    runs = ("".join(run) for inside, run in itertools.groupby(text, shaped.__contains__) if inside)
    return sum(shaper_.width(run, size) for run in runs)


def cluster_head(text: str) -> str:
    """``text`` without a trailing incomplete Khmer cluster, so a cut never falls between a
    consonant and its signs, or after a coeng (which makes the next consonant a subscript)."""
    while text and (unicodedata.category(text[-1]) in ("Mn", "Mc") or text[-1] == "\u17d2"):
        text = text[:-1]
    return text


@functools.cache
def shaper(bold: bool = False) -> Shaper:
    """The regular or bold Khmer face, loaded on first use."""
    return Shaper(FONT_DIR / FONT_FILES[bold])


class ObjectWriter(Protocol):
    """What the font needs from the PDF writer."""

    def allocate(self) -> int:
        """Reserve an object number."""

    def write_object(self, number: int, body: bytes) -> None:
        """Write a non-stream object."""

    def write_stream(self, number: int, data: bytes, level: int, extra: bytes = b"") -> None:
        """Write a compressed stream object."""


def _n(value: float) -> bytes:
    """A PDF number of at most three decimals."""
    if value == int(value):
        return b"%d" % int(value)
    return (f"{value:.3f}".rstrip("0").rstrip(".")).encode("ascii")


class KhmerFont:
    """The Khmer face as one PDF uses it: a Type 0 font whose codes are glyph ids."""

    def __init__(self, shaper_: Shaper, tag: bytes, allocate: Callable[[], int]) -> None:
        """Reserve the font's object number; glyphs are recorded as they are drawn."""
        self.shaper = shaper_
        self.tag = tag
        self.number = allocate()
        #: For each glyph drawn, the characters it stands for (ToUnicode).
        self.text_of: dict[int, str] = {}

    def resource_names(self) -> bytes:
        """``/Name n 0 R`` for the Font resource dictionary of a page."""
        return b"%s %d 0 R" % (self.tag, self.number)

    def show(self, text: str, size: bytes, scale_size: float) -> bytes:
        """Operators showing the shaped ``text`` at the current text position, leaving the
        position after its advance (``size`` formatted, ``scale_size`` its value)."""
        glyphs, _advance = self.shaper.shape(text)
        per_unit = 1000.0 / self.shaper.upem
        self._record_text(text, glyphs)
        out = [b"%s %s Tf" % (self.tag, size)]
        items: list[bytes] = []
        rise = 0
        for glyph in glyphs:
            if glyph.y_offset != rise:
                # A rise cannot change inside TJ: close the array, set it, open another.
                if items:
                    out.append(b"[%s] TJ" % b" ".join(items))
                    items = []
                rise = glyph.y_offset
                out.append(b"%s Ts" % _n(round(rise * scale_size / self.shaper.upem, 3)))
            # Glyphs have no width here (DW 0): every move is an adjustment, in 1/1000 em.
            if glyph.x_offset:
                items.append(_n(round(-glyph.x_offset * per_unit, 2)))
            items.append(b"<%04x>" % glyph.gid)
            rest = glyph.x_advance - glyph.x_offset
            if rest:
                items.append(_n(round(-rest * per_unit, 2)))
        if items:
            out.append(b"[%s] TJ" % b" ".join(items))
        if rise:
            out.append(b"0 Ts")
        return b" ".join(out)

    def _record_text(self, text: str, glyphs: tuple[Glyph, ...]) -> None:
        """Note what each glyph stands for: a glyph of one character that character; a
        glyph the shaper made (a subscript form, a ligature) the cluster's other characters."""
        starts = sorted({g.cluster for g in glyphs})
        for start, end in zip(starts, [*starts[1:], len(text)], strict=True):
            left = list(text[start:end])
            made = []
            for glyph in (g for g in glyphs if g.cluster == start):
                ch = next((c for c in left if self.shaper.nominal(c) == glyph.gid), None)
                if ch is None:
                    made.append(glyph.gid)
                else:
                    left.remove(ch)
                    self.text_of.setdefault(glyph.gid, ch)
            for index, gid in enumerate(made):
                self.text_of.setdefault(gid, "".join(left) if index == 0 else "")

    def write_objects(self, writer: ObjectWriter, level: int) -> None:
        """Write the font: Type 0 dictionary, CID font, descriptor, program, ToUnicode."""
        digest = hashlib.sha256(self.tag + self.shaper.data[:64]).digest()
        base = "".join(chr(65 + b % 26) for b in digest[:6]) + "+" + self.shaper.base_name
        cid, descriptor, program, cmap = (writer.allocate() for _ in range(4))
        writer.write_stream(
            program, self.shaper.data, level, b"/Length1 %d" % len(self.shaper.data)
        )
        upem = self.shaper.upem
        scale = 1000.0 / upem
        writer.write_object(
            descriptor,
            (
                f"<< /Type /FontDescriptor /FontName /{base} /Flags 4 "
                f"/FontBBox [{int(-600 * upem / 1000)} {int(-800 * upem / 1000)} "
                f"{int(1600 * upem / 1000)} {int(1600 * upem / 1000)}] /ItalicAngle 0 "
                f"/Ascent {round(self.shaper.ascender * scale)} "
                f"/Descent {round(self.shaper.descender * scale)} "
                f"/CapHeight 714 /StemV 80 /FontFile2 {program} 0 R >>"
            ).encode(),
        )
        writer.write_object(
            cid,
            (
                f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{base} "
                "/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
                f"/FontDescriptor {descriptor} 0 R /DW 0 /CIDToGIDMap /Identity >>"
            ).encode(),
        )
        writer.write_stream(cmap, self._to_unicode(), level)
        writer.write_object(
            self.number,
            (
                f"<< /Type /Font /Subtype /Type0 /BaseFont /{base} /Encoding /Identity-H "
                f"/DescendantFonts [{cid} 0 R] /ToUnicode {cmap} 0 R >>"
            ).encode(),
        )

    def _to_unicode(self) -> bytes:
        """A CMap from two-byte glyph codes to the characters each glyph stands for."""
        lines = [
            b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
            b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
            b"/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
            b"1 begincodespacerange <0000> <FFFF> endcodespacerange",
        ]
        entries = [
            (gid, text.encode("utf-16-be").hex().encode())
            for gid, text in sorted(self.text_of.items())
            if text
        ]
        for start in range(0, len(entries), 100):
            chunk = entries[start : start + 100]
            lines.append(b"%d beginbfchar" % len(chunk))
            lines += [b"<%04x> <%s>" % (gid, hexed) for gid, hexed in chunk]
            lines.append(b"endbfchar")
        lines.append(b"endcmap CMapName currentdict /CMap defineresource pop end end")
        return b"\n".join(lines)
