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

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from scale_sql import (
    days_before,
    drop_indexes,
    first_id,
    ids_of,
    insert_rows,
    insert_select,
    is_pg,
    minus_seconds,
    pad,
    phase,
    rand_below,
    series,
    square,
)
from scale_volume import (
    check_references,
    daily_counts,
    label_counters,
    make_labels,
    make_scans,
    unknown_serials,
)
from werkzeug.security import generate_password_hash

from traceapp.auth.models import Role, User
from traceapp.batches import zone_mass
from traceapp.cooperatives.models import Cooperative
from traceapp.core.regions import normalise
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
    "member_import": 50_000,  # new members in the file a member import job checks and applies
    "zone_import": 1_000,  # new zone codes in the file a zone import job checks and applies
}
PROVINCE_NAME = "Phú Yên"


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


def sizes_for(factor: float) -> dict[str, int]:
    """The tier's sizes: the province sizes times ``factor`` (at least a few of each)."""
    return {k: max(int(v * factor), 10) for k, v in PROVINCE.items()}


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
    if is_pg():
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
    with phase(timings, "members, zones, lots"):
        _members_zones_lots(sizes, cid, [p.id for p in products], today)
    lots = ids_of("lots", db.metadata.tables["lots"].c.cooperative_id == cid)
    big = lots[len(lots) // 2]
    with phase(timings, "contributions, events"):
        _contributions(sizes, cid, big, sizes["members"], today, now)
    with phase(timings, "zone year mass"):
        # Kept by the contribution services, which the load bypasses: summed here, as
        # migration 0036 does.
        zone_mass.fill(db.session.connection())
    check_references()
    with phase(timings, "genealogy"):
        root, tree = _genealogy(rnd, lots, sizes["genealogy"], cid)
    with phase(timings, "drop indexes"):
        indexes = drop_indexes(("labels", "label_scans"))
    with phase(timings, "labels"):
        render_run_id = make_labels(lots, tree, sizes, cid, now)
    if is_pg():
        # The scan log is partitioned by month (migration 0024; create_all does the same):
        # the months of the year of scans about to be loaded get their partitions first.
        from traceapp.public.scan import partitions

        partitions.ensure_months(
            db.session.connection(), today, since=today - dt.timedelta(days=366)
        )
    with phase(timings, "scans"):
        make_scans(sizes["scans"], cid, now)
    with phase(timings, "label counters"):
        label_counters()
    with phase(timings, "daily counts"):
        daily_counts()
    with phase(timings, "unknown serials"):
        unknown_serials()
    with phase(timings, "home page counts"):
        # Kept by triggers, which the load bypasses (PostgreSQL) or pays row by row (SQLite):
        # counted afresh here, as migration 0031 does.
        from traceapp.dashboard import models as home_counts

        home_counts.fill(db.session.connection())
    with phase(timings, "recreate indexes"):
        for index in indexes:
            index.create(db.session.connection())
    db.session.commit()
    # The flags the console reads are kept figures, refreshed by the job worker every few
    # minutes: refreshed once here, as the worker would after the load (its time is the cost
    # the worker pays on each refresh).
    from traceapp.authority.flags import refresh_flags

    with phase(timings, "flag figures (the worker's refresh)"):
        refresh_flags()
        db.session.commit()
    from traceapp.authority import region_figures

    with phase(timings, "statistics per region (the worker's refresh)"):
        region_figures.refresh()
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
    insert_rows("lot_inputs", edges)
    return root, tree


def _members_zones_lots(sizes: dict[str, int], cid: int, products: list[int], today: Any) -> None:
    """The cooperative's households, growing areas and lots, generated in the database."""
    insert_select(
        "members",
        {
            "cooperative_id": ":cid",
            "member_number": pad("n", 6),
            "full_name": "'Hộ ' || substr('NTLPHV', 1 + (n * 7) % 6, 1) || n",
            "village": "'Thôn ' || (n % 40)",
        },
        f"({series(sizes['members'])}) AS s",
        cid=cid,
    )
    insert_select(
        "zones",
        {
            "cooperative_id": ":cid",
            "code": "'VN-PYDX-' || " + pad("n", 5),
            "kind": "'growing_area'",
            "crop": "'đậu phộng'",
            "province": ":province",
            "province_key": ":province_key",
            "commune": "'Xuân Phước'",
            "status": "'approved'",
            "declared_area_ha": "2.5",
            # A small square field each, on a grid over the province (as drawn on the map).
            "geometry": square("109.0 + (n % 100) * 0.01", "13.0 + (n / 100) * 0.01"),
            "min_lon": "109.0 + (n % 100) * 0.01",
            "min_lat": "13.0 + (n / 100) * 0.01",
            "max_lon": "109.005 + (n % 100) * 0.01",
            "max_lat": "13.005 + (n / 100) * 0.01",
        },
        f"({series(sizes['zones'])}) AS s",
        cid=cid,
        province=PROVINCE_NAME,
        # As the model keeps it (Zone._keep_keys): the key the auditor's scope matches.
        province_key=normalise(PROVINCE_NAME),
    )
    insert_select(
        "lots",
        {
            "cooperative_id": ":cid",
            "product_id": f":p0 + (n % {len(products)})",
            "code": "'L' || " + pad("n", 7),
            "production_date": days_before("today", "n % 365"),
            "quantity": "100000",
            "unit": "'KGM'",
            "status": "'closed'",
        },
        f"({series(sizes['lots'])}) AS s",
        cid=cid,
        p0=products[0],
        today=today,
    )
    assert products == list(range(products[0], products[0] + len(products)))


def _contributions(
    sizes: dict[str, int], cid: int, big: int, n_members: int, today: Any, now: Any
) -> None:
    """One contribution per lot (its household and zone in turn), the big lot's many
    contributions from random households and zones, and as many events on the big lot."""
    m0 = first_id("members", n_members)
    z0 = first_id("zones", sizes["zones"])
    l0 = first_id("lots", sizes["lots"])
    common = {"cooperative_id": ":cid", "unit": "'KGM'", "recorded_at": ":now"}
    insert_select(
        "lot_contributions",
        {
            **common,
            "lot_id": "id",
            "member_id": f":m0 + ((id - :l0) % {n_members})",
            "zone_id": f":z0 + ((id - :l0) % {sizes['zones']})",
            "quantity": "50",
            "delivered_on": days_before("today", "(id - :l0) % 365"),
        },
        "lots WHERE cooperative_id = :cid ORDER BY id",
        cid=cid,
        m0=m0,
        z0=z0,
        l0=l0,
        today=today,
        now=now,
    )
    insert_select(
        "lot_contributions",
        {
            **common,
            "lot_id": ":big",
            "member_id": f":m0 + {rand_below(n_members)}",
            "zone_id": f":z0 + {rand_below(sizes['zones'])}",
            "quantity": "3.5",
            "delivered_on": days_before("today", "n % 60"),
        },
        f"({series(sizes['big_lot'])}) AS s",
        cid=cid,
        big=big,
        m0=m0,
        z0=z0,
        today=today,
        now=now,
    )
    insert_select(
        "trace_events",
        {
            "cooperative_id": ":cid",
            "event_uid": "'urn:uuid:bench-' || :big || '-' || (n - 1)",
            "lot_id": ":big",
            "event_type": "'ObjectEvent'",
            "action": "'OBSERVE'",
            "biz_step": "'inspecting'",
            "event_time": minus_seconds("60 * (n - 1)"),
            "tz_offset": "'+07:00'",
            "recorded_by_label": "'bench'",
            "recorded_at": ":now",
            "origin": "'local'",
        },
        f"({series(sizes['big_lot'])}) AS s",
        cid=cid,
        big=big,
        now=now,
    )


def _check_digit(body: str) -> int:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10
