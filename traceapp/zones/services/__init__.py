"""Zone codes: registration and checks, certifications, the status lifecycle, overlaps and the
GeoJSON export, one module per job; the public names are re-exported here for callers."""

from __future__ import annotations

from traceapp.extensions import db
from traceapp.zones.services.certifications import (
    CERTIFICATION_FIELDS,
    add_certification,
    get_certification,
    update_certification,
)
from traceapp.zones.services.checks import _MAX_LENGTHS, EDITABLE_WHEN_LOCKED, ZONE_FIELDS
from traceapp.zones.services.export import (
    ZONE_LIST_ORDER,
    feature,
    feature_collection,
    feature_collection_chunks,
    filter_zones,
    iter_zones,
)
from traceapp.zones.services.lifecycle import (
    REQUIRED_FOR_SUBMISSION,
    expire_due_zones,
    shown_reason,
    transition,
    zone_transitions,
)
from traceapp.zones.services.overlaps import Overlap, area_check, overlaps_of, refresh_overlaps
from traceapp.zones.services.registration import create_zone, update_zone
from traceapp.zones.services.status import (
    ACTIVE_STATUSES,
    COOPERATIVE_STEPS,
    DECISION_TARGETS,
    DECISIONS,
    EDITABLE_STATUSES,
    EXPIRING_STATUSES,
    ISSUED_STATUSES,
    allowed_transitions,
    effective_status,
    effective_status_clause,
    is_locked,
    issued_clause,
)
from traceapp.zones.services.values import (
    bbox_for,
    kind_label,
    normalise_geometry,
    read_geometry_upload,
    scheme_for,
)

__all__ = [
    "ACTIVE_STATUSES",
    "CERTIFICATION_FIELDS",
    "COOPERATIVE_STEPS",
    "DECISIONS",
    "DECISION_TARGETS",
    "EDITABLE_STATUSES",
    "EDITABLE_WHEN_LOCKED",
    "EXPIRING_STATUSES",
    "ISSUED_STATUSES",
    "REQUIRED_FOR_SUBMISSION",
    "ZONE_FIELDS",
    "Overlap",
    "_MAX_LENGTHS",
    "add_certification",
    "allowed_transitions",
    "area_check",
    "bbox_for",
    "create_zone",
    "db",
    "effective_status",
    "effective_status_clause",
    "expire_due_zones",
    "feature",
    "feature_collection",
    "feature_collection_chunks",
    "iter_zones",
    "filter_zones",
    "ZONE_LIST_ORDER",
    "get_certification",
    "is_locked",
    "issued_clause",
    "kind_label",
    "normalise_geometry",
    "overlaps_of",
    "read_geometry_upload",
    "refresh_overlaps",
    "scheme_for",
    "shown_reason",
    "transition",
    "update_certification",
    "update_zone",
    "zone_transitions",
]
