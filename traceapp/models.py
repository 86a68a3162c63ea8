"""Import every model module, so the metadata is complete (migrations, create_all)."""

from __future__ import annotations

import importlib
import importlib.util


def import_all_models() -> None:
    """Load each domain's models module (those that exist), in dependency order."""
    from traceapp import DOMAIN_PACKAGES

    for name in DOMAIN_PACKAGES:
        module = f"traceapp.{name}.models"
        if importlib.util.find_spec(module) is not None:
            importlib.import_module(module)
