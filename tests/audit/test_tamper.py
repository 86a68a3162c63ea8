"""Every kind of tamper is named by `traceapp audit verify`: records edited, deleted,
inserted or cut off, trace events edited, deleted or inserted, a chain rewritten without
the key; and a key rotation still verifies."""

from __future__ import annotations

import hashlib
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa

from tests.audit.test_chain import _tamper
from tests.conftest import ON_POSTGRES
from tests.farm import harvest_lot
from traceapp.audit import chain
from traceapp.audit import services as audit
from traceapp.audit.models import GENESIS_HASH, AuditHead, AuditRecord
from traceapp.auth.models import SYSTEM
from traceapp.batches import events as ev
from traceapp.batches.models import TraceEvent
from traceapp.extensions import db


def _records(n: int = 4) -> list[int]:
    """Append ``n`` records, commit them (which anchors the head), and return their seqs."""
    for i in range(n):
        audit.record(SYSTEM, "test.write", object_type="thing", object_id=str(i))
    db.session.commit()
    return list(db.session.scalars(sa.select(AuditRecord.seq).order_by(AuditRecord.seq)))


def _verify(app: Any) -> tuple[Any, str]:
    """What the command says, and what verify_chain returns."""
    db.session.expire_all()
    output = app.test_cli_runner().invoke(args=["audit", "verify"])
    result = audit.verify_chain()
    assert (output.exit_code == 0) == result.ok, output.output
    return result, output.output


def _broken(app: Any, kind: str) -> Any:
    result, output = _verify(app)
    assert not result.ok
    assert result.kind == kind, result.reason
    assert f"({kind})" in output
    return result


def test_an_untouched_chain_verifies_with_its_anchor(session, app):
    seqs = _records()
    result, output = _verify(app)
    assert result.ok and result.checked == seqs[-1]
    assert result.anchored_seq == seqs[-1]
    assert f"agrees at #{seqs[-1]}" in output


def test_an_edited_record_is_named(session, app):
    seqs = _records()
    _tamper(f"UPDATE audit_records SET summary = 'nothing to see' WHERE seq = {seqs[2]}")
    result = _broken(app, "altered")
    assert result.broken_seq == seqs[2]
    assert result.checked == seqs[1]  # the records before it hold


def test_a_record_deleted_in_the_middle_is_named(session, app):
    seqs = _records()
    _tamper(f"DELETE FROM audit_records WHERE seq = {seqs[1]}")
    result = _broken(app, "missing")
    assert result.broken_seq == seqs[1]


def test_an_inserted_record_is_named(session, app):
    seqs = _records()
    # Shift the tail up by one and slip a record in, computed by the old unkeyed rule.
    _tamper(f"UPDATE audit_records SET seq = seq + 100 WHERE seq > {seqs[1]}")
    _tamper(f"UPDATE audit_records SET seq = seq - 99 WHERE seq > {seqs[1] + 100}")
    prev = db.session.scalar(sa.select(AuditRecord.hash).where(AuditRecord.seq == seqs[1]))
    fake = AuditRecord(
        seq=seqs[1] + 1,
        occurred_at=chain.now_utc(),
        actor_label="anonymous",
        action="test.write",
        prev_hash=prev,
    )
    fake.hash = chain.compute_hash(fake)
    db.session.add(fake)
    db.session.flush()
    result = _broken(app, "unsigned")
    assert result.broken_seq == seqs[1] + 1


def test_a_truncated_tail_with_a_rewound_head_is_named(session, app):
    seqs = _records()
    keep = seqs[-3]
    last_hash = db.session.scalar(sa.select(AuditRecord.hash).where(AuditRecord.seq == keep))
    _tamper(f"DELETE FROM audit_records WHERE seq > {keep}")
    db.session.execute(
        sa.update(AuditHead).where(AuditHead.id == 1).values(seq=keep, hash=last_hash)
    )
    result = _broken(app, "truncated")
    assert result.broken_seq == keep + 1
    assert f"records #{seqs[-1]}" in result.reason or f"#{seqs[-1]}" in result.reason


def _rewrite(secret: str | None, **values: Any) -> str:
    """Rewrite every record with ``values`` and recompute the chain, with ``secret`` (a
    guessed key) or by the unkeyed rule, as someone without the key could; returns the
    last hash, which is also put in the head."""
    prev = GENESIS_HASH
    rows = db.session.execute(sa.select(*AuditRecord.__table__.c).order_by(AuditRecord.seq))
    for row in list(rows):
        rec = SimpleNamespace(**{**row._asdict(), **values, "prev_hash": prev})
        prev = chain.compute_hash(rec, secret)
        assignments = ", ".join(f"{k} = :{k}" for k in values)
        _tamper_with(
            f"UPDATE audit_records SET {assignments}, prev_hash = :prev, hash = :hash "
            f"WHERE seq = {row.seq}",
            {**values, "prev": rec.prev_hash, "hash": prev},
        )
    head = {"hash": prev, **({"key_id": None} if values.get("key_id", "") is None else {})}
    db.session.execute(sa.update(AuditHead).where(AuditHead.id == 1).values(**head))
    return prev


def _tamper_with(sql: str, params: dict[str, Any]) -> None:
    if ON_POSTGRES:
        db.session.execute(sa.text("ALTER TABLE audit_records DISABLE TRIGGER USER"))
    db.session.execute(sa.text(sql), params)
    if ON_POSTGRES:
        db.session.execute(sa.text("ALTER TABLE audit_records ENABLE TRIGGER USER"))


def test_a_full_rewrite_without_the_key_is_named(session, app):
    seqs = _records()
    # Signed again with a guessed key: the first record no longer matches its HMAC.
    _rewrite("a guessed key, not the real one", summary="rewritten")
    result = _broken(app, "altered")
    assert result.broken_seq == seqs[0]


def test_a_full_rewrite_as_unkeyed_records_is_named_by_the_anchor(session, app):
    seqs = _records()
    _rewrite(None, key_id=None, event_hash=None, summary="rewritten")
    result = _broken(app, "rewritten")
    assert result.broken_seq == seqs[-1]


@pytest.fixture
def history(farm):
    """A lot with a few events, each created with its audit record, committed."""
    lot = harvest_lot(farm, "400")
    for step in ("storing", "transporting"):
        ev.record_event(farm.world.a.manager, lot, biz_step=step)
    db.session.commit()
    ids = list(db.session.scalars(sa.select(TraceEvent.id).order_by(TraceEvent.id)))
    assert len(ids) >= 3
    return ids


def _created_by(event_id: int) -> int:
    return db.session.scalar(
        sa.select(AuditRecord.seq).where(
            AuditRecord.action == "event.record", AuditRecord.object_id == str(event_id)
        )
    )


def test_events_verify_with_their_records(session, app, history):
    result, output = _verify(app)
    assert result.ok, result.reason
    assert result.events == len(history)
    assert f"{len(history)} events" in output


def test_an_edited_event_is_named(session, app, history):
    target = history[1]
    _tamper(
        f"UPDATE trace_events SET location = 'somewhere else' WHERE id = {target}", "trace_events"
    )
    result = _broken(app, "event_altered")
    assert result.broken_event == target
    assert result.broken_seq == _created_by(target)


def test_a_deleted_event_is_named(session, app, history):
    target = history[-1]
    _tamper(f"DELETE FROM trace_events WHERE id = {target}", "trace_events")
    result = _broken(app, "event_missing")
    assert result.broken_event == target
    assert result.broken_seq == _created_by(target)


def test_an_inserted_event_is_named(session, app, history):
    original = db.session.get(TraceEvent, history[0])
    assert original is not None
    forged = TraceEvent(
        cooperative_id=original.cooperative_id,
        event_uid="urn:uuid:00000000-0000-4000-8000-000000000000",
        lot_id=original.lot_id,
        event_type="ObjectEvent",
        action="OBSERVE",
        biz_step="inspecting",
        disposition="conformant",
        event_time=original.event_time,
        tz_offset="+07:00",
        recorded_by_label="nobody",
    )
    db.session.add(forged)
    db.session.flush()
    result, output = _verify(app)
    assert result.kind == "event_inserted"
    assert result.broken_event == forged.id and result.broken_seq is None
    assert f"event #{forged.id}" in output


def test_a_rotated_key_verifies_and_an_old_key_cannot_sign_after_it(session, app, monkeypatch):
    old = ("k2026", "the first audit key, long enough")
    new = ("k2027", "the second audit key, long enough")
    monkeypatch.setitem(app.config, "TRACEAPP_AUDIT_KEYS", [old])
    _records(2)
    monkeypatch.setitem(app.config, "TRACEAPP_AUDIT_KEYS", [old, new])
    audit.record(SYSTEM, "test.write", object_type="thing", object_id="after")
    db.session.commit()
    rotations = db.session.execute(
        sa.select(AuditRecord.key_id, AuditRecord.changes)
        .where(AuditRecord.action == "audit.key_rotated")
        .order_by(AuditRecord.seq)
    ).all()
    assert [r.key_id for r in rotations][-2:] == ["k2026", "k2027"]
    assert rotations[-1].changes == {"key_id": {"before": "k2026", "after": "k2027"}}
    result, _output = _verify(app)
    assert result.ok, result.reason

    # Without the retired key, its records cannot be checked: verify says which key.
    monkeypatch.setitem(app.config, "TRACEAPP_AUDIT_KEYS", [new])
    result = _broken(app, "unknown_key")
    assert "k2026" in (result.reason or "")

    # Someone holding only the retired key cannot append after the rotation.
    monkeypatch.setitem(app.config, "TRACEAPP_AUDIT_KEYS", [old, new])
    head = db.session.get(AuditHead, 1)
    assert head is not None
    forged = AuditRecord(
        seq=head.seq + 1,
        occurred_at=chain.now_utc(),
        actor_label="anonymous",
        action="test.write",
        prev_hash=head.hash,
        key_id="k2026",
    )
    forged.hash = chain.compute_hash(forged, old[1])
    db.session.add(forged)
    db.session.execute(
        sa.update(AuditHead).where(AuditHead.id == 1).values(seq=forged.seq, hash=forged.hash)
    )
    db.session.flush()
    result = _broken(app, "unrotated")
    assert result.broken_seq == forged.seq


def test_a_chain_from_before_keys_still_verifies_and_continues_keyed(session, app, history):
    """Records made before keys (no key id, plain SHA-256) are the accepted prefix: rebuild
    the chain so far by the old rule, as the upgrade finds it, then append."""
    seqs = list(db.session.scalars(sa.select(AuditRecord.seq).order_by(AuditRecord.seq)))
    _rewrite(None, key_id=None, event_hash=None)
    # The anchor file, like the chain, starts at the upgrade.
    anchor = chain.anchor_path()
    assert anchor is not None
    anchor.unlink()
    result, _output = _verify(app)
    assert result.ok, result.reason
    assert result.events == len(history)  # old events are checked for presence
    audit.record(SYSTEM, "test.write", object_type="thing", object_id="after the upgrade")
    db.session.commit()
    result, _output = _verify(app)
    assert result.ok, result.reason
    keyed = db.session.scalars(
        sa.select(AuditRecord.action).where(AuditRecord.seq > seqs[-1]).order_by(AuditRecord.seq)
    ).all()
    assert keyed == ["audit.key_rotated", "test.write"]


def test_the_derived_key_differs_from_the_secret_and_names_itself():
    key_id, key = chain.derived_key("s3cret")
    assert key_id.startswith("sk-") and key != "s3cret"
    assert key != hashlib.sha256(b"s3cret").hexdigest()
    assert chain.derived_key("other")[0] != key_id
