"""The authority's lists as CSV and XLSX downloads, with each list's filters: the zone
register (with the audit chain's head, as its other exports), the flags and the scans of
serials never issued."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from traceapp import tables
from traceapp.audit import services as audit
from traceapp.authority import exports, flags, label_flags, services
from traceapp.authority.models import FLAG_LABELS
from traceapp.authority.views import bp, flag_rows
from traceapp.authority.views_register import register_list
from traceapp.database import local_today
from traceapp.tables import Column
from traceapp.zones import services as zones
from traceapp.zones.tables import zone_columns


@tables.routes(bp, "/authority/zones", "register")
@login_required
def register_download() -> Any:
    """The filtered register as CSV or XLSX; its last line prints the audit chain's head."""
    stmt, filters = register_list()
    scope = services.console_scope(current_user)
    flagged: dict[int, list[str]] = {}
    for f in flags.compute_flags(scope, kinds=flags.ZONE_KINDS):
        if f.zone_id is not None and f.kind not in flagged.get(f.zone_id, []):
            flagged.setdefault(f.zone_id, []).append(f.kind)
    table = tables.Table(
        "zones",
        (
            *zone_columns(filters.on or local_today()),
            Column("cooperative", _l("Cooperative"), lambda z: z.cooperative.name),
            Column(
                "flags",
                _l("Flags"),
                lambda z: flagged.get(z.id, []),
                text=lambda z: [str(FLAG_LABELS.get(k, k)) for k in flagged.get(z.id, [])],
            ),
        ),
        footer=lambda: [[exports.HEAD_LABEL, audit.printed_head()]],
    )
    return tables.download(
        table, zones.iter_zones(stmt), tables.requested_format(), headers=exports.head_headers()
    )


FLAGS = tables.Table(
    "flags",
    (
        Column("rule", _l("Rule"), lambda f: f.kind, FLAG_LABELS),
        Column("finding", _l("Finding"), lambda f: f.message),
        Column("zone", _l("Zone"), lambda f: f.zone_code),
        Column("lot", _l("Lot"), lambda f: f.lot_code),
        Column("since", _l("Since"), lambda f: f.since),
    ),
)


@tables.routes(bp, "/authority/flags", "flags")
@login_required
def flags_download() -> Any:
    """The flags, filtered by rule as on screen, as CSV or XLSX."""
    found, _kind = flag_rows()
    return tables.download(FLAGS, found, tables.requested_format())


UNKNOWN_SCANS = tables.Table(
    "unknown-serials",
    (
        Column("serial", _l("Serial"), lambda row: row.serial),
        Column("product", _l("Scanned under product"), lambda row: row.product),
        Column("scans", _l("Scans"), lambda row: row.scans),
        Column("first_seen", _l("First seen"), lambda row: row.first),
        Column("last_seen", _l("Last seen"), lambda row: row.last),
    ),
)


@tables.routes(bp, "/authority/unknown-scans", "unknown_scans")
@login_required
def unknown_scans_download() -> Any:
    """Serials scanned that were never issued, as CSV or XLSX."""
    stmt: sa.Select[Any] = label_flags.unknown_scans_query(services.console_scope(current_user))
    # A page at a time by key: each read walks the index and the first rows leave at once.
    return tables.download(UNKNOWN_SCANS, label_flags.unknown_rows(stmt), tables.requested_format())
