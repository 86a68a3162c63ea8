"""SQL helpers of the province-scale builder (bench/scale_build.py): rows generated inside
the database over a series of integers, with the same expressions on PostgreSQL and SQLite,
and the settings of the bench's own connection for a bulk load."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from traceapp.database import UTCDateTime
from traceapp.extensions import db

CHUNK = 5_000


@contextlib.contextmanager
def fast_load(engine: Any) -> Iterator[None]:
    """While the bench loads a SQLite file: no journal, no fsync, a big cache and no
    foreign-key checks, on the bench's own connections only (the app's settings come back
    after: the pool is emptied on the way in and out). PostgreSQL's settings for the load
    are set in :func:`build`, for its transaction only."""
    if engine.dialect.name != "sqlite":
        yield
        return

    def loose(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        for pragma in (
            "journal_mode = OFF",
            "synchronous = OFF",
            "foreign_keys = OFF",
            "cache_size = -524288",
            "temp_store = MEMORY",
        ):
            cur.execute(f"PRAGMA {pragma}")
        cur.close()

    engine.dispose()
    sa.event.listen(engine, "connect", loose)
    try:
        yield
    finally:
        sa.event.remove(engine, "connect", loose)
        engine.dispose()


def insert_rows(table: str, rows: list[dict[str, Any]]) -> None:
    t = db.metadata.tables[table]
    for i in range(0, len(rows), CHUNK):
        db.session.execute(t.insert(), rows[i : i + CHUNK])


def ids_of(table: str, where: sa.ColumnElement[bool]) -> list[int]:
    t = db.metadata.tables[table]
    return list(db.session.scalars(sa.select(t.c.id).where(where).order_by(t.c.id)))


def phase(timings: dict[str, float], name: str) -> Any:
    """Time one step of the build and print it (where a slow build spends its time)."""

    @contextlib.contextmanager
    def timed() -> Iterator[None]:
        started = time.perf_counter()
        yield
        timings[name] = time.perf_counter() - started
        print(f"    build: {name} {timings[name]:.1f} s", flush=True)

    return timed()


def is_pg() -> bool:
    return db.engine.dialect.name == "postgresql"


def insert_select(table: str, columns: dict[str, str], source: str, **params: Any) -> None:
    """INSERT INTO table (columns) SELECT expressions FROM source, in the database: the
    columns not given get their model default (computed once, as the ORM would), so the rows
    are those the services write."""
    t = db.metadata.tables[table]
    binds = []
    exprs = dict(columns)
    for col in t.columns:
        if col.name in exprs or col.default is None or col.primary_key:
            continue
        arg = col.default.arg  # type: ignore[attr-defined]
        value = arg(None) if callable(arg) else arg
        exprs[col.name] = f":d_{col.name}"
        binds.append(sa.bindparam(f"d_{col.name}", value, type_=col.type))
    for name, value in params.items():
        binds.append(sa.bindparam(name, value, type_=_BIND_TYPES.get(name)))
    sql = (
        f"INSERT INTO {table} ({', '.join(exprs)}) "  # noqa: S608 - the bench's own SQL
        f"SELECT {', '.join(exprs.values())} FROM {source}"
    )
    db.session.execute(sa.text(sql).bindparams(*binds))


#: Types of the bound values the generated rows are made from (as the ORM would store them).
_BIND_TYPES: dict[str, Any] = {"now": UTCDateTime(), "today": sa.Date()}


def pad(expr: str, width: int) -> str:
    if is_pg():
        return f"lpad(CAST({expr} AS TEXT), {width}, '0')"
    return f"printf('%0{width}d', {expr})"


def days_before(day: str, expr: str) -> str:
    """The date ``expr`` days before the bound date ``day``."""
    if is_pg():
        return f"(CAST(:{day} AS DATE) - CAST({expr} AS INTEGER))"
    return f"date(:{day}, '-' || ({expr}) || ' days')"


def rand_below(k: int | str) -> str:
    """A random integer in [0, k) for each row (PostgreSQL's CAST rounds: floor it)."""
    if is_pg():
        return f"CAST(floor(random() * {k}) AS INTEGER)"
    return f"(abs(random()) % {k})"


def square(lon: str, lat: str, side: str = "0.005") -> str:
    """A GeoJSON Polygon (as JSON in the column's type) of a square with its south-west
    corner at (lon, lat)."""
    x0, y0 = f"CAST({lon} AS TEXT)", f"CAST({lat} AS TEXT)"
    x1, y1 = f"CAST({lon} + {side} AS TEXT)", f"CAST({lat} + {side} AS TEXT)"
    ring = " || ',' || ".join(
        f"'[' || {x} || ',' || {y} || ']'"
        for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0))
    )
    text = f"""'{{"type": "Polygon", "coordinates": [[' || {ring} || ']]}}'"""
    return f"CAST({text} AS JSONB)" if is_pg() else text


def first_id(table: str, count: int) -> int:
    """The first id of a table filled here; the ids are consecutive (checked)."""
    lo, hi, n = db.session.execute(
        sa.text(f"SELECT min(id), max(id), count(*) FROM {table}")  # noqa: S608
    ).one()
    assert n == count and hi - lo + 1 == n, (table, lo, hi, n)
    return int(lo)


def drop_indexes(tables: tuple[str, ...]) -> list[sa.Index]:
    """Drop the secondary indexes of the bulk-loaded tables (built again after the load,
    which is much faster than keeping them up to date row by row)."""
    dropped = []
    for name in tables:
        for index in sorted(db.metadata.tables[name].indexes, key=lambda i: str(i.name)):
            index.drop(db.session.connection())
            dropped.append(index)
    return dropped


def series(n: int) -> str:
    """A subquery of the integers 1..n in a column ``n``, on either database."""
    if is_pg():
        return f"SELECT generate_series(1, {int(n)}) AS n"
    return (
        f"WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < {int(n)}) "
        "SELECT n FROM c"
    )


def minus_seconds(expr: str) -> str:
    if is_pg():
        return f"(CAST(:now AS timestamptz) - make_interval(secs => {expr}))"
    return f"(strftime('%Y-%m-%d %H:%M:%S', :now, '-' || ({expr}) || ' seconds') || '.000000')"
