"""The audit chain's rules: keyed hashes and the anchor file (the verifier is verify.py).

Each record's hash is an HMAC-SHA256 under a key held outside the database
(``TRACEAPP_AUDIT_KEYS``, or a key derived from ``SECRET_KEY``), named by the record's
``key_id``. Records made before keys existed (``key_id`` empty) keep their plain SHA-256
and are accepted only as the chain's prefix, before the first keyed record. A trace event's
content hash is part of the record that created it, and every committed append writes the
new head to an append-only anchor file outside the database.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import hashlib
import hmac
import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context

from traceapp.audit.models import AuditHead
from traceapp.database import Base, now_utc
from traceapp.extensions import db

log = logging.getLogger(__name__)

#: The action of the record that starts signing with a new key.
KEY_ROTATED = "audit.key_rotated"
#: The action of the record that created a trace event (and carries its content hash).
EVENT_RECORDED = "event.record"
#: The label that makes the default key differ from every other use of SECRET_KEY.
_DERIVED_KEY_LABEL = b"traceapp audit chain key v1"


def to_jsonable(value: Any) -> Any:
    """Turn a column value into plain JSON that reads back identically on both databases."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | float):
        # Strings keep the exact figure: JSON numbers may come back re-spelled.
        return str(value)
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [to_jsonable(v) for v in value]
    return str(value)


def _canonical(content: dict[str, Any]) -> bytes:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


# --- keys -------------------------------------------------------------------------------------


def derived_key(secret_key: str) -> tuple[str, str]:
    """The default audit key, derived from SECRET_KEY under a label of its own, with its id.

    The id is a fingerprint of the key, so a new SECRET_KEY gives a new key id (and a
    rotation record) rather than records that no longer verify under the old id."""
    key = hmac.new(secret_key.encode(), _DERIVED_KEY_LABEL, hashlib.sha256).hexdigest()
    fingerprint = hmac.new(key.encode(), b"key id", hashlib.sha256).hexdigest()[:12]
    return f"sk-{fingerprint}", key


def configured_keys() -> list[tuple[str, str]]:
    """The audit keys as (id, secret), oldest first; the last one signs new records."""
    keys = current_app.config.get("TRACEAPP_AUDIT_KEYS") or []
    if not keys:
        keys = [derived_key(current_app.config["SECRET_KEY"])]
    return [(str(key_id), str(secret)) for key_id, secret in keys]


def signing_key() -> tuple[str, str]:
    """The key that signs new records: the newest configured."""
    return configured_keys()[-1]


# --- hashes -----------------------------------------------------------------------------------


def _record_content(rec: Any) -> dict[str, Any]:
    return {
        "seq": rec.seq,
        "occurred_at": to_jsonable(rec.occurred_at),
        "actor_id": rec.actor_id,
        "actor_label": rec.actor_label,
        "actor_role": rec.actor_role,
        "cooperative_id": rec.cooperative_id,
        "province": rec.province,
        "action": rec.action,
        "object_type": rec.object_type,
        "object_id": rec.object_id,
        "summary": rec.summary,
        "changes": rec.changes,
        "prev_hash": rec.prev_hash,
    }


def canonical_content(rec: Any) -> bytes:
    """The bytes a record's hash covers: every field but the hash itself, canonically ordered.

    A keyed record also covers its key id and the content hash of the event it created."""
    content = _record_content(rec)
    if rec.key_id is not None:
        content["key_id"] = rec.key_id
        content["event_hash"] = rec.event_hash
    return _canonical(content)


def compute_hash(rec: Any, secret: str | None = None) -> str:
    """HMAC-SHA256 under ``secret`` for a keyed record; plain SHA-256 for a record made
    before keys (the old rule, kept so existing chains still verify)."""
    if rec.key_id is None:
        return hashlib.sha256(canonical_content(rec)).hexdigest()
    if secret is None:
        raise ValueError("a keyed record needs its key")
    return hmac.new(secret.encode(), canonical_content(rec), hashlib.sha256).hexdigest()


def event_content_hash(row: Mapping[Any, Any]) -> str:
    """SHA-256 over a trace event's columns as read from the database (empty ones left out,
    so a column added later does not change the hashes of older events)."""
    content = {k: to_jsonable(v) for k, v in row.items() if v is not None}
    return hashlib.sha256(_canonical(content)).hexdigest()


def events_table() -> sa.Table:
    # By name: the audit package sits below the domains and does not import them.
    return Base.metadata.tables["trace_events"]


def stored_event_hash(event_id: int) -> str:
    """The content hash of a flushed trace event, from the row the database holds."""
    table = events_table()
    row = db.session.execute(sa.select(table).where(table.c.id == event_id)).mappings().one()
    return event_content_hash(row)


def stored_event_hashes(event_ids: list[int]) -> dict[int, str]:
    """:func:`stored_event_hash` of many flushed events, read in one query per 500."""
    table = events_table()
    found: dict[int, str] = {}
    for i in range(0, len(event_ids), 500):
        rows = db.session.execute(sa.select(table).where(table.c.id.in_(event_ids[i : i + 500])))
        found.update({row["id"]: event_content_hash(row) for row in rows.mappings()})
    return found


# --- the anchor file --------------------------------------------------------------------------


def anchor_path() -> Path | None:
    """The append-only file that receives the head after each committed append."""
    name = current_app.config.get("TRACEAPP_AUDIT_ANCHOR_FILE")
    return Path(name) if name else None


def read_anchor(path: Path | None) -> tuple[int, str] | None:
    """The highest (seq, hash) written to the anchor file, or None without one."""
    if path is None or not path.exists():
        return None
    best: tuple[int, str] | None = None
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) < 2 or not parts[0].isdigit():
                continue
            seq = int(parts[0])
            if best is None or seq > best[0]:
                best = (seq, parts[1])
    return best


def mark_appended(session: Any) -> None:
    """Note that this transaction appended to the chain, so its commit writes the anchor."""
    session.info["audit_appended"] = True


@sa.event.listens_for(db.session, "before_commit")
def _anchor_before_commit(session: Any) -> None:
    if not session.info.get("audit_appended"):
        return
    # Read here, not remembered from record(): a savepoint rolled back may have undone it.
    head = session.execute(sa.select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1))
    session.info["audit_anchor"] = tuple(head.one())


@sa.event.listens_for(db.session, "after_commit")
def _anchor_after_commit(session: Any) -> None:
    anchor = session.info.pop("audit_anchor", None)
    session.info.pop("audit_appended", None)
    if anchor is None or not has_app_context():
        return
    path = anchor_path()
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(f"{anchor[0]} {anchor[1]} {now_utc().isoformat(timespec='seconds')}\n")
    except OSError:
        log.exception("could not write the audit anchor to %s", path)


@sa.event.listens_for(db.session, "after_transaction_end")
def _anchor_forget(session: Any, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop("audit_anchor", None)
        session.info.pop("audit_appended", None)
