"""Support programmes: a women's-cooperative programme of Phú Yên with workshops, visits to
the three demo cooperatives and a women's cooperative founded with its support; a Think.Coop
rollout; and a programme officer's login."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from traceapp.auth.models import SYSTEM, User
from traceapp.cooperatives import services as coops
from traceapp.cooperatives.models import Cooperative, Gender, Member, MemberRole
from traceapp.demo.people import PASSWORD
from traceapp.extensions import db
from traceapp.programmes import activities, attendance, outcomes, plans, services
from traceapp.programmes.models import (
    OrganisationKind,
    Programme,
    SupportOrganisation,
    TrainingModule,
)

ORGANISATIONS = [
    ("Hội Liên hiệp Phụ nữ Việt Nam", "HLHPN", OrganisationKind.OTHER, None),
    ("Liên minh Hợp tác xã Việt Nam", "VCA", OrganisationKind.ALLIANCE, None),
    ("Bộ Nông nghiệp và Môi trường", "MAE", OrganisationKind.MINISTRY, None),
    ("International Labour Organization", "ILO", OrganisationKind.INTERNATIONAL, "XM-DAC-41302"),
]

OFFICER = "officer@phunu.demo"

#: People who signed the sheets without being members of a demo cooperative:
#: (name, gender, birth year, phone, commune, role).
OTHERS = [
    ("Trương Thị Bích", Gender.FEMALE, 1985, "0905 318 204", "Xuân Sơn Bắc", "would_be_founder"),
    ("Huỳnh Thị Lệ", Gender.FEMALE, 1979, "0914 220 871", "Xuân Sơn Bắc", "would_be_founder"),
    ("Nguyễn Văn Hùng", Gender.MALE, 1968, None, "Xuân Phước", "local_official"),
    ("Phan Thị Thu", Gender.FEMALE, 1992, "0389 554 112", "Xuân Sơn Bắc", "would_be_founder"),
]


def load(ctx: dict[str, Any]) -> None:
    """Organisations, the two programmes, their activities and sheets, and the officer."""
    orgs = {
        short: _organisation(name, short, kind, iati) for name, short, kind, iati in ORGANISATIONS
    }
    ctx["logins"].append(_officer(orgs["HLHPN"]))
    if db.session.scalar(sa.select(Programme.id).where(Programme.code == "WCP-PY")) is None:
        _womens_programme(ctx, orgs)
    if db.session.scalar(sa.select(Programme.id).where(Programme.code == "THINKCOOP-2025")) is None:
        _think_coop(ctx, orgs)


def _organisation(
    name: str, short: str, kind: OrganisationKind, iati: str | None
) -> SupportOrganisation:
    org = db.session.scalar(sa.select(SupportOrganisation).where(SupportOrganisation.name == name))
    if org is None:
        org = services.create_organisation(
            SYSTEM, name=name, short_name=short, kind=kind, iati_identifier=iati
        )
    return org


def _officer(org: SupportOrganisation) -> tuple[str, str, str]:
    exists = db.session.scalar(sa.select(User.id).where(User.email == OFFICER))
    if exists is None:
        services.create_officer(
            SYSTEM, org, email=OFFICER, full_name="Võ Thị Minh Tâm", password=PASSWORD
        )
    return (OFFICER, PASSWORD, "programme officer (Women's Union)")


def _members(coop: Cooperative) -> list[Member]:
    return list(
        db.session.scalars(
            sa.select(Member).where(Member.cooperative_id == coop.id).order_by(Member.member_number)
        )
    )


def _womens_programme(ctx: dict[str, Any], orgs: dict[str, SupportOrganisation]) -> None:
    xp, sc, cn = (ctx["coops"][code] for code in ("XP", "SC", "CN"))
    programme = services.create_programme(
        SYSTEM,
        orgs["HLHPN"].id,
        code="WCP-PY",
        names={
            "vi": "Chương trình hỗ trợ hợp tác xã phụ nữ Phú Yên",
            "en": "Women's cooperatives programme, Phú Yên",
        },
        objectives="Strengthen women's cooperatives through a working group in the province: "
        "workshops, cooperative visits and regional meetings; help women found cooperatives.",
        provinces=["Phú Yên"],
        sectors=["31194", "15170"],
        starts_on=dt.date(2024, 1, 1),
        ends_on=dt.date(2025, 12, 31),
    )
    services.extend_programme(
        SYSTEM, programme, ends_on=dt.date(2027, 12, 31), note="Extended by the second protocol"
    )
    services.add_partner(SYSTEM, programme, orgs["VCA"].id, "implementing")
    services.add_partner(SYSTEM, programme, orgs["ILO"].id, "funding")
    for indicator, target in (
        ("people_reached", 40),
        ("women_reached", 30),
        ("activities", 8),
        ("cooperatives_visited", 3),
        ("new_womens_cooperatives", 1),
    ):
        plans.set_target(SYSTEM, programme, indicator=indicator, year=2025, target=target)
    topics = ("sales_marketing", "branding", "accounting")
    workshops = []
    for n, (coop, topic) in enumerate(zip((xp, sc, cn), topics, strict=True)):
        workshops.append(
            activities.create_activity(
                SYSTEM,
                programme,
                kind="workshop",
                title=f"Hội thảo: {services.topics()[topic]}",
                topic=topic,
                starts_on=dt.date(2025, 3 + 2 * n, 12),
                hours=4,
                province=coop.province,
                district=coop.district,
                commune=coop.commune,
                facilitators="Võ Thị Minh Tâm",
                cooperative_ids=[coop.id],
            )
        )
    # Members of each cooperative sign its workshop; one woman of Xuân Phước comes to all three.
    regular = _members(xp)[0]
    for workshop, coop in zip(workshops, (xp, sc, cn), strict=True):
        rows: list[dict[str, Any]] = [{"member_id": m.id} for m in _members(coop)]
        if coop is not xp:
            workshop.cooperatives = [*workshop.cooperatives, xp]
            rows.append({"member_id": regular.id})
        attendance.record_attendance(SYSTEM, workshop, rows)
    attendance.record_attendance(SYSTEM, workshops[0], [_other(o) for o in OTHERS])
    visits = ((xp, dt.date(2025, 4, 3)), (sc, dt.date(2025, 6, 5)), (cn, dt.date(2025, 8, 7)))
    for coop, day in (*visits, (xp, dt.date(2025, 10, 9))):
        activities.create_activity(
            SYSTEM,
            programme,
            kind="cooperative_visit",
            title=f"Thăm {coop.name}",
            starts_on=day,
            province=coop.province,
            district=coop.district,
            commune=coop.commune,
            cooperative_ids=[coop.id],
        )
    meeting = activities.create_activity(
        SYSTEM,
        programme,
        kind="regional_meeting",
        title="Hội nghị khu vực miền Trung",
        starts_on=dt.date(2025, 11, 20),
        province="Phú Yên",
        district="Tuy Hòa",
        cooperative_ids=[xp.id, sc.id, cn.id],
    )
    attendance.record_attendance(
        SYSTEM, meeting, [{"member_id": m.id} for m in _members(xp)[:2] + _members(sc)[:1]]
    )
    _founded(programme, workshops[0])


def _other(spec: tuple[Any, ...]) -> dict[str, Any]:
    name, gender, year, phone, commune, role = spec
    return {
        "full_name": name,
        "gender": gender.value,
        "birth_year": year,
        "phone": phone,
        "commune": commune,
        "province": "Phú Yên",
        "role": role,
    }


def _founded(programme: Programme, workshop: Any) -> None:
    """A women's cooperative founded with the programme's support, by two would-be founders."""
    coop = db.session.scalar(sa.select(Cooperative).where(Cooperative.short_code == "PNXS"))
    if coop is None:
        coop = coops.create_cooperative(
            SYSTEM,
            name="Hợp tác xã Phụ nữ Xuân Sơn Bắc",
            short_code="PNXS",
            province="Phú Yên",
            district="Đồng Xuân",
            commune="Xuân Sơn Bắc",
            description="Hợp tác xã của phụ nữ trồng và chế biến đậu phộng; "
            "a women's cooperative growing and processing peanuts.",
            womens_cooperative=True,
        )
        for number, (name, year) in enumerate(
            (("Trương Thị Bích", 1985), ("Huỳnh Thị Lệ", 1979), ("Phan Thị Thu", 1992)), start=1
        ):
            coops.create_member(
                SYSTEM,
                coop.id,
                member_number=f"{number:04d}",
                full_name=name,
                gender=Gender.FEMALE,
                birth_year=year,
                commune="Xuân Sơn Bắc",
                role=MemberRole.FARMER,
            )
    outcomes.record_founding(
        SYSTEM,
        programme,
        cooperative_id=coop.id,
        founded_on=dt.date(2025, 9, 15),
        activity_id=workshop.id,
        note="Founded by women of the Xuân Phước workshop",
    )


def think_coop_training(
    programme: Programme,
    title: str,
    starts_on: dt.date,
    place: tuple[str, str, str],
    facilitators: str,
    coops: list[Cooperative],
    members: list[Member],
) -> None:
    """A Think.Coop orientation (the ILO's shared module) held for ``coops`` at ``place``
    (province, district, commune), attended by ``members``."""
    think = db.session.scalar(
        sa.select(TrainingModule).where(
            TrainingModule.programme_id.is_(None), TrainingModule.code == "think_coop"
        )
    )
    province, district, commune = place
    training = activities.create_activity(
        SYSTEM,
        programme,
        kind="training",
        title=title,
        topic="cooperative_basics",
        module_id=think.id if think else None,
        starts_on=starts_on,
        province=province,
        district=district,
        commune=commune,
        facilitators=facilitators,
        cooperative_ids=[c.id for c in coops],
    )
    attendance.record_attendance(SYSTEM, training, [{"member_id": m.id} for m in members])


def _think_coop(ctx: dict[str, Any], orgs: dict[str, SupportOrganisation]) -> None:
    xp, sc = ctx["coops"]["XP"], ctx["coops"]["SC"]
    programme = services.create_programme(
        SYSTEM,
        orgs["MAE"].id,
        code="THINKCOOP-2025",
        names={
            "vi": "Triển khai Think.Coop và Start.Coop",
            "en": "Think.Coop and Start.Coop rollout",
        },
        objectives="Roll out the ILO's Think.Coop orientation and Start.Coop to farmers in five "
        "provinces, then six more.",
        provinces=["Phú Yên", "Khánh Hòa", "Gia Lai", "Đắk Lắk", "Lâm Đồng"],
        starts_on=dt.date(2025, 1, 1),
        ends_on=dt.date(2026, 12, 31),
    )
    services.add_partner(SYSTEM, programme, orgs["ILO"].id, "funding")
    plans.set_target(SYSTEM, programme, indicator="people_reached", year=2025, target=300)
    think_coop_training(
        programme,
        "Think.Coop: Đồng Xuân",
        dt.date(2025, 5, 20),
        ("Phú Yên", "Đồng Xuân", "Xuân Phước"),
        "ILO-trained facilitators of the province",
        [xp, sc],
        _members(xp) + _members(sc)[:2],
    )
