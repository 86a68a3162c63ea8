"""ToUnicode CMaps: they tell a PDF reader which characters a font's codes stand for, so text
copied or extracted from a label is the real text."""

from __future__ import annotations

from collections.abc import Iterable

#: A CMap block lists at most 100 entries.
_BLOCK = 100


def to_unicode_cmap(pairs: Iterable[tuple[int, int]], code_bytes: int) -> bytes:
    """A ToUnicode CMap mapping each font code (``code_bytes`` wide) to its code point."""
    pairs = list(pairs)
    digits = 2 * code_bytes
    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        f"<{'0' * digits}> <{'F' * digits}>",
        "endcodespacerange",
    ]
    for start in range(0, len(pairs), _BLOCK):
        chunk = pairs[start : start + _BLOCK]
        lines.append(f"{len(chunk)} beginbfchar")
        lines.extend(f"<{code:0{digits}X}> <{_utf16_hex(cp)}>" for code, cp in chunk)
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines).encode("ascii")


def _utf16_hex(codepoint: int) -> str:
    """The UTF-16BE hex digits of one code point."""
    return chr(codepoint).encode("utf-16-be").hex().upper()
