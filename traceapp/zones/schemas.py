"""API schemas for zone codes, their certifications, transitions and listing filters."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from marshmallow import ValidationError, fields, validate

from traceapp.api.schemas import BaseSchema
from traceapp.core.columns import max_length
from traceapp.database import local_today
from traceapp.zones.models import (
    CertificationScheme,
    TargetMarket,
    Zone,
    ZoneCertification,
    ZoneKind,
    ZoneStatus,
    ZoneTransition,
)


class Hectares(fields.Decimal):
    """An area read from a number or a string, written as a number (JSON has no decimals)."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if value is None:
            return None
        return float(Decimal(value))


class CertificationSchema(BaseSchema):
    """A certificate held for a zone."""

    id = fields.Int(dump_only=True)
    zone_id = fields.Int(dump_only=True)
    scheme = fields.Enum(CertificationScheme, by_value=True, required=True)
    number = fields.Str(
        required=True, validate=validate.Length(min=1, max=max_length(ZoneCertification.number))
    )
    issuer = fields.Str(
        allow_none=True, validate=validate.Length(max=max_length(ZoneCertification.issuer))
    )
    issued_on = fields.Date(allow_none=True)
    expires_on = fields.Date(allow_none=True)
    valid = fields.Method("_valid", dump_only=True, metadata={"description": "Not expired today"})

    def _valid(self, obj: Any) -> bool:
        return obj.is_valid_on(local_today())


class OverlapSchema(BaseSchema):
    """Another active zone of the same kind sharing ground."""

    zone_id = fields.Int()
    code = fields.Str()
    status = fields.Str(attribute="status.value")
    overlap_ha = Hectares()


class ZoneSchema(BaseSchema):
    """A zone code with its decision, validity, households and geometry."""

    id = fields.Int(dump_only=True)
    cooperative_id = fields.Int(dump_only=True)
    code = fields.Str(required=True, validate=validate.Length(min=1, max=max_length(Zone.code)))
    kind = fields.Enum(ZoneKind, by_value=True, required=True)
    name = fields.Str(allow_none=True, validate=validate.Length(max=max_length(Zone.name)))
    crop = fields.Str(
        allow_none=True,
        validate=validate.Length(max=max_length(Zone.crop)),
        metadata={"description": "Crop or species"},
    )
    province = fields.Str(
        required=True,
        validate=validate.Length(min=1, max=max_length(Zone.province)),
        metadata={"description": "As named in the decision (pre-2025 names are kept)"},
    )
    district = fields.Str(allow_none=True, validate=validate.Length(max=max_length(Zone.district)))
    commune = fields.Str(allow_none=True, validate=validate.Length(max=max_length(Zone.commune)))
    issuing_authority = fields.Str(
        allow_none=True, validate=validate.Length(max=max_length(Zone.issuing_authority))
    )
    decision_number = fields.Str(
        allow_none=True, validate=validate.Length(max=max_length(Zone.decision_number))
    )
    issued_on = fields.Date(allow_none=True)
    valid_from = fields.Date(allow_none=True)
    valid_until = fields.Date(allow_none=True)
    target_market = fields.Enum(TargetMarket, by_value=True, allow_none=True)
    declared_area_ha = Hectares(allow_none=True)
    member_ids = fields.Method(
        "_member_ids",
        deserialize="_load_member_ids",
        metadata={
            "type": "array",
            "items": {"type": "integer"},
            "description": "Member households of the cooperative that farm the zone",
        },
    )
    geometry = fields.Dict(
        allow_none=True,
        metadata={
            "description": "GeoJSON Point, Polygon or MultiPolygon ([longitude, latitude]); a "
            "Feature or a one-feature FeatureCollection is accepted too"
        },
    )
    notes = fields.Str(allow_none=True, validate=validate.Length(max=max_length(Zone.notes)))
    status = fields.Method(
        "_status",
        dump_only=True,
        metadata={
            "description": "Effective status today (an approved code past valid_until is expired)"
        },
    )
    recorded_status = fields.Str(attribute="status.value", dump_only=True)
    computed_area_ha = Hectares(dump_only=True, allow_none=True)
    area_mismatch = fields.Method("_mismatch", dump_only=True)
    polygon_required = fields.Method(
        "_polygon_required",
        dump_only=True,
        metadata={
            "description": "Over 4 ha but located by a point only (EU deforestation default)"
        },
    )
    overlaps = fields.Method("_overlaps", dump_only=True)
    certifications = fields.List(fields.Nested(CertificationSchema), dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)

    def _member_ids(self, obj: Any) -> list[int]:
        return sorted(m.id for m in obj.members)

    def _load_member_ids(self, value: Any) -> list[int]:
        if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in value
        ):
            raise ValidationError(_("Give the members as a list of member ids (whole numbers)."))
        return value

    def _status(self, obj: Any) -> str:
        from traceapp.zones.services import effective_status

        return effective_status(obj).value

    def _mismatch(self, obj: Any) -> bool:
        from traceapp.zones.services import area_check

        return area_check(obj).mismatch

    def _polygon_required(self, obj: Any) -> bool:
        from traceapp.zones.services import area_check

        return area_check(obj).needs_polygon

    def _overlaps(self, obj: Any) -> list[dict[str, Any]]:
        from traceapp.zones.services import overlaps_of

        return OverlapSchema(many=True).dump(overlaps_of(obj))


class ZoneQuerySchema(BaseSchema):
    """Filters of the zone listing."""

    kind = fields.Enum(ZoneKind, by_value=True, load_default=None)
    status = fields.Enum(ZoneStatus, by_value=True, load_default=None)
    province = fields.Str(
        load_default=None, validate=validate.Length(max=max_length(Zone.province))
    )
    q = fields.Str(load_default=None, validate=validate.Length(max=max_length(Zone.province)))


class TransitionSchema(BaseSchema):
    """One status change: from, to, who, in which role, when and why."""

    id = fields.Int(dump_only=True)
    from_status = fields.Str(dump_only=True)
    to_status = fields.Str(required=True, validate=validate.OneOf([s.value for s in ZoneStatus]))
    reason = fields.Str(
        allow_none=True,
        validate=validate.Length(max=max_length(ZoneTransition.reason)),
        metadata={
            "description": "Required for decisions (approve, reject, suspend, reinstate, revoke)"
        },
    )
    decision_number = fields.Str(
        load_only=True,
        allow_none=True,
        validate=validate.Length(max=max_length(Zone.decision_number)),
        metadata={
            "description": "Approvals: the approving decision's number (required unless the "
            "code already has one)"
        },
    )
    issued_on = fields.Date(
        load_only=True,
        allow_none=True,
        metadata={"description": "Approvals: the decision's date (default: today)"},
    )
    actor_label = fields.Str(dump_only=True)
    actor_role = fields.Str(dump_only=True)
    at = fields.AwareDateTime(dump_only=True)


class ZoneImportQuerySchema(BaseSchema):
    """How to read an uploaded zone file, and for which cooperative."""

    format = fields.Str(
        load_default="geojson",
        validate=validate.OneOf(["geojson", "csv", "xlsx"]),
        metadata={"description": "geojson (a FeatureCollection), csv or xlsx"},
    )
    cooperative_id = fields.Int()


class ZoneImportProblemSchema(BaseSchema):
    """A problem of one row of the file."""

    row = fields.Int(metadata={"description": "the feature's number, or the line of a table"})
    field = fields.Str()
    message = fields.Str()


class ZoneImportJobSchema(BaseSchema):
    """A zone import running in the background: checked first, imported once confirmed."""

    id = fields.Int()
    status = fields.Str(
        metadata={"description": "queued, running, checked (confirm to import), done or failed"}
    )
    stage = fields.Str(metadata={"description": "check (the dry run) or apply"})
    filename = fields.Str()
    size = fields.Int()
    done = fields.Int()
    total = fields.Int(allow_none=True)
    result = fields.Dict(
        allow_none=True,
        metadata={
            "description": "counts: new, updated, unchanged, problems; after the import "
            "created, updated, unchanged"
        },
    )
    problems = fields.List(fields.Nested(ZoneImportProblemSchema), allow_none=True)
    preview = fields.List(fields.Dict(), allow_none=True)
    error = fields.Str(allow_none=True)
    created_at = fields.AwareDateTime()
    finished_at = fields.AwareDateTime(allow_none=True)
