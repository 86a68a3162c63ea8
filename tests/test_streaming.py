"""A JSON document with a streamed list reads exactly as the document dumped whole."""

from __future__ import annotations

import json

import pytest

from traceapp.core.streaming import json_chunks


@pytest.mark.parametrize("indent", [None, 1, 2])
@pytest.mark.parametrize("items", [[], [{"a": "é\nb", "n": [1, {"x": None}]}, 2, "t"]])
def test_a_streamed_list_dumps_as_the_whole_document(indent, items):
    doc = {"head": {"k": [1, 2]}, "body": {"list": [], "after": "z"}, "tail": True}
    whole = json.dumps(
        {**doc, "body": {"list": items, "after": "z"}}, ensure_ascii=False, indent=indent
    )
    chunks = json_chunks(doc, ("body", "list"), lambda: iter(items), indent=indent)
    first = next(chunks)  # the head leaves before the first item is asked for
    assert whole.startswith(first.decode())
    assert (first + b"".join(chunks)).decode() == whole
