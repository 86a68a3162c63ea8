"""Province-scale data for bench/scale.py (issue 21), written with bulk SQL.

Going through the services (one lot, one contribution, one label run at a time, each with its
audit record) would take hours for 100,000 lots, 1,000,000 labels and 10,000,000 scans, so the
volume is written here with bulk INSERTs of the same rows the services would write: plain
executemany for the tens of thousands of lots, members and zones, and INSERT ... SELECT over a
generated series for the labels and the scan log. The few objects an operation starts from
(the users, the cooperative, its products) are made the ordinary way. The recall genealogy is
built the same way: lot_inputs rows as a transformation writes them.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from traceapp.auth.models import Role, User
from traceapp.cooperatives.models import Cooperative
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
    stamp = {"cooperative_id": cid}
    _rows(
        "members",
        [
            {
                **stamp,
                "member_number": f"{i:06d}",
                "full_name": f"Hộ {rnd.choice('NTLPHV')}{i}",
                "village": f"Thôn {i % 40}",
                "created_at": now,
                "updated_at": now,
            }
            for i in range(1, sizes["members"] + 1)
        ],
    )
    _rows(
        "zones",
        [
            {
                **stamp,
                "code": f"VN-PYDX-{i:05d}",
                "kind": "growing_area",
                "crop": "đậu phộng",
                "province": PROVINCE_NAME,
                "province_key": "phu yen",
                "commune": "Xuân Phước",
                "status": "approved",
                "declared_area_ha": Decimal("2.5"),
                "created_at": now,
                "updated_at": now,
            }
            for i in range(1, sizes["zones"] + 1)
        ],
    )
    members = _ids("members", db.metadata.tables["members"].c.cooperative_id == cid)
    zones = _ids("zones", db.metadata.tables["zones"].c.cooperative_id == cid)
    n_lots = sizes["lots"]
    _rows(
        "lots",
        [
            {
                **stamp,
                "product_id": products[i % len(products)].id,
                "code": f"L{i:07d}",
                "production_date": today - dt.timedelta(days=i % 365),
                "quantity": Decimal("100000"),
                "unit": "KGM",
                "status": "closed",
                "created_at": now,
                "updated_at": now,
            }
            for i in range(1, n_lots + 1)
        ],
    )
    lots = _ids("lots", db.metadata.tables["lots"].c.cooperative_id == cid)
    # One contribution per lot, and the big lot with many.
    big = lots[len(lots) // 2]
    contributions = [
        {
            **stamp,
            "lot_id": lot_id,
            "member_id": members[i % len(members)],
            "zone_id": zones[i % len(zones)],
            "quantity": Decimal("50"),
            "unit": "KGM",
            "delivered_on": today - dt.timedelta(days=i % 365),
            "recorded_at": now,
        }
        for i, lot_id in enumerate(lots)
    ]
    contributions += [
        {
            **stamp,
            "lot_id": big,
            "member_id": members[rnd.randrange(len(members))],
            "zone_id": zones[rnd.randrange(len(zones))],
            "quantity": Decimal("3.5"),
            "unit": "KGM",
            "delivered_on": today - dt.timedelta(days=i % 60),
            "recorded_at": now,
        }
        for i in range(sizes["big_lot"])
    ]
    _rows("lot_contributions", contributions)
    _rows(
        "trace_events",
        [
            {
                **stamp,
                "event_uid": f"urn:uuid:bench-{big}-{i}",
                "lot_id": big,
                "event_type": "ObjectEvent",
                "action": "OBSERVE",
                "biz_step": "inspecting",
                "event_time": now - dt.timedelta(minutes=i),
                "tz_offset": "+07:00",
                "recorded_by_label": "bench",
                "recorded_at": now,
                "origin": "local",
            }
            for i in range(sizes["big_lot"])
        ],
    )
    root, tree = _genealogy(rnd, lots, sizes["genealogy"], cid)
    _labels(lots, tree, sizes, cid, now)
    _scans(sizes["scans"], cid, now)
    _scan_counters()
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


def _labels(
    lots: list[int], tree: list[int], sizes: dict[str, int], cid: int, now: dt.datetime
) -> None:
    """100 labels on each lot of the genealogy, the rest in runs of 1,000 on other lots."""
    runs = [(lot_id, 100) for lot_id in tree]
    left = sizes["labels"] - 100 * len(tree)
    others = iter(lots[len(tree) * 2 :])
    while left > 0:
        n = min(1000, left)
        runs.append((next(others), n))
        left -= n
    t = db.metadata.tables["label_runs"]
    first = 0
    for lot_id, n in runs:
        run_id = db.session.execute(
            t.insert()
            .values(
                cooperative_id=cid,
                lot_id=lot_id,
                kind="serialised",
                count=n,
                template="a4-3x8",
                created_by_label="bench",
                created_at=now,
                base_url="https://trace.example.vn",
                prints=0,
            )
            .returning(t.c.id)
        ).scalar_one()
        db.session.execute(
            sa.text(
                "INSERT INTO labels (serial, run_id, lot_id, seq, scan_count, cooperative_id) "
                f"SELECT 'S' || (:first + n), :run, :lot, n, 0, :cid FROM ({_series(n)}) AS s"
            ),
            {"first": first, "run": run_id, "lot": lot_id, "cid": cid},
        )
        first += n


def _series(n: int) -> str:
    """A subquery of the integers 1..n in a column ``n``, on either database."""
    if db.engine.dialect.name == "postgresql":
        return f"SELECT generate_series(1, {int(n)}) AS n"
    return (
        f"WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < {int(n)}) "
        "SELECT n FROM c"
    )


def _scans(count: int, cid: int, now: dt.datetime) -> None:
    """``count`` scans of random labels over the last 365 days, a few of them flagged."""
    lo, hi = db.session.execute(sa.text("SELECT min(id), max(id) FROM labels")).one()
    span = hi - lo + 1
    rand = "random()" if db.engine.dialect.name == "postgresql" else "(abs(random()) / 9.3e18)"
    step = 1_000_000
    for start in range(0, count, step):
        n = min(step, count - start)
        db.session.execute(
            sa.text(
                "INSERT INTO label_scans (scanned_at, label_id, lot_id, product_id, "
                "cooperative_id, outcome, client_hash, ua_class, lang, flagged) "
                "SELECT x.at, l.id, l.lot_id, lt.product_id, :cid, 'ok', "
                "substr('0123456789abcdef', 1 + (x.n % 16), 1) || 'bench', 'phone', 'vi', "
                "(x.n % 5000 = 0) "
                f"FROM (SELECT n, :lo + CAST({rand} * :span AS INTEGER) AS lid, "
                f"{_minus_seconds(f'CAST({rand} * 31536000 AS INTEGER)')} AS at "
                f"FROM ({_series(n)}) AS s) AS x JOIN labels l ON l.id = x.lid "
                "JOIN lots lt ON lt.id = l.lot_id"
            ),
            {"cid": cid, "lo": lo, "span": span, "now": now},
        )


def _scan_counters() -> None:
    """What the scan log writer keeps as it writes scans: the labels' counters and the daily
    counts (filled the way migration 0016 fills them from an existing log)."""
    db.session.execute(
        sa.text(
            "UPDATE labels SET scan_count = s.n, first_scanned_at = s.f, last_scanned_at = s.l "
            "FROM (SELECT label_id, count(*) AS n, min(scanned_at) AS f, max(scanned_at) AS l "
            "FROM label_scans GROUP BY label_id) AS s WHERE labels.id = s.label_id"
        )
    )

    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        day = "CAST(date(timezone('Asia/Ho_Chi_Minh', scanned_at)) AS date)"
    else:
        day = "date(datetime(scanned_at, '+420 minutes'))"
    parts = (
        f"coalesce(cooperative_id, 0), {day}, coalesce(lot_id, 0), coalesce(product_id, 0), "
        "lang, outcome, flagged"
    )
    db.session.execute(
        sa.text(
            "INSERT INTO scan_daily (cooperative_id, day, lot_id, product_id, lang, outcome, "
            f"flagged, scans) SELECT {parts}, count(*) FROM label_scans GROUP BY {parts}"
        )
    )


def _minus_seconds(expr: str) -> str:
    if db.engine.dialect.name == "postgresql":
        return f"(CAST(:now AS timestamptz) - make_interval(secs => {expr}))"
    return f"(strftime('%Y-%m-%d %H:%M:%S', :now, '-' || ({expr}) || ' seconds') || '.000000')"


def _check_digit(body: str) -> int:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10
