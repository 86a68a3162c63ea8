"""Scope: an auditor reads their province (and merged ones, and only their district if they
have one), lots that claimed its zones and lots made from them; nothing else, read-only."""

from __future__ import annotations

import datetime as dt

from tests.authority.conftest import make_auditor
from tests.conftest import bearer, login
from tests.farm import harvest_lot
from tests.zones.factories import ZoneFactory
from traceapp.auth.services import create_token
from traceapp.authority import flags, services, stats
from traceapp.batches import transformations
from traceapp.extensions import db
from traceapp.zones.models import Zone, ZoneStatus


def _packed(farm, harvest):
    [packed] = transformations.transform(
        farm.world.a.manager,
        kind="packing",
        inputs=[{"lot_id": harvest.id, "quantity": "1000"}],
        outputs=[
            {
                "product_id": farm.peanuts_packed.id,
                "quantity": "1000",
                "unit": "KGM",
                "production_date": harvest.production_date,
            }
        ],
    )
    return packed


def test_the_auditor_of_the_province_sees_its_zones_and_lots(farm, world):
    harvest = harvest_lot(farm)
    packed = _packed(farm, harvest)
    scope = services.scope_for(world.auditor)
    codes = set(db.session.scalars(services.register_query(scope).with_only_columns(Zone.code)))
    assert {"VN-TEST-0001", "VN-TEST-0002", "VN-PYOFF-01"} <= codes
    lots = set(db.session.scalars(scope.lot_ids()))
    assert {harvest.id, packed.id} <= lots  # the packed lot still carries the field's peanuts
    assert services.get_lot(world.auditor, packed.id) == packed


def test_another_provinces_auditor_sees_nothing_of_it(farm, world, app):
    harvest = harvest_lot(farm)
    other = world.other_auditor
    scope = services.scope_for(other)
    assert db.session.scalars(services.register_query(scope)).all() == []
    assert db.session.scalars(scope.lot_ids()).all() == []
    assert flags.compute_flags(scope) == []
    assert stats.compute(scope).lots == 0
    browser = app.test_client()
    login(browser, other.email)
    for url in (
        f"/authority/zones/{farm.field.id}",
        f"/authority/lots/{harvest.id}",
        f"/authority/zones/{farm.field.id}/dossier.pdf",
    ):
        assert browser.get(url).status_code == 404, url
    page = browser.get("/authority/zones").get_data(as_text=True)
    assert "VN-TEST-0001" not in page
    # and cannot decide: the zone does not exist for them
    response = browser.form_post(
        f"/authority/zones/{farm.field.id}/decision",
        {"to_status": "suspended", "reason": "Thử quyết định"},
    )
    assert response.status_code == 404
    token = create_token(other, other, "t")[1]
    api = app.test_client()
    assert api.get("/api/v1/authority/zones", headers=bearer(token)).get_json() == []
    assert (
        api.post(
            f"/api/v1/zones/{farm.field.id}/transitions",
            headers=bearer(token),
            json={"to_status": "suspended", "reason": "x" * 10},
        ).status_code
        == 404
    )
    db.session.refresh(farm.field)
    assert farm.field.status == ZoneStatus.APPROVED


def test_a_district_auditor_sees_only_that_district(farm, world, factories):
    elsewhere = ZoneFactory(
        cooperative=world.a.coop, district="Sông Cầu", status=ZoneStatus.APPROVED
    )
    auditor = make_auditor(factories, "auditor-dx@example.test", "Phú Yên", "Đồng Xuân")
    scope = services.scope_for(auditor)
    ids = set(db.session.scalars(scope.zone_ids()))
    assert farm.field.id in ids and elsewhere.id not in ids


def test_the_merged_province_covers_the_codes_issued_before_the_merge(farm, factories):
    # Phú Yên was merged into Đắk Lắk in 2025; codes keep the name they were issued under.
    auditor = make_auditor(factories, "auditor-dl@example.test", "Tỉnh Đắk Lắk")
    assert farm.field.id in set(db.session.scalars(services.scope_for(auditor).zone_ids()))
    assert auditor.can_audit(farm.field.province, farm.field.district)


def test_cooperative_users_have_no_console(farm, manager_client, api_token):
    assert manager_client.get("/authority").status_code == 403
    assert manager_client.get("/authority/zones").status_code == 403
    # even their own zone is not theirs to open in the console
    assert manager_client.get(f"/authority/zones/{farm.field.id}").status_code == 404
    assert (
        manager_client.get("/api/v1/authority/zones", headers=bearer(api_token)).status_code == 403
    )
    nav = manager_client.get("/").get_data(as_text=True)
    assert 'href="/authority"' not in nav and 'href="/audit"' in nav


def test_admins_read_the_console_but_do_not_decide(farm, admin_client):
    assert admin_client.get("/authority").status_code == 200
    page = admin_client.get(f"/authority/zones/{farm.field.id}").get_data(as_text=True)
    assert "VN-TEST-0001" in page and "Record the decision" not in page
    response = admin_client.form_post(
        f"/authority/zones/{farm.field.id}/decision",
        {"to_status": "suspended", "reason": "Không được"},
    )
    assert response.status_code == 403


def test_the_register_filters(farm, world):
    scope = services.scope_for(world.auditor)
    today = dt.date(2026, 12, 1)
    farm.field2.valid_until = today + dt.timedelta(days=20)
    db.session.flush()

    def codes(**kw):
        f = services.check_filters(kw)
        return sorted(
            db.session.scalars(
                services.register_query(scope, f, today=today).with_only_columns(Zone.code)
            )
        )

    assert codes(kind="fishing_ground") == ["VN-PYOFF-01"]
    assert codes(crop="tôm hùm") == ["54-TH-0001-001"]
    assert "VN-TEST-0001" in codes(status="approved", commune="xuân phước")
    assert codes(cooperative_id=str(world.b.coop.id)) == []
    assert codes(expiring_within="30") == ["VN-TEST-0002"]
    assert codes(expiring_within="10") == []
    assert "VN-TEST-0002" not in codes(status="approved", on="2026-12-31")
    assert "VN-TEST-0002" in codes(status="expired", on="2026-12-31")


def test_bad_register_filters_are_named(auditor_token, client, world):
    response = client.get(
        "/api/v1/authority/zones?kind=castle&expiring_within=-3", headers=bearer(auditor_token)
    )
    assert response.status_code == 422
    errors = response.get_json()["errors"]["query"]
    assert {"kind", "expiring_within"} <= set(errors)


def test_the_openapi_document_describes_the_console(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in (
        "/api/v1/authority/zones",
        "/api/v1/authority/flags",
        "/api/v1/authority/stats",
        "/api/v1/authority/zones.csv",
        "/api/v1/authority/zones.geojson",
        "/api/v1/authority/zones.kml",
        "/api/v1/authority/zones/{zone_id}/dossier.pdf",
        "/api/v1/zones/{zone_id}/inspections",
        "/api/v1/audit",
    ):
        assert path in paths, path
    assert set(paths["/api/v1/zones/{zone_id}/inspections"]) >= {"get", "post"}
