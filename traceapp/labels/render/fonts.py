"""Embedded TrueType text for the PDF writer: widths, subsets of 256 codes, font objects."""

from __future__ import annotations

import functools
import hashlib
import itertools
import threading
from collections.abc import Callable
from pathlib import Path

from reportlab.pdfbase.ttfonts import TTFontFile

from . import cjk, khmer
from .cjk import ObjectWriter
from .cmap import to_unicode_cmap
from .content import clean_text

FONT_DIR = Path(__file__).resolve().parents[2] / "data" / "fonts"
FONT_FILES = {False: "DejaVuSansCondensed.ttf", True: "DejaVuSansCondensed-Bold.ttf"}
ELLIPSIS = "\u2026"


class FontFace:
    """A TrueType file loaded once per process: metrics for layout and subsetting.

    With ``chinese`` set, characters the face lacks but the Chinese CID font covers are
    kept (see :mod:`.cjk`): their widths join ``widths`` and they are listed in
    ``borrowed``, so the PDF writer draws them with that font. Without it they print as '?'.
    """

    def __init__(
        self,
        path: Path,
        *,
        chinese: bool = False,
        source: FontFace | None = None,
        shaper: khmer.Shaper | None = None,
    ) -> None:
        """Parse the font file (or share ``source``'s) and index its widths by character."""
        self.ttf: TTFontFile
        self._lock: threading.Lock
        if source is not None:
            self.ttf, self._lock = source.ttf, source._lock
        else:
            self.ttf = TTFontFile(str(path))
            # makeSubset moves the parser's read position, so concurrent documents take turns.
            self._lock = threading.Lock()
        self.base_name = bytes(self.ttf.name).decode("ascii")
        self.default_width = self.ttf.defaultWidth
        self.widths: dict[str, float] = {
            chr(code): self.ttf.charWidths.get(code, self.default_width)
            for code in self.ttf.charToGlyph
            if code < 0xD800 or code > 0xDFFF
        }
        self._charset = frozenset(self.widths)
        self._ascii_complete = all(chr(code) in self.widths for code in range(32, 127))
        self._head_widths: dict[str, float] = {}
        self.chinese = chinese
        #: Characters drawn with the Chinese font, added as they are met.
        self.borrowed: set[str] = set()
        #: With a shaper, Khmer characters are kept: their runs are shaped and drawn with
        #: the Khmer face (see :mod:`.khmer`). They weigh nothing in ``widths``; ``width``
        #: adds their runs' shaped advances.
        self.shaper = shaper
        self.shaped: set[str] = set()

    def printable(self, text: str | None) -> str:
        """``text`` cleaned up, with characters no font can draw replaced by '?'."""
        if text and self._ascii_complete and text.isascii() and text.isprintable():
            return text.strip()
        text = clean_text(text)
        if self._charset.issuperset(text):
            return text
        return "".join(ch if ch in self.widths or self._borrow(ch) else "?" for ch in text)

    def has_glyphs(self, text: str) -> bool:
        """Whether the face itself (not a borrowed font) draws every character of ``text``."""
        return self._charset.issuperset(clean_text(text))

    def _borrow(self, ch: str) -> bool:
        """Take ``ch`` from the Chinese font when the face may and that font covers it (or
        from the Khmer face, shaped, when the face has a shaper)."""
        if self.shaper is not None and khmer.covers(ch):
            self.widths[ch] = 0.0
            self.shaped.add(ch)
            return True
        if not self.chinese or not cjk.covers(ch):
            return False
        self.widths[ch] = cjk.width(ch)
        self.borrowed.add(ch)
        return True

    def width(self, text: str, size: float) -> float:
        """Advance width of ``text`` (already printable) in points at ``size``."""
        plain = sum(map(self.widths.__getitem__, text)) * size / 1000.0
        if self.shaper is None or not self.shaped or self.shaped.isdisjoint(text):
            return plain
        return plain + khmer.runs_width(self.shaper, self.shaped, text, size)

    def fit(
        self,
        text: str,
        size: float,
        width: float,
        *,
        min_scale: float = 75.0,
        ellipsis: str = ELLIPSIS,
    ) -> tuple[str, float]:
        """``text`` squeezed (horizontal scale %) or truncated with an ellipsis to fit."""
        natural = self.width(text, size)
        if natural <= width:
            return text, 100.0
        scale = 100.0 * width / natural
        if scale >= min_scale:
            return text, scale
        limit = width * 100.0 / min_scale
        while text and self.width(text + ellipsis, size) > limit:
            text = khmer.cluster_head(text[:-1])
        return text.rstrip() + ellipsis, min_scale

    def wrap(
        self, text: str, size: float, width: float, max_lines: int, ellipsis: str = ELLIPSIS
    ) -> list[str]:
        """Word-wrap ``text`` into at most ``max_lines`` lines, the last one truncated."""
        lines: list[str] = []
        words = text.split()
        current = ""
        while words and len(lines) < max_lines - 1:
            candidate = f"{current} {words[0]}" if current else words[0]
            if self.width(candidate, size) <= width:
                current = candidate
                words.pop(0)
                continue
            if not current:  # one word wider than the line: break it where it overflows
                current, words[0] = self._split_word(words[0], size, width)
            lines.append(current)
            current = ""
        rest = " ".join(([current] if current else []) + words)
        if rest:
            fitted, _scale = self.fit(rest, size, width, min_scale=100.0, ellipsis=ellipsis)
            lines.append(fitted)
        return lines

    def break_url(self, text: str, size: float, width: float) -> tuple[str, str]:
        """Split a URL over two lines, after a '/' when one fits, else where it overflows."""
        limit = width * 1000.0 / size
        widths = self.widths
        total = sum(map(widths.__getitem__, text))
        if total <= limit:
            return text, ""
        # Usual case: everything up to the last '/' is shared by a whole run of labels.
        cut = text.rfind("/", 0, len(text) - 1) + 1
        if cut:
            head = text[:cut]
            head_width = self._head_widths.get(head)
            if head_width is None:
                if len(self._head_widths) > 1024:
                    self._head_widths.clear()
                head_width = self._head_widths[head] = sum(map(widths.__getitem__, head))
            if head_width <= limit and total - head_width <= limit:
                return head, text[cut:]
        fitting = 0
        last_slash = 0
        for index, advance in enumerate(itertools.accumulate(map(widths.__getitem__, text))):
            if advance > limit:
                break
            fitting = index + 1
            if text[index] == "/":
                last_slash = index + 1
        # Breaking after a slash reads better, unless it would leave the first line short.
        cut = last_slash if last_slash > fitting // 2 else fitting
        return text[:cut], text[cut:]

    def _split_word(self, word: str, size: float, width: float) -> tuple[str, str]:
        """The longest head of ``word`` that fits ``width``, and the rest."""
        cut = len(word)
        while cut > 1 and self.width(word[:cut], size) > width:
            cut = len(khmer.cluster_head(word[: cut - 1])) or 1
        return word[:cut], word[cut:]

    def make_subset(self, codes: list[int]) -> bytes:
        """A TrueType program holding only ``codes`` (index = byte code in the PDF)."""
        with self._lock:
            return self.ttf.makeSubset(codes)


@functools.cache
def face(bold: bool = False, chinese: bool = False) -> FontFace:
    """The regular or bold face, loaded on first use; ``chinese`` (for PDF) borrows Chinese
    glyphs from the CID font, which readers supply, and shapes Khmer with the bundled
    Khmer face."""
    if chinese:
        return FontFace(
            FONT_DIR / FONT_FILES[bold],
            chinese=True,
            source=face(bold),
            shaper=khmer.shaper(bold),
        )
    return FontFace(FONT_DIR / FONT_FILES[bold])


class _SubsetFull(Exception):
    """Raised inside ``str.translate`` when subset 0 has no code left."""


class _FirstSubset(dict):
    """Translation table for subset 0 that assigns codes to new characters on the fly."""

    def __init__(self, font: DocumentFont) -> None:
        super().__init__({code: code for code in range(32, 127)})
        self.font = font

    def __missing__(self, codepoint: int) -> int:
        code = self.font.assign(codepoint)
        if code >> 8:
            raise _SubsetFull
        self[codepoint] = code
        return code


class DocumentFont:
    """One face as used by one PDF: which characters got which subset and code."""

    def __init__(
        self,
        face: FontFace,
        tag: str,
        allocate: Callable[[], int],
        chinese: Callable[[], cjk.CidFont] | None = None,
        khmer_font: Callable[[], khmer.KhmerFont] | None = None,
    ) -> None:
        """Start with printable ASCII readable as itself in subset 0; ``chinese`` gives the
        document's Chinese font, for the characters the face borrows."""
        self.face = face
        self.tag = tag
        self._allocate = allocate
        self._chinese = chinese
        self._khmer = khmer_font
        # subsets[i][code] is the Unicode code point drawn by byte ``code`` of subset i.
        self.subsets: list[list[int]] = [[0] * 32 + list(range(32, 127))]
        self.objects: list[int] = [allocate()]
        self.codes: dict[int, int] = {code: code for code in range(32, 127)}
        self._free_low = list(range(31, 0, -1))  # codes 1-31 are used once 127-255 are
        self._table = _FirstSubset(self)
        self._overflowed = False
        self._sizes: dict[float, bytes] = {}
        self._prefix = b"/" + tag.encode()

    def assign(self, codepoint: int) -> int:
        """The document-wide code (subset * 256 + byte) for ``codepoint``, assigned if new."""
        code = self.codes.get(codepoint)
        if code is not None:
            return code
        first = self.subsets[0]
        if len(first) < 256:
            code = len(first)
            first.append(codepoint)
        elif self._free_low:
            code = self._free_low.pop()
            first[code] = codepoint
        else:
            last = self.subsets[-1]
            if len(self.subsets) == 1 or len(last) == 256:
                last = [0]  # byte 0 stays .notdef in every subset
                self.subsets.append(last)
                self.objects.append(self._allocate())
            code = (len(self.subsets) - 1) * 256 + len(last)
            last.append(codepoint)
        self.codes[codepoint] = code
        return code

    def resource_names(self) -> bytes:
        """``/Name n 0 R`` entries for the Font resource dictionary of a page."""
        return b"".join(
            b"/%s%d %d 0 R" % (self.tag.encode(), index, number)
            for index, number in enumerate(self.objects)
        )

    def _size(self, size: float) -> bytes:
        """``size`` formatted once per document."""
        text = self._sizes.get(size)
        if text is None:
            text = self._sizes[size] = _num(size)
        return text

    def show(self, text: str, size: float) -> bytes:
        """Content-stream operators selecting this font and showing ``text`` (printable)."""
        if text.isascii():
            data = text.encode("ascii")
        elif self.face.shaped and not self.face.shaped.isdisjoint(text):
            return self._show_shaped(text, size)
        elif self.face.borrowed and not self.face.borrowed.isdisjoint(text):
            return self._show_mixed(text, size)
        elif self._overflowed:
            return self._show_split(text, size)
        else:
            try:
                data = text.translate(self._table).encode("latin-1")
            except _SubsetFull:
                self._overflowed = True
                return self._show_split(text, size)
        return b"%s0 %s Tf <%s> Tj" % (self._prefix, self._size(size), data.hex().encode())

    def _show_mixed(self, text: str, size: float) -> bytes:
        """Text with borrowed characters: runs of this face and of the Chinese font."""
        if self._chinese is None:
            raise ValueError("text: borrowed characters need the document's Chinese font")
        parts = []
        for borrowed, run in itertools.groupby(text, self.face.borrowed.__contains__):
            chunk = "".join(run)
            if borrowed:
                parts.append(self._chinese().show(chunk, self._size(size)))
            else:
                parts.append(self.show(chunk, size))
        return b" ".join(parts)

    def _show_shaped(self, text: str, size: float) -> bytes:
        """Text with Khmer: its Khmer runs shaped and drawn with the Khmer face."""
        if self._khmer is None:
            raise ValueError("text: Khmer characters need the document's Khmer font")
        parts = []
        for shaped, run in itertools.groupby(text, self.face.shaped.__contains__):
            chunk = "".join(run)
            if shaped:
                parts.append(self._khmer().show(chunk, self._size(size), size))
            else:
                parts.append(self.show(chunk, size))
        return b" ".join(parts)

    def _show_split(self, text: str, size: float) -> bytes:
        """The general case: the text uses more than one subset."""
        parts: list[bytes] = []
        run = bytearray()
        current = -1
        for ch in text:
            subset, byte = divmod(self.assign(ord(ch)), 256)
            if subset != current and run:
                parts.append(self._run(current, size, run))
                run.clear()
            current = subset
            run.append(byte)
        if run:
            parts.append(self._run(current, size, run))
        return b" ".join(parts)

    def _run(self, subset: int, size: float, data: bytes | bytearray) -> bytes:
        """Select subset ``subset`` and show ``data``."""
        return b"%s%d %s Tf <%s> Tj" % (self._prefix, subset, self._size(size), data.hex().encode())

    def write_objects(self, writer: ObjectWriter, level: int) -> None:
        """Write every subset: font dictionary, descriptor, font program, ToUnicode map."""
        ttf = self.face.ttf
        flags = (ttf.flags & ~32) | 4  # symbolic: the subsets use their own encodings
        bbox = " ".join(_fmt(v) for v in ttf.bbox)
        for index, (codes, number) in enumerate(zip(self.subsets, self.objects, strict=True)):
            digest = hashlib.sha256(repr((self.tag, index, codes)).encode()).digest()
            base_font = "".join(chr(65 + b % 26) for b in digest[:6]) + "+" + self.face.base_name
            program_obj, descriptor_obj, cmap_obj = (writer.allocate() for _ in range(3))
            program = self.face.make_subset(codes)
            writer.write_stream(program_obj, program, level, b"/Length1 %d" % len(program))
            writer.write_object(
                descriptor_obj,
                (
                    f"<< /Type /FontDescriptor /FontName /{base_font} /Flags {flags} "
                    f"/FontBBox [{bbox}] /ItalicAngle {_fmt(ttf.italicAngle)} "
                    f"/Ascent {_fmt(ttf.ascent)} /Descent {_fmt(ttf.descent)} "
                    f"/CapHeight {_fmt(ttf.capHeight)} /StemV {ttf.stemV} "
                    f"/MissingWidth {_fmt(self.face.default_width)} "
                    f"/FontFile2 {program_obj} 0 R >>"
                ).encode(),
            )
            used = [(code, cp) for code, cp in enumerate(codes) if cp]
            writer.write_stream(cmap_obj, to_unicode_cmap(used, 1), level)
            widths = " ".join(
                _fmt(ttf.charWidths.get(cp, self.face.default_width)) if cp else "0" for cp in codes
            )
            writer.write_object(
                number,
                (
                    f"<< /Type /Font /Subtype /TrueType /BaseFont /{base_font} /FirstChar 0 "
                    f"/LastChar {len(codes) - 1} /Widths [{widths}] "
                    f"/FontDescriptor {descriptor_obj} 0 R /ToUnicode {cmap_obj} 0 R >>"
                ).encode(),
            )


def _fmt(value: float) -> str:
    """A PDF number: integers plainly, others with at most three decimals."""
    if value == int(value):
        return str(int(value))
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _num(value: float) -> bytes:
    """``_fmt`` as bytes, for content streams."""
    return _fmt(value).encode("ascii")
