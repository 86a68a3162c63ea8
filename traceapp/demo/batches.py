"""Demo lot stories: peanuts commingled and packed, lobsters harvested and graded, tuna from
two vessels landed, cut into loins and canned."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from traceapp.auth.models import SYSTEM
from traceapp.batches import events as ev
from traceapp.batches import services, transformations
from traceapp.batches.models import Lot
from traceapp.extensions import db
from traceapp.zones.models import ZoneKind

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=VN)


def _product(ctx: dict[str, Any], coop: str, code: str) -> Any:
    return next(p for p in ctx["products"][coop] if p.code == code)


def _zones(ctx: dict[str, Any], coop: str, kind: ZoneKind) -> list[Any]:
    return [z for z in ctx["zones"][coop] if z.kind == kind]


def _member(ctx: dict[str, Any], coop: str, number: str) -> Any:
    return next(m for m in ctx["members"][coop] if m.member_number == number)


def _has_lots(coop: Any) -> bool:
    return (
        db.session.execute(sa.select(Lot.id).where(Lot.cooperative_id == coop.id).limit(1)).first()
        is not None
    )


def _harvest(
    product: Any, day: dt.date, parts: list[tuple[Any, Any, str]], unit: str = "KGM", **kw: Any
) -> Lot:
    total = sum(float(q) for _, _, q in parts)
    lot = services.create_lot(
        SYSTEM,
        product_id=product.id,
        production_date=day,
        quantity=str(total),
        unit=unit,
        event_time=_at(day, 16),
        **kw,
    )
    for member, zone, quantity in parts:
        services.add_contribution(
            SYSTEM,
            lot,
            member_id=member.id,
            zone_id=zone.id,
            quantity=quantity,
            unit=unit,
            delivered_on=day,
        )
    services.close_lot(SYSTEM, lot)
    return lot


def peanuts(ctx: dict[str, Any]) -> list[Lot]:
    """Three harvest lots of the Đông Xuân season, commingled into a packed lot and shipped."""
    coop = ctx["coops"]["XP"]
    raw = _product(ctx, "XP", "XP-DP-THO")
    bag = _product(ctx, "XP", "XP-DP-500")
    fields = _zones(ctx, "XP", ZoneKind.GROWING_AREA)
    m = {n: _member(ctx, "XP", n) for n in ("0001", "0002", "0003", "0004", "0006")}
    day1, day2, day3 = dt.date(2026, 3, 12), dt.date(2026, 3, 14), dt.date(2026, 3, 18)
    h1 = _harvest(
        raw,
        day1,
        [(m["0001"], fields[0], "420"), (m["0002"], fields[0], "380")],
        notes="Thu hoạch vụ Đông Xuân, phơi khô 3 nắng",
    )
    h2 = _harvest(
        raw,
        day2,
        [(m["0003"], fields[1 % len(fields)], "350"), (m["0004"], fields[1 % len(fields)], "300")],
    )
    h3 = _harvest(raw, day3, [(m["0006"], fields[-1], "450")])
    packing_house = next(iter(_zones(ctx, "XP", ZoneKind.PACKING_HOUSE)), None)
    [packed] = transformations.transform(
        SYSTEM,
        kind="commingling",
        inputs=[
            {"lot_id": h1.id, "quantity": "800"},
            {"lot_id": h2.id, "quantity": "650"},
            {"lot_id": h3.id, "quantity": "450"},
        ],
        outputs=[
            {
                "product_id": bag.id,
                "quantity": "1880",
                "unit": "KGM",
                "production_date": dt.date(2026, 10, 15),
                "notes": "Đậu phộng vỏ bảo quản khô từ vụ Đông Xuân; phân loại, sàng và "
                "đóng túi 500 g tại nhà sơ chế của HTX",
            }
        ],
        event_time=_at(dt.date(2026, 10, 15), 9),
        zone_id=packing_house.id if packing_house else None,
        location=coop.address,
    )
    services.close_lot(SYSTEM, packed)
    ev.record_event(
        SYSTEM,
        packed,
        biz_step="inspecting",
        disposition="conformant",
        event_time=_at(dt.date(2026, 10, 17), 10),
        location="Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng Phú Yên",
        details={"inspector": "Phòng thử nghiệm", "notes": "Aflatoxin B1 dưới giới hạn cho phép"},
    )
    ev.record_event(
        SYSTEM,
        packed,
        biz_step="storing",
        event_time=_at(dt.date(2026, 10, 18), 8),
        location="Kho HTX Xuân Phước",
    )
    ev.record_event(
        SYSTEM,
        packed,
        biz_step="shipping",
        event_time=_at(dt.date(2026, 11, 2), 7),
        quantity="600",
        unit="KGM",
        destinations=[
            {"type": "owning_party", "name": "Co.opmart Tuy Hòa"},
            {"type": "location", "name": "Tuy Hòa, Phú Yên"},
        ],
    )
    return [h1, h2, h3, packed]


def lobsters(ctx: dict[str, Any]) -> list[Lot]:
    """Cage harvest of two households, graded into size lots, one shipped to Nha Trang."""
    product = _product(ctx, "SC", "SC-THX")
    cages = _zones(ctx, "SC", ZoneKind.AQUACULTURE_FACILITY)
    a, b = _member(ctx, "SC", "0001"), _member(ctx, "SC", "0002")
    day = dt.date(2026, 9, 20)
    harvest = _harvest(
        product,
        day,
        [(a, cages[0], "96"), (b, cages[-1], "84")],
        aquaculture_method="Sea cages",
        notes="Tôm hùm xanh 14 tháng tuổi",
    )
    graded = transformations.transform(
        SYSTEM,
        kind="grading",
        inputs=[{"lot_id": harvest.id, "quantity": "180"}],
        outputs=[
            {
                "product_id": product.id,
                "quantity": q,
                "unit": "KGM",
                "production_date": day,
                "notes": note,
            }
            for q, note in (
                ("72", "Loại 1: trên 1 kg/con"),
                ("81", "Loại 2: 0,7–1 kg/con"),
                ("27", "Loại 3: dưới 0,7 kg/con"),
            )
        ],
        event_time=_at(day, 18),
        location="Bến Vịnh Hòa, Sông Cầu",
    )
    for lot in graded:
        services.close_lot(SYSTEM, lot)
    ev.record_event(
        SYSTEM,
        graded[0],
        biz_step="shipping",
        event_time=_at(day, 21),
        destinations=[{"type": "owning_party", "name": "Nhà hàng Hải sản Nha Trang"}],
    )
    return [harvest, *graded]


def tuna(ctx: dict[str, Any]) -> list[Lot]:
    """A landing from two vessels, cut into loins, the loins canned."""
    fish = _product(ctx, "CN", "CN-CN-KHUC")
    can = _product(ctx, "CN", "CN-HOP-185")
    ground = _zones(ctx, "CN", ZoneKind.FISHING_GROUND)[0]
    v1, v2 = _member(ctx, "CN", "0001"), _member(ctx, "CN", "0002")
    landed = dt.date(2026, 10, 5)
    catch = _harvest(
        fish,
        landed,
        [(v1, ground, "1250"), (v2, ground, "980")],
        catch_data={
            "catch_area": "urn:gdst:fao:71",
            "economic_zone": "urn:gdst:eez:VNM",
            "gear_type": "urn:gdst:gear:9.1",
            "trip_start": "2026-09-18",
            "trip_end": "2026-10-04",
            "landing_port": "Cảng cá Phú Lạc",
            "rfmo_area": "urn:gdst:rfmo:wcpfc",
            "permit_area": "Vùng khơi, giấy phép khai thác tỉnh Phú Yên",
            "gps_available": True,
            "satellite_tracking_authority": "Tổng cục Thủy sản (VMS)",
            "vessel_public_registry": "VNFishbase (Cơ sở dữ liệu tàu cá quốc gia)",
            "fishery_improvement_project": "FIP cá ngừ vây vàng Việt Nam (WWF)",
        },
        notes="Cá ngừ vây vàng câu tay kết hợp ánh sáng, bảo quản hầm đông",
    )
    [loins] = transformations.transform(
        SYSTEM,
        kind="processing",
        inputs=[{"lot_id": catch.id, "quantity": "2230"}],
        outputs=[
            {
                "product_id": fish.id,
                "quantity": "1150",
                "unit": "KGM",
                "production_date": dt.date(2026, 10, 7),
                "notes": "Cắt khúc, hút chân không, cấp đông -40 °C",
            }
        ],
        event_time=_at(dt.date(2026, 10, 7), 14),
        location="Xưởng sơ chế Phú Đông, Tuy Hòa",
    )
    services.close_lot(SYSTEM, loins)
    [canned] = transformations.transform(
        SYSTEM,
        kind="processing",
        inputs=[{"lot_id": loins.id, "quantity": "400"}],
        outputs=[
            {
                "product_id": can.id,
                "quantity": "370",
                "unit": "KGM",
                "production_date": dt.date(2026, 10, 20),
            }
        ],
        event_time=_at(dt.date(2026, 10, 20), 10),
        location="Nhà máy đồ hộp đối tác, Tuy Hòa",
    )
    services.close_lot(SYSTEM, canned)
    ev.record_event(
        SYSTEM,
        canned,
        biz_step="inspecting",
        disposition="conformant",
        event_time=_at(dt.date(2026, 10, 22), 9),
        details={"inspector": "Chi cục QLCL Nông lâm thủy sản"},
    )
    ev.record_event(
        SYSTEM,
        loins,
        biz_step="shipping",
        event_time=_at(dt.date(2026, 10, 9), 6),
        quantity="600",
        unit="KGM",
        destinations=[
            {"type": "owning_party", "name": "Công ty Xuất nhập khẩu Thủy sản Miền Trung"}
        ],
    )
    return [catch, loins, canned]


#: GDST master data of the seafood cooperatives: species of their products, human welfare
#: policy and certificates, the IMO numbers of the tuna vessels.
SPECIES = {"SC-THX": "LOY", "CN-CN-KHUC": "YFT", "CN-HOP-185": "YFT"}
WELFARE = {
    "SC": ("Internal", []),
    "CN": (
        "3P Audit",
        [
            {
                "type": "urn:gdst:certType:fishingAuth",
                "agency": "Sở Nông nghiệp và Môi trường Phú Yên",
                "standard": "Giấy phép khai thác thủy sản",
                "identification": "PY-2026-GPKT-0417",
            },
            {
                "type": "urn:gdst:certType:humanPolicy",
                "agency": "Bureau Veritas Việt Nam",
                "standard": "amfori BSCI",
                "value": "B",
                "identification": "BSCI-VN-2026-1182",
            },
        ],
    ),
}
IMO = {("CN", "0001"): "IMO9876543", ("CN", "0002"): "IMO9776547"}


def gdst_master_data(ctx: dict[str, Any]) -> None:
    """Fill the seafood master data GDST asks for (each time: it only sets values)."""
    for coop_code, products in ctx["products"].items():
        for product in products:
            if product.code in SPECIES:
                product.fao_species = SPECIES[product.code]
        if coop_code in WELFARE:
            coop = ctx["coops"][coop_code]
            coop.human_welfare_policy, certs = WELFARE[coop_code]
            coop.certifications = certs or None
    for (coop_code, number), imo in IMO.items():
        _member(ctx, coop_code, number).imo_number = imo
    db.session.flush()


def load(ctx: dict[str, Any]) -> None:
    """One story per cooperative, once (a cooperative that has lots is left as it is)."""
    gdst_master_data(ctx)
    stories = {"XP": peanuts, "SC": lobsters, "CN": tuna}
    ctx["lots"] = {}
    for code, story in stories.items():
        coop = ctx["coops"][code]
        if not _has_lots(coop):
            story(ctx)
        ctx["lots"][code] = list(
            db.session.execute(
                sa.select(Lot).where(Lot.cooperative_id == coop.id).order_by(Lot.id)
            ).scalars()
        )
