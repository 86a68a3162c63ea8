"""Import every model module, so the metadata is complete (migrations, create_all)."""

from __future__ import annotations

import importlib

MODEL_MODULES = (
    "traceapp.cooperatives.models",
    "traceapp.auth.models",
    "traceapp.audit.models",
    "traceapp.media.models",
)


def import_all_models() -> None:
    """Load each domain's models module."""
    for name in MODEL_MODULES:
        importlib.import_module(name)
