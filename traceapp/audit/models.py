"""The append-only, hash-chained audit trail."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy import DDL, event
from sqlalchemy.orm import Mapped, mapped_column

from traceapp.database import Base, JSONType, now_utc

GENESIS_HASH = "0" * 64


class AuditRecord(Base):
    """One state change: when, who, for which tenant or region, what, and the changed fields."""

    __tablename__ = "audit_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    # Plain integers, not foreign keys: a cascade must never rewrite a record.
    actor_id: Mapped[int | None]
    actor_label: Mapped[str] = mapped_column(sa.String(254))
    actor_role: Mapped[str | None] = mapped_column(sa.String(20))
    cooperative_id: Mapped[int | None] = mapped_column(index=True)
    province: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    object_type: Mapped[str | None] = mapped_column(sa.String(40))
    object_id: Mapped[str | None] = mapped_column(sa.String(64))
    summary: Mapped[str | None] = mapped_column(sa.String(300))
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: The key that signed the hash (an HMAC); empty on records made before keys.
    key_id: Mapped[str | None] = mapped_column(sa.String(40))
    #: The content hash of the trace event this record created.
    event_hash: Mapped[str | None] = mapped_column(sa.String(64))

    __table_args__ = (sa.Index("ix_audit_records_object", "object_type", "object_id"),)


class AuditHead(Base):
    """The single row that holds the chain's last sequence number and hash.

    Appending locks this row, which orders concurrent writers on both databases.
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int]
    hash: Mapped[str] = mapped_column(sa.String(64))
    #: The key of the last record; a new signing key first appends a rotation record.
    key_id: Mapped[str | None] = mapped_column(sa.String(40))

    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)


#: PostgreSQL refuses any UPDATE, DELETE or TRUNCATE of audit records, whoever asks.
PG_IMMUTABLE_FUNCTION = DDL(
    """
CREATE OR REPLACE FUNCTION audit_records_immutable() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION USING
    MESSAGE = 'audit records are append-only: ' || TG_OP || ' refused',
    ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""
)
PG_IMMUTABLE_TRIGGER = DDL(
    "CREATE TRIGGER audit_records_no_change BEFORE UPDATE OR DELETE ON audit_records "
    "FOR EACH ROW EXECUTE FUNCTION audit_records_immutable()"
)
PG_NO_TRUNCATE_TRIGGER = DDL(
    "CREATE TRIGGER audit_records_no_truncate BEFORE TRUNCATE ON audit_records "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_records_immutable()"
)

for _ddl in (PG_IMMUTABLE_FUNCTION, PG_IMMUTABLE_TRIGGER, PG_NO_TRUNCATE_TRIGGER):
    event.listen(AuditRecord.__table__, "after_create", _ddl.execute_if(dialect="postgresql"))


@event.listens_for(AuditHead.__table__, "after_create")
def _insert_genesis(target: sa.Table, connection: sa.Connection, **_kw: Any) -> None:
    connection.execute(target.insert().values(id=1, seq=0, hash=GENESIS_HASH))
