"""Products of a cooperative, with their GTIN, collective mark and OCOP records."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from traceapp.auth.models import enum_column
from traceapp.cooperatives.models import TenantMixin
from traceapp.core.columns import text_limit
from traceapp.database import Base, IdMixin, JSONType, TimestampMixin, add_trigram_indexes

if TYPE_CHECKING:
    from traceapp.brands.models import CollectiveMark
    from traceapp.cooperatives.models import Cooperative


class Product(IdMixin, TimestampMixin, TenantMixin, Base):
    """A product as sold: a bag of peanuts, a live lobster, a can of tuna."""

    __tablename__ = "products"
    __table_args__ = (
        sa.UniqueConstraint("cooperative_id", "code"),
        sa.CheckConstraint(
            "net_quantity IS NULL OR net_quantity > 0", name="net_quantity_positive"
        ),
        sa.CheckConstraint(
            "(net_quantity IS NULL) = (net_unit IS NULL)", name="net_quantity_has_unit"
        ),
        sa.CheckConstraint(
            "shelf_life_days IS NULL OR shelf_life_days > 0", name="shelf_life_positive"
        ),
    )

    code: Mapped[str] = mapped_column(sa.String(40))
    name: Mapped[str] = mapped_column(sa.String(200))
    #: Names in other languages: {"en": "...", "fr": "...", "zh": "..."}
    names: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    description: Mapped[str | None] = mapped_column(sa.Text, info=text_limit(5000))
    #: What it is made of, as the package lists it.
    ingredients: Mapped[str | None] = mapped_column(sa.Text, info=text_limit(5000))
    #: The allergens it contains (peanuts, crustaceans, ...), as the package declares them.
    allergens: Mapped[str | None] = mapped_column(sa.String(300))
    category: Mapped[str] = mapped_column(sa.String(40))
    unit_of_trade: Mapped[str] = mapped_column(sa.String(20), default="piece")
    net_quantity: Mapped[decimal.Decimal | None] = mapped_column(sa.Numeric(12, 3))
    #: UN/ECE Rec 20 unit of the net quantity (KGM, GRM, LTR, H87)
    net_unit: Mapped[str | None] = mapped_column(sa.String(3))
    #: Always the 14-digit form; unique nationally, as GS1 allocates it to one brand owner.
    gtin: Mapped[str | None] = mapped_column(sa.String(14), unique=True)
    mark_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("collective_marks.id", ondelete="RESTRICT"), index=True
    )
    image: Mapped[str | None] = mapped_column(sa.String(80))
    shelf_life_days: Mapped[int | None]
    is_active: Mapped[bool] = mapped_column(default=True)
    #: Seafood: the species' FAO ASFIS 3-alpha code (GDST product master data), e.g. YFT.
    fao_species: Mapped[str | None] = mapped_column(sa.String(3))

    cooperative: Mapped[Cooperative] = relationship()
    mark: Mapped[CollectiveMark | None] = relationship()
    ocop_records: Mapped[list[OcopRecord]] = relationship(
        back_populates="product",
        order_by="[OcopRecord.decided_on.desc(), OcopRecord.id.desc()]",
        lazy="selectin",
    )

    def __repr__(self) -> str:
        return f"<Product {self.code}>"

    def name_in(self, lang: str | None) -> str:
        """The product's name in a language, falling back to the Vietnamese name."""
        if lang and lang != "vi":
            translated = (self.names or {}).get(lang)
            if translated:
                return translated
        return self.name


class OcopLevel(enum.StrEnum):
    """Who recognised the rating: the province (3-4 stars) or the ministry (5 stars)."""

    PROVINCE = "province"
    MINISTRY = "ministry"


#: Who recognised a rating, in words ("Province" alone would read as the address field).
LEVEL_LABELS = {
    # TRANSLATORS: an OCOP rating recognised by the provincial People's Committee (3-4 stars).
    OcopLevel.PROVINCE: _l("Provincial level"),
    # TRANSLATORS: an OCOP rating recognised by the ministry, i.e. nationally (5 stars).
    OcopLevel.MINISTRY: _l("Ministry level"),
}


class OcopRecord(IdMixin, TimestampMixin, TenantMixin, Base):
    """An OCOP evaluation: part scores, the derived stars, and the recognising decision.

    Records are never edited or deleted. A wrong one is corrected by recording a new one that
    names it in ``supersedes_id``; 1-2 star results carry no recognition level (``level`` is
    NULL) because nobody recognises them.
    """

    __tablename__ = "ocop_records"
    __table_args__ = (
        sa.CheckConstraint(
            "score_a >= 0 AND score_b >= 0 AND score_c >= 0", name="scores_not_negative"
        ),
        sa.CheckConstraint("stars BETWEEN 1 AND 5", name="stars_range"),
        sa.CheckConstraint("valid_until > decided_on", name="valid_after_decision"),
        sa.CheckConstraint("stars <> 5 OR level = 'ministry'", name="five_stars_by_ministry"),
    )

    product_id: Mapped[int] = mapped_column(
        sa.ForeignKey("products.id", ondelete="RESTRICT"), index=True
    )
    scheme: Mapped[str] = mapped_column(sa.String(20))  # the decision that sets the weights
    score_a: Mapped[decimal.Decimal] = mapped_column(sa.Numeric(5, 2))
    score_b: Mapped[decimal.Decimal] = mapped_column(sa.Numeric(5, 2))
    score_c: Mapped[decimal.Decimal] = mapped_column(sa.Numeric(5, 2))
    total: Mapped[decimal.Decimal] = mapped_column(sa.Numeric(5, 2))
    stars: Mapped[int]
    decision_number: Mapped[str | None] = mapped_column(sa.String(60))
    level: Mapped[OcopLevel | None] = mapped_column(enum_column(OcopLevel, "ocop_level"))
    decided_on: Mapped[dt.date]
    valid_until: Mapped[dt.date]
    certificate_number: Mapped[str | None] = mapped_column(sa.String(60))
    #: The earlier record of the same product that this one corrects (at most once).
    supersedes_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("ocop_records.id", ondelete="RESTRICT"), unique=True
    )
    notes: Mapped[str | None] = mapped_column(sa.Text, info=text_limit(2000))

    product: Mapped[Product] = relationship(back_populates="ocop_records")

    def __repr__(self) -> str:
        return f"<OcopRecord {self.stars}* {self.decided_on}>"


add_trigram_indexes(Product.__table__)  # type: ignore[arg-type]
