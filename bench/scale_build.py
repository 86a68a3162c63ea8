"""Province-scale data for bench/scale.py (issue 21), written with bulk SQL.

Going through the services (one lot, one contribution, one label run at a time, each with its
audit record) would take hours for 100,000 lots, 1,000,000 labels and 10,000,000 scans, so the
volume is generated inside the database: INSERT ... SELECT over generate_series (PostgreSQL) or
a recursive CTE (SQLite), with expressions that give the same rows the services write (the
model defaults filled in, the scan log's daily counts and the labels' scan counters computed as
the scan log writer keeps them). The secondary indexes of the labels and the scan log are built
after the load, and the load runs without journal or fsync on SQLite and without foreign-key
triggers on PostgreSQL (the bench's own connection and transaction only). The few objects an
operation starts from (the users, the cooperative, its products) are made the ordinary way; the
recall genealogy and the label runs are a few thousand rows written with executemany.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from traceapp.auth.models import Role, User
from traceapp.cooperatives.models import Cooperative
from traceapp.core.regions import normalise
from traceapp.database import UTCDateTime, local_time_sql
from traceapp.extensions import db
from traceapp.products.models import Product

PASSWORD = "bench-password-1"  # noqa: S105 - a throwaway account of the bench database
#: Full sizes of the province tier; a tier multiplies them by its factor.
PROVINCE = {
    "lots": 100_000,
    "labels": 1_000_000,
    "scans": 10_000_000,
    "members": 50_000,
    "zones": 10_000,
    "big_lot": 10_000,  # contributions (and as many events) of one lot
    "genealogy": 1_000,  # lots in the recalled tree (with 100 labels each)
    "render": 100_000,  # labels of the run a rendering job prints (part of the labels)
    "epcis_import": 10_000,  # events of the EPCIS document imported by a job
}
PROVINCE_NAME = "Phú Yên"
CHUNK = 5_000


@dataclass
class World:
    """What the operations start from."""

    coop_id: int
    manager: str
    auditor: str
    admin: str
    big_lot_id: int
    root_lot_id: int
    genealogy_ids: list[int]
    sizes: dict[str, int]
    token: str
    auditor_token: str
    render_run_id: int
    recall_id: int | None = None


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


def sizes_for(factor: float) -> dict[str, int]:
    """The tier's sizes: the province sizes times ``factor`` (at least a few of each)."""
    return {k: max(int(v * factor), 10) for k, v in PROVINCE.items()}


def _rows(table: str, rows: list[dict[str, Any]]) -> None:
    t = db.metadata.tables[table]
    for i in range(0, len(rows), CHUNK):
        db.session.execute(t.insert(), rows[i : i + CHUNK])


def _ids(table: str, where: sa.ColumnElement[bool]) -> list[int]:
    t = db.metadata.tables[table]
    return list(db.session.scalars(sa.select(t.c.id).where(where).order_by(t.c.id)))


def build(sizes: dict[str, int], seed: int = 21) -> World:
    """Fill an empty schema with one province's worth of data; returns the starting points."""
    rnd = random.Random(seed)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    today = now.date()
    coop = Cooperative(name="HTX Nông nghiệp Xuân Phước", short_code="XP", province=PROVINCE_NAME)
    db.session.add(coop)
    db.session.flush()
    cheap = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    users = {
        "manager": User(
            email="manager@bench.test",
            full_name="Quản lý",
            password_hash=cheap,
            role=Role.MANAGER,
            cooperative_id=coop.id,
        ),
        "auditor": User(
            email="auditor@bench.test",
            full_name="Kiểm tra",
            password_hash=cheap,
            role=Role.AUDITOR,
            province=PROVINCE_NAME,
        ),
        "admin": User(
            email="admin@bench.test", full_name="Admin", password_hash=cheap, role=Role.ADMIN
        ),
    }
    db.session.add_all(users.values())
    db.session.flush()
    from traceapp.auth.services import create_token

    token = create_token(users["manager"], users["manager"], "bench")[1]
    auditor_token = create_token(users["auditor"], users["auditor"], "bench")[1]
    products = [
        Product(
            cooperative_id=coop.id,
            code=f"XP-DP-{i}",
            name=f"Đậu phộng Xuân Phước {i}",
            category="peanuts",
            unit_of_trade="bag",
            net_quantity=Decimal("0.5"),
            net_unit="KGM",
            gtin=f"0893851200{i:03d}",
            shelf_life_days=365,
        )
        for i in range(1, 6)
    ]
    for p in products:
        p.gtin = p.gtin + str(_check_digit(p.gtin))
    db.session.add_all(products)
    db.session.flush()
    cid = coop.id
    timings: dict[str, float] = {}
    if _pg():
        # This transaction only: no foreign-key triggers (the rows are consistent by
        # construction), no wait for the WAL flush, room to sort and to build indexes.
        superuser = db.session.execute(sa.text("SHOW is_superuser")).scalar_one() == "on"
        for setting in (
            *(["session_replication_role = replica"] if superuser else []),
            "synchronous_commit = off",
            "work_mem = '256MB'",
            "maintenance_work_mem = '512MB'",
        ):
            db.session.execute(sa.text(f"SET LOCAL {setting}"))
    with _phase(timings, "members, zones, lots"):
        _members_zones_lots(sizes, cid, [p.id for p in products], today)
    lots = _ids("lots", db.metadata.tables["lots"].c.cooperative_id == cid)
    big = lots[len(lots) // 2]
    with _phase(timings, "contributions, events"):
        _contributions(sizes, cid, big, sizes["members"], today, now)
    _check_references()
    with _phase(timings, "genealogy"):
        root, tree = _genealogy(rnd, lots, sizes["genealogy"], cid)
    with _phase(timings, "drop indexes"):
        indexes = _drop_indexes(("labels", "label_scans"))
    with _phase(timings, "labels"):
        render_run_id = _labels(lots, tree, sizes, cid, now)
    with _phase(timings, "scans"):
        _scans(sizes["scans"], cid, now)
    with _phase(timings, "label counters"):
        _label_counters()
    with _phase(timings, "daily counts"):
        _daily_counts()
    with _phase(timings, "recreate indexes"):
        for index in indexes:
            index.create(db.session.connection())
    db.session.commit()
    return World(
        coop_id=cid,
        manager="manager@bench.test",
        auditor="auditor@bench.test",
        admin="admin@bench.test",
        big_lot_id=big,
        root_lot_id=root,
        genealogy_ids=tree,
        sizes=sizes,
        token=token,
        auditor_token=auditor_token,
        render_run_id=render_run_id,
    )


def _genealogy(rnd: random.Random, lots: list[int], count: int, cid: int) -> tuple[int, list[int]]:
    """A tree with fan-out and fan-in among the first ``count`` lots: the root's lot is split
    into ten, each later lot is made from one lot of the level above and blended with another
    (of that level or from outside the tree, which brings other households in)."""
    tree = lots[:count]
    root = tree[0]
    levels: list[list[int]] = [[root]]
    rest = tree[1:]
    while rest:
        width = len(levels[-1]) * 10
        levels.append(rest[:width])
        rest = rest[width:]
    outside = lots[count : count + max(count // 10, 1)]
    edges = []
    for above, level in zip(levels, levels[1:], strict=False):
        for lot_id in level:
            parents = {rnd.choice(above), rnd.choice(above if rnd.random() < 0.5 else outside)}
            for parent in parents:
                edges.append(
                    {
                        "cooperative_id": cid,
                        "output_lot_id": lot_id,
                        "input_lot_id": parent,
                        "quantity": Decimal("10"),
                        "unit": "KGM",
                    }
                )
    _rows("lot_inputs", edges)
    return root, tree


def _phase(timings: dict[str, float], name: str) -> Any:
    """Time one step of the build and print it (where a slow build spends its time)."""

    @contextlib.contextmanager
    def timed() -> Iterator[None]:
        started = time.perf_counter()
        yield
        timings[name] = time.perf_counter() - started
        print(f"    build: {name} {timings[name]:.1f} s", flush=True)

    return timed()


def _pg() -> bool:
    return db.engine.dialect.name == "postgresql"


def _insert(table: str, columns: dict[str, str], source: str, **params: Any) -> None:
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


def _pad(expr: str, width: int) -> str:
    if _pg():
        return f"lpad(CAST({expr} AS TEXT), {width}, '0')"
    return f"printf('%0{width}d', {expr})"


def _days_before(day: str, expr: str) -> str:
    """The date ``expr`` days before the bound date ``day``."""
    if _pg():
        return f"(CAST(:{day} AS DATE) - CAST({expr} AS INTEGER))"
    return f"date(:{day}, '-' || ({expr}) || ' days')"


def _rand_below(k: int | str) -> str:
    """A random integer in [0, k) for each row (PostgreSQL's CAST rounds: floor it)."""
    if _pg():
        return f"CAST(floor(random() * {k}) AS INTEGER)"
    return f"(abs(random()) % {k})"


def _members_zones_lots(sizes: dict[str, int], cid: int, products: list[int], today: Any) -> None:
    """The cooperative's households, growing areas and lots, generated in the database."""
    _insert(
        "members",
        {
            "cooperative_id": ":cid",
            "member_number": _pad("n", 6),
            "full_name": "'Hộ ' || substr('NTLPHV', 1 + (n * 7) % 6, 1) || n",
            "village": "'Thôn ' || (n % 40)",
        },
        f"({_series(sizes['members'])}) AS s",
        cid=cid,
    )
    _insert(
        "zones",
        {
            "cooperative_id": ":cid",
            "code": "'VN-PYDX-' || " + _pad("n", 5),
            "kind": "'growing_area'",
            "crop": "'đậu phộng'",
            "province": ":province",
            "province_key": ":province_key",
            "commune": "'Xuân Phước'",
            "status": "'approved'",
            "declared_area_ha": "2.5",
            # A small square field each, on a grid over the province (as drawn on the map).
            "geometry": _square("109.0 + (n % 100) * 0.01", "13.0 + (n / 100) * 0.01"),
            "min_lon": "109.0 + (n % 100) * 0.01",
            "min_lat": "13.0 + (n / 100) * 0.01",
            "max_lon": "109.005 + (n % 100) * 0.01",
            "max_lat": "13.005 + (n / 100) * 0.01",
        },
        f"({_series(sizes['zones'])}) AS s",
        cid=cid,
        province=PROVINCE_NAME,
        # As the model keeps it (Zone._keep_keys): the key the auditor's scope matches.
        province_key=normalise(PROVINCE_NAME),
    )
    _insert(
        "lots",
        {
            "cooperative_id": ":cid",
            "product_id": f":p0 + (n % {len(products)})",
            "code": "'L' || " + _pad("n", 7),
            "production_date": _days_before("today", "n % 365"),
            "quantity": "100000",
            "unit": "'KGM'",
            "status": "'closed'",
        },
        f"({_series(sizes['lots'])}) AS s",
        cid=cid,
        p0=products[0],
        today=today,
    )
    assert products == list(range(products[0], products[0] + len(products)))


def _square(lon: str, lat: str, side: str = "0.005") -> str:
    """A GeoJSON Polygon (as JSON in the column's type) of a square with its south-west
    corner at (lon, lat)."""
    x0, y0 = f"CAST({lon} AS TEXT)", f"CAST({lat} AS TEXT)"
    x1, y1 = f"CAST({lon} + {side} AS TEXT)", f"CAST({lat} + {side} AS TEXT)"
    ring = " || ',' || ".join(
        f"'[' || {x} || ',' || {y} || ']'"
        for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0))
    )
    text = f"""'{{"type": "Polygon", "coordinates": [[' || {ring} || ']]}}'"""
    return f"CAST({text} AS JSONB)" if _pg() else text


def _first_id(table: str, count: int) -> int:
    """The first id of a table filled here; the ids are consecutive (checked)."""
    lo, hi, n = db.session.execute(
        sa.text(f"SELECT min(id), max(id), count(*) FROM {table}")  # noqa: S608
    ).one()
    assert n == count and hi - lo + 1 == n, (table, lo, hi, n)
    return int(lo)


def _contributions(
    sizes: dict[str, int], cid: int, big: int, n_members: int, today: Any, now: Any
) -> None:
    """One contribution per lot (its household and zone in turn), the big lot's many
    contributions from random households and zones, and as many events on the big lot."""
    m0 = _first_id("members", n_members)
    z0 = _first_id("zones", sizes["zones"])
    l0 = _first_id("lots", sizes["lots"])
    common = {"cooperative_id": ":cid", "unit": "'KGM'", "recorded_at": ":now"}
    _insert(
        "lot_contributions",
        {
            **common,
            "lot_id": "id",
            "member_id": f":m0 + ((id - :l0) % {n_members})",
            "zone_id": f":z0 + ((id - :l0) % {sizes['zones']})",
            "quantity": "50",
            "delivered_on": _days_before("today", "(id - :l0) % 365"),
        },
        "lots WHERE cooperative_id = :cid ORDER BY id",
        cid=cid,
        m0=m0,
        z0=z0,
        l0=l0,
        today=today,
        now=now,
    )
    _insert(
        "lot_contributions",
        {
            **common,
            "lot_id": ":big",
            "member_id": f":m0 + {_rand_below(n_members)}",
            "zone_id": f":z0 + {_rand_below(sizes['zones'])}",
            "quantity": "3.5",
            "delivered_on": _days_before("today", "n % 60"),
        },
        f"({_series(sizes['big_lot'])}) AS s",
        cid=cid,
        big=big,
        m0=m0,
        z0=z0,
        today=today,
        now=now,
    )
    _insert(
        "trace_events",
        {
            "cooperative_id": ":cid",
            "event_uid": "'urn:uuid:bench-' || :big || '-' || (n - 1)",
            "lot_id": ":big",
            "event_type": "'ObjectEvent'",
            "action": "'OBSERVE'",
            "biz_step": "'inspecting'",
            "event_time": _minus_seconds("60 * (n - 1)"),
            "tz_offset": "'+07:00'",
            "recorded_by_label": "'bench'",
            "recorded_at": ":now",
            "origin": "'local'",
        },
        f"({_series(sizes['big_lot'])}) AS s",
        cid=cid,
        big=big,
        now=now,
    )


def _check_references() -> None:
    """The contributions name households and zones that exist (PostgreSQL's foreign-key
    triggers are off for the load, SQLite's checks too)."""
    for column, table in (("member_id", "members"), ("zone_id", "zones"), ("lot_id", "lots")):
        dangling = db.session.execute(
            sa.text(
                f"SELECT count(*) FROM lot_contributions c LEFT JOIN {table} t "  # noqa: S608
                f"ON t.id = c.{column} WHERE t.id IS NULL"
            )
        ).scalar_one()
        assert dangling == 0, (column, dangling)


def _drop_indexes(tables: tuple[str, ...]) -> list[sa.Index]:
    """Drop the secondary indexes of the bulk-loaded tables (built again after the load,
    which is much faster than keeping them up to date row by row)."""
    dropped = []
    for name in tables:
        for index in sorted(db.metadata.tables[name].indexes, key=lambda i: str(i.name)):
            index.drop(db.session.connection())
            dropped.append(index)
    return dropped


def _labels(
    lots: list[int], tree: list[int], sizes: dict[str, int], cid: int, now: dt.datetime
) -> int:
    """100 labels on each lot of the genealogy, one run of ``render`` labels (the one the
    rendering job prints; its id is returned), the rest in runs of 1,000 on other lots."""
    others = iter(lots[len(tree) * 2 :])
    runs = [(lot_id, 100) for lot_id in tree] + [(next(others), sizes["render"])]
    left = sizes["labels"] - sum(n for _, n in runs)
    while left > 0:
        n = min(1000, left)
        runs.append((next(others), n))
        left -= n
    _rows(
        "label_runs",
        [
            {
                "cooperative_id": cid,
                "lot_id": lot_id,
                "number": number,
                "kind": "serialised",
                "count": n,
                "template": "a4-3x8",
                "created_by_label": "bench",
                "created_at": now,
                "base_url": "https://trace.example.vn",
                "prints": 0,
            }
            for number, (lot_id, n) in enumerate(runs, start=1)
        ],
    )
    # The cooperative's run numbering goes on after these (as next_counter_value keeps it).
    counters = db.metadata.tables["counters"]
    db.session.execute(
        counters.insert().values(cooperative_id=cid, name="label_run", value=len(runs))
    )
    # The labels of each stretch of runs of one size in one statement (runs x a series of
    # that size: no join condition to test), stretch after stretch so that the ids follow
    # the runs; serials S1, S2, ... run after run, as printed.
    number = 1
    for size, stretch in itertools.groupby(n for _, n in runs):
        last = number + len(list(stretch)) - 1
        _insert(
            "labels",
            {
                "serial": "'S' || (r.first + s.n)",
                "run_id": "r.id",
                "lot_id": "r.lot_id",
                "seq": "s.n",
                "scan_count": "0",
                "cooperative_id": ":cid",
            },
            "(SELECT id, lot_id, number, sum(count) OVER (ORDER BY number) - count AS first "
            "FROM label_runs WHERE cooperative_id = :cid) AS r "
            f"CROSS JOIN ({_series(size)}) AS s WHERE r.number BETWEEN :a AND :b "
            "ORDER BY r.number, s.n",
            cid=cid,
            a=number,
            b=last,
        )
        number = last + 1
    made = db.session.execute(sa.text("SELECT count(*) FROM labels")).scalar_one()
    assert made == sum(n for _, n in runs), (made, sum(n for _, n in runs))
    runs_table = db.metadata.tables["label_runs"]
    return int(
        db.session.execute(
            sa.select(runs_table.c.id).where(runs_table.c.number == len(tree) + 1)
        ).scalar_one()
    )


def _series(n: int) -> str:
    """A subquery of the integers 1..n in a column ``n``, on either database."""
    if _pg():
        return f"SELECT generate_series(1, {int(n)}) AS n"
    return (
        f"WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < {int(n)}) "
        "SELECT n FROM c"
    )


#: Outcomes of the scans, per 1,000: most are of a good label; a few name a serial that
#: never existed (counterfeit evidence, tied to the lot the pack claimed) or a label whose
#: lot or GTIN disagree.
UNKNOWN_PER_1000, MISMATCH_PER_1000 = 5, 2


def _scans(count: int, cid: int, now: dt.datetime) -> None:
    """``count`` scans of random labels over the last 365 days, a few of them flagged."""
    lo, hi = db.session.execute(sa.text("SELECT min(id), max(id) FROM labels")).one()
    span = hi - lo + 1
    step = 2_000_000
    chunks = -(-count // step)
    year = 365 * 24 * 3600
    unknown = f"x.n % 1000 < {UNKNOWN_PER_1000}"
    mismatch = f"x.n % 1000 < {UNKNOWN_PER_1000 + MISMATCH_PER_1000}"
    for k, start in enumerate(range(0, count, step)):
        # Oldest first, each slice of the year in time order: the log's ids follow time.
        n = min(step, count - start)
        ago = f"{(chunks - 1 - k) * year // chunks} + {_rand_below(year // chunks)}"
        db.session.execute(
            sa.text(
                "INSERT INTO label_scans (scanned_at, label_id, lot_id, product_id, "
                "cooperative_id, unknown_serial, outcome, client_hash, ua_class, lang, flagged) "
                f"SELECT x.at, CASE WHEN {unknown} THEN NULL ELSE l.id END, l.lot_id, "
                "lt.product_id, :cid, "
                f"CASE WHEN {unknown} THEN 'Z' || (:start + x.n) END, "
                f"CASE WHEN {unknown} THEN 'unknown' WHEN {mismatch} THEN 'mismatch' "
                "ELSE 'ok' END, "
                "substr('0123456789abcdef', 1 + (x.n % 16), 1) || 'bench', 'phone', "
                "CASE WHEN x.n % 10 < 8 THEN 'vi' ELSE 'en' END, "
                "(x.n % 5000 = 0) "
                f"FROM (SELECT n, :lo + {_rand_below(span)} AS lid, "
                f"{_minus_seconds(ago)} AS at "
                f"FROM ({_series(n)}) AS s) AS x JOIN labels l ON l.id = x.lid "
                "JOIN lots lt ON lt.id = l.lot_id ORDER BY x.at"
            ).bindparams(sa.bindparam("now", now, type_=UTCDateTime())),
            {"cid": cid, "lo": lo, "span": span, "start": start},
        )
    written = db.session.execute(sa.text("SELECT count(*) FROM label_scans")).scalar_one()
    assert written == count, (written, count)


def _label_counters() -> None:
    """What the scan log writer keeps on each label as it writes its scans."""
    db.session.execute(
        sa.text(
            "UPDATE labels SET scan_count = s.n, first_scanned_at = s.f, last_scanned_at = s.l "
            "FROM (SELECT label_id, count(*) AS n, min(scanned_at) AS f, max(scanned_at) AS l "
            "FROM label_scans WHERE label_id IS NOT NULL GROUP BY label_id) AS s "
            "WHERE labels.id = s.label_id"
        )
    )


def _daily_counts() -> None:
    """The daily counts the scan log writer keeps (traceapp/public/scan/log.py), computed
    from the whole log with the expression migration 0022 fills them with."""
    scans = db.metadata.tables["label_scans"]
    daily = db.metadata.tables["scan_daily"]
    dialect = db.engine.dialect.name
    day = sa.func.date(local_time_sql(scans.c.scanned_at, dialect))
    if dialect == "postgresql":
        day = sa.cast(day, sa.Date())
    parts = [
        sa.func.coalesce(scans.c.cooperative_id, 0),
        day,
        sa.func.coalesce(scans.c.lot_id, 0),
        sa.func.coalesce(scans.c.product_id, 0),
        scans.c.lang,
        scans.c.outcome,
        scans.c.flagged,
    ]
    key = ["cooperative_id", "day", "lot_id", "product_id", "lang", "outcome", "flagged"]
    db.session.execute(
        daily.insert().from_select(
            [*key, "scans"], sa.select(*parts, sa.func.count()).group_by(*parts)
        )
    )
    counted = db.session.execute(sa.select(sa.func.sum(daily.c.scans))).scalar_one()
    logged = db.session.execute(sa.select(sa.func.count()).select_from(scans)).scalar_one()
    assert counted == logged, (counted, logged)


def _minus_seconds(expr: str) -> str:
    if _pg():
        return f"(CAST(:now AS timestamptz) - make_interval(secs => {expr}))"
    return f"(strftime('%Y-%m-%d %H:%M:%S', :now, '-' || ({expr}) || ' seconds') || '.000000')"


def _check_digit(body: str) -> int:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10
