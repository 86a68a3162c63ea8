"""The trail as people read it: described actions, named object types, stored text kept."""

from __future__ import annotations

import re
from pathlib import Path

import sqlalchemy as sa
from flask_babel import force_locale

import traceapp
from tests.conftest import ON_POSTGRES
from traceapp.audit import services as audit
from traceapp.audit.labels import ACTION_LABELS, OBJECT_TYPE_LABELS, action_label, summary_label
from traceapp.audit.models import AuditRecord
from traceapp.auth.logins import FAILED_LOGIN_UNKNOWN
from traceapp.auth.models import SYSTEM
from traceapp.cooperatives.services import create_member
from traceapp.extensions import db

PACKAGE = Path(traceapp.__file__).resolve().parent
#: Codes built at run time (f"grant.{verb}", a conditional expression) rather than written out.
BUILT_CODES = {
    "grant.suspend",
    "grant.reinstate",
    "grant.revoke",
    "user.enable",
    "user.disable",
    "labels.print",
    "labels.reprint",
}


def _codes_in_the_code_base() -> set[str]:
    found = set(BUILT_CODES)
    call = re.compile(r'audit\.record\(\s*[^,()]+,\s*"([a-z_]+\.[a-z_.]+)"')
    for path in PACKAGE.rglob("*.py"):
        found.update(call.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_recorded_action_has_a_description():
    codes = _codes_in_the_code_base()
    assert "zone.transition" in codes and "member.create" in codes
    assert codes <= set(ACTION_LABELS), sorted(codes - set(ACTION_LABELS))


def test_unknown_codes_and_free_summaries_show_as_recorded(session):
    assert action_label("zone.transition") == "Zone status changed"
    assert action_label("something.new") == "something.new"
    assert summary_label(FAILED_LOGIN_UNKNOWN) == "failed sign-in, unknown e-mail address"
    assert summary_label("VN-PY-0001: approved -> suspended") == (
        "VN-PY-0001: approved -> suspended"
    )


def test_the_trail_page_describes_actions_and_keeps_the_codes(world, manager_client):
    create_member(world.a.manager, world.a.coop.id, full_name="Phạm Thị Mô Tả")
    create_member(SYSTEM, world.a.coop.id, full_name="Hộ Dòng Lệnh")
    db.session.flush()
    html = manager_client.get("/audit?action=member.create").get_data(as_text=True)
    assert "Member registered" in html
    assert '<code class="small">member.create</code>' in html  # the code, for auditors
    assert "(Cooperative manager)" in html  # the stored role value, named
    assert "system (command line)" in html
    assert "Member #" in html
    assert '<option value="member.create" selected>Member registered (member.create)' in html


def test_the_trail_page_in_vietnamese(world, manager_client):
    create_member(world.a.manager, world.a.coop.id, full_name="Phạm Thị Mô Tả")
    db.session.flush()
    html = manager_client.get("/audit", headers={"Accept-Language": "vi"}).get_data(as_text=True)
    assert "Nhật ký kiểm toán" in html
    assert "Thành viên #" in html  # the object type, from the catalog
    assert "member.create" in html  # the code stays as recorded


def test_stored_records_keep_their_english_text(session, world):
    create_member(SYSTEM, world.a.coop.id, full_name="Hộ Dòng Lệnh")
    with force_locale("vi"):
        create_member(SYSTEM, world.a.coop.id, full_name="Hộ Dòng Lệnh Hai")
    labels = set(
        db.session.scalars(
            sa.select(AuditRecord.actor_label).where(
                AuditRecord.action == "member.create", AuditRecord.actor_id.is_(None)
            )
        )
    )
    assert labels == {"system (command line)"}


def test_verification_reasons_are_sentences_in_the_current_language(session, world):
    create_member(world.a.manager, world.a.coop.id, full_name="Phạm Thị Mô Tả")
    target = db.session.scalars(sa.select(AuditRecord.seq).order_by(AuditRecord.seq.desc())).first()
    if ON_POSTGRES:
        db.session.execute(sa.text("ALTER TABLE audit_records DISABLE TRIGGER USER"))
    db.session.execute(sa.text(f"UPDATE audit_records SET summary = 'edited' WHERE seq = {target}"))
    if ON_POSTGRES:
        db.session.execute(sa.text("ALTER TABLE audit_records ENABLE TRIGGER USER"))
    db.session.expire_all()
    result = audit.verify_chain()
    assert not result.ok and result.broken_seq == target
    assert result.reason == (
        f"record #{target} was altered: its content no longer matches its hash"
    )


def test_object_types_cover_the_tables_an_auditor_reads():
    assert set(audit._SCOPED_OBJECTS) <= set(OBJECT_TYPE_LABELS)
