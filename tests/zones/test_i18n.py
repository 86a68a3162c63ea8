"""Zone messages in the reader's language: whole sentences, places in words, local numbers."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from flask_babel import force_locale

from tests.conftest import bearer
from tests.zones.factories import ZoneFactory, square
from traceapp import tunables
from traceapp.auth.models import SYSTEM
from traceapp.errors import Conflict, Forbidden, ValidationFailed
from traceapp.tunables import DEFAULTS
from traceapp.zones import geometry as geo
from traceapp.zones import services
from traceapp.zones.models import STATUS_LABELS, ZoneStatus

VIETNAM = DEFAULTS["vietnam_bbox"]


def _refusal(obj, bbox=VIETNAM) -> str:
    with pytest.raises(geo.GeometryError) as exc:
        geo.normalise(obj, bbox=bbox)
    return str(exc.value)


def test_geometry_messages_name_the_polygon_ring_and_position():
    plot = square()["coordinates"]
    bad = [[[109.02, 13.4], [109.03, 13.4], [109.03, 13.41], [130.0, 13.41], [109.02, 13.4]]]
    message = _refusal({"type": "MultiPolygon", "coordinates": [plot, bad]})
    assert message.startswith(
        "Polygon 2, outer ring, position 4: [130, 13.41] lies outside "
        "Vietnam (longitude 102.1 to 110, latitude 8.3 to 23.4)."
    )
    hole = [[109.0202, 13.4002], [109.0204, 13.4002], [109.0202, 13.4002]]
    message = _refusal({"type": "Polygon", "coordinates": [plot[0], hole]})
    assert message.startswith("Polygon, hole 1 has 3 positions;")
    message = _refusal({"type": "Polygon", "coordinates": [plot[0][:1]]})
    assert message.startswith("Polygon, outer ring has 1 position;")  # singular


def test_kml_messages_name_the_placemark_and_boundary():
    kml = (
        b'<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><Polygon><outerBoundaryIs>'
        b"<LinearRing><coordinates>109.02,13.4 oops</coordinates></LinearRing>"
        b"</outerBoundaryIs></Polygon></Placemark></kml>"
    )
    with pytest.raises(
        geo.GeometryError,
        match=r"^Placemark 1, polygon 1, outer boundary: "
        r"'oops' is not 'longitude,latitude'\.$",
    ):
        geo.read_kml(kml)


def test_figures_in_geometry_messages_follow_the_reader_s_locale(app):
    with app.app_context(), force_locale("fr"):
        message = _refusal({"type": "Point", "coordinates": [109.5, 95.25]})
        # the sent position stays as GeoJSON writes it; the range is read in French figures
        assert "95,25" in message
        message = _refusal({"type": "Point", "coordinates": [120.5, 10.0]})
        assert "[120.5, 10]" in message and "102,1" in message and "23,4" in message
        with pytest.raises(geo.GeometryError, match="50 000|50\u202f000|50\xa0000"):
            geo.normalise({"type": "Polygon", "coordinates": [[[109.0, 13.0]] * 50_001]})


def test_a_vietnamese_reader_gets_vietnamese_refusals(app, world):
    with force_locale("vi"):
        with pytest.raises(Forbidden) as refused:
            services.create_zone(world.auditor, world.a.coop.id, code="VN-PYDX-0001")
        assert refused.value.message == (
            "Mã số vùng do người quản lý và nhân viên của hợp tác xã đăng ký."
        )
        with pytest.raises(ValidationFailed) as failed:
            services.create_zone(
                world.a.manager,
                world.a.coop.id,
                kind="growing_area",
                code="VN-PYDX-0001",
                province="Phú Yên",
                name="x" * 201,
            )
        assert failed.value.errors["name"] == ["Tối đa 200 ký tự."]


def test_missing_facts_come_back_as_plain_json_strings(client, world, api_token):
    zone = ZoneFactory(cooperative=world.a.coop, geometry=None, issuing_authority=None)
    r = client.post(
        f"/api/v1/zones/{zone.id}/transitions",
        json={"to_status": "submitted"},
        headers=bearer(api_token),
    )
    assert r.status_code == 422
    errors = r.json["errors"]["json"]
    assert errors["geometry"] == ["Draw or upload the zone's location before submitting."]
    assert errors["issuing_authority"] == ["Enter the issuing authority before submitting."]


def test_status_words_in_messages_are_the_page_labels(world):
    zone = ZoneFactory(cooperative=world.a.coop, status=ZoneStatus.REVOKED)
    with pytest.raises(Conflict, match="from Revoked to Approved"):
        services.transition(world.auditor, zone, "approved", "Khôi phục")
    approved = ZoneFactory(cooperative=world.a.coop, status=ZoneStatus.APPROVED)
    with pytest.raises(Conflict, match=r"status: Approved"):
        services.update_zone(world.a.manager, approved, code="VN-PYDX-0999")
    with pytest.raises(Conflict, match=r"has not expired \(its status: Approved\)"):
        services.transition(SYSTEM, approved, "expired")


def test_the_recorded_expiry_reason_is_worded_for_the_reader(world):
    zone = ZoneFactory(
        cooperative=world.a.coop, status=ZoneStatus.APPROVED, valid_until=dt.date(2025, 6, 30)
    )
    services.expire_due_zones(SYSTEM, dt.date(2025, 7, 1))
    stored = services.zone_transitions(zone)[-1].reason
    assert stored == "Validity ended on 2025-06-30."  # the record keeps its ISO date
    assert services.shown_reason(stored) == "Validity ended on 30 Jun 2025."
    assert services.shown_reason("Hồ sơ đầy đủ.") == "Hồ sơ đầy đủ."
    assert services.shown_reason(None) == ""


def test_the_zone_page_words_reasons_and_roles(manager_client, world):
    zone = ZoneFactory(
        cooperative=world.a.coop, status=ZoneStatus.APPROVED, valid_until=dt.date(2025, 6, 30)
    )
    services.expire_due_zones(SYSTEM, dt.date(2025, 7, 1))
    page = manager_client.get(f"/zones/{zone.id}").get_data(as_text=True)
    assert "Reason: Validity ended on 30 Jun 2025." in page
    assert "(scheduled job)" in page and "(system)" not in page
    assert f"→ {STATUS_LABELS[ZoneStatus.EXPIRED]}" in page


def test_scheme_descriptions_are_translatable_defaults_and_settings_stay_as_written(app):
    description = DEFAULTS["zone_schemes"]["growing_area"]["description"]
    assert not isinstance(description, str)  # lazy: each reader gets their language
    with app.app_context(), force_locale("en"):
        settings = tunables.tunables()
        text = json.dumps(tunables.plain(settings), ensure_ascii=False)
        assert "plant-protection list" in text and '"Peanuts"' in text
    with app.app_context(), force_locale("vi"):
        text = json.dumps(tunables.plain(tunables.tunables()), ensure_ascii=False)
        assert '"Đậu phộng (lạc)"' in text and "plant-protection list" not in text
    with app.app_context():
        # merging keeps the lazy strings lazy rather than settling them in one language
        assert (
            settings["categories"]["peanuts"]["label"] is DEFAULTS["categories"]["peanuts"]["label"]
        )
