"""The audit trail: every change appends a record; the hash chain shows any tampering."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from tests.conftest import ON_POSTGRES, make_app, requires_postgres, scratch_database_url
from traceapp.audit import services as audit
from traceapp.audit.models import AuditRecord
from traceapp.auth.models import SYSTEM
from traceapp.core.unit_of_work import run_unit_of_work
from traceapp.extensions import db


def _tamper(sql: str, table: str = "audit_records") -> None:
    """Change the table behind the application's back, as a rogue DBA could."""
    if ON_POSTGRES:
        db.session.execute(sa.text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
    db.session.execute(sa.text(sql))
    if ON_POSTGRES:
        db.session.execute(sa.text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))


def test_changes_append_records_that_verify(world, app):
    result = audit.verify_chain()
    assert result.ok
    assert result.checked >= 0
    actions = db.session.scalars(sa.select(AuditRecord.action)).all()
    # factory-made rows bypass services; a service call is recorded
    from traceapp.cooperatives.services import create_member

    create_member(SYSTEM, world.a.coop.id, full_name="Người Mới")
    actions_after = db.session.scalars(sa.select(AuditRecord.action)).all()
    # the chain's first record names the key that signs it
    assert actions_after[len(actions) :] == ["audit.key_rotated", "member.create"]
    assert audit.verify_chain().ok


def test_cli_verify_names_the_altered_record(app, world):
    from traceapp.cooperatives.services import create_member

    for name in ("Một", "Hai", "Ba"):
        create_member(SYSTEM, world.a.coop.id, full_name=name)
    db.session.flush()
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    target = db.session.scalars(
        sa.select(AuditRecord.seq).order_by(AuditRecord.seq.desc()).limit(1).offset(1)
    ).one()
    _tamper(f"UPDATE audit_records SET summary = 'nothing to see' WHERE seq = {target}")
    db.session.expire_all()
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 2
    assert f"record #{target}" in broken.output
    assert "altered" in broken.output


def test_a_deleted_record_breaks_the_chain(world):
    from traceapp.cooperatives.services import create_member

    for name in ("Một", "Hai", "Ba"):
        create_member(SYSTEM, world.a.coop.id, full_name=name)
    db.session.flush()
    seqs = db.session.scalars(sa.select(AuditRecord.seq).order_by(AuditRecord.seq)).all()
    _tamper(f"DELETE FROM audit_records WHERE seq = {seqs[1]}")
    result = audit.verify_chain()
    assert not result.ok
    assert result.broken_seq == seqs[1]


@requires_postgres
def test_postgres_refuses_update_and_delete_of_records(world):
    from traceapp.cooperatives.services import create_member

    create_member(SYSTEM, world.a.coop.id, full_name="Một")
    db.session.flush()
    for sql in ("UPDATE audit_records SET summary = 'x'", "DELETE FROM audit_records"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), db.session.begin_nested():
            db.session.execute(sa.text(sql))


def test_eight_concurrent_writers_keep_one_unbroken_chain(tmp_path):
    with scratch_database_url(tmp_path) as url:
        app = make_app(url, tmp_path)
        with app.app_context():
            db.create_all()
        errors: list[BaseException] = []

        def writer(n: int) -> None:
            try:
                with app.app_context():
                    for i in range(10):
                        run_unit_of_work(
                            db.session,
                            lambda i=i: audit.record(
                                SYSTEM, "test.write", object_type="thing", object_id=f"{n}-{i}"
                            ),
                            attempts=20,
                        )
                    db.session.remove()
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        with app.app_context():
            result = audit.verify_chain()
            assert result.ok, result.reason
            assert result.checked == 81  # and the record of the signing key
            assert result.anchored_seq == 81
            db.session.remove()
            db.drop_all()
            db.engine.dispose()
