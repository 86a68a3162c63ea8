"""Finding products: the search behind the product list, and the marks a product may carry."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from traceapp.brands.models import CollectiveMark
from traceapp.core.inputs import is_digits
from traceapp.extensions import db
from traceapp.products.catalogue import other_languages
from traceapp.products.models import Product


def product_search(
    stmt: sa.Select[Any],
    q: str | None = None,
    category: str | None = None,
    active: bool | None = None,
) -> sa.Select[Any]:
    """Filter products by name (any language), code or GTIN, category and active flag."""
    q = (q or "").strip()
    if q:
        # % and _ typed by a user are searched for, not wildcards.
        typed = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{typed.lower()}%"
        conditions = [
            sa.func.lower(Product.name).like(like, escape="\\"),
            # SQLite lowers ASCII only: "Đậu" typed as stored must still match there.
            Product.name.like(f"%{typed}%", escape="\\"),
            sa.func.lower(Product.code).like(like, escape="\\"),
        ]
        for lang in other_languages():
            # Each translated name as its text (JSON text may hold \\u escapes on SQLite).
            translated = Product.names[lang].as_string()
            conditions += [
                sa.func.lower(translated).like(like, escape="\\"),
                translated.like(f"%{typed}%", escape="\\"),
            ]
        digits = re.sub(r"[\s-]", "", q)
        if is_digits(digits):
            conditions.append(Product.gtin.like(f"%{digits}%"))
        stmt = stmt.where(sa.or_(*conditions))
    if category:
        stmt = stmt.where(Product.category == category)
    if active is not None:
        stmt = stmt.where(Product.is_active.is_(active))
    return stmt


def marks_for(cooperative_id: int) -> list[CollectiveMark]:
    """The collective marks a product of this cooperative may carry."""
    return list(
        db.session.execute(
            sa.select(CollectiveMark)
            .where(CollectiveMark.cooperative_id == cooperative_id)
            .order_by(CollectiveMark.name)
        ).scalars()
    )
