"""PDF bytes: numbered objects written straight to the output with only their offsets kept,
and QR symbols as rectangle operators built with numpy table lookups."""

from __future__ import annotations

import functools
import os
import zlib
from array import array
from typing import IO

import numpy as np

from .qr import module_runs


class PdfWriter:
    """Writes numbered objects straight to ``out`` and remembers only their offsets."""

    def __init__(self, out: IO[bytes]) -> None:
        """Start the file; object numbers are handed out by ``allocate``."""
        self.out = out
        self.position = 0
        self.offsets = array("Q", [0])  # 8 bytes per object: the only per-page state kept
        # The binary comment marks the file as binary for transfer tools.
        self.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

    def write(self, data: bytes) -> None:
        """Append raw bytes."""
        self.out.write(data)
        self.position += len(data)

    def allocate(self) -> int:
        """Reserve the next object number."""
        self.offsets.append(0)
        return len(self.offsets) - 1

    def write_object(self, number: int, body: bytes) -> None:
        """Write object ``number`` with a dictionary or other direct body."""
        self.offsets[number] = self.position
        self.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))

    def write_stream(self, number: int, data: bytes, level: int, extra: bytes = b"") -> None:
        """Write object ``number`` as a Flate-compressed stream."""
        packed = zlib.compress(data, level)
        self.offsets[number] = self.position
        self.write(
            b"%d 0 obj\n<< /Length %d /Filter /FlateDecode %s>>\nstream\n%s\nendstream\nendobj\n"
            % (number, len(packed), extra + b" " if extra else b"", packed)
        )

    def finish(self, root: int, info: int) -> None:
        """Write the cross-reference table and trailer."""
        start = self.position
        count = len(self.offsets)
        entries = [b"xref\n0 %d\n0000000000 65535 f \n" % count]
        entries.extend(b"%010d 00000 n \n" % offset for offset in self.offsets[1:])
        file_id = os.urandom(16).hex().encode()
        entries.append(
            b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /ID [<%s> <%s>] >>\n"
            b"startxref\n%d\n%%%%EOF\n" % (count, root, info, file_id, file_id, start)
        )
        self.write(b"".join(entries))


@functools.cache
def _rectangle_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Byte tables: ``x y `` (index x*100+y), ``w 1 re\n`` (index w), 3-digit numbers."""
    heads = b"".join(b"%2d %2d " % (x, y) for x in range(100) for y in range(100))
    tails = b"".join(b"%2d 1 re\n" % w for w in range(100))
    numbers = b"".join(b"%3d" % value for value in range(1000))
    return (
        np.frombuffer(heads, dtype=np.uint8).reshape(10_000, 6),
        np.frombuffer(tails, dtype=np.uint8).reshape(100, 8),
        np.frombuffer(numbers, dtype=np.uint8).reshape(1000, 3),
    )


def _rectangle_lines(rows: np.ndarray, starts: np.ndarray, lengths: np.ndarray, modules: int):
    """One fixed-width ``x y w 1 re`` line per run, as a 2-D byte array."""
    heads, tails, numbers = _rectangle_tables()
    if modules < 100:  # up to version 20: every URL a label carries
        return np.concatenate((heads[starts * 100 + rows], tails[lengths]), axis=1)
    lines = np.empty((len(rows), 17), dtype=np.uint8)
    lines[:, 0:3] = numbers[starts]
    lines[:, 4:7] = numbers[rows]
    lines[:, 8:11] = numbers[lengths]
    lines[:, [3, 7, 11]] = 32
    lines[:, 11:] = np.frombuffer(b" 1 re\n", dtype=np.uint8)
    return lines


def symbol_rectangles(symbols: list[np.ndarray]) -> list[tuple[int, bytes]]:
    """For each symbol: its width in modules and ``x y w 1 re`` operators for its dark runs."""
    result: list[tuple[int, bytes] | None] = [None] * len(symbols)
    by_size: dict[int, list[int]] = {}
    for index, symbol in enumerate(symbols):
        by_size.setdefault(symbol.shape[0], []).append(index)
    for modules, indexes in by_size.items():
        # Symbols of one size are done together: a few numpy calls per page, none per run,
        # and fixed-width numbers (padded with spaces) let table lookups write the operators.
        rows, starts, lengths = module_runs(np.stack([symbols[i] for i in indexes]))
        symbol_of_run, rows = np.divmod(rows, modules)
        lines = _rectangle_lines(rows, starts, lengths, modules)
        data = lines.tobytes()
        ends = np.cumsum(np.bincount(symbol_of_run, minlength=len(indexes))) * lines.shape[1]
        begin = 0
        for index, end in zip(indexes, ends.tolist(), strict=True):
            result[index] = (modules, data[begin:end])
            begin = end
    return result  # type: ignore[return-value]
