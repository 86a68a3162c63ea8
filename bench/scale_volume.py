"""The bulk of a province for bench/scale_build.py: labels, the scan log, the labels' scan
counters and the daily counts, generated inside the database as the services and the scan log
writer would have written them."""

from __future__ import annotations

import datetime as dt
import itertools

import sqlalchemy as sa
from scale_sql import insert_rows, insert_select, minus_seconds, rand_below, series

from traceapp.database import UTCDateTime, local_time_sql
from traceapp.extensions import db


def check_references() -> None:
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


def make_labels(
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
    insert_rows(
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
        insert_select(
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
            f"CROSS JOIN ({series(size)}) AS s WHERE r.number BETWEEN :a AND :b "
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


#: Outcomes of the scans, per 1,000: most are of a good label; a few name a serial that
#: never existed (counterfeit evidence, tied to the lot the pack claimed) or a label whose
#: lot or GTIN disagree.
UNKNOWN_PER_1000, MISMATCH_PER_1000 = 5, 2


def make_scans(count: int, cid: int, now: dt.datetime) -> None:
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
        ago = f"{(chunks - 1 - k) * year // chunks} + {rand_below(year // chunks)}"
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
                f"FROM (SELECT n, :lo + {rand_below(span)} AS lid, "
                f"{minus_seconds(ago)} AS at "
                f"FROM ({series(n)}) AS s) AS x JOIN labels l ON l.id = x.lid "
                "JOIN lots lt ON lt.id = l.lot_id ORDER BY x.at"
            ).bindparams(sa.bindparam("now", now, type_=UTCDateTime())),
            {"cid": cid, "lo": lo, "span": span, "start": start},
        )
    written = db.session.execute(sa.text("SELECT count(*) FROM label_scans")).scalar_one()
    assert written == count, (written, count)


def label_counters() -> None:
    """What the scan log writer keeps on each label as it writes its scans."""
    db.session.execute(
        sa.text(
            "UPDATE labels SET scan_count = s.n, first_scanned_at = s.f, last_scanned_at = s.l "
            "FROM (SELECT label_id, count(*) AS n, min(scanned_at) AS f, max(scanned_at) AS l "
            "FROM label_scans WHERE label_id IS NOT NULL GROUP BY label_id) AS s "
            "WHERE labels.id = s.label_id"
        )
    )


def daily_counts() -> None:
    """The daily counts the scan log writer keeps (traceapp/public/scan/log.py), computed
    from the whole log with the expression migration 0022 fills them with, and the figures
    kept beside them as migration 0031 fills them."""
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
    # And per label run and day (scan_daily_runs, kept beside scan_daily by the writer).
    runs = db.metadata.tables["scan_daily_runs"]
    labels = db.metadata.tables["labels"]
    per_run = [labels.c.run_id, day]
    db.session.execute(
        runs.insert().from_select(
            ["run_id", "day", "scans"],
            sa.select(*per_run, sa.func.count())
            .select_from(scans.join(labels, labels.c.id == scans.c.label_id))
            .group_by(*per_run),
        )
    )
    # And the figures kept beside them (traceapp/public/scan/kept.py): the counts without
    # the lot, per lot and month, and the labels per day of their last scan.
    from traceapp.public.scan import kept

    kept.fill(db.session.connection())


def unknown_serials() -> None:
    """The scans of serials never issued as the scan log writer keeps them (per serial, per
    serial and cooperative, per cooperative: traceapp/public/scan/unknown.py), counted from
    the whole log as migration 0032 fills them."""
    from traceapp.public.scan import unknown

    unknown.recount(db.session.connection())
    kept = db.session.execute(sa.text("SELECT sum(scans) FROM unknown_serial_totals")).scalar()
    logged = db.session.execute(
        sa.text("SELECT count(*) FROM label_scans WHERE outcome = 'unknown'")
    ).scalar_one()
    assert (kept or 0) == logged, (kept, logged)
