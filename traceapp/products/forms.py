"""Forms for products, their photos and OCOP records."""

from __future__ import annotations

from typing import Any

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from traceapp.core import gdst_codes
from traceapp.core.columns import max_length
from traceapp.forms import Form
from traceapp.products import services
from traceapp.products.models import LEVEL_LABELS, OcopRecord, Product
from traceapp.web import options

__all__ = ["LEVEL_LABELS", "ImageForm", "OcopForm", "ProductForm"]
#: Phones show a number pad that still allows a decimal comma or point.
DECIMAL_INPUT = {"inputmode": "decimal"}
#: Languages with a name field of their own (Vietnamese is the main name).
NAME_LANGUAGES = ("en", "fr", "zh")


class ProductForm(Form):
    """A product's details; choices are filled from the settings and the cooperative's marks."""

    code = StringField(
        _l("Product code"), validators=[DataRequired(), Length(max=max_length(Product.code))]
    )
    name = StringField(
        _l("Name (Vietnamese)"), validators=[DataRequired(), Length(max=max_length(Product.name))]
    )
    name_en = StringField(
        _l("Name in English"), validators=[Optional(), Length(max=max_length(Product.name))]
    )
    name_fr = StringField(
        _l("Name in French"), validators=[Optional(), Length(max=max_length(Product.name))]
    )
    name_zh = StringField(
        _l("Name in Chinese"), validators=[Optional(), Length(max=max_length(Product.name))]
    )
    category = SelectField(_l("Category"), validate_choice=False)
    unit_of_trade = SelectField(_l("Unit of trade"), validate_choice=False)
    net_quantity = StringField(
        _l("Net quantity"), validators=[Optional(), Length(max=20)], render_kw=DECIMAL_INPUT
    )
    net_unit = SelectField(_l("Unit of the net quantity"), validate_choice=False)
    gtin = StringField(
        _l("GTIN (8, 12, 13 or 14 digits; optional)"),
        validators=[Optional(), Length(max=30)],
        render_kw={"inputmode": "numeric"},
    )
    mark_id = SelectField(_l("Collective mark"), validate_choice=False)
    shelf_life_days = IntegerField(
        _l("Shelf life (days)"), validators=[Optional(), NumberRange(1, 3650)]
    )
    fao_species = SelectField(
        _l("Species (seafood, FAO code)"),
        choices=lambda: [("", "—"), *gdst_codes.species_choices()],
        validators=[Optional()],
    )
    description = TextAreaField(
        _l("Description"), validators=[Optional(), Length(max=max_length(Product.description))]
    )
    ingredients = TextAreaField(
        _l("Ingredients (as the package lists them)"),
        validators=[Optional(), Length(max=max_length(Product.ingredients))],
    )
    allergens = StringField(
        _l("Allergens it contains (for example: peanuts, crustaceans, milk)"),
        validators=[Optional(), Length(max=max_length(Product.allergens))],
    )
    is_active = BooleanField(_l("Active (offered for new lots and labels)"), default=True)
    image = FileField(_l("Photo (PNG, JPEG or WebP)"))

    def fill_choices(self, marks: list[Any]) -> None:
        """Offer the configured categories and units, and the cooperative's own marks."""
        self.category.choices = options(
            [(key, str(spec.get("label", key))) for key, spec in services.categories().items()]
        )
        self.unit_of_trade.choices = options(services.units_of_trade().items())
        self.net_unit.choices = options(
            [("", _l("(none)"))]
            + [(code, f"{label} ({code})") for code, label in services.net_units().items()]
        )
        self.mark_id.choices = options(
            [("", _l("(no mark)"))] + [(str(m.id), m.name) for m in marks]
        )

    def values(self) -> dict[str, Any]:
        """The form's data as the service expects it."""
        names = {
            lang: getattr(self, f"name_{lang}").data
            for lang in NAME_LANGUAGES
            if getattr(self, f"name_{lang}").data
        }
        values = {
            name: getattr(self, name).data for name in services.PRODUCT_FIELDS if name != "names"
        }
        values["names"] = names
        return values

    def load(self, product: Any) -> None:
        """Show a stored product in the form (on GET)."""
        for lang in NAME_LANGUAGES:
            getattr(self, f"name_{lang}").data = (product.names or {}).get(lang, "")
        self.net_quantity.data = (
            format(product.net_quantity.normalize(), "f") if product.net_quantity else ""
        )
        self.net_unit.data = product.net_unit or ""
        self.mark_id.data = str(product.mark_id) if product.mark_id else ""


class ImageForm(Form):
    """Upload a product photo."""

    image = FileField(_l("Photo (PNG, JPEG or WebP)"), validators=[FileRequired()])


class OcopForm(Form):
    """An OCOP evaluation and its recognising decision."""

    scheme = SelectField(_l("Scoring decision"), validate_choice=False)
    score_a = StringField(
        _l("Part A score (product and community strength)"),
        validators=[DataRequired(), Length(max=10)],
        render_kw=DECIMAL_INPUT,
    )
    score_b = StringField(
        _l("Part B score (marketing)"),
        validators=[DataRequired(), Length(max=10)],
        render_kw=DECIMAL_INPUT,
    )
    score_c = StringField(
        _l("Part C score (quality)"),
        validators=[DataRequired(), Length(max=10)],
        render_kw=DECIMAL_INPUT,
    )
    decided_on = DateField(_l("Decision date"), validators=[DataRequired()])
    decision_number = StringField(
        _l("Recognising decision number"),
        validators=[Optional(), Length(max=max_length(OcopRecord.decision_number))],
    )
    level = SelectField(_l("Recognition level"), validate_choice=False)
    certificate_number = StringField(
        _l("Certificate number"),
        validators=[Optional(), Length(max=max_length(OcopRecord.certificate_number))],
    )
    supersedes_id = SelectField(_l("Corrects an earlier record"), validate_choice=False)
    notes = TextAreaField(
        _l("Notes"), validators=[Optional(), Length(max=max_length(OcopRecord.notes))]
    )

    def fill_choices(self, records: list[Any]) -> None:
        """Offer the configured schemes and the product's earlier records."""
        decisions = services.ocop_settings()["decisions"]
        self.scheme.choices = options(
            [(key, f"{key} (A {w['A']} / B {w['B']} / C {w['C']})") for key, w in decisions.items()]
        )
        self.level.choices = options(
            [("", _l("(from the stars)"))]
            + [(lv.value, label) for lv, label in LEVEL_LABELS.items()]
        )
        self.supersedes_id.choices = options(
            [("", _l("(none)"))]
            + [
                (
                    str(r.id),
                    f"{format_date(r.decided_on)} · {r.stars}★ · {r.decision_number or '—'}",
                )
                for r in records
            ]
        )

    def values(self) -> dict[str, Any]:
        """The form's data as the service expects it."""
        return {name: getattr(self, name).data for name in services.OCOP_FIELDS}
