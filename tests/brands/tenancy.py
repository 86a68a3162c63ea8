"""Cooperative A's mark and grant, for the cross-tenant walk in tests/test_tenancy.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.brands.factories import make_grant, marked_setup


def build(world: Any) -> dict[str, Callable[[], Any]]:
    """A mark of cooperative A, a product carrying it, and a grant to A's first member."""
    mark, products = marked_setup(world.a, products=1)
    grant = make_grant(mark, world.a.members[0], products)
    return {"mark_id": lambda: mark.id, "grant_id": lambda: grant.id}
