"""Demo data from the cases our users describe; loading it twice changes nothing.

Each step is a module of this package with ``load(ctx)``; they run in order, in one unit of
work, and share a context dict (the cooperatives by short code, the products, ...).
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

from traceapp.core.unit_of_work import run_unit_of_work
from traceapp.extensions import db

STEPS = (
    "people",
    "brands",
    "products",
    "grants",
    "zones",
    "batches",
    "labels",
    "scans",
    "states",
    "authority",
    "programmes",
    "abroad",
)


def load_demo() -> list[tuple[str, str, str]]:
    """Load every demo step; return the logins to print."""

    def _steps() -> list[tuple[str, str, str]]:
        ctx: dict[str, Any] = {"logins": []}
        for step in STEPS:
            name = f"traceapp.demo.{step}"
            if importlib.util.find_spec(name) is not None:
                importlib.import_module(name).load(ctx)
        return ctx["logins"]

    return run_unit_of_work(db.session, _steps)
