"""Measuring what one request costs: the peak of memory allocated while it runs."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager

#: What one request may add to a worker's memory (issue 15).
MEMORY_LIMIT = 100 * 1024 * 1024


class Peak:
    """The highest number of bytes allocated at once inside the block, once it has ended."""

    bytes = 0


@contextmanager
def peak_memory() -> Iterator[Peak]:
    """Trace allocations inside the block (the parsers' too: expat, json, zlib and csv allocate
    through Python's allocator) and record their peak."""
    peak = Peak()
    tracemalloc.start()
    try:
        yield peak
    finally:
        peak.bytes = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
