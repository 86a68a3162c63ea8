"""Alembic environment: traceapp's metadata, batch mode on SQLite, one transaction per run."""

from __future__ import annotations

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

from traceapp.database import Base
from traceapp.models import import_all_models

config = context.config
if config.config_file_name is not None and not logging.getLogger("traceapp").handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

import_all_models()
target_metadata = Base.metadata


def _engine():
    return current_app.extensions["migrate"].db.engine


def _not_search_copy(name, type_, _parent) -> bool:
    """SQLite's search copies (FTS5 tables, migration 0023) are not models' tables."""
    return not (type_ == "table" and (name or "").startswith("fts_"))


def _options(connection) -> dict:
    return {
        "target_metadata": target_metadata,
        "include_name": _not_search_copy,
        "render_as_batch": connection.dialect.name == "sqlite",
        "compare_type": True,
        "compare_server_default": False,
    }


def run_migrations_offline() -> None:
    """Emit SQL to stdout instead of running it."""
    url = str(_engine().url)
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run migrations on a live connection."""
    connectable = _engine()
    with connectable.connect() as connection:
        context.configure(connection=connection, **_options(connection))
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
