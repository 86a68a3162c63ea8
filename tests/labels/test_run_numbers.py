"""Label runs are numbered per cooperative: a cooperative's second run is #2, whatever other
cooperatives printed; the number is shown wherever a run is named, files included; the
migration numbers the runs that exist."""

from __future__ import annotations

import datetime as dt
import decimal

import sqlalchemy as sa
from flask_migrate import upgrade

from tests.conftest import make_app, scratch_database_url
from tests.farm import harvest_lot
from traceapp.extensions import db
from traceapp.labels import jobs
from traceapp.labels import services as labels


def test_each_cooperative_numbers_its_runs_from_one(farm, manager_client):
    from traceapp.batches.models import Lot
    from traceapp.labels.models import LabelRun
    from traceapp.products.models import Product

    world = farm.world
    lot = harvest_lot(farm, "100")
    first = labels.issue_run(world.a.manager, lot, count=1)
    # Another cooperative's run comes between: it takes no number of A's.
    product = Product(cooperative_id=world.b.coop.id, code="B-RICE", name="Gạo", category="rice")
    db.session.add(product)
    db.session.flush()
    other_lot = Lot(
        cooperative_id=world.b.coop.id,
        product_id=product.id,
        code="B-1",
        production_date=dt.date(2026, 3, 1),
        quantity=decimal.Decimal("10"),
        unit="KGM",
    )
    db.session.add(other_lot)
    db.session.flush()
    theirs = LabelRun(
        cooperative_id=world.b.coop.id,
        number=labels.next_counter_value(world.b.coop.id, labels.RUN_COUNTER),
        lot_id=other_lot.id,
        kind="serialised",
        count=1,
        template="a4-3x8",
        created_by_label="test",
        base_url="https://trace.example.vn",
    )
    db.session.add(theirs)
    db.session.flush()
    second = labels.issue_run(world.a.manager, lot, count=1)
    assert (first.number, second.number, theirs.number) == (1, 2, 1)
    assert second.id != 2  # the global id is not what is shown
    runs = manager_client.get("/label-runs?lang=en").get_data(as_text=True)
    assert f'href="/label-runs/{second.id}">#2</a>' in runs
    page = manager_client.get(f"/label-runs/{second.id}?lang=en").get_data(as_text=True)
    assert "Label run #2" in page
    assert jobs.filename(second, "pdf", "a4-3x8").startswith(f"labels-{lot.code}-run2")


def _fill(table: sa.Table, values: dict) -> dict:
    """A row of a reflected table: ``values``, and something of the right type in every other
    column that needs one."""
    row = dict(values)
    for column in table.columns:
        if column.name in row or column.nullable or column.server_default is not None:
            continue
        if column.primary_key and column.autoincrement is not False:
            continue
        kind = column.type.python_type if hasattr(column.type, "python_type") else str
        try:
            kind = column.type.python_type
        except NotImplementedError:
            kind = str
        row[column.name] = {
            int: 0,
            bool: False,
            dt.datetime: dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
            dt.date: dt.date(2026, 1, 1),
            decimal.Decimal: decimal.Decimal("1"),
            dict: {},
            list: [],
        }.get(kind, "x")
    return row


def test_the_migration_numbers_existing_runs_per_cooperative(tmp_path):
    with scratch_database_url(tmp_path) as url:
        app = make_app(url, tmp_path)
        with app.app_context():
            upgrade(revision="0015")
            engine = db.engine
            meta = sa.MetaData()
            meta.reflect(engine)
            t = meta.tables
            with engine.begin() as conn:
                for coop in (1, 2):
                    conn.execute(
                        t["cooperatives"].insert(),
                        _fill(t["cooperatives"], {"id": coop, "short_code": f"C{coop}"}),
                    )
                    conn.execute(
                        t["products"].insert(),
                        _fill(t["products"], {"id": coop, "cooperative_id": coop, "gtin": None}),
                    )
                    conn.execute(
                        t["lots"].insert(),
                        _fill(
                            t["lots"],
                            {
                                "id": coop,
                                "cooperative_id": coop,
                                "product_id": coop,
                                "status": "open",
                            },
                        ),
                    )
                # Runs of the two cooperatives interleaved: A, B, A, A, B.
                for run_id, coop in enumerate((1, 2, 1, 1, 2), start=1):
                    conn.execute(
                        t["label_runs"].insert(),
                        _fill(
                            t["label_runs"],
                            {
                                "id": run_id,
                                "cooperative_id": coop,
                                "lot_id": coop,
                                "kind": "serialised",
                                "count": 1,
                            },
                        ),
                    )
            db.session.remove()
            upgrade()
            with engine.connect() as conn:
                numbers = conn.execute(
                    sa.text("SELECT id, cooperative_id, number FROM label_runs ORDER BY id")
                ).all()
                counters = dict(
                    conn.execute(
                        sa.text(
                            "SELECT cooperative_id, value FROM counters WHERE name = 'label_run'"
                        )
                    ).all()
                )
            assert [tuple(r) for r in numbers] == [
                (1, 1, 1),
                (2, 2, 1),
                (3, 1, 2),
                (4, 1, 3),
                (5, 2, 2),
            ]
            assert counters == {1: 3, 2: 2}
            db.session.remove()
            engine.dispose()
