"""API schemas for lots, contributions, events, transformations and recalls."""

from __future__ import annotations

from marshmallow import fields, validate

from traceapp.api.schemas import BaseSchema, Moment
from traceapp.batches import entry_checks
from traceapp.batches.models import (
    Contribution,
    EventErrorDeclaration,
    Lot,
    LotInput,
    LotStatus,
    Recall,
    TraceEvent,
)
from traceapp.batches.rules import PARTY_NAME_MAX
from traceapp.core.columns import max_length


class CatchDataSchema(BaseSchema):
    """GDST key data elements of a catch."""

    catch_area = fields.Str(metadata={"description": "FAO major fishing area, e.g. 71"})
    economic_zone = fields.Str()
    gear_type = fields.Str(metadata={"description": "ISSCFG gear code, e.g. LHP"})
    trip_start = fields.Date()
    trip_end = fields.Date()
    landing_port = fields.Str()
    rfmo_area = fields.Str()
    permit_area = fields.Str()
    gps_available = fields.Bool()
    satellite_tracking_authority = fields.Str()
    vessel_public_registry = fields.Str()
    fishery_improvement_project = fields.Str()


class LotSchema(BaseSchema):
    """A lot as the API shows it."""

    id = fields.Int(dump_only=True)
    cooperative_id = fields.Int(dump_only=True)
    product_id = fields.Int(dump_only=True)
    product_name = fields.Function(lambda lot: lot.product.name, dump_only=True)
    code = fields.Str(dump_only=True)
    production_date = fields.Date(dump_only=True)
    best_before = fields.Date(dump_only=True)
    quantity = fields.Decimal(as_string=True, dump_only=True)
    unit = fields.Str(dump_only=True)
    status = fields.Enum(LotStatus, by_value=True, dump_only=True)
    notes = fields.Str(dump_only=True)
    catch_data = fields.Dict(dump_only=True)
    aquaculture_method = fields.Str(dump_only=True)
    closed_at = fields.AwareDateTime(dump_only=True)
    recall_id = fields.Int(dump_only=True, allow_none=True)
    created_at = fields.AwareDateTime(dump_only=True)


class InputSchema(BaseSchema):
    """An input lot of a transformation and how much of it is used."""

    lot_id = fields.Int(required=True)
    quantity = fields.Decimal(required=True, as_string=True)
    unit = fields.Str(validate=validate.Length(max=max_length(LotInput.unit)))


class LotCreateSchema(BaseSchema):
    """A new lot: a harvest or catch, or (with ``inputs``) a lot made from other lots."""

    product_id = fields.Int(required=True)
    production_date = fields.Date(required=True)
    quantity = fields.Decimal(required=True, as_string=True)
    unit = fields.Str(required=True, validate=validate.Length(max=max_length(Lot.unit)))
    code = fields.Str(validate=validate.Length(min=1, max=max_length(Lot.code)))
    best_before = fields.Date()
    notes = fields.Str(validate=validate.Length(max=max_length(Lot.notes)))
    catch_data = fields.Nested(CatchDataSchema)
    aquaculture_method = fields.Str(
        validate=validate.Length(max=max_length(Lot.aquaculture_method))
    )
    event_time = Moment()
    location = fields.Str(validate=validate.Length(max=max_length(TraceEvent.location)))
    inputs = fields.List(fields.Nested(InputSchema))
    kind = fields.Str(validate=validate.OneOf(["commingling", "processing", "grading", "packing"]))


class LotUpdateSchema(BaseSchema):
    """Corrections to an open lot."""

    production_date = fields.Date()
    best_before = fields.Date(allow_none=True)
    quantity = fields.Decimal(as_string=True)
    unit = fields.Str(validate=validate.Length(max=max_length(Lot.unit)))
    notes = fields.Str(allow_none=True, validate=validate.Length(max=max_length(Lot.notes)))
    catch_data = fields.Nested(CatchDataSchema)
    aquaculture_method = fields.Str(
        allow_none=True, validate=validate.Length(max=max_length(Lot.aquaculture_method))
    )


class LotQuerySchema(BaseSchema):
    """Filters of the lot list."""

    q = fields.Str()
    product_id = fields.Int()
    status = fields.Enum(LotStatus, by_value=True)


class ContributionSchema(BaseSchema):
    """A member's delivery into a lot."""

    id = fields.Int(dump_only=True)
    lot_id = fields.Int(dump_only=True)
    member_id = fields.Int(required=True)
    member_name = fields.Function(lambda c: c.member.full_name, dump_only=True)
    zone_id = fields.Int(required=True)
    zone_code = fields.Function(lambda c: c.zone.code, dump_only=True)
    quantity = fields.Decimal(required=True, as_string=True)
    unit = fields.Str(validate=validate.Length(max=max_length(Contribution.unit)))
    delivered_on = fields.Date()
    notes = fields.Str(validate=validate.Length(max=max_length(Contribution.notes)))
    recorded_at = fields.AwareDateTime(dump_only=True)
    voided_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    void_reason = fields.Str(dump_only=True, allow_none=True)
    idempotency_key = fields.Str(
        validate=validate.Length(min=8, max=max_length(Contribution.idempotency_key)),
        metadata={
            "description": "A key the client chooses (a UUID): sending the same delivery again "
            "with it answers the contribution already recorded instead of a second one"
        },
    )
    confirm_implausible = fields.Bool(
        load_only=True,
        load_default=False,
        metadata={
            "description": "Record a quantity the checks at entry find implausible (more than "
            "the zone's area typically yields in the season, or than the lot's quantity); "
            "needs confirmation_reason. Without it such a quantity is refused with 422."
        },
    )
    confirmation_reason = fields.Str(
        allow_none=True,
        validate=validate.Length(max=max_length(Contribution.confirmation_reason)),
        metadata={"description": "Why the implausible quantity is right (auditors read it)."},
    )
    entry_warnings = fields.Function(
        lambda c: [{**w, "message": entry_checks.describe(w)} for w in (c.entry_warnings or [])],
        dump_only=True,
        metadata={"description": "What the checks at entry found implausible, if anything."},
    )


class ReasonSchema(BaseSchema):
    """Why."""

    reason = fields.Str(
        required=True, validate=validate.Length(min=3, max=max_length(Contribution.void_reason))
    )


class PartySchema(BaseSchema):
    """A source or destination: who or where."""

    type = fields.Str(
        load_default="owning_party",
        validate=validate.OneOf(["owning_party", "possessing_party", "location"]),
    )
    name = fields.Str(validate=validate.Length(max=PARTY_NAME_MAX))
    id = fields.Str(validate=validate.Length(max=300))


class EventCreateSchema(BaseSchema):
    """An event recorded by hand."""

    biz_step = fields.Str(required=True)
    disposition = fields.Str()
    event_time = Moment()
    tz_offset = fields.Str(validate=validate.Length(equal=6))
    zone_id = fields.Int()
    location = fields.Str(validate=validate.Length(max=max_length(TraceEvent.location)))
    quantity = fields.Decimal(as_string=True)
    unit = fields.Str(validate=validate.Length(max=max_length(TraceEvent.unit)))
    sources = fields.List(fields.Nested(PartySchema))
    destinations = fields.List(fields.Nested(PartySchema))
    details = fields.Dict(keys=fields.Str(), values=fields.Raw())


class ErrorDeclarationSchema(BaseSchema):
    """An error declaration as shown with its event."""

    declared_at = fields.AwareDateTime()
    reason = fields.Str()
    explanation = fields.Str()
    corrective_event_uids = fields.List(fields.Str())
    declared_by_label = fields.Str()


class EventSchema(BaseSchema):
    """A recorded event."""

    id = fields.Int()
    event_uid = fields.Str()
    lot_id = fields.Int()
    event_type = fields.Str()
    action = fields.Str()
    biz_step = fields.Str()
    disposition = fields.Str()
    event_time = fields.AwareDateTime()
    tz_offset = fields.Str()
    zone_id = fields.Int()
    location = fields.Str()
    quantity = fields.Decimal(as_string=True)
    unit = fields.Str()
    sources = fields.List(fields.Dict())
    destinations = fields.List(fields.Dict())
    ilmd = fields.Dict()
    details = fields.Dict()
    recorded_by_label = fields.Str()
    recorded_at = fields.AwareDateTime()
    origin = fields.Str()
    corrects_id = fields.Int()
    error_declaration = fields.Nested(ErrorDeclarationSchema, allow_none=True)


class CorrectionSchema(BaseSchema):
    """Declare an event wrong, with the corrected events."""

    reason = fields.Str(required=True, validate=validate.OneOf(["did_not_occur", "incorrect_data"]))
    explanation = fields.Str(
        required=True,
        validate=validate.Length(min=5, max=max_length(EventErrorDeclaration.explanation)),
    )
    corrections = fields.List(fields.Nested(EventCreateSchema), load_default=list)


class RecallCreateSchema(BaseSchema):
    """A recall decision."""

    reason = fields.Str(
        required=True, validate=validate.Length(min=5, max=max_length(Recall.reason))
    )
    instructions = fields.Str(
        required=True, validate=validate.Length(min=5, max=max_length(Recall.instructions))
    )
    decided_by = fields.Str(
        required=True, validate=validate.Length(min=2, max=max_length(Recall.decided_by))
    )
    #: The reason and instructions in other languages: {"en": {"reason": ..., "instructions":
    #: ...}}.
    texts = fields.Dict(
        keys=fields.Str(validate=validate.Length(max=5)),
        values=fields.Dict(
            keys=fields.Str(validate=validate.OneOf(["reason", "instructions"])),
            values=fields.Str(validate=validate.Length(max=2000)),
        ),
        load_default=dict,
    )


class RecallSchema(BaseSchema):
    """A recall and its report."""

    id = fields.Int()
    root_lot_id = fields.Int()
    reason = fields.Str()
    instructions = fields.Str()
    language = fields.Str(allow_none=True)
    texts = fields.Dict()
    decided_by = fields.Str()
    decided_at = fields.AwareDateTime()
    lots = fields.List(fields.Dict())
    households = fields.List(fields.Dict())
    zones = fields.List(fields.Dict())
    destinations = fields.List(fields.Dict())


class OutputSchema(BaseSchema):
    """An output lot of a transformation."""

    product_id = fields.Int(required=True)
    production_date = fields.Date(required=True)
    quantity = fields.Decimal(required=True, as_string=True)
    unit = fields.Str(required=True, validate=validate.Length(max=max_length(Lot.unit)))
    code = fields.Str(validate=validate.Length(min=1, max=max_length(Lot.code)))
    best_before = fields.Date()
    notes = fields.Str(validate=validate.Length(max=max_length(Lot.notes)))


class TransformationSchema(BaseSchema):
    """Lots made from other lots in one event."""

    kind = fields.Str(
        required=True, validate=validate.OneOf(["commingling", "processing", "grading", "packing"])
    )
    inputs = fields.List(fields.Nested(InputSchema), required=True, validate=validate.Length(min=1))
    outputs = fields.List(
        fields.Nested(OutputSchema), required=True, validate=validate.Length(min=1)
    )
    event_time = Moment()
    location = fields.Str(validate=validate.Length(max=max_length(TraceEvent.location)))


class EpcisQuerySchema(BaseSchema):
    """A time range for the cooperative-wide export."""

    start = Moment()
    end = Moment()
    cooperative_id = fields.Int()


class ImportResultSchema(BaseSchema):
    """What an EPCIS import recorded."""

    recorded = fields.List(fields.Str(), metadata={"description": "Placed on your lots."})
    duplicates = fields.List(fields.Str())
    unmatched = fields.List(
        fields.Str(), metadata={"description": "Kept, but naming none of your lots."}
    )
    declared = fields.List(
        fields.Str(), metadata={"description": "Error declarations applied to kept events."}
    )
    stored = fields.Int(metadata={"description": "Events kept as received."})
    warnings = fields.List(
        fields.Dict(keys=fields.Str(), values=fields.Str()),
        metadata={"description": "Our rules an event did not follow (never a refusal)."},
    )


class ImportJobSchema(BaseSchema):
    """A large EPCIS import running in the background."""

    id = fields.Int()
    status = fields.Str(metadata={"description": "queued, running, done or failed"})
    filename = fields.Str()
    size = fields.Int()
    done = fields.Int()
    total = fields.Int(allow_none=True)
    result = fields.Nested(ImportResultSchema, allow_none=True)
    problems = fields.List(fields.Str(), allow_none=True)
    error = fields.Str(allow_none=True)
    created_at = fields.AwareDateTime()
    finished_at = fields.AwareDateTime(allow_none=True)
