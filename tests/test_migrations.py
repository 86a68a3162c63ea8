"""One Alembic history builds the schema on the engine under test, both ways, without drift."""

from __future__ import annotations

import warnings

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from tests.conftest import make_app, scratch_database_url
from traceapp.config import PROJECT_ROOT
from traceapp.database import Base
from traceapp.extensions import db


def _tables(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}


def _drift(engine: sa.Engine) -> list:
    with engine.connect() as conn, warnings.catch_warnings():
        # The trigram indexes are PostgreSQL's only; SQLite cannot reflect expression indexes.
        warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression")
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
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
