"""Appending to the audit trail, and verifying its hash chain."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from traceapp.audit import chain
from traceapp.audit.chain import stored_event_hash, stored_event_hashes, to_jsonable
from traceapp.audit.models import GENESIS_HASH, AuditHead, AuditRecord
from traceapp.audit.verify import VerifyResult, verify_chain
from traceapp.database import now_utc
from traceapp.extensions import db

if TYPE_CHECKING:
    from traceapp.auth.models import Actor

log = logging.getLogger(__name__)

__all__ = [
    "VerifyResult",
    "record",
    "record_many",
    "stored_event_hash",
    "stored_event_hashes",
    "to_jsonable",
    "verify_chain",
]

_SKIPPED_FIELDS = {"created_at", "updated_at", "password_hash", "token_hash"}


def snapshot(obj: Any) -> dict[str, Any]:
    """The audited fields of a model instance, as JSON values."""
    mapper = sa.inspect(type(obj))
    return {
        attr.key: to_jsonable(getattr(obj, attr.key))
        for attr in mapper.column_attrs
        if attr.key not in _SKIPPED_FIELDS
    }


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The fields that changed, as {field: {"before": x, "after": y}}."""
    keys = set(before) | set(after)
    return {
        k: {"before": before.get(k), "after": after.get(k)}
        for k in sorted(keys)
        if before.get(k) != after.get(k)
    }


def apply_changes(
    actor: Actor | None,
    obj: Any,
    values: dict[str, Any],
    action: str,
    *,
    flush: Callable[[], None] | None = None,
    **record_args: Any,
) -> dict[str, Any]:
    """Set ``values`` on ``obj``, flush, and record what really changed under ``action``
    (nothing is recorded when nothing changed); returns the changes.

    ``flush`` replaces the plain flush where a service turns database errors into messages;
    ``record_args`` go to :func:`record` (summary, province ...)."""
    before = snapshot(obj)
    for key, value in values.items():
        setattr(obj, key, value)
    (flush or db.session.flush)()
    changes = diff(before, snapshot(obj))
    if changes:
        record(actor, action, obj, changes=changes, **record_args)
    return changes


def replace_image(actor: Actor | None, obj: Any, attr: str, key: str, action: str) -> None:
    """Point ``obj.<attr>`` at a newly stored image and record the change."""
    before = getattr(obj, attr)
    setattr(obj, attr, key)
    db.session.flush()
    record(actor, action, obj, changes={attr: {"before": before, "after": key}})


def created(obj: Any) -> dict[str, Any]:
    """The change set of a newly created object: every field from nothing."""
    return {k: {"before": None, "after": v} for k, v in snapshot(obj).items() if v is not None}


def record(
    actor: Actor | None,
    action: str,
    obj: Any = None,
    *,
    changes: dict[str, Any] | None = None,
    summary: str | None = None,
    cooperative_id: int | None = None,
    province: str | None = None,
    object_type: str | None = None,
    object_id: Any = None,
    event_hash: str | None = None,
) -> AuditRecord:
    """Append one record to the chain in the caller's transaction, signed with the newest
    audit key (a new key is first announced by an ``audit.key_rotated`` record).

    With no actor (a failed login by an unknown name), the record names "anonymous".
    ``event_hash`` is the content hash of the trace event the record created.

    The head row is locked first, so concurrent writers line up; on SQLite the write
    transaction (BEGIN IMMEDIATE) already serialises them.
    """
    if obj is not None:
        db.session.flush()
    fields = _fields(
        actor,
        action,
        obj,
        changes=changes,
        summary=summary,
        cooperative_id=cooperative_id,
        province=province,
        object_type=object_type,
        object_id=object_id,
        event_hash=event_hash,
    )
    head, key_id, secret = _lock_head()
    return _append(head, key_id, secret, **fields)


def record_many(actor: Actor | None, entries: list[dict[str, Any]]) -> list[AuditRecord]:
    """Append several records at once, in the order given: the same records as calling
    :func:`record` with each entry's keyword arguments (``action``, ``obj``, ``changes``...)
    one after the other, with the head locked once and one flush for all of them (a recall
    of a thousand lots writes two thousand records)."""
    if not entries:
        return []
    # Everything pending is written before the head is locked (it is locked last, the lock
    # order of traceapp.batches.locks).
    db.session.flush()
    fields = [_fields(actor, **entry) for entry in entries]
    head, key_id, secret = _lock_head()
    records = [_append(head, key_id, secret, flush=False, **f) for f in fields]
    db.session.flush()
    return records


def _lock_head() -> tuple[AuditHead, str, str]:
    """Lock the chain's head (writers line up here) and start a new key's records if due."""
    head = db.session.execute(
        sa.select(AuditHead).where(AuditHead.id == 1).with_for_update()
    ).scalar_one()
    key_id, secret = chain.signing_key()
    if head.key_id != key_id:
        # A new key starts with a record of its own, signed by it, naming the one it follows.
        _append(
            head,
            key_id,
            secret,
            actor_label="system",
            action=chain.KEY_ROTATED,
            summary=f"audit records are signed with key {key_id}",
            changes={"key_id": {"before": head.key_id, "after": key_id}},
        )
    return head, key_id, secret


def _fields(
    actor: Actor | None,
    action: str,
    obj: Any = None,
    *,
    changes: dict[str, Any] | None = None,
    summary: str | None = None,
    cooperative_id: int | None = None,
    province: str | None = None,
    object_type: str | None = None,
    object_id: Any = None,
    event_hash: str | None = None,
) -> dict[str, Any]:
    """A record's columns: who acted, on what (read from ``obj`` where not given), and how."""
    if obj is not None:
        object_type = object_type or getattr(obj, "__tablename__", type(obj).__name__)
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
        if cooperative_id is None:
            cooperative_id = getattr(obj, "cooperative_id", None)
            if cooperative_id is None and type(obj).__name__ == "Cooperative":
                cooperative_id = obj.id
        if province is None:
            province = getattr(obj, "audit_province", None) or getattr(obj, "province", None)
    actor_role = getattr(actor, "role", None)
    return {
        "actor_id": getattr(actor, "id", None),
        "actor_label": getattr(actor, "label", None) or "anonymous",
        "actor_role": str(actor_role) if actor_role else None,
        "cooperative_id": cooperative_id,
        "province": province,
        "action": action,
        "object_type": object_type,
        "object_id": None if object_id is None else str(object_id),
        "summary": (summary or "")[:300] or None,
        "changes": to_jsonable(changes) if changes else None,
        "event_hash": event_hash,
    }


def _append(
    head: AuditHead, key_id: str, secret: str, *, flush: bool = True, **fields: Any
) -> AuditRecord:
    """Sign one record after the head, move the head onto it, and flush (unless told not to:
    the caller flushes a batch)."""
    rec = AuditRecord(
        seq=head.seq + 1, occurred_at=now_utc(), prev_hash=head.hash, key_id=key_id, **fields
    )
    rec.hash = chain.compute_hash(rec, secret)
    head.seq = rec.seq
    head.hash = rec.hash
    head.key_id = key_id
    db.session.add(rec)
    if flush:
        db.session.flush()
    chain.mark_appended(db.session)
    return rec


def head_hash() -> tuple[int, str]:
    """The chain's current length and last hash, to note down or publish."""
    head = db.session.get(AuditHead, 1)
    if head is None:
        return 0, GENESIS_HASH
    return head.seq, head.hash


def printed_head() -> str:
    """The head as exports print it (``#12 3f9a...``); ``traceapp audit verify --head``
    takes it back, so a later verify shows records removed or rewritten since the export."""
    seq, digest = head_hash()
    return f"#{seq} {digest}"


# --- reading the trail (read-only query helpers) ---------------------------------------------

#: The tables whose records an auditor sees for objects in their scope, and how each row
#: is tied to a zone ("zone") or a lot ("lot") of that scope.
_SCOPED_OBJECTS = {
    "zones": ("zone", None),
    "zone_certifications": ("zone", "traceapp.zones.models:ZoneCertification"),
    "zone_inspections": ("zone", "traceapp.authority.models:ZoneInspection"),
    "lots": ("lot", None),
    "lot_contributions": ("lot", "traceapp.batches.models:Contribution"),
    "trace_events": ("lot", "traceapp.batches.models:TraceEvent"),
    "label_runs": ("lot", "traceapp.labels.models:LabelRun"),
    "recalls": ("lot", "traceapp.batches.models:Recall"),
}


def _model(path: str) -> Any:
    import importlib

    module, name = path.split(":")
    return getattr(importlib.import_module(module), name)


def visible_records(actor: Actor) -> sa.Select[AuditRecord]:
    """``SELECT AuditRecord`` restricted to what the actor may read; every trail starts here.

    Administrators read everything; a cooperative manager reads the records of their
    cooperative; an auditor reads the records of the objects in their console scope (zones
    and their certifications and inspections; lots with their contributions, events, label
    runs and recalls), matched by object type and id, plus the records of their own actions.
    Anyone else reads nothing.
    """
    stmt = sa.select(AuditRecord)
    if actor.is_admin:
        return stmt
    if actor.is_cooperative_user and actor.can_manage_cooperative(actor.cooperative_id):
        return stmt.where(AuditRecord.cooperative_id == actor.cooperative_id)
    if not actor.is_auditor:
        return stmt.where(sa.false())
    from traceapp.authority.scope import scope_for

    scope = scope_for(actor)
    zone_ids = scope.zone_ids().subquery("scope_zone_ids")
    lot_ids = scope.lot_ids().subquery("scope_lot_ids")
    clauses = [AuditRecord.actor_id == actor.id]
    for object_type, (tie, path) in _SCOPED_OBJECTS.items():
        ids = zone_ids if tie == "zone" else lot_ids
        if path is None:
            keys = sa.select(sa.cast(ids.c[0], sa.String))
        else:
            model = _model(path)
            column = {"zone": "zone_id", "lot": "lot_id"}[tie]
            column = "root_lot_id" if object_type == "recalls" else column
            keys = sa.select(sa.cast(model.id, sa.String)).where(
                getattr(model, column).in_(sa.select(ids.c[0]))
            )
        clauses.append(
            sa.and_(AuditRecord.object_type == object_type, AuditRecord.object_id.in_(keys))
        )
    return stmt.where(sa.or_(*clauses))


def filter_records(
    stmt: sa.Select[Any],
    *,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
) -> sa.Select[Any]:
    """Narrow a trail by action ("zone." matches every zone action), object type and id."""
    action = (action or "").strip()
    if action:
        if action.endswith("."):
            stmt = stmt.where(AuditRecord.action.startswith(action, autoescape=True))
        else:
            stmt = stmt.where(AuditRecord.action == action)
    object_type = (object_type or "").strip()
    if object_type:
        stmt = stmt.where(AuditRecord.object_type == object_type)
    if object_id not in (None, ""):
        stmt = stmt.where(AuditRecord.object_id == str(object_id).strip())
    return stmt


def record_actions(stmt: sa.Select[Any]) -> list[str]:
    """The distinct actions in a (scoped) trail, for a filter's choices."""
    sub = stmt.with_only_columns(AuditRecord.action).distinct().subquery()
    return list(db.session.scalars(sa.select(sub.c.action).order_by(sub.c.action)))
