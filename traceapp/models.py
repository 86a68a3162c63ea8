"""Import every model module, so the metadata is complete (migrations, create_all)."""

from __future__ import annotations

import importlib
import importlib.util

#: Domain packages in dependency order. Each may have ``views.py`` (exposing ``bp``) and
#: ``api.py`` (exposing ``blp`` or ``blueprints``); the ones it has are registered.
DOMAIN_PACKAGES = (
    "dashboard",
    "auth",
    "media",
    "cooperatives",
    "brands",
    "products",
    "zones",
    "batches",
    "labels",
    "public",
    "reports",
    "registry",
    "authority",
    "programmes",
    "audit",
)


def import_all_models() -> None:
    """Load each domain's models module (those that exist), in dependency order."""
    importlib.import_module("traceapp.core.ratelimit")  # its counters, and database://
    for name in DOMAIN_PACKAGES:
        module = f"traceapp.{name}.models"
        if importlib.util.find_spec(module) is not None:
            importlib.import_module(module)
