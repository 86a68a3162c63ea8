"""The lots list as CSV and XLSX downloads, with the list's filters."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy.orm import selectinload

from traceapp import tables, units
from traceapp.batches.models import LOT_STATUS_LABELS, Lot
from traceapp.batches.views import bp, lot_list
from traceapp.tables import Column

LOTS = tables.Table(
    "lots",
    (
        Column("code", _l("Lot code"), lambda lot: lot.code),
        Column("product_code", _l("Product code"), lambda lot: lot.product.code),
        Column("product", _l("Product"), lambda lot: lot.product.name),
        Column("production_date", _l("Production date"), lambda lot: lot.production_date),
        Column("best_before", _l("Best before"), lambda lot: lot.best_before),
        Column("quantity", _l("Quantity"), lambda lot: lot.quantity),
        Column("unit", _l("Unit"), lambda lot: lot.unit, units.label),
        Column("status", _l("Status"), lambda lot: lot.status, LOT_STATUS_LABELS),
        Column("closed_at", _l("Closed at"), lambda lot: lot.closed_at),
    ),
)


@tables.routes(bp, "/lots", "lots")
@login_required
def lots_download() -> Any:
    """The lots, filtered as on screen, as CSV or XLSX."""
    stmt, _args = lot_list()
    stmt = stmt.options(selectinload(Lot.product)).order_by(
        Lot.production_date.desc(), Lot.id.desc()
    )
    return tables.download(LOTS, tables.rows_of(stmt), tables.requested_format())
