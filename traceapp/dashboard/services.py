"""Figures for the home page, always through the tenant scope."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from traceapp.auth.permissions import scoped
from traceapp.cooperatives.models import Cooperative, Gender, Member
from traceapp.extensions import db


def _count(stmt: sa.Select[Any]) -> int:
    return db.session.execute(
        sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())
    ).scalar_one()


def dashboard_counts(actor: Any) -> dict[str, int]:
    """Counts of what the actor can see."""
    members = scoped(Member, actor).where(Member.left_on.is_(None))
    return {
        "cooperatives": _count(scoped(Cooperative, actor)),
        "members": _count(members),
        "women": _count(members.where(Member.gender == Gender.FEMALE)),
    }
