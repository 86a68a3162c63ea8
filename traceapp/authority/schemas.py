"""API schemas of the authority console: register filters, zones, inspections, flags, stats."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from traceapp.api.schemas import BaseSchema
from traceapp.authority.flags import FLAG_KINDS
from traceapp.authority.models import InspectionResult, ResidueResult
from traceapp.authority.services import MAX_EXPIRING_DAYS
from traceapp.database import local_today
from traceapp.zones.models import ZoneKind, ZoneStatus
from traceapp.zones.schemas import Hectares


class RegisterQuerySchema(BaseSchema):
    """Filters of the zone register."""

    q = fields.Str(
        load_default=None, metadata={"description": "Text in code, name, crop, commune or district"}
    )
    kind = fields.Str(load_default=None, validate=validate.OneOf([k.value for k in ZoneKind]))
    crop = fields.Str(
        load_default=None,
        validate=validate.Length(max=100),
        metadata={"description": "Crop or species (part of the name)"},
    )
    status = fields.Str(
        load_default=None,
        validate=validate.OneOf([s.value for s in ZoneStatus]),
        metadata={"description": "Effective status on the date `on`"},
    )
    on = fields.Date(
        load_default=None, metadata={"description": "Judge status on this day (default today)"}
    )
    cooperative_id = fields.Int(load_default=None, validate=validate.Range(min=1))
    commune = fields.Str(load_default=None, validate=validate.Length(max=100))
    expiring_within = fields.Int(
        load_default=None,
        validate=validate.Range(min=0, max=MAX_EXPIRING_DAYS),
        metadata={"description": "Valid until within N days"},
    )
    flagged = fields.Bool(load_default=None)


class RegisterZoneSchema(BaseSchema):
    """A zone as the register lists it."""

    id = fields.Int()
    code = fields.Str()
    kind = fields.Str(attribute="kind.value")
    name = fields.Str(allow_none=True)
    crop = fields.Str(allow_none=True)
    status = fields.Method("_status", metadata={"description": "Effective status today"})
    stored_status = fields.Str(attribute="status.value")
    cooperative_id = fields.Int()
    cooperative = fields.Str(attribute="cooperative.name")
    province = fields.Str()
    district = fields.Str(allow_none=True)
    commune = fields.Str(allow_none=True)
    decision_number = fields.Str(allow_none=True)
    valid_from = fields.Date(allow_none=True)
    valid_until = fields.Date(allow_none=True)
    declared_area_ha = Hectares(allow_none=True)
    computed_area_ha = Hectares(allow_none=True)

    def _status(self, zone: Any) -> str:
        from traceapp.zones.services import effective_status

        return effective_status(zone, local_today()).value


class InspectionSchema(BaseSchema):
    """A field inspection of a zone; ``suspend`` (failed inspections only) suspends the code."""

    id = fields.Int(dump_only=True)
    zone_id = fields.Int(dump_only=True)
    inspected_on = fields.Date(required=True)
    inspector_name = fields.Str(required=True, validate=validate.Length(min=1, max=120))
    boundaries_match = fields.Bool(required=True)
    farm_diary_kept = fields.Bool(required=True)
    permitted_inputs_only = fields.Bool(required=True)
    residue_result = fields.Enum(ResidueResult, by_value=True, required=True)
    gap_certificate_valid = fields.Bool(required=True)
    result = fields.Enum(InspectionResult, by_value=True, required=True)
    findings = fields.Str(allow_none=True, validate=validate.Length(max=5000))
    follow_up_on = fields.Date(allow_none=True)
    suspend = fields.Bool(
        load_only=True,
        metadata={"description": "Suspend the code in the same step (result must be fail)"},
    )
    suspension_reason = fields.Str(
        load_only=True, allow_none=True, validate=validate.Length(max=2000)
    )
    recorded_by_label = fields.Str(dump_only=True)
    transition_id = fields.Int(dump_only=True, allow_none=True)
    created_at = fields.AwareDateTime(dump_only=True)


class FlagQuerySchema(BaseSchema):
    """Which flags to list."""

    kind = fields.Str(load_default=None, validate=validate.OneOf(FLAG_KINDS))


class FlagSchema(BaseSchema):
    """One flag and what it is about."""

    kind = fields.Str()
    message = fields.Str()
    zone_id = fields.Int(allow_none=True)
    zone_code = fields.Str(allow_none=True)
    lot_id = fields.Int(allow_none=True)
    lot_code = fields.Str(allow_none=True)
    cooperative_id = fields.Int(allow_none=True)
    since = fields.Date(allow_none=True)
    details = fields.Dict()


class StatsQuerySchema(BaseSchema):
    """How many months of activity to report."""

    months = fields.Int(load_default=12, validate=validate.Range(min=1, max=60))


class CountAreaSchema(BaseSchema):
    """A count with its hectares."""

    count = fields.Int()
    hectares = fields.Decimal(as_string=True)


class MonthSchema(BaseSchema):
    """One month's activity."""

    month = fields.Str()
    lots = fields.Int()
    labels = fields.Int()
    scans = fields.Int()


class StatsSchema(BaseSchema):
    """The region's figures."""

    cooperatives = fields.Int()
    members = fields.Int()
    women = fields.Int()
    women_share = fields.Decimal(as_string=True, metadata={"description": "Percent"})
    zones_by_status = fields.Dict(keys=fields.Str(), values=fields.Nested(CountAreaSchema))
    zones_by_kind = fields.Dict(keys=fields.Str(), values=fields.Nested(CountAreaSchema))
    lots = fields.Int()
    labels = fields.Int()
    scans = fields.Int()
    months = fields.List(fields.Nested(MonthSchema))
    as_of = fields.DateTime(
        allow_none=True,
        metadata={
            "description": "When the lots, labels and scans (totals and per month) were counted "
            "by the figures refresh; null when they were counted for this request"
        },
    )
