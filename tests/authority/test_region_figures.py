"""The statistics' lots, labels and scans per region, kept by the figures refresh: for every
kind of console reader they are the figures counted over the raw tables (lots made from the
region's lots, withdrawn contributions, events declared wrong, other districts and provinces,
the province a code's province was merged into), and the page says when they were counted."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from tests.authority.conftest import make_auditor
from tests.authority.test_scope import _packed
from tests.farm import HARVEST, _zone, harvest_lot
from traceapp.authority import region_figures, services, stats
from traceapp.batches import corrections
from traceapp.batches import events as ev
from traceapp.batches.contributions import void_contribution
from traceapp.batches.models import Contribution
from traceapp.extensions import db
from traceapp.labels import services as labels
from traceapp.labels.models import Label
from traceapp.public.services import record_scan
from traceapp.zones.models import ZoneKind


def _figures(scope) -> tuple:
    s = stats.compute(scope, months=24)
    return s.lots, s.labels, s.scans, [(m.month, m.lots, m.labels, m.scans) for m in s.months]


def _scan(run, times: int) -> None:
    serials = db.session.scalars(
        sa.select(Label.serial).where(Label.run_id == run.id).order_by(Label.seq)
    ).all()
    for i in range(times):
        record_scan(serials[i % len(serials)], address="10.0.0.9", user_agent="Android", lang="vi")


@pytest.fixture
def readers(farm, world, factories):
    """Lots of every shape, labelled and scanned, and the readers who see them differently."""
    a = world.a
    actor = a.manager
    song_cau = _zone(a.coop.id, "VN-TEST-0050", ZoneKind.GROWING_AREA, "đậu phộng", "1.0")
    song_cau.district = "Sông Cầu"
    khanh_hoa = _zone(a.coop.id, "VN-TEST-0051", ZoneKind.GROWING_AREA, "đậu phộng", "1.0")
    khanh_hoa.province, khanh_hoa.district = "Khánh Hòa", "Ninh Hòa"
    for zone in (song_cau, khanh_hoa):
        zone.members = list(farm.field.members)
    db.session.flush()
    grower = farm.growers[0]
    # In Đồng Xuân, with a lot packed from it (the packed lot is in every region of its input).
    harvest = harvest_lot(farm, "1000")
    packed = _packed(farm, harvest)
    # From both districts of Phú Yên and from Khánh Hòa: one lot for the province, counted once.
    mixed = harvest_lot(
        farm,
        "300",
        contributions=[
            (grower, farm.field, "100"),
            (grower, song_cau, "100"),
            (grower, khanh_hoa, "100"),
        ],
        production_date=HARVEST - dt.timedelta(days=40),
    )
    # Claimed Sông Cầu through a contribution since withdrawn: no longer in Sông Cầu.
    withdrawn = harvest_lot(
        farm,
        "200",
        contributions=[(grower, farm.field, "100"), (grower, song_cau, "100")],
        close=False,
    )
    wrong_zone = db.session.scalars(
        sa.select(Contribution).where(
            Contribution.lot_id == withdrawn.id, Contribution.zone_id == song_cau.id
        )
    ).one()
    void_contribution(actor, wrong_zone, "Nhầm vùng trồng")
    # Claimed Khánh Hòa only through an event there, and Sông Cầu through one declared wrong.
    stored = harvest_lot(farm, "100", contributions=[(grower, farm.field, "100")])
    ev.record_event(actor, stored, biz_step="storing", zone_id=khanh_hoa.id)
    wrong = ev.record_event(actor, stored, biz_step="storing", zone_id=song_cau.id)
    corrections.declare_error(actor, wrong, reason="did_not_occur", explanation="nhầm kho")
    # A lot that claims no zone at all: only the administrators count it.
    harvest_lot(farm, "50", contributions=[], close=False)
    for lot, count, scans in ((harvest, 3, 5), (packed, 4, 2), (mixed, 2, 3), (stored, 2, 1)):
        _scan(labels.issue_run(actor, lot, count=count), scans)
    db.session.flush()
    return {
        "province": world.auditor,
        "other province": world.other_auditor,
        "Đồng Xuân": make_auditor(factories, "dx@example.test", "Phú Yên", "Đồng Xuân"),
        "Sông Cầu": make_auditor(factories, "sc@example.test", "Phú Yên", "Sông Cầu"),
        "merged province": make_auditor(factories, "dl@example.test", "Tỉnh Đắk Lắk"),
        "administrator": world.admin,
    }


def test_the_kept_figures_are_those_of_the_raw_tables_for_every_reader(readers):
    live = {name: _figures(services.scope_for(user)) for name, user in readers.items()}
    assert stats.compute(services.scope_for(readers["province"])).as_of is None
    region_figures.refresh()
    for name, user in readers.items():
        scope = services.scope_for(user)
        assert stats.compute(scope).as_of is not None
        assert _figures(scope) == live[name], name
    # Not vacuously: the readers see different lots.
    lots = {name: figures[0] for name, figures in live.items()}
    assert lots == {
        "province": 5,  # harvest, packed, mixed, withdrawn, stored
        "other province": 2,  # mixed (a contribution), stored (an event)
        "Đồng Xuân": 5,
        "Sông Cầu": 1,  # mixed; not the withdrawn contribution nor the wrong event
        "merged province": 5,
        "administrator": 6,  # and the lot that claims no zone
    }
    assert live["province"][1:3] == (11, 11)
    assert live["Sông Cầu"][1:3] == (2, 3)


def test_a_lot_recorded_after_the_refresh_shows_at_the_next_one(readers, farm, auditor_client):
    region_figures.refresh()
    before = _figures(services.scope_for(readers["province"]))
    page = auditor_client.get("/authority/stats").get_data(as_text=True)
    assert re.search(r"Lots, labels and scans as of [^<]*\d", page)
    harvest_lot(farm, "70")
    db.session.flush()
    assert _figures(services.scope_for(readers["province"])) == before
    region_figures.refresh()
    after = _figures(services.scope_for(readers["province"]))
    assert after[0] == before[0] + 1
    assert "Lots, labels and scans as of" in auditor_client.get("/authority/stats").get_data(
        as_text=True
    )


def test_the_api_says_when_the_figures_were_counted(readers, client, auditor_token):
    from tests.conftest import bearer

    body = client.get("/api/v1/authority/stats", headers=bearer(auditor_token)).get_json()
    assert body["as_of"] is None and body["lots"] == 5
    region_figures.refresh()
    body = client.get("/api/v1/authority/stats", headers=bearer(auditor_token)).get_json()
    assert body["as_of"] and body["lots"] == 5
