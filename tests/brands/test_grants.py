"""Grants of use: who may be granted what, the suspend/reinstate/revoke lifecycle, history."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask_babel import format_date

from tests.brands.factories import MarkFactory, ProductFactory, days_ago, make_grant, marked_setup
from tests.conftest import bearer
from traceapp.audit.models import AuditRecord
from traceapp.auth.models import SYSTEM
from traceapp.brands import services
from traceapp.brands.models import GrantAction, GrantEvent, GrantStatus, MarkGrant
from traceapp.errors import Conflict, ValidationFailed
from traceapp.extensions import db


def _grants() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(MarkGrant))


def _actions(grant: MarkGrant) -> list[str]:
    return [
        e.action.value
        for e in db.session.execute(
            sa.select(GrantEvent).where(GrantEvent.grant_id == grant.id).order_by(GrantEvent.id)
        ).scalars()
    ]


@pytest.fixture
def marked(world):
    return marked_setup(world.a)


# --- who may be granted what ------------------------------------------------------------------


def test_api_grants_a_member_use_for_named_products(client, api_token, world, marked):
    mark, products = marked
    member = world.a.members[1]
    r = client.post(
        f"/api/v1/brands/{mark.id}/grants",
        headers=bearer(api_token),
        json={
            "member_id": member.id,
            "product_ids": [products[0].id],
            "granted_on": days_ago(30).isoformat(),
            "notes": "Quyết định số 12/QĐ-HTX",
        },
    )
    assert r.status_code == 201, r.json
    assert r.json["member"]["full_name"] == member.full_name
    assert [p["id"] for p in r.json["products"]] == [products[0].id]
    assert r.json["status"] == "active"
    assert r.json["status_today"] == "active"
    assert [e["action"] for e in r.json["events"]] == ["granted"]
    assert r.json["events"][0]["actor_label"] == world.a.manager.email
    audit = (
        db.session.execute(sa.select(AuditRecord).where(AuditRecord.action == "grant.create"))
        .scalars()
        .one()
    )
    assert audit.changes["products"]["after"] == [f"{products[0].code} {products[0].name}"]
    listing = client.get(f"/api/v1/brands/{mark.id}/grants", headers=bearer(api_token))
    assert [g["id"] for g in listing.json] == [r.json["id"]]
    other = make_grant(mark, world.a.members[0], products)
    services.suspend_grant(SYSTEM, other, reason="Thiếu hồ sơ", effective_on=days_ago(0))
    found = client.get(
        f"/api/v1/brands/{mark.id}/grants?status=suspended", headers=bearer(api_token)
    ).json
    assert [g["id"] for g in found] == [other.id]
    found = client.get(
        f"/api/v1/brands/{mark.id}/grants?q={member.full_name}", headers=bearer(api_token)
    ).json
    assert [g["id"] for g in found] == [r.json["id"]]


def test_a_member_of_another_cooperative_cannot_be_granted_use(client, api_token, world, marked):
    mark, products = marked
    r = client.post(
        f"/api/v1/brands/{mark.id}/grants",
        headers=bearer(api_token),
        json={
            "member_id": world.b.members[0].id,
            "product_ids": [products[0].id],
            "granted_on": days_ago(1).isoformat(),
        },
    )
    assert r.status_code == 422
    assert r.json["errors"]["json"]["member_id"] == [
        "Choose a member of the cooperative that owns the mark."
    ]
    assert world.b.members[0].full_name not in r.get_data(as_text=True)
    assert _grants() == 0


def test_products_must_be_the_cooperatives_and_carry_this_mark(client, api_token, world, marked):
    mark, products = marked
    foreign = ProductFactory(cooperative=world.b.coop, mark=MarkFactory(cooperative=world.b.coop))
    unmarked = ProductFactory(cooperative=world.a.coop, mark=None)
    other_mark = ProductFactory(
        cooperative=world.a.coop, mark=MarkFactory(cooperative=world.a.coop)
    )
    r = client.post(
        f"/api/v1/brands/{mark.id}/grants",
        headers=bearer(api_token),
        json={
            "member_id": world.a.members[0].id,
            "granted_on": days_ago(1).isoformat(),
            "product_ids": [products[0].id, foreign.id, unmarked.id, other_mark.id],
        },
    )
    assert r.status_code == 422
    messages = r.json["errors"]["json"]["product_ids"]
    assert f"Unknown product (id {foreign.id})." in messages
    assert f"Product {unmarked.code} does not carry the mark '{mark.name}'." in messages
    assert f"Product {other_mark.code} does not carry the mark '{mark.name}'." in messages
    assert foreign.code not in r.get_data(as_text=True)
    r = client.post(
        f"/api/v1/brands/{mark.id}/grants",
        headers=bearer(api_token),
        json={
            "member_id": world.a.members[0].id,
            "granted_on": days_ago(1).isoformat(),
            "product_ids": [],
        },
    )
    assert r.status_code == 422
    assert _grants() == 0


def test_dates_in_the_wrong_order_are_refused(client, api_token, world, marked):
    mark, products = marked
    r = client.post(
        f"/api/v1/brands/{mark.id}/grants",
        headers=bearer(api_token),
        json={
            "member_id": world.a.members[0].id,
            "product_ids": [products[0].id],
            "granted_on": "2026-03-01",
            "valid_until": "2026-02-28",
        },
    )
    assert r.status_code == 422
    assert r.json["errors"]["json"]["valid_until"] == [
        "The grant cannot end before it starts (1 Mar 2026)."
    ]
    assert _grants() == 0


def test_a_member_cannot_be_granted_before_joining(world, marked):
    mark, products = marked
    member = world.a.members[0]
    member.joined_on = days_ago(10)
    with pytest.raises(ValidationFailed) as exc:
        make_grant(mark, member, products, granted_on=days_ago(11))
    assert exc.value.errors["granted_on"] == [
        f"{member.full_name} was not a member on {format_date(days_ago(11))}."
    ]


def test_overlapping_grants_of_one_mark_are_refused(world, marked):
    mark, products = marked
    member = world.a.members[0]
    first = make_grant(
        mark, member, products[:1], granted_on=days_ago(100), valid_until=days_ago(50)
    )
    with pytest.raises(ValidationFailed) as exc:
        make_grant(mark, member, products[1:], granted_on=days_ago(60))
    assert exc.value.errors["member_id"] == [
        f"{member.full_name} already holds a grant of this mark from "
        f"{format_date(first.granted_on)} that covers that period: change the products of "
        "that grant instead."
    ]  # named by its date, not by a database number
    later = make_grant(mark, member, products[1:], granted_on=days_ago(49))
    with pytest.raises(ValidationFailed) as exc:
        services.update_grant(SYSTEM, first, valid_until=days_ago(40))
    assert exc.value.errors["valid_until"] == [
        f"The member holds another grant of this mark from {format_date(later.granted_on)}: "
        "the two would overlap."
    ]


def test_no_grant_of_an_expired_mark(world):
    mark = MarkFactory(cooperative=world.a.coop, valid_until=days_ago(1))
    product = ProductFactory(cooperative=world.a.coop, mark=mark)
    with pytest.raises(ValidationFailed) as exc:
        make_grant(mark, world.a.members[0], [product])
    assert "has expired" in exc.value.errors["mark"][0]


def test_staff_cannot_grant(staff_client, client, world, marked):
    from traceapp.auth.services import create_token

    mark, products = marked
    assert staff_client.get(f"/brands/{mark.id}/grants/new").status_code == 403
    r = staff_client.form_post(
        f"/brands/{mark.id}/grants/new",
        {
            "member_id": world.a.members[0].id,
            "product_ids": [products[0].id],
            "granted_on": days_ago(1).isoformat(),
        },
    )
    assert r.status_code == 403
    token = create_token(world.a.staff, world.a.staff, "staff")[1]
    r = client.post(
        f"/api/v1/brands/{mark.id}/grants",
        headers=bearer(token),
        json={
            "member_id": world.a.members[0].id,
            "product_ids": [products[0].id],
            "granted_on": days_ago(1).isoformat(),
        },
    )
    assert r.status_code == 403
    assert _grants() == 0
    grant = make_grant(mark, world.a.members[0], products)
    r = client.post(
        f"/api/v1/grants/{grant.id}/suspend",
        headers=bearer(token),
        json={"reason": "Thử", "effective_on": days_ago(0).isoformat()},
    )
    assert r.status_code == 403
    assert staff_client.get(f"/grants/{grant.id}").status_code == 200
    assert staff_client.get(f"/grants/{grant.id}/revoke").status_code == 403


def test_api_rejects_unknown_and_server_owned_grant_fields(client, api_token, world, marked):
    mark, products = marked
    base = {
        "member_id": world.a.members[0].id,
        "product_ids": [products[0].id],
        "granted_on": days_ago(1).isoformat(),
    }
    for extra in (
        {"status": "active"},
        {"mark_id": mark.id},
        {"events": []},
        {"favourite": 1},
        {"cooperative_id": world.a.coop.id},
    ):
        r = client.post(
            f"/api/v1/brands/{mark.id}/grants", headers=bearer(api_token), json=base | extra
        )
        assert r.status_code == 422, extra
        assert set(extra) <= set(r.json["errors"]["json"])
    assert _grants() == 0
    grant = make_grant(mark, world.a.members[0], products)
    r = client.patch(
        f"/api/v1/grants/{grant.id}",
        headers=bearer(api_token),
        json={"member_id": world.a.members[1].id},
    )
    assert r.status_code == 422
    assert "member_id" in r.json["errors"]["json"]
    r = client.post(
        f"/api/v1/grants/{grant.id}/revoke",
        headers=bearer(api_token),
        json={"reason": "Vi phạm", "effective_on": days_ago(0).isoformat(), "status": "revoked"},
    )
    assert r.status_code == 422
    r = client.post(
        f"/api/v1/grants/{grant.id}/revoke",
        headers=bearer(api_token),
        json={"effective_on": days_ago(0).isoformat()},
    )
    assert r.status_code == 422
    assert "reason" in r.json["errors"]["json"]
    db.session.refresh(grant)
    assert grant.status == GrantStatus.ACTIVE


# --- lifecycle --------------------------------------------------------------------------------


def test_suspend_reinstate_revoke_each_leave_an_event_and_an_audit_record(
    client, api_token, world, marked
):
    mark, products = marked
    grant = make_grant(mark, world.a.members[0], products, granted_on=days_ago(100))
    steps = [
        ("suspend", days_ago(60), "suspended"),
        ("reinstate", days_ago(40), "active"),
        ("suspend", days_ago(20), "suspended"),
        ("revoke", days_ago(10), "revoked"),
    ]
    for action, day, status in steps:
        r = client.post(
            f"/api/v1/grants/{grant.id}/{action}",
            headers=bearer(api_token),
            json={"reason": f"Lý do {action}", "effective_on": day.isoformat()},
        )
        assert r.status_code == 200, r.json
        assert r.json["status"] == status
    assert _actions(grant) == ["granted", "suspended", "reinstated", "suspended", "revoked"]
    events = r.json["events"]
    assert events[-1]["reason"] == "Lý do revoke"
    assert events[-1]["effective_on"] == days_ago(10).isoformat()
    assert events[-1]["actor_label"] == world.a.manager.email
    recorded = (
        db.session.execute(
            sa.select(AuditRecord.action)
            .where(AuditRecord.object_type == "mark_grants")
            .order_by(AuditRecord.seq)
        )
        .scalars()
        .all()
    )
    assert recorded == [
        "grant.create",
        "grant.suspend",
        "grant.reinstate",
        "grant.suspend",
        "grant.revoke",
    ]


def test_revoked_is_final(client, api_token, world, marked):
    mark, products = marked
    grant = make_grant(mark, world.a.members[0], products)
    services.revoke_grant(SYSTEM, grant, reason="Giả mạo tem", effective_on=days_ago(5))
    for action in ("reinstate", "suspend", "revoke"):
        r = client.post(
            f"/api/v1/grants/{grant.id}/{action}",
            headers=bearer(api_token),
            json={"reason": "Xin cấp lại", "effective_on": days_ago(0).isoformat()},
        )
        assert r.status_code == 409, action
        assert "revoked" in r.json["message"]
    r = client.patch(
        f"/api/v1/grants/{grant.id}",
        headers=bearer(api_token),
        json={"product_ids": [products[0].id]},
    )
    assert r.status_code == 409
    assert _actions(grant) == ["granted", "revoked"]
    # The member may be granted use anew.
    assert make_grant(mark, world.a.members[0], products, granted_on=days_ago(0)).id


def test_transitions_only_from_the_right_status(world, marked):
    mark, products = marked
    grant = make_grant(mark, world.a.members[0], products)
    with pytest.raises(Conflict, match="Only a suspended grant can be reinstated."):
        services.reinstate_grant(SYSTEM, grant, reason="Thử lại", effective_on=days_ago(0))
    services.suspend_grant(SYSTEM, grant, reason="Thiếu nhật ký", effective_on=days_ago(0))
    with pytest.raises(Conflict, match="already suspended"):
        services.suspend_grant(SYSTEM, grant, reason="Lần nữa", effective_on=days_ago(0))


def test_effective_dates_keep_the_history_in_order(world, marked):
    mark, products = marked
    grant = make_grant(mark, world.a.members[0], products, granted_on=days_ago(100))
    services.suspend_grant(SYSTEM, grant, reason="Vi phạm lần 1", effective_on=days_ago(30))
    with pytest.raises(ValidationFailed) as exc:
        services.reinstate_grant(SYSTEM, grant, reason="Khắc phục", effective_on=days_ago(31))
    assert exc.value.errors["effective_on"] == [
        f"The effective date must be on or after {format_date(days_ago(30))}, the date of the "
        "grant's last change."
    ]
    with pytest.raises(ValidationFailed) as exc:
        services.reinstate_grant(SYSTEM, grant, reason="Khắc phục", effective_on=days_ago(-1))
    assert exc.value.errors["effective_on"] == ["The effective date cannot be in the future."]
    with pytest.raises(ValidationFailed) as exc:
        services.reinstate_grant(SYSTEM, grant, reason="  ", effective_on=days_ago(1))
    assert "reason" in exc.value.errors
    assert grant.status == GrantStatus.SUSPENDED
    assert _actions(grant) == ["granted", "suspended"]


def test_changing_products_is_an_event(client, api_token, world, marked):
    mark, products = marked
    grant = make_grant(mark, world.a.members[0], products[:1], granted_on=days_ago(100))
    r = client.patch(
        f"/api/v1/grants/{grant.id}",
        headers=bearer(api_token),
        json={"product_ids": [products[1].id], "notes": "Đổi sản phẩm"},
    )
    assert r.status_code == 200, r.json
    assert [p["id"] for p in r.json["products"]] == [products[1].id]
    assert r.json["notes"] == "Đổi sản phẩm"
    change = r.json["events"][-1]
    assert change["action"] == "products_changed"
    assert change["effective_on"] == days_ago(0).isoformat()
    assert change["details"]["added"] == [products[1].id]
    assert change["details"]["removed"] == [products[0].id]
    r = client.patch(
        f"/api/v1/grants/{grant.id}",
        headers=bearer(api_token),
        json={"valid_until": days_ago(-365).isoformat()},
    )
    assert r.status_code == 200
    assert r.json["events"][-1]["action"] == GrantAction.VALIDITY_CHANGED.value
    assert r.json["products"][0]["id"] == products[1].id  # untouched by a partial update
    audit = (
        db.session.execute(
            sa.select(AuditRecord)
            .where(AuditRecord.action == "grant.update")
            .order_by(AuditRecord.seq)
        )
        .scalars()
        .first()
    )
    assert audit.changes["products"]["after"] == [f"{products[1].code} {products[1].name}"]


# --- web UI -----------------------------------------------------------------------------------


def test_manager_grants_suspends_and_sees_the_history_in_the_web_ui(manager_client, world, marked):
    mark, products = marked
    member = world.a.members[2]
    form = manager_client.get(f"/brands/{mark.id}/grants/new").get_data(as_text=True)
    assert member.full_name in form
    assert world.b.members[0].full_name not in form
    r = manager_client.form_post(
        f"/brands/{mark.id}/grants/new",
        {
            "member_id": member.id,
            "product_ids": [p.id for p in products],
            "granted_on": days_ago(90).isoformat(),
            "valid_until": "",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    grant_id = int(re.search(r"/grants/(\d+)", r.headers["Location"]).group(1))
    r = manager_client.form_post(
        f"/grants/{grant_id}/suspend",
        {"effective_on": days_ago(20).isoformat(), "reason": "Giao hàng lẫn đậu ngoài vùng"},
    )
    assert r.status_code == 302
    page = manager_client.get(f"/grants/{grant_id}").get_data(as_text=True)
    assert "Giao hàng lẫn đậu ngoài vùng" in page
    assert "Suspended" in page and "Granted" in page
    assert "Reinstate" in page
    detail = manager_client.get(f"/brands/{mark.id}").get_data(as_text=True)
    assert member.full_name in detail
    assert products[0].code in detail


def test_web_forms_show_field_errors_and_store_nothing(manager_client, world, marked):
    mark, products = marked
    r = manager_client.form_post(
        f"/brands/{mark.id}/grants/new",
        {
            "member_id": world.a.members[0].id,
            "granted_on": "2026-03-01",
            "valid_until": "2026-01-01",
        },
    )
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "Choose at least one product." in html
    assert "The grant cannot end before it starts (1 Mar 2026)." in html
    assert _grants() == 0
    grant = make_grant(mark, world.a.members[0], products)
    r = manager_client.form_post(
        f"/grants/{grant.id}/revoke", {"effective_on": days_ago(0).isoformat(), "reason": ""}
    )
    assert r.status_code == 422
    services.revoke_grant(SYSTEM, grant, reason="Giả mạo", effective_on=days_ago(0))
    r = manager_client.form_post(
        f"/grants/{grant.id}/reinstate",
        {"effective_on": days_ago(0).isoformat(), "reason": "Xin lại"},
    )
    assert r.status_code == 409
    assert "a revoked grant stays revoked" in r.get_data(as_text=True)


def test_the_history_shows_a_changed_end_date_as_dates(manager_client, world, marked):
    mark, products = marked
    grant = make_grant(mark, world.a.members[0], products)
    services.update_grant(SYSTEM, grant, valid_until=days_ago(-30))
    db.session.commit()
    page = manager_client.get(f"/grants/{grant.id}").get_data(as_text=True)
    assert f"Valid until: open-ended → {format_date(days_ago(-30))}" in page
    assert days_ago(-30).isoformat() not in page


def test_grant_edit_form_changes_products(manager_client, world, marked):
    mark, products = marked
    grant = make_grant(mark, world.a.members[0], products[:1], granted_on=days_ago(100))
    page = manager_client.get(f"/grants/{grant.id}/edit").get_data(as_text=True)
    assert products[1].code in page
    r = manager_client.form_post(
        f"/grants/{grant.id}/edit",
        {
            "product_ids": [products[0].id, products[1].id],
            "effective_on": days_ago(10).isoformat(),
            "notes": "Thêm sản phẩm rang",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    history = manager_client.get(f"/grants/{grant.id}").get_data(as_text=True)
    assert "Products changed" in history
    assert f"{products[1].code} {products[1].name}" in history


def test_a_change_of_products_does_not_block_a_later_recorded_earlier_suspension(world, marked):
    mark, products = marked
    grant = make_grant(mark, world.a.members[0], products[:1], granted_on=days_ago(100))
    services.update_grant(
        SYSTEM, grant, product_ids=[p.id for p in products], valid_until=days_ago(-100)
    )
    services.suspend_grant(
        SYSTEM, grant, reason="Vi phạm phát hiện muộn", effective_on=days_ago(30)
    )
    assert _actions(grant) == ["granted", "products_changed", "validity_changed", "suspended"]
    with pytest.raises(ValidationFailed) as exc:
        services.update_grant(SYSTEM, grant, product_ids=[products[0].id], effective_on=days_ago(1))
    assert "on or after" in exc.value.errors["effective_on"][0]
