"""The products list as CSV and XLSX downloads, with the list's filters."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy.orm import selectinload

from traceapp import tables
from traceapp.products import services
from traceapp.products.models import Product
from traceapp.products.views import _may_read, bp, product_list
from traceapp.tables import Column


def _category(key: str) -> Any:
    spec = services.categories().get(key) or {}
    return spec.get("label") or key


PRODUCTS = tables.Table(
    "products",
    (
        Column("code", _l("Code"), lambda p: p.code),
        Column("name", _l("Name"), lambda p: p.name),
        Column("cooperative", _l("Cooperative"), lambda p: p.cooperative.short_code),
        Column("category", _l("Category"), lambda p: p.category, _category),
        Column(
            "unit_of_trade",
            _l("Unit of trade"),
            lambda p: p.unit_of_trade,
            lambda k: services.units_of_trade().get(k, k),
        ),
        Column("net_quantity", _l("Net quantity"), lambda p: p.net_quantity),
        Column(
            "net_unit",
            _l("Net unit"),
            lambda p: p.net_unit,
            lambda k: services.net_units().get(k, k),
        ),
        Column("gtin", _l("GTIN"), lambda p: p.gtin),
        Column("ocop_stars", _l("OCOP stars"), services.ocop_stars_for_display),
        Column("active", _l("Active"), lambda p: p.is_active),
    ),
)


@tables.routes(bp, "/products", "products")
@login_required
def products_download() -> Any:
    """The products, filtered as on screen, as CSV or XLSX."""
    _may_read()
    stmt, _args = product_list()
    stmt = stmt.options(selectinload(Product.cooperative)).order_by(Product.code, Product.id)
    return tables.download(PRODUCTS, tables.rows_of(stmt), tables.requested_format())
