"""Inspections: the checklist, bad input named by field, and a failed one suspending the code
in the same unit of work."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from tests.conftest import bearer
from traceapp.audit.models import AuditRecord
from traceapp.authority.models import ZoneInspection
from traceapp.database import local_today
from traceapp.extensions import db
from traceapp.zones.models import ZoneStatus, ZoneTransition


def _payload(**changes):
    data = {
        "inspected_on": "2026-03-02",
        "inspector_name": "Trần Minh Quân",
        "boundaries_match": True,
        "farm_diary_kept": True,
        "permitted_inputs_only": True,
        "residue_result": "pass",
        "gap_certificate_valid": True,
        "result": "pass",
        "findings": None,
        "follow_up_on": None,
    }
    data.update(changes)
    return data


def _count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_an_inspection_is_recorded_and_audited(farm, client, auditor_token, api_token):
    url = f"/api/v1/zones/{farm.field.id}/inspections"
    response = client.post(url, headers=bearer(auditor_token), json=_payload())
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["result"] == "pass" and body["transition_id"] is None
    record = db.session.scalars(
        sa.select(AuditRecord).where(AuditRecord.action == "zone.inspection")
    ).one()
    assert record.object_id == str(body["id"]) and record.province == "Phú Yên"
    # the cooperative reads its zone's inspections, but cannot record one
    listed = client.get(url, headers=bearer(api_token)).get_json()
    assert [i["inspector_name"] for i in listed] == ["Trần Minh Quân"]
    assert client.post(url, headers=bearer(api_token), json=_payload()).status_code == 403


def test_a_failed_inspection_suspends_the_code_in_the_same_step(farm, client, auditor_token):
    response = client.post(
        f"/api/v1/zones/{farm.field.id}/inspections",
        headers=bearer(auditor_token),
        json=_payload(
            result="fail",
            residue_result="fail",
            permitted_inputs_only=False,
            findings="Dư lượng chlorpyrifos vượt MRL",
            suspend=True,
            follow_up_on="2026-04-02",
        ),
    )
    assert response.status_code == 201, response.get_json()
    db.session.refresh(farm.field)
    assert farm.field.status == ZoneStatus.SUSPENDED
    inspection = db.session.get(ZoneInspection, response.get_json()["id"])
    step = db.session.get(ZoneTransition, inspection.transition_id)
    assert step.to_status == "suspended" and "chlorpyrifos" in step.reason
    actions = db.session.scalars(sa.select(AuditRecord.action).order_by(AuditRecord.seq)).all()
    assert actions[-2:] == ["zone.transition", "zone.inspection"]


def test_bad_inspections_are_refused_by_field_with_nothing_written(farm, client, auditor_token):
    url = f"/api/v1/zones/{farm.field.id}/inspections"
    before = (_count(ZoneInspection), _count(ZoneTransition), _count(AuditRecord))
    future = (local_today() + dt.timedelta(days=3)).isoformat()
    cases = [
        (_payload(inspected_on=future), "inspected_on"),
        (_payload(follow_up_on="2026-03-01"), "follow_up_on"),
        (_payload(result="pass", suspend=True), "suspend"),
        (_payload(result="fail"), "findings"),
        (_payload(result="maybe"), "result"),
        (_payload(inspector_name=""), "inspector_name"),
    ]
    for payload, field in cases:
        response = client.post(url, headers=bearer(auditor_token), json=payload)
        assert response.status_code == 422, (field, response.get_json())
        errors = response.get_json()["errors"]["json"]
        assert field in errors, (field, errors)
    assert (_count(ZoneInspection), _count(ZoneTransition), _count(AuditRecord)) == before
    db.session.refresh(farm.field)
    assert farm.field.status == ZoneStatus.APPROVED


def test_a_suspended_code_cannot_be_suspended_again_by_an_inspection(farm, client, auditor_token):
    farm.field.status = ZoneStatus.SUSPENDED
    db.session.flush()
    response = client.post(
        f"/api/v1/zones/{farm.field.id}/inspections",
        headers=bearer(auditor_token),
        json=_payload(result="fail", findings="Vẫn vi phạm", suspend=True),
    )
    assert response.status_code == 422
    assert "suspend" in response.get_json()["errors"]["json"]


def test_the_inspection_form_on_the_zone_page(farm, auditor_client, other_client):
    url = f"/authority/zones/{farm.field.id}/inspections"
    response = auditor_client.form_post(
        url,
        {
            "inspected_on": "2026-03-05",
            "inspector_name": "Trần Minh Quân",
            "boundaries_match": "y",
            "residue_result": "not_sampled",
            "result": "conditional",
            "findings": "Chưa ghi nhật ký phun thuốc",
            "follow_up_on": "2026-04-05",
        },
    )
    assert response.status_code == 302
    page = auditor_client.get(f"/authority/zones/{farm.field.id}").get_data(as_text=True)
    assert "Chưa ghi nhật ký phun thuốc" in page
    bad = auditor_client.form_post(
        url,
        {
            "inspected_on": "2026-03-05",
            "inspector_name": "Q",
            "residue_result": "pass",
            "result": "fail",
            "findings": "",
        },
    )
    assert bad.status_code == 422
    assert "Describe what was found" in bad.get_data(as_text=True)
    assert other_client.form_post(url, {"inspector_name": "X"}).status_code == 404


def test_the_cooperative_reads_the_findings_on_its_zone_page(
    farm, client, auditor_token, manager_client, auditor_client
):
    response = client.post(
        f"/api/v1/zones/{farm.field.id}/inspections",
        headers=bearer(auditor_token),
        json=_payload(
            result="conditional",
            farm_diary_kept=False,
            findings="Nhật ký canh tác chưa ghi đủ",
            follow_up_on="2026-04-02",
        ),
    )
    assert response.status_code == 201, response.get_json()
    page = manager_client.get(f"/zones/{farm.field.id}").get_data(as_text=True)
    assert "Nhật ký canh tác chưa ghi đủ" in page and "Trần Minh Quân" in page
    assert "Farm diary kept: no" in page
    assert "Open in the authority console" not in page
    other = manager_client.get(f"/zones/{farm.field2.id}").get_data(as_text=True)
    assert "No inspection recorded." in other
    # the province's auditor is offered the console, where inspections are recorded
    page = auditor_client.get(f"/zones/{farm.field.id}").get_data(as_text=True)
    assert f'href="/authority/zones/{farm.field.id}"' in page
