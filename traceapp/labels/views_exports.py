"""Label runs and the scan log as CSV and XLSX downloads, with the lists' filters."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from traceapp import tables
from traceapp.batches.models import Lot
from traceapp.i18n import LANGUAGE_NAMES
from traceapp.labels.models import RUN_KIND_LABELS, LabelRun
from traceapp.labels.scanstats import scan_log
from traceapp.labels.views import bp, run_list, scan_filters
from traceapp.tables import Column

RUNS = tables.Table(
    "label-runs",
    (
        Column("run", _l("Run"), lambda r: r.number),
        Column("lot", _l("Lot"), lambda r: r.lot.code),
        Column("product", _l("Product"), lambda r: r.lot.product.name),
        Column("kind", _l("Kind"), lambda r: r.kind, RUN_KIND_LABELS),
        Column("labels", _l("Labels"), lambda r: r.count),
        Column("template", _l("Layout"), lambda r: r.template),
        Column("issued_at", _l("Issued"), lambda r: r.created_at),
        Column("issued_by", _l("By"), lambda r: r.created_by_label),
        Column("prints", _l("Prints"), lambda r: r.prints),
    ),
)

#: What a scan found, in words.
OUTCOME_LABELS = {
    "ok": _l("genuine label"),
    "recalled": _l("label of a recalled lot"),
    "mismatch": _l("lot or GTIN does not match"),
    "voided": _l("void label"),
    "unknown": _l("serial never issued"),
}
#: The kind of device that scanned, in words.
DEVICE_LABELS = {
    "android": _l("Android phone"),
    "ios": _l("iPhone"),
    "desktop": _l("computer"),
    "bot": _l("automated client"),
    "other": _l("other device"),
}

SCANS = tables.Table(
    "scans",
    (
        Column("scanned_at", _l("Scanned at"), lambda row: row[0].scanned_at),
        Column("serial", _l("Serial"), lambda row: row[1] or row[0].unknown_serial),
        Column("lot", _l("Lot"), lambda row: row[2]),
        Column("product", _l("Product"), lambda row: row[3]),
        Column("outcome", _l("Outcome"), lambda row: row[0].outcome, OUTCOME_LABELS),
        Column("language", _l("Language"), lambda row: row[0].lang, LANGUAGE_NAMES),
        Column("device", _l("Device"), lambda row: row[0].ua_class, DEVICE_LABELS),
        Column("flagged", _l("Flagged"), lambda row: row[0].flagged),
    ),
)


@tables.routes(bp, "/label-runs", "runs")
@login_required
def runs_download() -> Any:
    """Every label run the user may see, as CSV or XLSX."""
    stmt = run_list().options(selectinload(LabelRun.lot).selectinload(Lot.product))
    return tables.download(
        RUNS, tables.rows_of(stmt.order_by(LabelRun.id.desc())), tables.requested_format()
    )


@tables.routes(bp, "/scans", "scans")
@login_required
def scans_download() -> Any:
    """The scans behind the statistics, filtered as on screen, as CSV or XLSX."""
    days, product_id, lot_id = scan_filters()
    stmt = scan_log(current_user.cooperative_id, days, product_id, lot_id)
    return tables.download(SCANS, tables.rows_of(stmt, whole_rows=True), tables.requested_format())
