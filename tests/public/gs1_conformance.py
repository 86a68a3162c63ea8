"""GS1's published checks of a resolver, in our words: the linkset schema and its examples.

The schemas and examples are GS1's own (gs1/linkset), kept in ``../shared/gs1-resolver/``
beside the repository; the same validator runs on GS1's examples and on our linksets.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "gs1-resolver"
SCHEMAS = {"gs1": "gs1-linkset-schema.json", "rfc9264": "linkset-schema.json"}


@cache
def _validator(schema: str) -> Any:
    path = SHARED / SCHEMAS[schema]
    assert path.is_file(), f"GS1's linkset schema is missing: {path}"
    document = json.loads(path.read_text())
    cls = jsonschema.validators.validator_for(document)
    return cls(document, format_checker=jsonschema.FormatChecker())


def linkset_errors(document: Any, schema: str = "gs1") -> list[str]:
    """What GS1's linkset schema finds wrong with a linkset (an empty list when valid)."""
    return sorted(error.message for error in _validator(schema).iter_errors(document))


def example(name: str) -> Any:
    """One of GS1's example linksets."""
    return json.loads((SHARED / name).read_text())
