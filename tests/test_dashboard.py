"""The home page: each role sees its own figures and what is about to lapse."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from tests.authority.conftest import labels_for
from tests.farm import harvest_lot
from traceapp.database import local_today
from traceapp.extensions import db
from traceapp.public.models import LabelScan
from traceapp.zones.models import ZoneCertification, ZoneStatus


def _cards(page: str) -> dict[str, int]:
    """The figures on the cards, by their label."""
    found = re.findall(r'<span class="num">([\d.,]+)</span> ([^<]+)<', page)
    return {label.strip(): int(num.replace(",", "").replace(".", "")) for num, label in found}


def test_a_cooperative_sees_its_lots_labels_scans_and_what_lapses(farm, manager_client):
    lot = harvest_lot(farm, "1000")
    harvest_lot(farm, "200", close=False)
    labels = labels_for(lot, count=5, flagged=1)
    for label in labels[:2]:
        db.session.add(
            LabelScan(
                label_id=label.id,
                lot_id=lot.id,
                cooperative_id=lot.cooperative_id,
                outcome="ok",
                client_hash="c",
                ua_class="mobile",
                lang="vi",
            )
        )
    today = local_today()
    farm.field.valid_until = today + dt.timedelta(days=20)
    farm.field2.status = ZoneStatus.SUSPENDED
    db.session.add(
        ZoneCertification(
            zone_id=farm.cages.id,
            scheme="vietgap",
            number="VG-77",
            expires_on=today + dt.timedelta(days=30),
        )
    )
    db.session.commit()
    page = manager_client.get("/").get_data(as_text=True)
    cards = _cards(page)
    assert cards["open lots"] == 1 and cards["closed lots"] == 1
    assert cards["labels in use"] == 5
    assert cards["scans in the last 30 days"] == 2
    assert cards["labels flagged by the scan checks"] == 1
    assert cards["approved zone codes"] == 4  # field2 is suspended
    assert "Zone code VN-TEST-0001 expires on" in page
    assert "Zone code VN-TEST-0002 is suspended by the authority." in page
    assert "Certificate VietGAP VG-77 of 54-TH-0001-001 expires on" in page
    assert f'href="/zones/{farm.field.id}"' in page
    assert 'href="/lots/new"' in page


def test_nothing_to_do_says_so_and_other_cooperatives_stay_out(farm, other_client):
    harvest_lot(farm, "1000")
    db.session.commit()
    page = other_client.get("/").get_data(as_text=True)
    cards = _cards(page)
    assert cards["open lots"] == 0 and cards["closed lots"] == 0
    assert cards["labels in use"] == 0
    assert "Nothing is about to lapse." in page
    assert "VN-TEST" not in page


def test_an_auditor_sees_the_codes_waiting_in_the_province(farm, world, auditor_client):
    farm.field2.status = ZoneStatus.SUBMITTED
    farm.field.valid_until = local_today() + dt.timedelta(days=10)
    farm.field.declared_area_ha = Decimal("2.0")
    labels_for(harvest_lot(farm, "1000"), count=3, flagged=1)
    db.session.commit()
    page = auditor_client.get("/").get_data(as_text=True)
    assert "Labels flagged as copied: 1 to review." in page
    assert 'href="/authority/flags?kind=cloned_labels"' in page
    cards = _cards(page)
    assert cards["codes waiting for a decision"] == 1
    assert cards["approved codes"] == 4
    assert cards["approved codes lapsing within 60 days"] == 1
    assert cards["cooperatives holding codes"] == 1
    assert 'href="/authority"' in page
    assert 'href="/authority/zones?status=submitted"' in page
    register = auditor_client.get("/authority/zones?expiring_within=60").get_data(as_text=True)
    assert "VN-TEST-0001" in register and "VN-TEST-0002" not in register


def test_the_administrator_sees_the_whole_platform(farm, admin_client):
    harvest_lot(farm, "1000")
    db.session.commit()
    cards = _cards(admin_client.get("/").get_data(as_text=True))
    assert cards["cooperatives"] == 2 and cards["closed lots"] == 1
