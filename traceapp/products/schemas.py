"""API schemas for products and their OCOP records."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marshmallow import fields, validate

from traceapp.api.schemas import BaseSchema
from traceapp.core.columns import max_length
from traceapp.gs1 import gtin_display
from traceapp.products.models import OcopLevel, OcopRecord, Product
from traceapp.products.ocop import ocop_stars_for_display, ocop_status


class Quantity(fields.Decimal):
    """A decimal read from a number or a string, written as a string without trailing zeros."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = {
            "type": "string",
            "format": "decimal",
            "description": "a decimal; a JSON number or a string on input",
        }
        kwargs["metadata"] = metadata | kwargs.get("metadata", {})
        super().__init__(**kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if value is None:
            return None
        return format(Decimal(value).normalize(), "f")


class ProductSchema(BaseSchema):
    """A product of a cooperative."""

    id = fields.Int(dump_only=True)
    cooperative_id = fields.Int(dump_only=True)
    code = fields.Str(required=True, validate=validate.Length(min=1, max=max_length(Product.code)))
    name = fields.Str(required=True, validate=validate.Length(min=1, max=max_length(Product.name)))
    names = fields.Dict(
        keys=fields.Str(),
        values=fields.Str(allow_none=True),
        metadata={"description": 'Names in other languages, e.g. {"en": ...}'},
    )
    description = fields.Str(
        allow_none=True, validate=validate.Length(max=max_length(Product.description))
    )
    ingredients = fields.Str(
        allow_none=True, validate=validate.Length(max=max_length(Product.ingredients))
    )
    allergens = fields.Str(
        allow_none=True, validate=validate.Length(max=max_length(Product.allergens))
    )
    category = fields.Str(
        required=True, validate=validate.Length(min=1, max=max_length(Product.category))
    )
    unit_of_trade = fields.Str(
        validate=validate.Length(min=1, max=max_length(Product.unit_of_trade))
    )
    net_quantity = Quantity(allow_none=True)
    net_unit = fields.Str(
        allow_none=True, validate=validate.Length(max=max_length(Product.net_unit))
    )
    gtin = fields.Str(
        allow_none=True,
        validate=validate.Length(max=20),
        metadata={
            "description": "GTIN-8/12/13/14 on input (spaces allowed); always 14 digits on output"
        },
    )
    gtin_display = fields.Method("_gtin_display", dump_only=True)
    mark_id = fields.Int(allow_none=True)
    mark_name = fields.Method("_mark_name", dump_only=True)
    image_url = fields.Method("_image_url", dump_only=True)
    shelf_life_days = fields.Int(allow_none=True)
    fao_species = fields.Str(
        allow_none=True,
        validate=validate.Length(max=3),
        metadata={"description": "Seafood: the species' FAO ASFIS 3-alpha code (GDST), e.g. YFT"},
    )
    is_active = fields.Bool()
    ocop_stars = fields.Method(
        "_ocop_stars",
        dump_only=True,
        metadata={"description": "Stars of the OCOP certificate valid today, or null"},
    )
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)

    def _gtin_display(self, obj: Any) -> str | None:
        return gtin_display(obj.gtin) if obj.gtin else None

    def _mark_name(self, obj: Any) -> str | None:
        return obj.mark.name if obj.mark else None

    def _image_url(self, obj: Any) -> str | None:
        return f"/media/{obj.image}" if obj.image else None

    def _ocop_stars(self, obj: Any) -> int | None:
        return ocop_stars_for_display(obj)


class ProductQuerySchema(BaseSchema):
    """Search and filter products."""

    q = fields.Str(load_default=None, metadata={"description": "name, code or GTIN"})
    category = fields.Str(load_default=None)
    active = fields.Bool(load_default=None)


class OcopRecordSchema(BaseSchema):
    """An OCOP evaluation; stars, level (when omitted), total and validity are derived."""

    id = fields.Int(dump_only=True)
    product_id = fields.Int(dump_only=True)
    scheme = fields.Str(required=True, metadata={"description": "1048/2019 or 148/2023"})
    score_a = Quantity(required=True)
    score_b = Quantity(required=True)
    score_c = Quantity(required=True)
    total = Quantity(dump_only=True)
    stars = fields.Int(dump_only=True)
    decision_number = fields.Str(
        allow_none=True, validate=validate.Length(max=max_length(OcopRecord.decision_number))
    )
    level = fields.Enum(OcopLevel, by_value=True, allow_none=True)
    decided_on = fields.Date(required=True)
    valid_until = fields.Date(dump_only=True)
    certificate_number = fields.Str(
        allow_none=True, validate=validate.Length(max=max_length(OcopRecord.certificate_number))
    )
    supersedes_id = fields.Int(allow_none=True)
    notes = fields.Str(allow_none=True, validate=validate.Length(max=max_length(OcopRecord.notes)))
    status = fields.Method(
        "_status",
        dump_only=True,
        metadata={
            "description": "valid, expired, not_certified, not_yet_valid or superseded (today)"
        },
    )
    created_at = fields.AwareDateTime(dump_only=True)

    def _status(self, obj: Any) -> str:
        return ocop_status(obj)
