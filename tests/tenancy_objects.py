"""Objects of cooperative A for the cross-tenant walk, one entry per URL argument."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def build(world: Any) -> dict[str, Callable[[], Any]]:
    """Create what each domain's routes take as arguments, all owned by cooperative A."""
    return {}
