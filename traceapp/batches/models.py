"""Lots, the member contributions behind them, their immutable event history, recalls."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import DDL, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from traceapp.auth.models import enum_column
from traceapp.cooperatives.models import TenantMixin
from traceapp.core.columns import text_limit
from traceapp.database import Base, IdMixin, JSONType, TimestampMixin, add_trigram_indexes, now_utc

if TYPE_CHECKING:
    from traceapp.cooperatives.models import Member
    from traceapp.products.models import Product
    from traceapp.zones.models import Zone


class LotStatus(enum.StrEnum):
    """Open lots take contributions; closed lots are final; recalled lots are withdrawn."""

    OPEN = "open"
    CLOSED = "closed"
    RECALLED = "recalled"


#: A lot's status inside the dossier's table (the pages use the ``lot_status`` helper).
LOT_STATUS_LABELS = {"open": _l("open"), "closed": _l("closed"), "recalled": _l("recalled")}


class Lot(IdMixin, TimestampMixin, TenantMixin, Base):
    """A production lot of one product: a harvest, a catch, or a lot made from other lots."""

    __tablename__ = "lots"
    __table_args__ = (
        sa.UniqueConstraint("product_id", "code"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint(
            "best_before IS NULL OR best_before >= production_date",
            name="best_before_after_production",
        ),
        sa.Index("ix_lots_cooperative_id_code", "cooperative_id", "code"),
        # The lot list's order (newest first) within a cooperative: its first, next and last
        # pages read 25 entries of this index instead of sorting every lot.
        sa.Index(
            "ix_lots_cooperative_id_production_date_id", "cooperative_id", "production_date", "id"
        ),
    )

    product_id: Mapped[int] = mapped_column(
        sa.ForeignKey("products.id", ondelete="RESTRICT"), index=True
    )
    code: Mapped[str] = mapped_column(sa.String(20))
    production_date: Mapped[dt.date]
    best_before: Mapped[dt.date | None]
    quantity: Mapped[decimal.Decimal] = mapped_column(sa.Numeric(14, 3))
    #: UN/ECE Recommendation 20 unit (KGM, GRM, TNE, H87, LTR)
    unit: Mapped[str] = mapped_column(sa.String(3))
    status: Mapped[LotStatus] = mapped_column(
        enum_column(LotStatus, "lot_status"), default=LotStatus.OPEN, index=True
    )
    notes: Mapped[str | None] = mapped_column(sa.Text, info=text_limit(5000))
    #: GDST key data elements of a catch (fishing lots): vessel trip, catch area, gear, ...
    catch_data: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    #: Farmed seafood: the aquaculture method (GDST), e.g. "sea cages".
    aquaculture_method: Mapped[str | None] = mapped_column(sa.String(100))
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    closed_at: Mapped[dt.datetime | None]
    recall_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("recalls.id", ondelete="RESTRICT", use_alter=True), index=True
    )

    product: Mapped[Product] = relationship()
    contributions: Mapped[list[Contribution]] = relationship(
        back_populates="lot", order_by="Contribution.id", lazy="raise"
    )
    recall: Mapped[Recall | None] = relationship(foreign_keys=[recall_id])

    def __repr__(self) -> str:
        return f"<Lot {self.code}>"


class Contribution(IdMixin, TenantMixin, Base):
    """What one member delivered into a lot, from which zone, on which day.

    Corrections void a contribution (with a reason) rather than delete it.
    """

    __tablename__ = "lot_contributions"
    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.UniqueConstraint("cooperative_id", "idempotency_key"),
    )

    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lots.id", ondelete="RESTRICT"), index=True)
    member_id: Mapped[int] = mapped_column(
        sa.ForeignKey("members.id", ondelete="RESTRICT"), index=True
    )
    zone_id: Mapped[int] = mapped_column(sa.ForeignKey("zones.id", ondelete="RESTRICT"), index=True)
    quantity: Mapped[decimal.Decimal] = mapped_column(sa.Numeric(14, 3))
    unit: Mapped[str] = mapped_column(sa.String(3))
    delivered_on: Mapped[dt.date]
    notes: Mapped[str | None] = mapped_column(sa.Text, info=text_limit(2000))
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    recorded_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    voided_at: Mapped[dt.datetime | None]
    void_reason: Mapped[str | None] = mapped_column(sa.Text, info=text_limit(2000))
    #: The key the client chose for this delivery (a UUID), so that sending it again (a
    #: weighing station retrying after a lost answer) finds it instead of recording it twice.
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(64))
    #: What the checks at entry found implausible (batches/entry_checks.py), and the reason the
    #: person who entered it gave when confirming it; the auditors see both among their flags.
    entry_warnings: Mapped[list[Any] | None] = mapped_column(JSONType)
    confirmation_reason: Mapped[str | None] = mapped_column(sa.Text, info=text_limit(1000))

    lot: Mapped[Lot] = relationship(back_populates="contributions")
    member: Mapped[Member] = relationship()
    zone: Mapped[Zone] = relationship()


class TraceEvent(IdMixin, TenantMixin, Base):
    """One traceability event in EPCIS 2.0 / CBV 2.0 terms. Never updated, never deleted."""

    __tablename__ = "trace_events"
    __table_args__ = (sa.Index("ix_trace_events_lot_id_event_time", "lot_id", "event_time"),)

    #: The EPCIS eventID (a URI).
    event_uid: Mapped[str] = mapped_column(sa.String(120), unique=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lots.id", ondelete="RESTRICT"))
    event_type: Mapped[str] = mapped_column(sa.String(30))  # ObjectEvent, TransformationEvent...
    action: Mapped[str | None] = mapped_column(sa.String(10))  # ADD, OBSERVE, DELETE
    biz_step: Mapped[str] = mapped_column(sa.String(60))
    disposition: Mapped[str | None] = mapped_column(sa.String(60))
    event_time: Mapped[dt.datetime]
    #: The offset of the place where it happened, as EPCIS writes it ("+07:00").
    tz_offset: Mapped[str] = mapped_column(sa.String(6))
    #: Indexed: the authority finds the lots whose events name a code (scope, flags).
    zone_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("zones.id", ondelete="RESTRICT"), index=True
    )
    location: Mapped[str | None] = mapped_column(sa.String(300))
    quantity: Mapped[decimal.Decimal | None] = mapped_column(sa.Numeric(14, 3))
    unit: Mapped[str | None] = mapped_column(sa.String(3))
    #: One step back / forward: [{"type": "owning_party"|"location"|..., "name": ..., "id": ...}]
    sources: Mapped[list[Any] | None] = mapped_column(JSONType)
    destinations: Mapped[list[Any] | None] = mapped_column(JSONType)
    ilmd: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    #: Everything else: inspection results, notes, the partner's raw event on import.
    details: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    recorded_by_label: Mapped[str] = mapped_column(sa.String(254))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    #: "local" for events recorded here, "import" for a partner's EPCIS document.
    origin: Mapped[str] = mapped_column(sa.String(10), default="local")
    #: The event this one corrects, when it was recorded as a corrective event.
    corrects_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("trace_events.id", ondelete="RESTRICT")
    )

    lot: Mapped[Lot] = relationship()
    zone: Mapped[Zone | None] = relationship()
    error_declaration: Mapped[EventErrorDeclaration | None] = relationship(
        back_populates="event", uselist=False, lazy="selectin"
    )


class EventErrorDeclaration(IdMixin, Base):
    """An EPCIS error declaration on an event: it was wrong (and which events correct it)."""

    __tablename__ = "event_error_declarations"

    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("trace_events.id", ondelete="RESTRICT"), unique=True
    )
    declared_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    #: CBV error reason: did_not_occur or incorrect_data
    reason: Mapped[str] = mapped_column(sa.String(40))
    explanation: Mapped[str] = mapped_column(sa.Text, info=text_limit(2000))
    corrective_event_uids: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    declared_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    declared_by_label: Mapped[str] = mapped_column(sa.String(254))

    event: Mapped[TraceEvent] = relationship(back_populates="error_declaration")


class ImportJob(IdMixin, TenantMixin, Base):
    """Importing a large EPCIS document in the background, with its progress and outcome."""

    __tablename__ = "epcis_import_jobs"

    #: queued, running, done, failed (the words of the label rendering jobs)
    status: Mapped[str] = mapped_column(sa.String(10), default="queued", index=True)
    filename: Mapped[str] = mapped_column(sa.String(200))
    #: The uploaded document while the job waits or runs (removed when it ends).
    path: Mapped[str | None] = mapped_column(sa.String(500))
    size: Mapped[int]
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int | None]
    #: What the import did: recorded, duplicates, unmatched, declared, warnings.
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    #: Why it failed: the schema problems, each with its JSON path.
    problems: Mapped[list[Any] | None] = mapped_column(JSONType)
    error: Mapped[str | None] = mapped_column(sa.Text)
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    locale: Mapped[str | None] = mapped_column(sa.String(10))
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    started_at: Mapped[dt.datetime | None]
    heartbeat_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    #: The worker holding the job while it runs (host:pid), and how often one took it.
    worker: Mapped[str | None] = mapped_column(sa.String(100))
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")


class ImportJobSlice(Base):
    """What one slice of a running EPCIS import job did (its events from ``first``), kept
    in the slice's own transaction: a resumed job merges them; the finished job's result is
    written once, and these rows removed."""

    __tablename__ = "epcis_import_slices"

    job_id: Mapped[int] = mapped_column(
        sa.ForeignKey("epcis_import_jobs.id", ondelete="CASCADE"), primary_key=True
    )
    first: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    result: Mapped[dict[str, Any]] = mapped_column(JSONType)


class ReceivedEvent(IdMixin, TenantMixin, Base):
    """A partner's EPCIS event kept as it was received, so that exports give it back field
    for field. Its projections onto the cooperative's lots are TraceEvents (origin "import")."""

    __tablename__ = "epcis_received_events"
    __table_args__ = (
        sa.UniqueConstraint("cooperative_id", "event_key"),
        sa.Index("ix_epcis_received_events_cooperative_id_time", "cooperative_id", "event_time"),
    )

    #: The eventID, or a digest of the event when it has none (or a very long one).
    event_key: Mapped[str] = mapped_column(sa.String(300))
    event_type: Mapped[str] = mapped_column(sa.String(300))
    event_time: Mapped[dt.datetime]
    #: The event as received (without the document's @context).
    body: Mapped[dict[str, Any]] = mapped_column(JSONType)
    #: The document's own @context entries beyond GS1's (custom namespaces), if any.
    context: Mapped[list[Any] | None] = mapped_column(JSONType)
    #: An error declaration received later for this event: {"errorDeclaration", "context"}.
    declaration: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    #: Our own business rules the event did not follow (shown, never a reason to refuse).
    warnings: Mapped[list[Any] | None] = mapped_column(JSONType)
    job_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("epcis_import_jobs.id", ondelete="SET NULL")
    )
    received_by_label: Mapped[str] = mapped_column(sa.String(254))
    received_at: Mapped[dt.datetime] = mapped_column(default=now_utc)


class LotInput(IdMixin, TenantMixin, Base):
    """An edge of the genealogy: how much of an input lot went into an output lot."""

    __tablename__ = "lot_inputs"
    __table_args__ = (
        sa.UniqueConstraint("output_lot_id", "input_lot_id"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("output_lot_id <> input_lot_id", name="not_itself"),
    )

    output_lot_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lots.id", ondelete="RESTRICT"), index=True
    )
    input_lot_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lots.id", ondelete="RESTRICT"), index=True
    )
    quantity: Mapped[decimal.Decimal] = mapped_column(sa.Numeric(14, 3))
    unit: Mapped[str] = mapped_column(sa.String(3))
    event_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("trace_events.id", ondelete="RESTRICT")
    )

    output_lot: Mapped[Lot] = relationship(foreign_keys=[output_lot_id])
    input_lot: Mapped[Lot] = relationship(foreign_keys=[input_lot_id])


class Recall(IdMixin, TenantMixin, Base):
    """A recall decision on a lot; it covers every lot made from it."""

    __tablename__ = "recalls"

    root_lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lots.id", ondelete="RESTRICT"))
    reason: Mapped[str] = mapped_column(sa.Text, info=text_limit(2000))
    #: What a consumer holding the product should do (shown on the public page).
    instructions: Mapped[str] = mapped_column(sa.Text, info=text_limit(2000))
    #: The language ``reason`` and ``instructions`` are written in (None: the app's default).
    language: Mapped[str | None] = mapped_column(sa.String(5))
    #: The reason and instructions in other languages: {"en": {"reason": ..., "instructions":
    #: ...}, "zh": {...}}; a language missing here is shown the original, saying so.
    texts: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    decided_by: Mapped[str] = mapped_column(sa.String(200))
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[dt.datetime] = mapped_column(default=now_utc)

    root_lot: Mapped[Lot] = relationship(foreign_keys=[root_lot_id])


class ImmutableError(RuntimeError):
    """Raised when code tries to change or delete a recorded event."""


@event.listens_for(TraceEvent, "before_update")
@event.listens_for(TraceEvent, "before_delete")
def _refuse_event_change(_mapper: Any, _conn: Any, target: TraceEvent) -> None:
    raise ImmutableError(
        f"traceability event {target.event_uid} is immutable: declare an error and record a "
        "corrective event instead"
    )


#: PostgreSQL refuses UPDATE and DELETE of events and error declarations whoever asks.
PG_EVENTS_IMMUTABLE_FUNCTION = DDL(
    """
CREATE OR REPLACE FUNCTION trace_events_immutable() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION USING
    MESSAGE = 'traceability events are immutable: ' || TG_OP || ' refused',
    ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""
)
PG_EVENTS_IMMUTABLE_TRIGGER = DDL(
    "CREATE TRIGGER trace_events_no_change BEFORE UPDATE OR DELETE ON trace_events "
    "FOR EACH ROW EXECUTE FUNCTION trace_events_immutable()"
)
PG_DECLARATIONS_IMMUTABLE_TRIGGER = DDL(
    "CREATE TRIGGER event_error_declarations_no_change BEFORE UPDATE OR DELETE ON "
    "event_error_declarations FOR EACH ROW EXECUTE FUNCTION trace_events_immutable()"
)
event.listen(
    TraceEvent.__table__,
    "after_create",
    PG_EVENTS_IMMUTABLE_FUNCTION.execute_if(dialect="postgresql"),
)
event.listen(
    TraceEvent.__table__,
    "after_create",
    PG_EVENTS_IMMUTABLE_TRIGGER.execute_if(dialect="postgresql"),
)
event.listen(
    EventErrorDeclaration.__table__,
    "after_create",
    PG_DECLARATIONS_IMMUTABLE_TRIGGER.execute_if(dialect="postgresql"),
)


add_trigram_indexes(Lot.__table__)  # type: ignore[arg-type]


class ZoneYearMass(Base):
    """The mass declared from a zone in one calendar year, all lots together, in whole
    milligrams (exact: a quantity has three decimals and the smallest mass unit is the gram).

    Kept by :mod:`traceapp.batches.zone_mass` in the transaction that adds or withdraws a
    contribution; the yield check's pre-filter (batches/yields.py) reads it instead of
    summing every contribution of the lot's zones."""

    __tablename__ = "zone_year_mass"

    zone_id: Mapped[int] = mapped_column(
        sa.ForeignKey("zones.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    milligrams: Mapped[int] = mapped_column(sa.BigInteger, default=0)
