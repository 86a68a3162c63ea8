"""Objects of cooperative A for the cross-tenant walks, and the requests that name objects.

Each domain's test package may have a ``tenancy.py`` with ``build(world)`` returning
{url argument name: callable giving the value for cooperative A}, for the walk over URL ids
(tests/test_tenancy.py), and ``references(world, a)`` returning the :class:`Reference` of
each request body, form or query parameter that names an object by id, for the walk over
references (tests/test_tenancy_references.py); ``a`` is what ``build`` returned.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from traceapp import DOMAIN_PACKAGES


@dataclass
class Reference:
    """A request that names an object by id, sent by cooperative B's manager three times:
    with A's object (``foreign``), with an id that names nothing, and with B's own object
    (``own``), which the request accepts (None for a list filter, which accepts anything)."""

    #: What it exercises, as the walk finds it: "METHOD /api/v1/path field" (a body field,
    #: "inputs.0.lot_id" inside a list, or a query parameter) or "FormClass.field".
    covers: str
    #: The request for an id: (url, JSON body or form data, or None).
    build: Callable[[Any], tuple[str, dict[str, Any] | None]]
    foreign: int
    own: int | None
    method: str = "POST"
    #: A browser form (B's manager signed in) rather than the API.
    form: bool = False
    #: Sent by the Khánh Hòa auditor (cooperative B's province) instead of B's manager.
    auditor: bool = False


def _modules() -> list[ModuleType]:
    out = []
    for name in DOMAIN_PACKAGES:
        module = f"tests.{name}.tenancy"
        if importlib.util.find_spec(f"tests.{name}") and importlib.util.find_spec(module):
            out.append(importlib.import_module(module))
    return out


def build(world: Any) -> dict[str, Callable[[], Any]]:
    """Create what each domain's routes take as arguments, all owned by cooperative A."""
    values: dict[str, Callable[[], Any]] = {}
    for module in _modules():
        if hasattr(module, "build"):
            values.update(module.build(world))
    return values


def references(world: Any, a: dict[str, Callable[[], Any]]) -> list[Reference]:
    """Every domain's requests that name an object, with B's own objects made for them."""
    out: list[Reference] = []
    for module in _modules():
        if hasattr(module, "references"):
            out.extend(module.references(world, a))
    return out
