"""Flags from the checks at entry: deliveries recorded although they looked implausible."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from traceapp.authority.flag_text import written
from traceapp.authority.models import Flag
from traceapp.authority.scope import Scope
from traceapp.batches.models import Contribution, Lot
from traceapp.cooperatives.models import Member
from traceapp.extensions import db
from traceapp.units import fmt_plain
from traceapp.zones.models import Zone


def implausible_entries(scope: Scope, zone_ids: Any) -> list[Flag]:
    """Contributions from zones in scope that were confirmed despite an implausible finding."""
    rows = db.session.execute(
        sa.select(Contribution, Lot.code, Zone.code, Member.full_name)
        .join(Lot, Lot.id == Contribution.lot_id)
        .join(Zone, Zone.id == Contribution.zone_id)
        .join(Member, Member.id == Contribution.member_id)
        .where(
            Contribution.zone_id.in_(zone_ids),
            Contribution.voided_at.is_(None),
            Contribution.confirmation_reason.is_not(None),
        )
        .order_by(Contribution.delivered_on, Contribution.id)
    ).all()
    out = []
    for c, lot_code, zone_code, member_name in rows:
        out.append(
            written(
                Flag(
                    "implausible_entry",
                    "",
                    zone_id=c.zone_id,
                    zone_code=zone_code,
                    lot_id=c.lot_id,
                    lot_code=lot_code,
                    cooperative_id=c.cooperative_id,
                    since=c.delivered_on,
                    details={
                        "contribution_id": c.id,
                        "quantity": fmt_plain(c.quantity, c.unit),
                        "member": member_name,
                        "reason": c.confirmation_reason,
                        "findings": c.entry_warnings or [],
                    },
                    extra={"quantity": str(c.quantity), "unit": c.unit},
                )
            )
        )
    return out
