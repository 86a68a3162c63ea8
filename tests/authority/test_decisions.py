"""Decisions from the console, and what they do to label issuing and the cooperative's page."""

from __future__ import annotations

import sqlalchemy as sa

from tests.conftest import bearer
from tests.farm import harvest_lot
from traceapp.audit.models import AuditRecord
from traceapp.batches import transformations
from traceapp.extensions import db
from traceapp.labels.models import RunKind
from traceapp.labels.services import issue_problems
from traceapp.zones.models import ZoneStatus


def _packed(farm):
    harvest = harvest_lot(farm, "1000")
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


def test_suspending_a_code_stops_labels_and_reinstating_allows_them(
    farm, auditor_client, manager_client
):
    packed = _packed(farm)
    assert issue_problems(packed, 10, RunKind.SERIALISED) == {}
    zone_url = f"/authority/zones/{farm.field.id}"
    assert "Record the decision" in auditor_client.get(zone_url).get_data(as_text=True)
    response = auditor_client.form_post(
        f"{zone_url}/decision",
        {"to_status": "suspended", "reason": "Khai báo sản lượng vượt khả năng của vùng trồng"},
    )
    assert response.status_code == 302
    db.session.refresh(farm.field)
    assert farm.field.status == ZoneStatus.SUSPENDED
    problems = issue_problems(packed, 10, RunKind.SERIALISED)
    assert "VN-TEST-0001" in " ".join(problems["zones"])
    # the cooperative sees the decision and its reason on its own zone page
    page = manager_client.get(f"/zones/{farm.field.id}").get_data(as_text=True)
    assert "Khai báo sản lượng vượt khả năng của vùng trồng" in page
    auditor_client.form_post(
        f"{zone_url}/decision",
        {"to_status": "approved", "reason": "Đã khắc phục, kiểm tra lại đạt"},
    )
    db.session.refresh(farm.field)
    assert farm.field.status == ZoneStatus.APPROVED
    assert issue_problems(packed, 10, RunKind.SERIALISED) == {}
    actions = db.session.scalars(
        sa.select(AuditRecord.summary).where(
            AuditRecord.action == "zone.transition", AuditRecord.object_id == str(farm.field.id)
        )
    ).all()
    assert actions[-2:] == [
        "VN-TEST-0001: approved -> suspended",
        "VN-TEST-0001: suspended -> approved",
    ]


def test_nothing_is_chosen_for_the_auditor_and_a_revocation_needs_confirming(farm, auditor_client):
    zone_url = f"/authority/zones/{farm.field.id}"
    page = auditor_client.get(zone_url).get_data(as_text=True)
    select = page[page.index('name="to_status"') :]
    select = select[: select.index("</select>")]
    assert "selected" not in select
    assert select.index('value=""') < select.index('value="revoked"')
    assert "a revocation is final" in page
    # the empty choice is refused, as is a revocation without the box ticked
    response = auditor_client.form_post(
        f"{zone_url}/decision", {"to_status": "", "reason": "Kiểm tra định kỳ"}
    )
    assert response.status_code == 422
    response = auditor_client.form_post(
        f"{zone_url}/decision", {"to_status": "revoked", "reason": "Sử dụng mã sai mục đích"}
    )
    assert response.status_code == 422
    assert "A revocation is final: tick the box to confirm it." in response.get_data(as_text=True)
    db.session.refresh(farm.field)
    assert farm.field.status == ZoneStatus.APPROVED
    response = auditor_client.form_post(
        f"{zone_url}/decision",
        {"to_status": "revoked", "reason": "Sử dụng mã sai mục đích", "confirm_revoke": "y"},
    )
    assert response.status_code == 302
    db.session.refresh(farm.field)
    assert farm.field.status == ZoneStatus.REVOKED


def test_a_decision_needs_a_reason_and_a_possible_step(farm, auditor_client):
    url = f"/authority/zones/{farm.field.id}/decision"
    response = auditor_client.form_post(url, {"to_status": "suspended", "reason": ""})
    assert response.status_code == 422
    assert "This field is required" in response.get_data(as_text=True)
    # an approved code cannot be rejected (only a submitted one can)
    response = auditor_client.form_post(
        url, {"to_status": "rejected", "reason": "Không đạt yêu cầu"}
    )
    assert response.status_code == 409
    db.session.refresh(farm.field)
    assert farm.field.status == ZoneStatus.APPROVED


def test_decisions_through_the_existing_transitions_api(
    farm, client, auditor_token, other_auditor_token
):
    url = f"/api/v1/zones/{farm.field.id}/transitions"
    assert (
        client.post(
            url,
            headers=bearer(other_auditor_token),
            json={"to_status": "revoked", "reason": "Không thuộc tỉnh"},
        ).status_code
        == 404
    )
    response = client.post(
        url,
        headers=bearer(auditor_token),
        json={"to_status": "revoked", "reason": "Thu hồi theo quyết định"},
    )
    assert response.status_code == 201
    register = client.get(
        "/api/v1/authority/zones?status=revoked", headers=bearer(auditor_token)
    ).get_json()
    assert [z["code"] for z in register] == ["VN-TEST-0001"]
