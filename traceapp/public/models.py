"""The scan log: every resolution of a serial, without the scanner's address."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from traceapp.database import Base, now_utc
from traceapp.labels.models import BigId


class LabelScan(Base):
    """One scan. ``outcome``: ok, recalled (a label of a recalled lot), mismatch (lot or GTIN
    disagree), voided, unknown (a serial that never existed: a sign of counterfeit labels)."""

    __tablename__ = "label_scans"
    __table_args__ = (
        sa.Index("ix_label_scans_label_id_scanned_at", "label_id", "scanned_at"),
        sa.Index("ix_label_scans_lot_id_scanned_at", "lot_id", "scanned_at"),
        sa.Index("ix_label_scans_cooperative_id_scanned_at", "cooperative_id", "scanned_at"),
        # The scans of serials that never existed, a few among millions: the authority's
        # "unknown serials" flag and list read only these (a partial index on both engines).
        sa.Index(
            "ix_label_scans_unknown",
            "cooperative_id",
            "unknown_serial",
            "scanned_at",
            sqlite_where=sa.text("outcome = 'unknown'"),
            postgresql_where=sa.text("outcome = 'unknown'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    scanned_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    # Plain integers: the log must never block or cascade on the objects it mentions.
    label_id: Mapped[int | None] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    )
    lot_id: Mapped[int | None]
    product_id: Mapped[int | None]
    cooperative_id: Mapped[int | None]
    #: The serial as scanned, kept only when it matched no label (counterfeit evidence).
    unknown_serial: Mapped[str | None] = mapped_column(sa.String(20))
    outcome: Mapped[str] = mapped_column(sa.String(10))
    #: A keyed hash of the client address: lets scans be told apart, never traced back.
    client_hash: Mapped[str] = mapped_column(sa.String(16))
    ua_class: Mapped[str] = mapped_column(sa.String(10))
    lang: Mapped[str] = mapped_column(sa.String(5))
    flagged: Mapped[bool] = mapped_column(default=False)


class ScanDaily(Base):
    """Scans counted per local day, cooperative, lot, product, language, outcome and flag:
    kept by the scan log writer in the transaction that writes the scans, so statistics read
    a few rows a day instead of every scan. 0 stands for no cooperative, lot or product (an
    unknown serial)."""

    __tablename__ = "scan_daily"

    cooperative_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    day: Mapped[dt.date] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    product_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    lang: Mapped[str] = mapped_column(sa.String(5), primary_key=True)
    outcome: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    flagged: Mapped[bool] = mapped_column(primary_key=True)
    scans: Mapped[int] = mapped_column(default=0)


class ScanDailyRun(Base):
    """Scans of the labels of one label run per local day, kept with :class:`ScanDaily` in the
    transaction that writes the scans: the label run list and pages read them."""

    __tablename__ = "scan_daily_runs"

    run_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    day: Mapped[dt.date] = mapped_column(primary_key=True)
    scans: Mapped[int] = mapped_column(default=0)
