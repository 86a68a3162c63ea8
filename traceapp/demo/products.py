"""Demo products of the three cooperatives, with OCOP records (one expired, to show it go)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from traceapp.auth.models import SYSTEM
from traceapp.extensions import db
from traceapp.products import services
from traceapp.products.models import OcopRecord, Product

# GTINs under Vietnam's prefix 893 with made-up company prefixes; the 13th digit is the mod-10
# check digit (verified again by the service when the product is saved).
PRODUCTS: dict[str, list[dict[str, Any]]] = {
    "XP": [
        {
            "code": "XP-DP-THO",
            "name": "Đậu phộng vỏ Xuân Phước (nguyên liệu)",
            "names": {"en": "Xuan Phuoc in-shell peanuts (raw, bulk)"},
            "description": "Đậu phộng vỏ thu mua từ hộ thành viên, trước khi sơ chế.",
            "category": "peanuts",
            "unit_of_trade": "kg",
            "net_quantity": "1",
            "net_unit": "KGM",
        },
        {
            "code": "XP-DP-500",
            "name": "Đậu phộng Xuân Phước túi 500 g",
            "names": {
                "en": "Xuan Phuoc peanuts, 500 g bag",
                "fr": "Arachides de Xuân Phước, sachet de 500 g",
                "zh": "春福花生 500克袋装",
            },
            "description": "Đậu phộng vỏ lụa đỏ trồng trên đất cát pha ven sông Kỳ Lộ, "
            "phơi nắng tự nhiên.",
            "ingredients": "Đậu phộng vỏ (100%).",
            "allergens": "Đậu phộng",
            "category": "peanuts",
            "unit_of_trade": "bag",
            "net_quantity": "500",
            "net_unit": "GRM",
            "gtin": "8938512000114",
            "shelf_life_days": 180,
        },
        {
            "code": "XP-DPR-250",
            "name": "Đậu phộng rang muối hộp 250 g",
            "names": {"en": "Salted roasted peanuts, 250 g box"},
            "description": "Đậu phộng Xuân Phước rang với muối biển Sa Huỳnh.",
            "ingredients": "Đậu phộng (97%), muối biển.",
            "allergens": "Đậu phộng",
            "category": "peanuts",
            "unit_of_trade": "box",
            "net_quantity": "250",
            "net_unit": "GRM",
            "gtin": "8938512000282",
            "shelf_life_days": 270,
        },
    ],
    "SC": [
        {
            "code": "SC-THX",
            "name": "Tôm hùm xanh Sông Cầu",
            "names": {"en": "Song Cau green spiny lobster (live)"},
            # Sold live and priced by weight at the market, so there is no GTIN and no fixed
            # net quantity; each lobster carries its own tag.
            "description": "Tôm hùm xanh nuôi lồng trong vịnh Xuân Đài, bán sống, tính giá "
            "theo cân tại chợ; mỗi con một thẻ truy xuất.",
            "category": "lobster",
            "unit_of_trade": "kg",
            "allergens": "Giáp xác (tôm hùm)",
        },
    ],
    "CN": [
        {
            "code": "CN-CN-KHUC",
            "name": "Cá ngừ vây vàng đại dương cắt khúc",
            "names": {"en": "Yellowfin tuna loins, 1 kg tray"},
            "category": "tuna",
            "unit_of_trade": "tray",
            "net_quantity": "1",
            "net_unit": "KGM",
            "shelf_life_days": 365,
        },
        {
            "code": "CN-HOP-185",
            "name": "Cá ngừ ngâm dầu hộp 185 g",
            "names": {
                "en": "Yellowfin tuna in oil, 185 g can",
                "fr": "Thon albacore à l'huile, boîte de 185 g",
                "zh": "油浸黄鳍金枪鱼 185克罐装",
            },
            "category": "tuna",
            "unit_of_trade": "can",
            "net_quantity": "185",
            "net_unit": "GRM",
            "gtin": "8938513000151",
            "shelf_life_days": 1095,
        },
    ],
}

# (cooperative, product code, OCOP record). The roasted box's 2022 certificate ran out in
# May 2025: it stays in the history but no page or label shows its stars any more.
OCOP: list[tuple[str, str, dict[str, Any]]] = [
    (
        "XP",
        "XP-DP-500",
        {
            "scheme": "148/2023",
            "score_a": "31",
            "score_b": "19.5",
            "score_c": "27",
            "decided_on": dt.date(2025, 6, 15),
            "decision_number": "1156/QĐ-UBND",
            "level": "province",
            "certificate_number": "OCOP-PY-2025-031",
        },
    ),
    (
        "XP",
        "XP-DPR-250",
        {
            "scheme": "1048/2019",
            "score_a": "22",
            "score_b": "15",
            "score_c": "25.5",
            "decided_on": dt.date(2022, 5, 10),
            "decision_number": "712/QĐ-UBND",
            "level": "province",
            "certificate_number": "OCOP-PY-2022-018",
        },
    ),
    (
        "CN",
        "CN-HOP-185",
        {
            "scheme": "148/2023",
            "score_a": "24",
            "score_b": "16",
            "score_c": "21",
            "decided_on": dt.date(2024, 9, 20),
            "decision_number": "1530/QĐ-UBND",
            "level": "province",
            "certificate_number": "OCOP-PY-2024-047",
        },
    ),
]


def load(ctx: dict[str, Any]) -> None:
    """Products (carrying each cooperative's mark when the brands step made one) and OCOP."""
    marks = ctx.get("marks") or {}
    ctx["products"] = {}
    for code, items in PRODUCTS.items():
        coop = ctx["coops"][code]
        mark = marks.get(code)
        products = []
        for data in items:
            product = db.session.execute(
                sa.select(Product).where(
                    Product.cooperative_id == coop.id, Product.code == data["code"]
                )
            ).scalar_one_or_none()
            if product is None:
                product = services.create_product(
                    SYSTEM, coop.id, **data, mark_id=mark.id if mark else None
                )
            elif mark is not None and product.mark_id is None:
                services.update_product(SYSTEM, product, mark_id=mark.id)
            products.append(product)
        ctx["products"][code] = products
    for code, product_code, record in OCOP:
        product = next(p for p in ctx["products"][code] if p.code == product_code)
        exists = db.session.execute(
            sa.select(OcopRecord.id).where(
                OcopRecord.product_id == product.id,
                OcopRecord.decided_on == record["decided_on"],
                OcopRecord.scheme == record["scheme"],
            )
        ).first()
        if exists is None:
            services.record_ocop(SYSTEM, product, **record)
