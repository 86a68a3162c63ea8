"""Demo cooperatives of Phú Yên, their members, and one login per role."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from traceapp.auth import services as auth
from traceapp.auth.models import SYSTEM
from traceapp.cooperatives import services as coops
from traceapp.cooperatives.models import Cooperative, Gender, Member, MemberRole
from traceapp.extensions import db

F, M = Gender.FEMALE, Gender.MALE

COOPERATIVES: list[dict[str, Any]] = [
    {
        "short_code": "XP",
        "name": "Hợp tác xã Nông nghiệp Xuân Phước",
        "registration_number": "4407A0012",
        "province": "Phú Yên",
        "district": "Đồng Xuân",
        "commune": "Xuân Phước",
        "address": "Thôn Phú Xuân, xã Xuân Phước, huyện Đồng Xuân, tỉnh Phú Yên",
        "phone": "0257 3870 123",
        "description": "Đậu phộng (lạc) trồng trên đất cát pha ven sông Kỳ Lộ; "
        "peanuts grown on the sandy loam along the Kỳ Lộ river.",
        "founded_on": dt.date(2004, 3, 15),
        # Most members are women, and the cooperative shows it; the other two do not.
        "show_women_share": True,
    },
    {
        "short_code": "SC",
        "name": "Hợp tác xã Nuôi trồng thủy sản Tôm hùm Sông Cầu",
        "registration_number": "4407B0045",
        "province": "Phú Yên",
        "district": "Sông Cầu",
        "commune": "Xuân Phương",
        "address": "Thôn Phú Dương, phường Xuân Phương, thị xã Sông Cầu, tỉnh Phú Yên",
        "phone": "0257 3875 456",
        "description": "Tôm hùm xanh và tôm hùm bông nuôi lồng trong vịnh Xuân Đài; "
        "cage-farmed spiny lobster in Xuân Đài bay.",
        "founded_on": dt.date(2012, 7, 2),
    },
    {
        "short_code": "CN",
        "name": "Hợp tác xã Khai thác cá ngừ đại dương công nghệ cao Phú Yên",
        "registration_number": "4407C0078",
        "province": "Phú Yên",
        "district": "Tuy Hòa",
        "commune": "Phú Đông",
        "address": "Cảng cá Phú Lạc, phường Phú Đông, thành phố Tuy Hòa, tỉnh Phú Yên",
        "phone": "0257 3823 789",
        "description": "Cá ngừ vây vàng câu tay kết hợp ánh sáng, bảo quản hầm đông; "
        "hand-line yellowfin tuna, frozen on board.",
        "founded_on": dt.date(2017, 11, 20),
    },
]

# (number, name, gender, birth year, village, role, public-name consent, vessel)
MEMBERS: dict[str, list[tuple[Any, ...]]] = {
    "XP": [
        ("0001", "Nguyễn Thị Hoa", F, 1972, "Phú Xuân", MemberRole.HOUSEHOLD, True, None),
        ("0002", "Trần Văn Bình", M, 1968, "Phú Xuân", MemberRole.HOUSEHOLD, True, None),
        ("0003", "Lê Thị Mai", F, 1980, "Tân Phước", MemberRole.HOUSEHOLD, False, None),
        ("0004", "Phạm Thị Lan", F, 1975, "Tân Phước", MemberRole.HOUSEHOLD, True, None),
        ("0005", "Võ Văn Hùng", M, 1965, "Phước Lộc", MemberRole.HOUSEHOLD, False, None),
        ("0006", "Đặng Thị Thu", F, 1988, "Phước Lộc", MemberRole.HOUSEHOLD, True, None),
    ],
    "SC": [
        ("0001", "Huỳnh Văn Tâm", M, 1970, "Phú Dương", MemberRole.HOUSEHOLD, True, None),
        ("0002", "Nguyễn Thị Bích", F, 1978, "Phú Dương", MemberRole.HOUSEHOLD, True, None),
        ("0003", "Trương Văn Lợi", M, 1983, "Phú Mỹ", MemberRole.HOUSEHOLD, False, None),
        ("0004", "Lê Thị Hạnh", F, 1985, "Phú Mỹ", MemberRole.HOUSEHOLD, True, None),
        ("0005", "Phan Văn Sơn", M, 1962, "Vịnh Hòa", MemberRole.HOUSEHOLD, False, None),
    ],
    "CN": [
        (
            "0001",
            "Nguyễn Văn Dũng",
            M,
            1969,
            "Phú Lạc",
            MemberRole.VESSEL_OWNER,
            True,
            ("PY-90689-TS", "Thành Công 01"),
        ),
        (
            "0002",
            "Trần Văn Thắng",
            M,
            1974,
            "Phú Lạc",
            MemberRole.VESSEL_OWNER,
            True,
            ("PY-90945-TS", "Phước Lộc 09"),
        ),
        (
            "0003",
            "Lê Thị Nga",
            F,
            1976,
            "Phú Lạc",
            MemberRole.VESSEL_OWNER,
            False,
            ("PY-92011-TS", "Hải Nga"),
        ),
        ("0004", "Phạm Văn Tài", M, 1990, "Long Thủy", MemberRole.FISHER, False, None),
        ("0005", "Đỗ Thị Kim", F, 1982, "Long Thủy", MemberRole.PROCESSOR, True, None),
    ],
}

PASSWORD = "demo-password-2026"


def load(ctx: dict[str, Any]) -> None:
    """Cooperatives, members and logins."""
    ctx["coops"] = load_cooperatives()
    ctx["logins"] = load_users(ctx["coops"])
    ctx["members"] = {
        code: db.session.execute(
            sa.select(Member).where(Member.cooperative_id == coop.id).order_by(Member.member_number)
        )
        .scalars()
        .all()
        for code, coop in ctx["coops"].items()
    }


def load_cooperatives() -> dict[str, Cooperative]:
    """The three cooperatives and their members."""
    result: dict[str, Cooperative] = {}
    for data in COOPERATIVES:
        coop = db.session.execute(
            sa.select(Cooperative).where(Cooperative.short_code == data["short_code"])
        ).scalar_one_or_none()
        if coop is None:
            coop = coops.create_cooperative(SYSTEM, **data)
        result[coop.short_code] = coop
        for number, name, gender, year, village, role, consent, vessel in MEMBERS[coop.short_code]:
            exists = db.session.execute(
                sa.select(Member.id).where(
                    Member.cooperative_id == coop.id, Member.member_number == number
                )
            ).first()
            if exists:
                continue
            coops.create_member(
                SYSTEM,
                coop.id,
                member_number=number,
                full_name=name,
                gender=gender,
                birth_year=year,
                village=village,
                commune=coop.commune,
                role=role,
                public_name_consent=consent,
                joined_on=coop.founded_on,
                vessel_registration=vessel[0] if vessel else None,
                vessel_name=vessel[1] if vessel else None,
                flag_state="VN" if vessel else None,
            )
    return result


def load_users(coops_by_code: dict[str, Cooperative]) -> list[tuple[str, str, str]]:
    """One login per role; returns (email, password, description) to print."""
    accounts = [
        ("admin@traceapp.demo", "Quản trị hệ thống", "admin", None, None, "platform admin"),
        (
            "manager@xuanphuoc.demo",
            "Nguyễn Thị Hoa",
            "manager",
            "XP",
            None,
            "manager, Xuân Phước peanuts",
        ),
        ("staff@xuanphuoc.demo", "Đặng Thị Thu", "staff", "XP", None, "staff, Xuân Phước peanuts"),
        (
            "manager@songcau.demo",
            "Huỳnh Văn Tâm",
            "manager",
            "SC",
            None,
            "manager, Sông Cầu lobster",
        ),
        ("manager@cangu.demo", "Nguyễn Văn Dũng", "manager", "CN", None, "manager, Phú Yên tuna"),
        (
            "auditor@phuyen.demo",
            "Trần Minh Quân",
            "auditor",
            None,
            "Phú Yên",
            "auditor, Phú Yên province",
        ),
        (
            "auditor@khanhhoa.demo",
            "Lê Thị Yến",
            "auditor",
            None,
            "Khánh Hòa",
            "auditor, Khánh Hòa province",
        ),
    ]
    logins = []
    for email, name, role, code, province, what in accounts:
        if auth.find_user_by_email(email) is None:
            auth.create_user(
                SYSTEM,
                email=email,
                full_name=name,
                password=PASSWORD,
                role=role,
                cooperative_id=coops_by_code[code].id if code else None,
                province=province,
            )
        logins.append((email, PASSWORD, what))
    return logins
