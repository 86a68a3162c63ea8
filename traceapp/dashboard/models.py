"""Counts the home page reads, kept per cooperative by the database itself (issue 21).

``coop_counts`` holds, per cooperative, its lots per status (``lots:open``, ``lots:closed``,
``lots:recalled``), its labels not voided (``labels``), its active members (``members``) and
active women members (``women``). Triggers on ``lots``, ``labels`` and ``members`` add to them
in the transaction that writes the rows, whatever writes them (the services, imports, bulk SQL),
so the figures are exact without counting a million labels per request. Migration 0031 makes
the triggers and fills the counts (:func:`fill`); ``create_all`` makes the triggers too.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from traceapp.database import Base


class CoopCount(Base):
    """One kept figure of one cooperative."""

    __tablename__ = "coop_counts"

    cooperative_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    figure: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    n: Mapped[int] = mapped_column(sa.BigInteger, default=0)


#: (table, figure as SQL of a row, how much the row counts as SQL of a row) with ROW standing
#: for NEW or OLD.
_FIGURES: dict[str, list[tuple[str, str]]] = {
    "lots": [("'lots:' || ROW.status", "1")],
    "labels": [("'labels'", "CASE WHEN ROW.voided_at IS NULL THEN 1 ELSE 0 END")],
    "members": [
        ("'members'", "CASE WHEN ROW.left_on IS NULL THEN 1 ELSE 0 END"),
        ("'women'", "CASE WHEN ROW.left_on IS NULL AND ROW.gender = 'female' THEN 1 ELSE 0 END"),
    ],
}
#: The columns whose change moves a row between figures.
_WATCHED = {
    "lots": ("cooperative_id", "status"),
    "labels": ("cooperative_id", "voided_at"),
    "members": ("cooperative_id", "left_on", "gender"),
}
_UPSERT = (
    "INSERT INTO coop_counts (cooperative_id, figure, n) {rows} "
    "ON CONFLICT (cooperative_id, figure) DO UPDATE SET n = coop_counts.n + excluded.n"
)


def _values(row: str, sign: int, table: str) -> list[str]:
    out = []
    for figure, weight in _FIGURES[table]:
        f, w = figure.replace("ROW", row), weight.replace("ROW", row)
        out.append(_UPSERT.format(rows=f"VALUES ({row}.cooperative_id, {f}, {sign} * ({w}))") + ";")
    return out


def _per_figure(figure: str, weight: str, source: str) -> str:
    """A SELECT of the counts per cooperative of the rows of ``source`` (constant SQL)."""
    f, w = figure.replace("ROW.", ""), weight.replace("ROW.", "")
    return f"SELECT cooperative_id, {f}, sum({w}) FROM {source} GROUP BY 1, 2"  # noqa: S608


def _changed(table: str, sqlite: bool) -> str:
    op = "IS NOT" if sqlite else "IS DISTINCT FROM"
    return " OR ".join(f"OLD.{c} {op} NEW.{c}" for c in _WATCHED[table])


def sqlite_ddl() -> list[str]:
    """The SQLite triggers (one statement each)."""
    out = []
    for table in _FIGURES:
        name = f"coop_counts_{table}"
        out.append(
            f"CREATE TRIGGER IF NOT EXISTS {name}_insert AFTER INSERT ON {table} BEGIN "
            + " ".join(_values("NEW", 1, table))
            + " END"
        )
        out.append(
            f"CREATE TRIGGER IF NOT EXISTS {name}_delete AFTER DELETE ON {table} BEGIN "
            + " ".join(_values("OLD", -1, table))
            + " END"
        )
        out.append(
            f"CREATE TRIGGER IF NOT EXISTS {name}_update AFTER UPDATE OF "
            f"{', '.join(_WATCHED[table])} ON {table} WHEN {_changed(table, True)} BEGIN "
            + " ".join(_values("OLD", -1, table) + _values("NEW", 1, table))
            + " END"
        )
    return out


def pg_ddl() -> list[str]:
    """The PostgreSQL functions and triggers: rows inserted are counted per statement (a run
    of 100,000 labels adds once), updates and deletes per row that changes a figure."""
    out = []
    for table in _FIGURES:
        name = f"coop_counts_{table}"
        inserted = " ".join(
            _UPSERT.format(rows=_per_figure(f, w, "new_rows")) + ";" for f, w in _FIGURES[table]
        )
        out.append(
            f"CREATE OR REPLACE FUNCTION {name}_inserted() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {inserted} RETURN NULL; END $$"
        )
        out.append(
            f"CREATE OR REPLACE FUNCTION {name}_changed() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN "
            f"IF TG_OP IN ('UPDATE', 'DELETE') THEN {' '.join(_values('OLD', -1, table))} END IF; "
            f"IF TG_OP = 'UPDATE' THEN {' '.join(_values('NEW', 1, table))} END IF; "
            "RETURN NULL; END $$"
        )
        out.append(f"DROP TRIGGER IF EXISTS {name}_insert ON {table}")
        out.append(
            f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table} REFERENCING NEW TABLE AS "
            f"new_rows FOR EACH STATEMENT EXECUTE FUNCTION {name}_inserted()"
        )
        out.append(f"DROP TRIGGER IF EXISTS {name}_delete ON {table}")
        out.append(
            f"CREATE TRIGGER {name}_delete AFTER DELETE ON {table} FOR EACH ROW "
            f"EXECUTE FUNCTION {name}_changed()"
        )
        out.append(f"DROP TRIGGER IF EXISTS {name}_update ON {table}")
        out.append(
            f"CREATE TRIGGER {name}_update AFTER UPDATE OF {', '.join(_WATCHED[table])} "
            f"ON {table} FOR EACH ROW WHEN ({_changed(table, False)}) "
            f"EXECUTE FUNCTION {name}_changed()"
        )
    return out


def create_triggers(conn: sa.Connection) -> None:
    """Make the triggers (and PostgreSQL's functions) on this connection."""
    for sql in pg_ddl() if conn.dialect.name == "postgresql" else sqlite_ddl():
        conn.exec_driver_sql(sql)


def fill(conn: sa.Connection) -> None:
    """Count every figure afresh from the rows (after a bulk load that bypassed the triggers,
    and in the migration that makes them)."""
    conn.exec_driver_sql("DELETE FROM coop_counts")
    for table, figures in _FIGURES.items():
        for figure, weight in figures:
            conn.exec_driver_sql(
                "INSERT INTO coop_counts (cooperative_id, figure, n) "
                + _per_figure(figure, weight, table)
            )


def _after_create(target: Any, connection: sa.Connection, **_kw: Any) -> None:
    create_triggers(connection)


# create_all makes the triggers once every table exists.
sa.event.listen(Base.metadata, "after_create", _after_create)
