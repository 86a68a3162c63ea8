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
    #: One lot's statistics read its own rows, whatever the volume of the other lots.
    __table_args__ = (sa.Index("ix_scan_daily_lot_id_day", "lot_id", "day"),)

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


class UnknownSerial(Base):
    """A serial that was scanned but never issued, once however often and under whatever
    products it was scanned: kept by the scan log writer in the transaction that writes the
    scans (traceapp/public/scan/unknown.py). Its row is where writers of the same serial
    wait for each other; ``cooperatives`` counts its :class:`UnknownSerialCooperative` rows,
    so the few serials scanned under several cooperatives' products (or under one and under
    none) are found by an index, and a region's distinct serials are counted exactly."""

    __tablename__ = "unknown_serials"
    __table_args__ = (
        sa.Index(
            "ix_unknown_serials_shared",
            "serial",
            sqlite_where=sa.text("cooperatives > 1"),
            postgresql_where=sa.text("cooperatives > 1"),
        ),
    )

    serial: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    cooperatives: Mapped[int] = mapped_column(default=0)


class UnknownSerialCooperative(Base):
    """The scans of a serial never issued made under the products of one cooperative (0: a
    code that named no product): how many, first and last, and the product of the last.
    Kept with :class:`UnknownSerial`; the authority's list pages through them by last scan.
    The scan log's retention never touches them."""

    __tablename__ = "unknown_serial_cooperatives"

    serial: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    scans: Mapped[int] = mapped_column(default=0)
    first_seen: Mapped[dt.datetime]
    last_seen: Mapped[dt.datetime]
    #: The product named by the last of these scans (None: it named none).
    product_id: Mapped[int | None]


# The list's order, newest last scan first (the serial, then the cooperative, break ties).
sa.Index(
    "ix_unknown_serial_cooperatives_last",
    UnknownSerialCooperative.last_seen.desc(),
    UnknownSerialCooperative.serial,
    UnknownSerialCooperative.cooperative_id,
)


class UnknownSerialTotal(Base):
    """The scans of serials never issued per cooperative (0: codes naming no product): how
    many scans, how many serials, first and last; kept with :class:`UnknownSerial`, so the
    authority's flag sums a few rows per region."""

    __tablename__ = "unknown_serial_totals"

    cooperative_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    scans: Mapped[int] = mapped_column(default=0)
    serials: Mapped[int] = mapped_column(default=0)
    first_seen: Mapped[dt.datetime]
    last_seen: Mapped[dt.datetime]


class ScanDailyCoop(Base):
    """:class:`ScanDaily` without the lot: scans per local day, cooperative, product, language,
    outcome and flag, kept by the scan log writer in the same transaction (see
    traceapp/public/scan/kept.py). A cooperative's statistics and home page read a few dozen
    rows a day here, however many lots it has."""

    __tablename__ = "scan_daily_coops"

    cooperative_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    day: Mapped[dt.date] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    lang: Mapped[str] = mapped_column(sa.String(5), primary_key=True)
    outcome: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    flagged: Mapped[bool] = mapped_column(primary_key=True)
    scans: Mapped[int] = mapped_column(default=0)


class ScanMonthlyLot(Base):
    """Scans (and flagged scans) per cooperative, calendar month (its first day), lot and
    product, kept with :class:`ScanDaily` in the same transaction: the statistics' top lots
    over a long period add whole months from here and the few days at the period's edge
    from :class:`ScanDaily`."""

    __tablename__ = "scan_monthly_lots"

    cooperative_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    month: Mapped[dt.date] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    product_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    scans: Mapped[int] = mapped_column(default=0)
    flagged: Mapped[int] = mapped_column(default=0)


class ScanLabelDay(Base):
    """How many of a cooperative's labels of one product had their last scan on each local
    day: a label counts once, on the day of its latest scan, and moves when scanned again
    (kept by the scan log writer with the labels' own counters). "Labels scanned in the last
    N days" is the sum from the period's first day."""

    __tablename__ = "scan_label_days"

    cooperative_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    product_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    day: Mapped[dt.date] = mapped_column(primary_key=True)
    labels: Mapped[int] = mapped_column(default=0)


class ScanLabelLotDay(Base):
    """The same per lot: how many of a lot's labels had their last scan on each local day
    (the statistics' lots read their own rows, however many labels other lots have)."""

    __tablename__ = "scan_label_lot_days"

    lot_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    day: Mapped[dt.date] = mapped_column(primary_key=True)
    labels: Mapped[int] = mapped_column(default=0)
