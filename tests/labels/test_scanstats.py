"""The cooperative's scan statistics: per day, by language, per product and lot, as SVG."""

from __future__ import annotations

from traceapp.labels import services as labels
from traceapp.public.services import record_scan


def test_scans_are_counted_per_day_language_product_and_lot(farm, manager_client, other_client):
    import sqlalchemy as sa

    from tests.farm import harvest_lot
    from traceapp.extensions import db
    from traceapp.labels.models import Label

    lot = harvest_lot(farm, "100")
    run = labels.issue_run(farm.world.a.manager, lot, count=3)
    serials = db.session.scalars(sa.select(Label.serial).where(Label.run_id == run.id)).all()
    for serial, lang in zip(serials, ("vi", "vi", "zh"), strict=True):
        record_scan(serial, address="10.0.0.1", user_agent="Android", lang=lang)
    record_scan(serials[0], address="10.0.0.2", user_agent="iPhone", lang="en")
    page = manager_client.get("/scans?days=7")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<svg" in html and 'role="img"' in html
    assert "中文" in html and "Tiếng Việt" in html
    assert lot.code in html
    assert '<span class="num">4</span>' in html
    # another cooperative sees none of it
    theirs = other_client.get("/scans?days=7").get_data(as_text=True)
    assert lot.code not in theirs
    assert other_client.get(f"/scans?lot_id={lot.id}").status_code == 404
