"""One Alembic history builds the schema on the engine under test, both ways, without drift."""

from __future__ import annotations

import warnings
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from tests.conftest import make_app, scratch_database_url
from traceapp.config import PROJECT_ROOT
from traceapp.database import Base, searched_columns
from traceapp.extensions import db


def _tables(engine: sa.Engine) -> set[str]:
    # SQLite's search copies (FTS5 tables and their shadows) are not models' tables.
    names = set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
    return {n for n in names if not n.startswith("fts_")}


def _not_search_copy(name: str | None, type_: str, _parent: Any) -> bool:
    return not (type_ == "table" and (name or "").startswith("fts_"))


def _drift(engine: sa.Engine) -> list:
    with engine.connect() as conn, warnings.catch_warnings():
        # The trigram indexes are PostgreSQL's only; SQLite cannot reflect expression indexes.
        warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression")
        ctx = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_name": _not_search_copy}
        )
        return compare_metadata(ctx, Base.metadata)


def test_single_head():
    script = ScriptDirectory(str(PROJECT_ROOT / "migrations"))
    assert len(script.get_heads()) == 1


def test_upgrade_downgrade_upgrade_and_no_drift(tmp_path):
    with scratch_database_url(tmp_path) as url:
        app = make_app(url, tmp_path)
        with app.app_context():
            engine = db.engine
            assert _tables(engine) == set()
            upgrade()
            assert _tables(engine) == set(Base.metadata.tables)
            assert _drift(engine) == []
            _search_copies_kept(engine)
            head = db.session.execute(sa.text("SELECT seq, hash FROM audit_head")).one()
            assert head.seq == 0
            db.session.remove()
            downgrade(revision="base")
            assert _tables(engine) == set()
            upgrade()
            assert _tables(engine) == set(Base.metadata.tables)
            assert _drift(engine) == []
            db.session.remove()
            engine.dispose()


def _search_copies_kept(engine: sa.Engine) -> None:
    """On SQLite each searched table keeps the triggers of its FTS5 copy (a later migration in
    batch mode, which rebuilds a table, would silently drop them)."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as conn:
        triggers = set(
            conn.execute(sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars()
        )
    for table in searched_columns():
        assert {f"fts_{table}_{t}" for t in ("ai", "ad", "au")} <= triggers, table
