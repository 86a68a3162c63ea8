"""Label runs, serialised labels, and the rendering jobs that print them."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from traceapp.auth.models import enum_column
from traceapp.cooperatives.models import TenantMixin
from traceapp.database import Base, IdMixin, now_utc

if TYPE_CHECKING:
    from traceapp.batches.models import Lot

#: 64-bit ids where a table may hold millions of rows (SQLite's INTEGER is 64-bit already).
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class RunKind(enum.StrEnum):
    """Serialised labels (one per item) or copies of one lot-level label (sold loose)."""

    SERIALISED = "serialised"
    LOT_COPIES = "lot_copies"


RUN_KIND_LABELS = {
    RunKind.SERIALISED: _l("One serialised label per item"),
    RunKind.LOT_COPIES: _l("Copies of one lot-level label"),
}


class VoidKind(enum.StrEnum):
    """Why labels were withdrawn, in the words the public page uses to tell the shopper."""

    MISPRINT = "misprint"
    DAMAGED = "damaged"
    LOST_OR_STOLEN = "lost_or_stolen"
    WRONG_PRODUCT = "wrong_product"
    OTHER = "other"


VOID_KIND_LABELS = {
    VoidKind.MISPRINT: _l("Misprint"),
    VoidKind.DAMAGED: _l("Damaged"),
    VoidKind.LOST_OR_STOLEN: _l("Lost or stolen"),
    VoidKind.WRONG_PRODUCT: _l("Put on the wrong product or lot"),
    VoidKind.OTHER: _l("Other"),
}


class LabelRun(IdMixin, TenantMixin, Base):
    """One issue of labels for a lot: who, when, how many, on which template."""

    __tablename__ = "label_runs"
    __table_args__ = (
        sa.CheckConstraint("count > 0", name="count_positive"),
        sa.UniqueConstraint("cooperative_id", "number"),
    )

    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lots.id", ondelete="RESTRICT"), index=True)
    #: The run's number within its cooperative (its second run is #2), shown as "#2".
    number: Mapped[int]
    kind: Mapped[RunKind] = mapped_column(enum_column(RunKind, "run_kind"))
    count: Mapped[int]
    template: Mapped[str] = mapped_column(sa.String(30))
    ec_level: Mapped[str] = mapped_column(sa.String(1), default="M")
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_by_label: Mapped[str] = mapped_column(sa.String(254))
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    #: The public address printed into the codes when the run was issued.
    base_url: Mapped[str] = mapped_column(sa.String(200))
    #: How many times the run was rendered for printing; from the second on, a reprint.
    prints: Mapped[int] = mapped_column(default=0)
    notes: Mapped[str | None] = mapped_column(sa.Text)

    lot: Mapped[Lot] = relationship()


class Label(TenantMixin, Base):
    """One serialised label. Serials are random, unique, and never reused, even when voided."""

    __tablename__ = "labels"
    __table_args__ = (
        sa.Index("ix_labels_run_id_seq", "run_id", "seq", unique=True),
        # The few flagged labels, counted on the home page without reading the others.
        sa.Index(
            "ix_labels_flagged",
            "cooperative_id",
            sqlite_where=sa.text("flagged_at IS NOT NULL"),
            postgresql_where=sa.text("flagged_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    serial: Mapped[str] = mapped_column(sa.String(20), unique=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("label_runs.id", ondelete="RESTRICT"))
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lots.id", ondelete="RESTRICT"), index=True)
    #: Position in its run, 1..count: ranges are voided by position.
    seq: Mapped[int]
    voided_at: Mapped[dt.datetime | None]
    void_reason: Mapped[str | None] = mapped_column(sa.String(300))
    #: What kind of reason (the public page says it and what the shopper should do).
    void_kind: Mapped[VoidKind | None] = mapped_column(enum_column(VoidKind, "void_kind"))
    # Scan figures kept on the label for the public page's fast path.
    scan_count: Mapped[int] = mapped_column(default=0)
    first_scanned_at: Mapped[dt.datetime | None]
    #: Its old value is loaded when it is set, so the kept last-scan days can move the label
    #: (traceapp/public/scan/kept.py).
    last_scanned_at: Mapped[dt.datetime | None] = mapped_column(active_history=True)
    flagged_at: Mapped[dt.datetime | None]
    flag_reason: Mapped[str | None] = mapped_column(sa.String(300))
    #: When and why the cooperative cleared the flag (audited). A flag is open while it was
    #: raised after the last clearing; scans before the clearing never count again.
    flag_cleared_at: Mapped[dt.datetime | None]
    flag_clear_reason: Mapped[str | None] = mapped_column(sa.String(300))

    run: Mapped[LabelRun] = relationship()

    @property
    def flag_open(self) -> bool:
        """Whether the label carries a flag the cooperative has not cleared."""
        return self.flagged_at is not None and (
            self.flag_cleared_at is None or self.flagged_at > self.flag_cleared_at
        )

    @classmethod
    def flag_open_clause(cls) -> sa.ColumnElement[bool]:
        """:attr:`flag_open` as a query condition."""
        return sa.and_(
            cls.flagged_at.is_not(None),
            sa.or_(cls.flag_cleared_at.is_(None), cls.flagged_at > cls.flag_cleared_at),
        )


class JobStatus(enum.StrEnum):
    """Where a rendering job stands."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


#: A job's status in words, by the stored value.
JOB_STATUS_LABELS = {
    # TRANSLATORS: the status of a label file being prepared in the background.
    JobStatus.QUEUED: _l("Waiting"),
    JobStatus.RUNNING: _l("Preparing"),
    JobStatus.DONE: _l("Ready"),
    JobStatus.FAILED: _l("Failed"),
}


class RenderJob(IdMixin, TenantMixin, Base):
    """Rendering a large run in the background; its file is kept in chunks in the database,
    so any app server can hand it out."""

    __tablename__ = "render_jobs"

    run_id: Mapped[int] = mapped_column(
        sa.ForeignKey("label_runs.id", ondelete="RESTRICT"), index=True
    )
    fmt: Mapped[str] = mapped_column(sa.String(10))  # pdf, zpl, png-zip
    layout: Mapped[str | None] = mapped_column(sa.String(30))
    status: Mapped[JobStatus] = mapped_column(
        enum_column(JobStatus, "job_status"), default=JobStatus.QUEUED, index=True
    )
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int]
    size: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(sa.Text)
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    #: The requester's language, for the printed captions (None: the default language).
    locale: Mapped[str | None] = mapped_column(sa.String(10))
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    started_at: Mapped[dt.datetime | None]
    heartbeat_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    #: The worker holding the job while it runs (host:pid), and how often one took it.
    worker: Mapped[str | None] = mapped_column(sa.String(100))
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")

    run: Mapped[LabelRun] = relationship()


class RenderChunk(Base):
    """A piece of a finished job's file."""

    __tablename__ = "render_chunks"

    job_id: Mapped[int] = mapped_column(
        sa.ForeignKey("render_jobs.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
