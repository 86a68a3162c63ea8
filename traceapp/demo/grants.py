"""Demo grants of use: members may put their cooperative's mark on its products.

Every current member of XP and SC, and every vessel owner of CN, is granted use for all of
the cooperative's products that carry the mark, from the mark's certificate date. XP member
0005 is left without a grant, so that a refusal can be shown; one SC grant carries a past
suspension, so that a grant's history can be shown.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import sqlalchemy as sa

from traceapp.auth.models import SYSTEM
from traceapp.brands import services
from traceapp.brands.models import MarkGrant
from traceapp.cooperatives.models import MemberRole
from traceapp.database import local_today
from traceapp.extensions import db

log = logging.getLogger(__name__)

#: The member of XP kept without a grant.
WITHOUT_GRANT = ("XP", "0005")
#: A grant with a suspension in its past: (coop, member number, suspended, reinstated).
SUSPENDED_ONCE = ("SC", "0003", dt.date(2023, 6, 10), dt.date(2023, 9, 1))


def _eligible(code: str, member: Any, today: dt.date) -> bool:
    if not member.is_member_on(today) or (code, member.member_number) == WITHOUT_GRANT:
        return False
    if code == "CN":
        return member.role == MemberRole.VESSEL_OWNER
    return True


def load(ctx: dict[str, Any]) -> None:
    """Grant use of each demo mark; ``ctx["grants"]`` maps short code to its grants."""
    today = local_today()
    ctx["grants"] = {}
    for code, mark in ctx.get("marks", {}).items():
        products = [p for p in ctx.get("products", {}).get(code, []) if p.mark_id == mark.id]
        if not products:
            log.warning("demo: no products carry the mark %s, so no grants", mark.name)
            continue
        held = {
            g.member_id: g
            for g in db.session.execute(
                sa.select(MarkGrant).where(MarkGrant.mark_id == mark.id)
            ).scalars()
        }
        for member in ctx["members"][code]:
            if member.id in held or not _eligible(code, member, today):
                continue
            start = max(filter(None, (mark.certificate_date, member.joined_on)))
            grant = services.create_grant(
                SYSTEM,
                mark,
                member_id=member.id,
                product_ids=[p.id for p in products],
                granted_on=start,
                notes="Quyết định cấp quyền sử dụng nhãn hiệu tập thể của Ban quản trị.",
            )
            held[member.id] = grant
            if (code, member.member_number) == SUSPENDED_ONCE[:2]:
                suspended, reinstated = SUSPENDED_ONCE[2:]
                services.suspend_grant(
                    SYSTEM,
                    grant,
                    effective_on=max(suspended, start),
                    reason="Giao tôm hùm chưa đạt kích cỡ thương phẩm dưới nhãn hiệu tập thể.",
                )
                services.reinstate_grant(
                    SYSTEM,
                    grant,
                    effective_on=max(reinstated, start),
                    reason="Đã khắc phục và cam kết tuân thủ quy chế sử dụng nhãn hiệu.",
                )
        ctx["grants"][code] = list(held.values())
