"""Demo data for the authority console: inspections, one suspended code, one overclaimed zone.

The Phú Yên auditor inspects an XP field (pass) and an SC cage cluster (conditional). An extra
XP growing area, which no demo lot uses, is approved and then suspended. One extra peanut
harvest lot of the Đông Xuân season 2026 declares far more from the Phước Lộc field
(VN-PYDX-0103, 3 ha: about 13.5 t a season at 4,500 kg/ha) than it can yield; that field stays
approved, so the auditor finds it in the flags list, opens its dossier and can suspend it,
after which no more labels can be issued for the packed lot made from its peanuts.
"""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

import sqlalchemy as sa

from traceapp.auth.models import SYSTEM
from traceapp.auth.services import find_user_by_email
from traceapp.authority import inspections
from traceapp.authority.models import ZoneInspection
from traceapp.batches import services as lots
from traceapp.batches.models import Lot
from traceapp.extensions import db
from traceapp.zones import services as zones
from traceapp.zones.models import Zone, ZoneStatus

AUDITOR_EMAIL = "auditor@phuyen.demo"
INSPECTOR = "Trần Minh Quân"
#: The field the extra lot overclaims, and the lot.
OVERCLAIMED_ZONE = "VN-PYDX-0103"
OVERCLAIM_LOT = "XP-2026-9001"
OVERCLAIM_DAY = dt.date(2026, 3, 20)
OVERCLAIM_PARTS = (("0006", "7800"), ("0003", "6400"))
#: The extra growing area that is suspended.
SUSPENDED_ZONE = "VN-PYDX-0104"

INSPECTIONS: tuple[dict[str, Any], ...] = (
    {
        "zone": "VN-PYDX-0101",
        "inspected_on": dt.date(2026, 2, 24),
        "boundaries_match": True,
        "farm_diary_kept": True,
        "permitted_inputs_only": True,
        "residue_result": "pass",
        "gap_certificate_valid": True,
        "result": "pass",
        "findings": "Ranh giới khớp bản đồ; nhật ký canh tác ghi đầy đủ; mẫu dư lượng đạt.",
    },
    {
        "zone": "54-TH-0012-001",
        "inspected_on": dt.date(2026, 8, 12),
        "boundaries_match": True,
        "farm_diary_kept": False,
        "permitted_inputs_only": True,
        "residue_result": "not_sampled",
        "gap_certificate_valid": False,
        "result": "conditional",
        "findings": "Nhật ký cho ăn chưa ghi từ tháng 6; bổ sung nhật ký và chứng nhận VietGAP.",
        "follow_up_on": dt.date(2026, 10, 15),
    },
)


def _zone(code: str) -> Zone | None:
    return db.session.execute(sa.select(Zone).where(Zone.code == code)).scalar_one_or_none()


def _inspections(auditor: Any) -> None:
    for spec in INSPECTIONS:
        data = dict(spec)
        zone = _zone(data.pop("zone"))
        if zone is None:
            continue
        done = db.session.execute(
            sa.select(ZoneInspection.id).where(
                ZoneInspection.zone_id == zone.id,
                ZoneInspection.inspected_on == data["inspected_on"],
            )
        ).first()
        if done is None:
            inspections.record_inspection(auditor, zone, inspector_name=INSPECTOR, **data)


def _suspended_zone(ctx: dict[str, Any], auditor: Any) -> Zone:
    coop = ctx["coops"]["XP"]
    zone = _zone(SUSPENDED_ZONE)
    if zone is None:
        members = {m.member_number: m for m in ctx["members"]["XP"]}
        corners = [
            (109.0301, 13.4102),
            (109.0318, 13.4101),
            (109.0319, 13.4115),
            (109.0302, 13.4116),
        ]
        zone = zones.create_zone(
            SYSTEM,
            coop.id,
            code=SUSPENDED_ZONE,
            kind="growing_area",
            name="Cánh đồng Long Hòa",
            crop="đậu phộng",
            province="Phú Yên",
            district="Đồng Xuân",
            commune="Xuân Phước",
            issuing_authority="Chi cục Trồng trọt và Bảo vệ thực vật tỉnh Phú Yên",
            decision_number="61/QĐ-TTBVTV",
            issued_on=dt.date(2024, 5, 14),
            valid_from=dt.date(2024, 5, 14),
            valid_until=dt.date(2029, 5, 13),
            target_market="domestic",
            declared_area_ha=decimal.Decimal("2.8"),
            geometry={
                "type": "Polygon",
                "coordinates": [[list(c) for c in corners] + [list(corners[0])]],
            },
            member_ids=[members["0007"].id] if "0007" in members else [],
        )
    if zone.status == ZoneStatus.DRAFT:
        zones.transition(SYSTEM, zone, ZoneStatus.SUBMITTED, "Hồ sơ đăng ký mã số gửi Chi cục.")
    if zone.status == ZoneStatus.SUBMITTED:
        zones.transition(
            auditor,
            zone,
            ZoneStatus.APPROVED,
            "Đã kiểm tra hồ sơ và thực địa; ranh giới khớp bản đồ.",
        )
    if zone.status == ZoneStatus.APPROVED:
        zones.transition(
            auditor,
            zone,
            ZoneStatus.SUSPENDED,
            "Phát hiện sử dụng thuốc bảo vệ thực vật ngoài danh mục; tạm dừng "
            "mã số đến khi khắc phục.",
        )
    return zone


def _overclaim(ctx: dict[str, Any]) -> Lot | None:
    product = next((p for p in ctx["products"].get("XP", []) if p.code == "XP-DP-THO"), None)
    zone = _zone(OVERCLAIMED_ZONE)
    if product is None or zone is None:
        return None
    lot = db.session.execute(
        sa.select(Lot).where(Lot.product_id == product.id, Lot.code == OVERCLAIM_LOT)
    ).scalar_one_or_none()
    if lot is not None:
        return lot
    members = {m.member_number: m for m in ctx["members"]["XP"]}
    total = sum(decimal.Decimal(q) for _n, q in OVERCLAIM_PARTS)
    lot = lots.create_lot(
        SYSTEM,
        product_id=product.id,
        code=OVERCLAIM_LOT,
        production_date=OVERCLAIM_DAY,
        quantity=str(total),
        unit="KGM",
        notes="Khai báo thu hoạch bổ sung vụ Đông Xuân",
    )
    for number, quantity in OVERCLAIM_PARTS:
        lots.add_contribution(
            SYSTEM,
            lot,
            member_id=members[number].id,
            zone_id=zone.id,
            quantity=quantity,
            unit="KGM",
            delivered_on=OVERCLAIM_DAY,
            # The checks at entry ask for this: the auditors' flags show it with its reason.
            confirm_implausible=True,
            confirmation_reason="Cân lại theo sổ thu mua của tổ; hộ khai có thêm ruộng thuê.",
        )
    lots.close_lot(SYSTEM, lot)
    return lot


def load(ctx: dict[str, Any]) -> None:
    """Inspections, the suspended extra field and the overclaiming lot, once."""
    auditor = find_user_by_email(AUDITOR_EMAIL)
    if auditor is None or "XP" not in ctx.get("coops", {}):
        return
    ctx["authority"] = {
        "suspended_zone": _suspended_zone(ctx, auditor),
        "overclaim_lot": _overclaim(ctx),
        "overclaimed_zone": _zone(OVERCLAIMED_ZONE),
    }
    _inspections(auditor)
