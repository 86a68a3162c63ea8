"""The lots list as CSV and XLSX downloads, with the list's filters."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy.orm import aliased

from traceapp import tables, units
from traceapp.auth.permissions import get_scoped
from traceapp.batches import events as ev
from traceapp.batches import recall_stream
from traceapp.batches.models import LOT_STATUS_LABELS, Lot, Recall
from traceapp.batches.views import bp, lot_list
from traceapp.extensions import db
from traceapp.products.models import Product
from traceapp.tables import Column
from traceapp.zones.models import KIND_LABELS

LOTS = tables.Table(
    "lots",
    (
        Column("code", _l("Lot code"), lambda lot: lot.code),
        Column("product_code", _l("Product code"), lambda lot: lot.product_code),
        Column("product", _l("Product"), lambda lot: lot.product_name),
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
    """The lots, filtered as on screen, as CSV or XLSX.

    The rows are plain rows of the columns the file shows, with their product's code and name
    joined in SQL: ORM lots (with their product loaded per batch) lived long enough, a batch
    at a time, to fill the collector's old generation and set off full collections of the
    process at a hundred thousand lots."""
    stmt, _args = lot_list()
    product = aliased(Product)  # not correlated with a search's own subquery of products
    rows = (
        stmt.with_only_columns(
            Lot.code,
            Lot.production_date,
            Lot.best_before,
            Lot.quantity,
            Lot.unit,
            Lot.status,
            Lot.closed_at,
            product.code.label("product_code"),
            product.name.label("product_name"),
        )
        .join(product, product.id == Lot.product_id)
        .order_by(Lot.production_date.desc(), Lot.id.desc())
    )
    return tables.download(LOTS, tables.rows_of(rows, whole_rows=True), tables.requested_format())


@dataclass(frozen=True)
class _ReportLine:
    """One line of a recall report: a lot, a household, a zone or a destination."""

    what: str
    code: str
    name: str
    detail: Any = None
    detail_words: Any = None
    quantity: Any = None
    unit: str | None = None
    issued: int | None = None
    live: int | None = None
    when: Any = None


#: What a line of a recall report is about.
REPORT_LINE_LABELS = {
    "recall": _l("Recall"),
    "lot": _l("Lot"),
    "household": _l("Household"),
    "zone": _l("Zone"),
    "destination": _l("Destination"),
}

RECALL_REPORT = tables.Table(
    "recall",
    (
        Column("what", _l("What"), lambda x: x.what, REPORT_LINE_LABELS),
        Column("code", _l("Code"), lambda x: x.code),
        Column("name", _l("Name"), lambda x: x.name),
        Column(
            "detail",
            _l("Detail"),
            lambda x: x.detail,
            text=lambda x: x.detail_words if x.detail_words is not None else x.detail,
        ),
        Column("quantity", _l("Quantity"), lambda x: x.quantity),
        Column("unit", _l("Unit"), lambda x: x.unit, units.label),
        Column("labels_issued", _l("Labels issued"), lambda x: x.issued),
        Column("labels_live", _l("Labels still valid"), lambda x: x.live),
        Column("when", _l("When"), lambda x: x.when),
    ),
)


def _report_lines(recall_id: int) -> Iterator[_ReportLine]:
    """The report's lines, read as they are written (:mod:`recall_stream`)."""
    decision = db.session.get_one(Recall, recall_id)
    yield _ReportLine(
        "recall", str(decision.id), decision.reason, decision.decided_by, when=decision.decided_at
    )
    codes: dict[int, str] = {}
    for lot, counts in recall_stream.lots(recall_id):
        codes[lot.id] = lot.code
        yield _ReportLine(
            "lot",
            lot.code,
            lot.product.name,
            quantity=lot.quantity,
            unit=lot.unit,
            issued=counts.get("issued", 0),
            live=counts.get("live", 0),
            when=lot.production_date,
        )
    for member in recall_stream.households(recall_id):
        yield _ReportLine(
            "household",
            member.member_number,
            member.full_name,
            " · ".join(filter(None, [member.village, member.phone])),
        )
    for zone in recall_stream.zones(recall_id):
        yield _ReportLine(
            "zone",
            zone.code,
            zone.name or "",
            zone.kind.value,
            str(KIND_LABELS.get(zone.kind, zone.kind.value)),
        )
    for d in recall_stream.destinations(recall_id):
        party = d.get("type", "")
        yield _ReportLine(
            "destination",
            codes.get(d["lot_id"], ""),
            d.get("name", ""),
            party,
            str(ev.PARTY_LABELS.get(party, party)) if party else "",
            when=d["event_time"],
        )


@tables.routes(bp, "/recalls/<int:recall_id>/report", "recall_report")
@login_required
def recall_report_download(recall_id: int) -> Any:
    """The recall report as CSV or XLSX: the decision, its lots, households, zones and
    destinations, one line each, read as they are written."""
    decision = get_scoped(Recall, recall_id, current_user)
    return tables.download(
        RECALL_REPORT,
        _report_lines(decision.id),
        tables.requested_format(),
        stem=f"recall-{decision.id}",
    )
