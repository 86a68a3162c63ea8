"""Objects of cooperative A for the cross-tenant walk, one entry per URL argument.

Each domain's test package may have a ``tenancy.py`` with ``build(world)`` returning
{url argument name: callable giving the value for cooperative A}.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from typing import Any

from traceapp import DOMAIN_PACKAGES


def build(world: Any) -> dict[str, Callable[[], Any]]:
    """Create what each domain's routes take as arguments, all owned by cooperative A."""
    values: dict[str, Callable[[], Any]] = {}
    for name in DOMAIN_PACKAGES:
        module = f"tests.{name}.tenancy"
        if importlib.util.find_spec(f"tests.{name}") and importlib.util.find_spec(module):
            values.update(importlib.import_module(module).build(world))
    return values
