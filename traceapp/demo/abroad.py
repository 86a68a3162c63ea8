"""Demo cooperatives beyond Vietnam: a Cambodian fragrant-rice cooperative of Takeo (Khmer
names, a Think.Coop training) and a Turkish women's olive-oil cooperative of Manisa (Turkish
names), each with members, a zone code, products, a lot and a printed label run; a manager
login for each (in its language), and an auditor for each province (the Turkish one sees
only Turkish zones)."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from traceapp.auth import services as auth
from traceapp.auth.models import SYSTEM
from traceapp.batches import services as lots
from traceapp.batches.models import Lot
from traceapp.cooperatives import services as coops
from traceapp.cooperatives.models import Cooperative, Gender, Member, MemberRole
from traceapp.database import local_today
from traceapp.demo.people import PASSWORD
from traceapp.demo.programmes import think_coop_training
from traceapp.extensions import db
from traceapp.labels import services as labels
from traceapp.labels.models import LabelRun
from traceapp.products import services as products
from traceapp.products.models import Product
from traceapp.programmes import services as programmes
from traceapp.programmes.models import Programme, SupportOrganisation
from traceapp.zones import services as zones
from traceapp.zones.models import Zone, ZoneStatus

F, M = Gender.FEMALE, Gender.MALE

COOPERATIVES: dict[str, dict[str, Any]] = {
    "TKR": {
        "name": "សហគមន៍កសិកម្មស្រូវក្រអូប ត្រាំកក់",
        "country": "KH",
        "registration_number": "KH-TKO-0217",
        "province": "Takeo",
        "district": "Tram Kak",
        "commune": "Ta Phem",
        "address": "ភូមិត្រពាំងស្លា ឃុំតាភេម ស្រុកត្រាំកក់ ខេត្តតាកែវ",
        "phone": "012 345 678",
        "description": "អង្ករក្រអូបផ្កាម្លិះ ដាំដុះដោយគ្រួសារសមាជិក; Phka Malis fragrant rice "
        "grown by the member households of Tram Kak.",
        "founded_on": dt.date(2014, 2, 10),
        "show_women_share": True,
    },
    "AKH": {
        "name": "Akhisar Kadın Girişimi Üretim ve İşletme Kooperatifi",
        "country": "TR",
        "registration_number": "TR-45-1123",
        "province": "Manisa",
        "district": "Akhisar",
        "commune": "Zeytinliova",
        "address": "Zeytinliova Mahallesi, Akhisar, Manisa",
        "phone": "0236 412 34 56",
        "description": "Kadın üyelerin zeytinliklerinden soğuk sıkım zeytinyağı; cold-pressed "
        "olive oil from the groves of the women members.",
        "founded_on": dt.date(2016, 3, 8),
        "show_women_share": True,
        "womens_cooperative": True,
    },
}

#: (number, name, gender, birth year, village)
MEMBERS = {
    "TKR": [
        ("0001", "សុខ ចាន់ធី", F, 1979, "ត្រពាំងស្លា"),
        ("0002", "ហេង សុភាព", F, 1984, "ត្រពាំងស្លា"),
        ("0003", "ចាន់ ដារ៉ា", M, 1975, "ព្រៃរំដួល"),
        ("0004", "ស៊ុន ស្រីពៅ", F, 1991, "ព្រៃរំដួល"),
    ],
    "AKH": [
        ("0001", "Ayşe Yılmaz", F, 1971, "Zeytinliova"),
        ("0002", "Fatma Demir", F, 1978, "Zeytinliova"),
        ("0003", "Emine Kaya", F, 1983, "Süleymanlı"),
        ("0004", "Hatice Çelik", F, 1969, "Süleymanlı"),
    ],
}

#: (email, name, role, cooperative, country, province, locale, what)
ACCOUNTS: list[tuple[str, str, str, str | None, str | None, str | None, str, str]] = [
    ("manager@tramkak.demo", "សុខ ចាន់ធី", "manager", "TKR", None, None, "km",
     "manager, Tram Kak rice (Cambodia, Khmer)"),
    ("manager@akhisar.demo", "Ayşe Yılmaz", "manager", "AKH", None, None, "tr",
     "manager, Akhisar olive oil (Türkiye, Turkish)"),
    ("auditor@takeo.demo", "ហេង វណ្ណា", "auditor", None, "KH", "Takeo", "km",
     "auditor, Takeo province (Cambodia)"),
    ("auditor@manisa.demo", "Mehmet Öztürk", "auditor", None, "TR", "Manisa", "tr",
     "auditor, Manisa province (Türkiye)"),
]  # fmt: skip

AUDITORS = {"TKR": "auditor@takeo.demo", "AKH": "auditor@manisa.demo"}


def _square(lon: float, lat: float, side: float = 0.0012) -> dict[str, Any]:
    ring = [[lon, lat], [lon + side, lat], [lon + side, lat + side], [lon, lat + side]]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


ZONES: dict[str, dict[str, Any]] = {
    "TKR": {
        "code": "KH-TKO-0001",
        "kind": "growing_area",
        "name": "វាលស្រែត្រពាំងស្លា",
        "crop": "rice",
        "province": "Takeo",
        "district": "Tram Kak",
        "commune": "Ta Phem",
        "issuing_authority": "មន្ទីរកសិកម្ម រុក្ខាប្រមាញ់ និងនេសាទ ខេត្តតាកែវ",
        "decision_number": "045/25",
        "issued_on": dt.date(2025, 3, 3),
        "valid_from": dt.date(2025, 3, 3),
        "valid_until": dt.date(2028, 3, 2),
        "declared_area_ha": decimal.Decimal("1.4"),
        "geometry": _square(104.6512, 10.9921),
        "households": ["0001", "0002", "0003"],
    },
    "AKH": {
        "code": "TR-45AKH-0012",
        "kind": "growing_area",
        "name": "Zeytinliova zeytinlikleri",
        "crop": "zeytin",
        "province": "Manisa",
        "district": "Akhisar",
        "commune": "Zeytinliova",
        "issuing_authority": "Manisa İl Tarım ve Orman Müdürlüğü",
        "decision_number": "2025/118",
        "issued_on": dt.date(2025, 2, 14),
        "valid_from": dt.date(2025, 2, 14),
        "valid_until": dt.date(2028, 2, 13),
        "declared_area_ha": decimal.Decimal("1.5"),
        "geometry": _square(27.8391, 38.9182),
        "households": ["0001", "0002", "0004"],
    },
}

# GTINs under Cambodia's GS1 prefix 884 and Türkiye's 869, with made-up company prefixes.
PRODUCTS = {
    "TKR": {
        "code": "TKR-PM-5",
        "name": "អង្ករក្រអូបផ្កាម្លិះ",
        "names": {"en": "Phka Malis fragrant rice, 5 kg bag", "fr": "Riz parfumé Phka Malis, 5 kg"},
        "description": "អង្ករក្រអូបផ្កាម្លិះ ពីវាលស្រែសមាជិកនៃស្រុកត្រាំកក់។",
        "category": "rice",
        "unit_of_trade": "bag",
        "net_quantity": "5",
        "net_unit": "KGM",
        "gtin": "8841002000016",
        "shelf_life_days": 365,
    },
    "AKH": {
        "code": "AKH-ZY-500",
        "name": "Soğuk Sıkım Natürel Sızma Zeytinyağı 500 ml",
        "names": {"en": "Cold-pressed extra virgin olive oil, 500 ml"},
        "description": "Kadın üyelerin Akhisar zeytinliklerinden, soğuk sıkım.",
        "category": "other_crop",
        "unit_of_trade": "bottle",
        "net_quantity": "0.5",
        "net_unit": "LTR",
        "gtin": "8691003000016",
        "shelf_life_days": 540,
    },
}

#: cooperative -> (days before the demo is loaded, kilograms per member, labels, layout)
LOTS = {
    "TKR": (12, ("1200", "950", "800"), 24, "a4-3x8"),
    "AKH": (20, ("310", "280", "240"), 24, "a4-3x8"),
}


def load(ctx: dict[str, Any]) -> None:
    """Both cooperatives with their people, zone, product, lot, labels and (in Cambodia) a
    Think.Coop training."""
    for code, data in COOPERATIVES.items():
        coop = _cooperative(code, data)
        ctx["coops"][code] = coop
        ctx["members"][code] = _members(coop)
    for email, name, role, coop_code, country, province, locale, what in ACCOUNTS:
        user = auth.find_user_by_email(email)
        if user is None:
            user = auth.create_user(
                SYSTEM,
                email=email,
                full_name=name,
                password=PASSWORD,
                role=role,
                cooperative_id=ctx["coops"][coop_code].id if coop_code else None,
                country=country,
                province=province,
            )
            user.locale = locale
        ctx["logins"].append((email, PASSWORD, what))
    for code in COOPERATIVES:
        coop, members = ctx["coops"][code], ctx["members"][code]
        zone = _zone(coop, members, code)
        product = _product(coop, code)
        ctx.setdefault("abroad", {})[code] = _lot_and_labels(code, product, zone, members)
    _think_coop_cambodia(ctx["coops"]["TKR"], ctx["members"]["TKR"])


def _cooperative(code: str, data: dict[str, Any]) -> Cooperative:
    coop = db.session.scalar(sa.select(Cooperative).where(Cooperative.short_code == code))
    return coop or coops.create_cooperative(SYSTEM, short_code=code, **data)


def _members(coop: Cooperative) -> list[Member]:
    for number, name, gender, year, village in MEMBERS[coop.short_code]:
        exists = db.session.scalar(
            sa.select(Member.id).where(
                Member.cooperative_id == coop.id, Member.member_number == number
            )
        )
        if exists is None:
            coops.create_member(
                SYSTEM,
                coop.id,
                member_number=number,
                full_name=name,
                gender=gender,
                birth_year=year,
                village=village,
                commune=coop.commune,
                role=MemberRole.HOUSEHOLD,
                public_name_consent=True,
                joined_on=coop.founded_on,
            )
    return list(
        db.session.scalars(
            sa.select(Member).where(Member.cooperative_id == coop.id).order_by(Member.member_number)
        )
    )


def _zone(coop: Cooperative, members: list[Member], code: str) -> Zone:
    data = dict(ZONES[code])
    households = data.pop("households")
    zone = db.session.scalar(sa.select(Zone).where(Zone.code == data["code"]))
    if zone is None:
        by_number = {m.member_number: m.id for m in members}
        zone = zones.create_zone(
            SYSTEM, coop.id, member_ids=[by_number[n] for n in households], **data
        )
    if zone.status == ZoneStatus.DRAFT:
        zones.transition(SYSTEM, zone, ZoneStatus.SUBMITTED, "Application filed.")
    auditor = auth.find_user_by_email(AUDITORS[code])
    if zone.status == ZoneStatus.SUBMITTED and auditor is not None:
        zones.transition(auditor, zone, ZoneStatus.APPROVED, "Documents and field checked.")
    return zone


def _product(coop: Cooperative, code: str) -> Product:
    data = PRODUCTS[code]
    product = db.session.scalar(
        sa.select(Product).where(Product.cooperative_id == coop.id, Product.code == data["code"])
    )
    return product or products.create_product(SYSTEM, coop.id, **data)


def _lot_and_labels(code: str, product: Product, zone: Zone, members: list[Member]) -> Lot:
    days, quantities, count, layout = LOTS[code]
    day = local_today() - dt.timedelta(days=days)
    lot = db.session.scalar(sa.select(Lot).where(Lot.product_id == product.id))
    if lot is None:
        tz = ZoneInfo("Asia/Phnom_Penh" if code == "TKR" else "Europe/Istanbul")
        total = sum(decimal.Decimal(q) for q in quantities)
        lot = lots.create_lot(
            SYSTEM,
            product_id=product.id,
            production_date=day,
            quantity=str(total),
            unit="KGM",
            event_time=dt.datetime.combine(day, dt.time(16, 0), tzinfo=tz),
        )
        # The households registered on the zone deliver (the checks at entry refuse others).
        growers = [m for m in members if m.member_number in ZONES[code]["households"]]
        for member, quantity in zip(growers, quantities, strict=False):
            lots.add_contribution(
                SYSTEM,
                lot,
                member_id=member.id,
                zone_id=zone.id,
                quantity=quantity,
                unit="KGM",
                delivered_on=day,
            )
        lots.close_lot(SYSTEM, lot)
    if db.session.scalar(sa.select(LabelRun.id).where(LabelRun.lot_id == lot.id)) is None:
        run = labels.issue_run(SYSTEM, lot, count=count, template=layout)
        labels.record_print(SYSTEM, run, "pdf", layout)
    return lot


def _think_coop_cambodia(coop: Cooperative, members: list[Member]) -> None:
    if db.session.scalar(sa.select(Programme.id).where(Programme.code == "THINKCOOP-KH")):
        return
    ilo = db.session.scalar(
        sa.select(SupportOrganisation).where(SupportOrganisation.short_name == "ILO")
    )
    if ilo is None:
        return
    programme = programmes.create_programme(
        SYSTEM,
        ilo.id,
        code="THINKCOOP-KH",
        names={
            "km": "កម្មវិធីបណ្តុះបណ្តាល Think.Coop សម្រាប់សហគមន៍កសិកម្ម",
            "en": "Think.Coop for agricultural cooperatives, Cambodia",
        },
        objectives="The agriculture ministry's rollout of the ILO's Think.Coop orientation to "
        "the members of agricultural cooperatives.",
        provinces=["Takeo"],
        starts_on=dt.date(2025, 1, 1),
        ends_on=dt.date(2026, 12, 31),
    )
    think_coop_training(
        programme,
        "Think.Coop: ត្រាំកក់",
        dt.date(2025, 6, 12),
        ("Takeo", "Tram Kak", "Ta Phem"),
        "គ្រូបង្គោលដែលបានបណ្តុះបណ្តាលដោយ ILO",
        [coop],
        members,
    )
