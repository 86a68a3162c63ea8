"""The status lifecycle: who may do which transition, reasons, expiry and overlap flags."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from tests.conftest import bearer
from tests.factories import UserFactory
from tests.zones.factories import ZoneFactory, square
from traceapp.audit.models import AuditRecord
from traceapp.auth.models import SYSTEM, Role
from traceapp.errors import Conflict, Forbidden, ValidationFailed
from traceapp.extensions import db
from traceapp.zones import services
from traceapp.zones.models import ZoneKind, ZoneOverlap, ZoneStatus, ZoneTransition

S = ZoneStatus


def _transition(client, token, zone, to_status, reason=None):
    body = {"to_status": to_status} | ({"reason": reason} if reason is not None else {})
    return client.post(f"/api/v1/zones/{zone.id}/transitions", json=body, headers=bearer(token))


def test_the_full_cycle_through_the_api(client, world, api_token, auditor_token):
    zone = ZoneFactory(cooperative=world.a.coop)
    assert _transition(client, api_token, zone, "submitted").status_code == 201
    r = _transition(client, api_token, zone, "approved", "Tự phê duyệt")
    assert r.status_code == 403  # the cooperative cannot approve its own code
    r = _transition(client, auditor_token, zone, "approved")
    assert r.status_code == 422 and "reason" in r.json["errors"]["json"]
    r = _transition(client, auditor_token, zone, "approved", "Hồ sơ đầy đủ, ranh giới khớp.")
    assert r.status_code == 201, r.json
    assert r.json["from_status"] == "submitted" and r.json["actor_role"] == "auditor"
    for status, reason in (
        ("suspended", "Phát hiện dư lượng vượt ngưỡng."),
        ("approved", "Đã khắc phục, mẫu đạt."),
        ("revoked", "Vi phạm lặp lại."),
    ):
        assert _transition(client, auditor_token, zone, status, reason).status_code == 201
    r = _transition(client, auditor_token, zone, "approved", "Khôi phục")
    assert r.status_code == 409 and "from Revoked to Approved" in r.json["message"]
    history = client.get(f"/api/v1/zones/{zone.id}/transitions", headers=bearer(api_token)).json
    assert [(h["from_status"], h["to_status"]) for h in history] == [
        ("draft", "submitted"),
        ("submitted", "approved"),
        ("approved", "suspended"),
        ("suspended", "approved"),
        ("approved", "revoked"),
    ]
    assert history[2]["reason"] == "Phát hiện dư lượng vượt ngưỡng."
    assert history[2]["actor_label"] == world.auditor.email
    assert all(h["at"] for h in history)
    actions = db.session.scalars(
        sa.select(AuditRecord.action).where(
            AuditRecord.object_type == "zones", AuditRecord.object_id == str(zone.id)
        )
    ).all()
    assert actions.count("zone.transition") == 5


def test_rejected_codes_go_back_to_draft_to_be_fixed_and_resubmitted(world):
    zone = ZoneFactory(cooperative=world.a.coop)
    services.transition(world.a.staff, zone, "submitted")
    services.transition(world.auditor, zone, "rejected", "Sai số quyết định.")
    with pytest.raises(Conflict):
        services.transition(world.a.staff, zone, "submitted")
    services.transition(world.a.staff, zone, "draft")
    services.update_zone(world.a.staff, zone, decision_number="129/QĐ-TTBVTV")
    services.transition(world.a.staff, zone, "submitted")
    assert zone.status == S.SUBMITTED


def test_only_an_auditor_of_the_zone_s_province_decides(world):
    zone = ZoneFactory(cooperative=world.a.coop, status=S.SUBMITTED)
    for actor in (world.other_auditor, world.a.manager, world.admin, SYSTEM):
        with pytest.raises(Forbidden):
            services.transition(actor, zone, "approved", "Đồng ý")
    district_auditor = UserFactory(
        role=Role.AUDITOR, cooperative=None, province="Phú Yên", district="Sông Cầu"
    )
    with pytest.raises(Forbidden):
        services.transition(district_auditor, zone, "approved", "Đồng ý")
    # Phú Yên merged into Đắk Lắk in 2025; the code keeps its old province name.
    merged = UserFactory(role=Role.AUDITOR, cooperative=None, province="Đắk Lắk")
    services.transition(merged, zone, "approved", "Đồng ý")
    assert zone.status == S.APPROVED
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(ZoneTransition)
            .where(ZoneTransition.zone_id == zone.id)
        )
        == 1
    )


def test_auditors_do_not_take_the_cooperative_s_steps(world):
    zone = ZoneFactory(cooperative=world.a.coop)
    with pytest.raises(Forbidden):
        services.transition(world.auditor, zone, "submitted")
    with pytest.raises(Conflict):
        services.transition(world.auditor, zone, "approved", "Chưa nộp mà đã duyệt")


def test_submission_needs_location_and_issuing_facts(world):
    zone = ZoneFactory(cooperative=world.a.coop, geometry=None, issuing_authority=None)
    with pytest.raises(ValidationFailed) as exc:
        services.transition(world.a.manager, zone, "submitted")
    assert set(exc.value.errors) == {"geometry", "issuing_authority"}
    assert zone.status == S.DRAFT


def test_the_decision_number_comes_with_the_approval_not_the_submission(world):
    zone = ZoneFactory(cooperative=world.a.coop, decision_number=None, issued_on=None)
    services.transition(world.a.manager, zone, "submitted")  # nothing to invent
    assert zone.status == S.SUBMITTED
    with pytest.raises(ValidationFailed) as exc:
        services.transition(world.auditor, zone, "approved", "Hồ sơ đạt yêu cầu")
    assert exc.value.errors == {
        "decision_number": ["Enter the number of the decision that approves the code."]
    }
    assert zone.status == S.SUBMITTED
    services.transition(
        world.auditor,
        zone,
        "approved",
        "Hồ sơ đạt yêu cầu",
        decision_number="  77/QĐ-TTBVTV ",
        issued_on=dt.date(2026, 11, 30),
    )
    assert zone.status == S.APPROVED
    assert zone.decision_number == "77/QĐ-TTBVTV" and zone.issued_on == dt.date(2026, 11, 30)


def test_an_unknown_status_and_a_blank_reason_are_refused(world):
    zone = ZoneFactory(cooperative=world.a.coop, status=S.APPROVED)
    with pytest.raises(
        ValidationFailed,
        match=r"Choose Draft \(draft\), Submitted \(submitted\), .* or Expired \(expired\)\.",
    ):
        services.transition(world.auditor, zone, "archived", "x")
    with pytest.raises(ValidationFailed, match="reason"):
        services.transition(world.auditor, zone, "suspended", "   ")


def test_expiry_is_computed_from_the_date_and_recorded_by_the_scheduled_service(world):
    zone = ZoneFactory(
        cooperative=world.a.coop, status=S.APPROVED, valid_until=dt.date(2025, 6, 30)
    )
    draft = ZoneFactory(cooperative=world.a.coop, valid_until=dt.date(2025, 6, 30))
    assert services.effective_status(zone, dt.date(2025, 6, 30)) == S.APPROVED
    assert services.effective_status(zone, dt.date(2025, 7, 1)) == S.EXPIRED
    assert services.effective_status(draft, dt.date(2025, 7, 1)) == S.DRAFT
    with pytest.raises(Conflict, match="expired on 30 Jun 2025"):
        services.transition(world.auditor, zone, "suspended", "Kiểm tra", today=dt.date(2025, 7, 1))
    with pytest.raises(Forbidden):
        services.expire_due_zones(world.a.manager, dt.date(2025, 7, 1))
    assert services.expire_due_zones(SYSTEM, dt.date(2025, 6, 30)) == []
    assert services.expire_due_zones(SYSTEM, dt.date(2025, 7, 1)) == [zone]
    assert zone.status == S.EXPIRED and draft.status == S.DRAFT
    step = services.zone_transitions(zone)[-1]
    assert (step.from_status, step.to_status) == ("approved", "expired")
    assert step.actor_role == "system" and "2025-06-30" in step.reason
    assert services.expire_due_zones(SYSTEM, dt.date(2025, 7, 2)) == []


def test_listing_by_status_uses_the_effective_status(client, api_token, world):
    ZoneFactory(
        cooperative=world.a.coop,
        status=S.APPROVED,
        code="VN-PYDX-0401",
        valid_from=dt.date(2017, 1, 1),
        valid_until=dt.date(2020, 1, 1),
    )
    ZoneFactory(cooperative=world.a.coop, status=S.APPROVED, code="VN-PYDX-0402")
    expired = client.get("/api/v1/zones?status=expired", headers=bearer(api_token)).json
    assert [z["code"] for z in expired] == ["VN-PYDX-0401"]
    assert expired[0]["status"] == "expired" and expired[0]["recorded_status"] == "approved"
    approved = client.get("/api/v1/zones?status=approved", headers=bearer(api_token)).json
    assert [z["code"] for z in approved] == ["VN-PYDX-0402"]


# --- overlaps --------------------------------------------------------------------------------


def _approved(actor_coop, auditor, geometry, code, kind=ZoneKind.GROWING_AREA):
    zone = services.create_zone(
        SYSTEM,
        actor_coop.id,
        code=code,
        kind=kind,
        province="Phú Yên",
        district="Đồng Xuân",
        issuing_authority="Chi cục",
        decision_number="1/QĐ",
        issued_on=dt.date(2024, 1, 2),
        geometry=geometry,
    )
    services.transition(SYSTEM, zone, "submitted")
    services.transition(auditor, zone, "approved", "Đạt")
    return zone


def _overlap_pairs():
    rows = db.session.execute(sa.select(ZoneOverlap.zone_id, ZoneOverlap.other_zone_id))
    return {(a, b) for a, b in rows}


def test_overlapping_active_zones_are_flagged_on_both_until_one_is_revoked(
    world, client, api_token
):
    first = _approved(world.a.coop, world.auditor, square(109.02, 13.40), "VN-PYDX-0501")
    second = _approved(world.b.coop, world.auditor, square(109.0205, 13.40), "VN-PYDX-0502")
    assert _overlap_pairs() == {(first.id, second.id), (second.id, first.id)}
    flags = services.overlaps_of(first)
    assert [f.code for f in flags] == ["VN-PYDX-0502"]
    assert 0.55 < float(flags[0].overlap_ha) < 0.65  # half of a 1.2 ha square
    body = client.get(f"/api/v1/zones/{first.id}", headers=bearer(api_token)).json
    assert body["overlaps"][0]["code"] == "VN-PYDX-0502"
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditRecord)
            .where(AuditRecord.action == "zone.overlaps")
        )
        == 1
    )
    services.transition(world.auditor, second, "revoked", "Trùng vùng đã cấp.")
    assert _overlap_pairs() == set()
    assert services.overlaps_of(first) == []


def test_a_submitted_code_is_flagged_before_the_decision(world):
    first = _approved(world.a.coop, world.auditor, square(109.02, 13.40), "VN-PYDX-0511")
    draft = services.create_zone(
        SYSTEM,
        world.a.coop.id,
        code="VN-PYDX-0512",
        kind="growing_area",
        province="Phú Yên",
        issuing_authority="Chi cục",
        decision_number="2/QĐ",
        issued_on=dt.date(2024, 1, 2),
        geometry=square(109.0205, 13.4),
    )
    assert _overlap_pairs() == set()  # a draft claims nothing yet
    services.transition(world.a.manager, draft, "submitted")
    assert _overlap_pairs() == {(first.id, draft.id), (draft.id, first.id)}
    services.transition(world.auditor, draft, "rejected", "Trùng ranh giới.")
    assert _overlap_pairs() == set()


def test_touching_zones_and_zones_of_another_kind_do_not_overlap(world):
    _approved(world.a.coop, world.auditor, square(109.02, 13.40), "VN-PYDX-0521")
    _approved(world.a.coop, world.auditor, square(109.021, 13.40), "VN-PYDX-0522")
    _approved(
        world.a.coop,
        world.auditor,
        square(109.0205, 13.40),
        "VN-PYPH-0523",
        kind=ZoneKind.PACKING_HOUSE,
    )
    assert _overlap_pairs() == set()
