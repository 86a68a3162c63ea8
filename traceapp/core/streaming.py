"""Downloads written as they are sent: a JSON document whose long list is streamed item by
item, and the response that carries such a stream.

A streamed body runs after the view has returned and its unit of work has committed. It reads
in the request's session, kept open (with the application context) by
``stream_with_context`` until the body is finished or the client goes away; the context's
teardown then closes the session, which gives its connection back to the pool.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from flask import Response, stream_with_context

from traceapp.database import sqlite_begin_mode

#: Bytes gathered before a chunk is sent (fewer, larger writes than one per item).
CHUNK = 64 * 1024
#: Stands in for the streamed list while the rest of the document is written.
_MARK = "\ue000streamed-list\ue000"


def json_chunks(
    doc: dict[str, Any],
    path: tuple[str, ...],
    items: Callable[[], Iterable[Any]],
    *,
    indent: int | None = None,
    default: Callable[[Any], Any] | None = None,
) -> Iterator[bytes]:
    """``json.dumps(doc)`` (``ensure_ascii=False``) with the list at ``path`` filled from
    ``items()``, written chunk by chunk: the same text as dumping the whole document, but only
    one item is ever held as JSON. ``items`` is called after the document's head is sent, so
    the first byte leaves before the first query."""
    holder = doc
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = [_MARK]
    text = json.dumps(doc, ensure_ascii=False, indent=indent, default=default)
    mark = json.dumps(_MARK, ensure_ascii=False)
    before, after = text.split(mark)
    bracket = before.rindex("[")
    # With an indent, the whitespace after "[" is a newline and the items' own indentation.
    opening, gap = before[: bracket + 1], before[bracket + 1 :]
    comma = "," if indent is not None else ", "  # json's own item separators
    yield opening.encode("utf-8")
    parts: list[str] = []
    size = 0
    count = 0
    for item in items():
        piece = json.dumps(item, ensure_ascii=False, indent=indent, default=default)
        if indent is not None:
            piece = piece.replace("\n", gap)  # JSON strings hold no raw newline
        piece = (comma if count else "") + gap + piece
        count += 1
        parts.append(piece)
        size += len(piece)
        if size >= CHUNK:
            yield "".join(parts).encode("utf-8")
            parts.clear()
            size = 0
    parts.append(after if count else after.lstrip())
    yield "".join(parts).encode("utf-8")


def _read_only(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """``chunks``, each produced with SQLite transactions beginning DEFERRED: a download only
    reads, and by the time its body runs the view's begin mode has been reset to the default
    (IMMEDIATE), which would hold SQLite's single write lock, and so stop every scan, form
    and job, for as long as the client takes to download. Set and reset around each step, in
    the caller's context, so that no setting leaks between steps."""
    it = iter(chunks)
    while True:
        with sqlite_begin_mode("DEFERRED"):
            try:
                chunk = next(it)
            except StopIteration:
                return
        yield chunk


def reading(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """A download's body, written as it is sent in the request's context, only reading."""
    return stream_with_context(_read_only(chunks))


def streamed(
    chunks: Iterator[bytes], mimetype: str, headers: Mapping[str, str] | None = None
) -> Response:
    """A response whose body is written as it is sent, in the request's context."""
    return Response(reading(chunks), mimetype=mimetype, headers=dict(headers or {}))
