"""The columns of a list of zone codes as a download (the cooperative's zones and the
authority's register share them)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import lazy_gettext as _l

from traceapp.tables import Column
from traceapp.zones import services
from traceapp.zones.models import KIND_LABELS, MARKET_LABELS, STATUS_LABELS


def zone_columns(today: dt.date) -> tuple[Column, ...]:
    """A zone's columns (of a :class:`~traceapp.zones.services.export.ZoneRow`), its status as
    it stands on ``today``."""

    def status(z: Any) -> Any:
        return services.effective_status(z, today)

    return (
        Column("code", _l("Code"), lambda z: z.code),
        Column("kind", _l("Kind"), lambda z: z.kind, KIND_LABELS),
        Column("name", _l("Name"), lambda z: z.name),
        Column("crop_or_species", _l("Crop or species"), lambda z: z.crop),
        Column("status", _l("Status"), status, STATUS_LABELS),
        Column("province", _l("Province"), lambda z: z.province),
        Column("district", _l("District"), lambda z: z.district),
        Column("commune", _l("Commune"), lambda z: z.commune),
        Column("issuing_authority", _l("Issuing authority"), lambda z: z.issuing_authority),
        Column("decision_number", _l("Decision number"), lambda z: z.decision_number),
        Column("issued_on", _l("Issued on"), lambda z: z.issued_on),
        Column("valid_from", _l("Valid from"), lambda z: z.valid_from),
        Column("valid_until", _l("Valid until"), lambda z: z.valid_until),
        Column("target_market", _l("Target market"), lambda z: z.target_market, MARKET_LABELS),
        Column("declared_area_ha", _l("Declared area (ha)"), lambda z: z.declared_area_ha),
        Column("computed_area_ha", _l("Computed area (ha)"), lambda z: z.computed_area_ha),
        Column("households", _l("Households"), lambda z: z.households),
    )
