"""The zones list as CSV and XLSX downloads, with the list's filters."""

from __future__ import annotations

from typing import Any

from flask_login import login_required

from traceapp import tables
from traceapp.database import local_today
from traceapp.zones import services
from traceapp.zones.tables import zone_columns
from traceapp.zones.views import bp, zone_list


@tables.routes(bp, "/zones", "zones")
@login_required
def zones_download() -> Any:
    """The zone codes, filtered as on screen, as CSV or XLSX."""
    stmt, _args = zone_list()
    table = tables.Table("zones", zone_columns(local_today()))
    return tables.download(table, services.iter_zones(stmt), tables.requested_format())
