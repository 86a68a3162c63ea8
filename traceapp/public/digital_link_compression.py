"""Compressed GS1 Digital Link URIs (GS1 Digital Link: Compression), decompressed with the
published ``gs1-compression`` package; its output was checked against GS1's own toolkit
(tests/public/test_resolver_compression.py holds the toolkit's outputs)."""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from gs1 import decompress_gs1_digital_link  # type: ignore[import-untyped]

# The package logs every string it cannot decompress as an error with a stack trace, under a
# logger literally named "__name__"; the resolver answers those with a 404, nothing to log.
logging.getLogger("__name__").setLevel(logging.CRITICAL)

#: A compressed URI's path: one segment of URL-safe base64 (a GTIN alone takes 10).
_COMPRESSED = re.compile(r"[A-Za-z0-9_-]{8,160}")
#: What a decompressed URI's path may be here: a GTIN and its key qualifiers.
_UNCOMPRESSED = re.compile(r"/01/\d{14}(/(22|10|21)/[^/]+)*")
_STEM = "https://resolver.invalid"


def looks_compressed(segment: str) -> bool:
    """Whether a one-segment path may be a compressed Digital Link (checked before trying)."""
    return bool(_COMPRESSED.fullmatch(segment))


@lru_cache(maxsize=1024)
def decompress(segment: str) -> tuple[str, str] | None:
    """The Digital Link path and query (GS1 data attributes, such as 17=261231) that a
    compressed path segment stands for, or None when it is not one of a GTIN."""
    if not looks_compressed(segment):
        return None
    try:
        uri = decompress_gs1_digital_link(f"{_STEM}/{segment}", use_short_text=False)
    except Exception:  # noqa: BLE001 - any refusal of the package means "not compressed"
        return None
    if not isinstance(uri, str) or not uri.startswith(_STEM + "/"):
        return None
    path, _, query = uri[len(_STEM) :].partition("?")
    if not _UNCOMPRESSED.fullmatch(path):
        return None
    return path, query
