"""Demo zone codes: Xuân Phước peanut fields, Sông Cầu lobster cages, a tuna fishing ground.

Coordinates are drawn by hand at the places the cooperatives work (the peanut fields west of
La Hai in Đồng Xuân, cages inside Xuân Đài bay, open sea east of Phú Yên); declared areas are
what a surveyor would round the geodesic area to. Approvals go through the lifecycle service
with the Phú Yên auditor, as in real use.
"""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

import sqlalchemy as sa

from traceapp.auth.models import SYSTEM
from traceapp.auth.services import find_user_by_email
from traceapp.extensions import db
from traceapp.zones import services
from traceapp.zones.models import Zone, ZoneStatus

CROPS_AUTHORITY = "Chi cục Trồng trọt và Bảo vệ thực vật tỉnh Phú Yên"
FISHERIES_AUTHORITY = "Chi cục Thủy sản tỉnh Phú Yên"
AUDITOR_EMAIL = "auditor@phuyen.demo"


def _polygon(*corners: tuple[float, float]) -> dict[str, Any]:
    ring = [list(c) for c in corners]
    return {"type": "Polygon", "coordinates": [ring + [ring[0]]]}


def _xp(
    code: str,
    name: str,
    decision: str,
    issued: dt.date,
    years: int,
    area: str,
    geometry: dict[str, Any],
    households: list[str],
    market: str,
    kind: str = "growing_area",
    crop: str = "đậu phộng",
) -> dict[str, Any]:
    return {
        "code": code,
        "kind": kind,
        "name": name,
        "crop": crop,
        "province": "Phú Yên",
        "district": "Đồng Xuân",
        "commune": "Xuân Phước",
        "issuing_authority": CROPS_AUTHORITY,
        "decision_number": decision,
        "issued_on": issued,
        "valid_from": issued,
        "valid_until": issued.replace(year=issued.year + years) - dt.timedelta(days=1),
        "target_market": market,
        "declared_area_ha": decimal.Decimal(area),
        "geometry": geometry,
        "households": households,
    }


ZONES: dict[str, list[dict[str, Any]]] = {
    "XP": [
        _xp(
            "VN-PYDX-0101",
            "Cánh đồng Phú Xuân",
            "58/QĐ-TTBVTV",
            dt.date(2024, 5, 14),
            5,
            "2.7",
            _polygon(
                (109.01171, 13.39718),
                (109.01303, 13.39688),
                (109.01345, 13.39784),
                (109.01273, 13.39856),
                (109.01147, 13.39826),
            ),
            ["0001", "0002"],
            "china_gacc",
        )
        | {
            "certifications": [
                {
                    "scheme": "vietgap",
                    "number": "VietGAP-TT-24-06-54-0012",
                    "issuer": "Tổ chức chứng nhận VietGAP được chỉ định",
                    "issued_on": dt.date(2024, 6, 3),
                    "expires_on": dt.date(2027, 6, 2),
                }
            ]
        },
        _xp(
            "VN-PYDX-0102",
            "Cánh đồng Tân Phước",
            "59/QĐ-TTBVTV",
            dt.date(2024, 5, 14),
            5,
            "3.8",
            _polygon(
                (109.02404, 13.40575),
                (109.02566, 13.40557),
                (109.0259, 13.40689),
                (109.02482, 13.40761),
                (109.0238, 13.40707),
            ),
            ["0003", "0004"],
            "domestic",
        ),
        _xp(
            "VN-PYDX-0103",
            "Bãi bồi Phước Lộc ven sông Kỳ Lộ",
            "17/QĐ-TTBVTV",
            dt.date(2025, 3, 10),
            5,
            "3.0",
            _polygon(
                (109.03729, 13.3898),
                (109.03855, 13.3895),
                (109.03903, 13.39034),
                (109.03825, 13.39142),
                (109.03699, 13.39094),
            ),
            ["0003", "0005", "0006"],
            "china_gacc",
        ),
        _xp(
            "VN-PYPH-0012",
            "Cơ sở sơ chế, đóng gói đậu phộng Xuân Phước",
            "60/QĐ-TTBVTV",
            dt.date(2024, 5, 14),
            5,
            "0.06",
            {"type": "Point", "coordinates": [109.0185, 13.4012]},
            [],
            "china_gacc",
            kind="packing_house",
        ),
    ],
    "SC": [
        {
            "code": code,
            "kind": "aquaculture_facility",
            "name": name,
            "crop": "tôm hùm xanh",
            "province": "Phú Yên",
            "district": "Sông Cầu",
            "commune": "Xuân Phương",
            "issuing_authority": FISHERIES_AUTHORITY,
            "decision_number": decision,
            "issued_on": dt.date(2024, 8, 20),
            "valid_from": dt.date(2024, 8, 20),
            "valid_until": dt.date(2029, 8, 19),
            "target_market": "china_gacc",
            "declared_area_ha": decimal.Decimal(area),
            "geometry": geometry,
            "households": households,
        }
        for code, name, decision, area, geometry, households in (
            (
                "54-TH-0012-001",
                "Cụm lồng Vũng Chào, vịnh Xuân Đài",
                "112/QĐ-CCTS",
                "0.85",
                _polygon(
                    (109.2402, 13.4391),
                    (109.2411, 13.4391),
                    (109.2411, 13.4399),
                    (109.2402, 13.4399),
                ),
                ["0001", "0002"],
            ),
            (
                "54-TH-0012-002",
                "Cụm lồng Phú Dương, vịnh Xuân Đài",
                "113/QĐ-CCTS",
                "1.2",
                _polygon(
                    (109.2445, 13.4452),
                    (109.2456, 13.4450),
                    (109.2458, 13.4459),
                    (109.2447, 13.4461),
                ),
                ["0002", "0003", "0004", "0005"],
            ),
        )
    ],
    "CN": [
        {
            "code": "VN-PYOFF-01",
            "kind": "fishing_ground",
            "name": "Ngư trường khơi Phú Yên (câu cá ngừ đại dương)",
            "crop": "cá ngừ vây vàng",
            "province": "Phú Yên",
            "district": "Tuy Hòa",
            "commune": "Phú Đông",
            "issuing_authority": FISHERIES_AUTHORITY,
            "decision_number": "05/QĐ-CCTS",
            "issued_on": dt.date(2025, 1, 15),
            "valid_from": dt.date(2025, 1, 15),
            "valid_until": dt.date(2028, 1, 14),
            "target_market": "eu",
            "declared_area_ha": decimal.Decimal("3220000"),
            "geometry": _polygon((109.6, 12.6), (111.5, 12.5), (111.5, 14.0), (109.7, 14.0)),
            "households": ["0001", "0002", "0003"],
        },
    ],
}


def load(ctx: dict[str, Any]) -> None:
    """Register, submit and approve each cooperative's zones; ctx["zones"][short code]."""
    auditor = find_user_by_email(AUDITOR_EMAIL)
    ctx["zones"] = {}
    for short_code, specs in ZONES.items():
        coop = ctx["coops"][short_code]
        members = {m.member_number: m for m in ctx["members"][short_code]}
        zones = []
        for spec in specs:
            data = dict(spec)
            households = data.pop("households")
            certifications = data.pop("certifications", [])
            zone = db.session.execute(
                sa.select(Zone).where(Zone.code == data["code"])
            ).scalar_one_or_none()
            if zone is None:
                zone = services.create_zone(
                    SYSTEM, coop.id, member_ids=[members[n].id for n in households], **data
                )
            known = {c.number for c in zone.certifications}
            for cert in certifications:
                if cert["number"] not in known:
                    services.add_certification(SYSTEM, zone, **cert)
            if zone.status == ZoneStatus.DRAFT:
                services.transition(
                    SYSTEM, zone, ZoneStatus.SUBMITTED, "Hồ sơ đăng ký mã số gửi Chi cục."
                )
            if zone.status == ZoneStatus.SUBMITTED and auditor is not None:
                services.transition(
                    auditor,
                    zone,
                    ZoneStatus.APPROVED,
                    "Đã kiểm tra hồ sơ và thực địa; ranh giới khớp bản đồ.",
                )
            zones.append(zone)
        ctx["zones"][short_code] = zones
