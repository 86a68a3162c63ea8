"""The audit trail as each role sees it, the chain head on the console, and verification."""

from __future__ import annotations

import sqlalchemy as sa

from tests.conftest import ON_POSTGRES, bearer
from tests.farm import harvest_lot
from tests.zones.conftest import zone_payload
from traceapp.audit import services as audit
from traceapp.audit.models import AuditRecord
from traceapp.authority import services as authority
from traceapp.cooperatives.services import create_member
from traceapp.extensions import db
from traceapp.zones import services as zones


def _story(farm, world):
    """Records of both cooperatives and both provinces."""
    a, b = world.a, world.b
    create_member(a.manager, a.coop.id, full_name="Phạm Thị Mới A")
    create_member(b.manager, b.coop.id, full_name="Võ Văn Mới B")
    lot = harvest_lot(farm, "500")
    authority.decide(world.auditor, farm.field, "suspended", "Tạm dừng để kiểm tra")
    kh = zones.create_zone(
        b.manager,
        b.coop.id,
        **zone_payload(
            code="VN-KHNT-0007", province="Khánh Hòa", district="Ninh Hòa", name="Vùng Ninh Hòa"
        ),
    )
    db.session.flush()
    return lot, kh


def _seen(stmt):
    return {(r.action, r.object_type, r.object_id) for r in db.session.scalars(stmt)}


def test_each_role_reads_its_own_part_of_the_trail(farm, world):
    lot, kh = _story(farm, world)
    a_side = _seen(audit.visible_records(world.a.manager))
    assert ("lot.create", "lots", str(lot.id)) in a_side
    assert ("zone.create", "zones", str(kh.id)) not in a_side
    auditor = _seen(audit.visible_records(world.auditor))
    assert ("zone.transition", "zones", str(farm.field.id)) in auditor
    assert ("lot.create", "lots", str(lot.id)) in auditor
    assert any(action == "lot.contribution" for action, _t, _i in auditor)
    assert not any(action == "member.create" for action, _t, _i in auditor)
    assert ("zone.create", "zones", str(kh.id)) not in auditor
    other = _seen(audit.visible_records(world.other_auditor))
    assert ("zone.create", "zones", str(kh.id)) in other
    assert ("lot.create", "lots", str(lot.id)) not in other
    everything = _seen(audit.visible_records(world.admin))
    assert a_side | auditor | other <= everything
    assert _seen(audit.visible_records(world.a.staff)) == set()


def test_the_trail_page(farm, world, manager_client, staff_client, auditor_client):
    _story(farm, world)
    page = manager_client.get("/audit").get_data(as_text=True)
    assert "Phạm Thị Mới A" in page and "Võ Văn Mới B" not in page
    assert staff_client.get("/audit").status_code == 403
    seen = auditor_client.get("/audit?action=zone.").get_data(as_text=True)
    assert "Tạm dừng để kiểm tra" in seen and "Vùng Ninh Hòa" not in seen
    assert "Phạm Thị Mới A" not in seen
    only = auditor_client.get(f"/audit?object_type=zones&object_id={farm.field.id}")
    assert "zone.transition" in only.get_data(as_text=True)


def test_the_trail_api_is_scoped_and_filtered(farm, world, client, api_token, other_token):
    lot, _kh = _story(farm, world)
    mine = client.get("/api/v1/audit?object_type=lots", headers=bearer(api_token)).get_json()
    assert {r["object_id"] for r in mine} >= {str(lot.id)}
    theirs = client.get(
        f"/api/v1/audit?object_type=lots&object_id={lot.id}", headers=bearer(other_token)
    ).get_json()
    assert theirs == []
    records = client.get("/api/v1/audit?action=member.create", headers=bearer(api_token))
    assert [r["action"] for r in records.get_json()] == ["member.create"]
    assert records.get_json()[0]["hash"] and records.headers["X-Pagination"]


def test_the_console_shows_the_head_and_verify_names_a_tampered_record(farm, world, auditor_client):
    _story(farm, world)
    seq, head = audit.head_hash()
    page = auditor_client.get("/authority").get_data(as_text=True)
    assert head in page and f"<dd>{seq}</dd>" in page
    ok = auditor_client.form_post("/authority/verify").get_data(as_text=True)
    assert f"all {seq} records are intact" in ok
    target = db.session.scalars(
        sa.select(AuditRecord.seq)
        .where(AuditRecord.action == "zone.transition")
        .order_by(AuditRecord.seq.desc())
    ).first()
    if ON_POSTGRES:
        db.session.execute(sa.text("ALTER TABLE audit_records DISABLE TRIGGER USER"))
    db.session.execute(
        sa.text(f"UPDATE audit_records SET summary = 'nothing happened' WHERE seq = {target}")
    )
    if ON_POSTGRES:
        db.session.execute(sa.text("ALTER TABLE audit_records ENABLE TRIGGER USER"))
    db.session.expire_all()
    broken = auditor_client.form_post("/authority/verify").get_data(as_text=True)
    assert f"broken at record #{target}" in broken and "altered" in broken


def test_only_console_users_verify(manager_client, client, api_token, world):
    assert manager_client.form_post("/authority/verify").status_code == 403
    assert client.post("/api/v1/audit/verify", headers=bearer(api_token)).status_code == 403
    assert client.get("/api/v1/audit/head", headers=bearer(api_token)).status_code == 403
