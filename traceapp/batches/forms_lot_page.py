"""The forms of a lot's page, their choices filled in for the lot. Nothing here lists a whole
province's members or zones: the lot's own are offered, any other code is typed."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import request

from traceapp.batches.entry_checks import origin_kinds
from traceapp.batches.event_vocab import DISPOSITION_WORDS
from traceapp.batches.events import STEPS
from traceapp.batches.forms import ContributionForm, EventForm
from traceapp.batches.models import Contribution, Lot
from traceapp.cooperatives.models import Member
from traceapp.extensions import db
from traceapp.web import options
from traceapp.zones.models import Zone, ZoneStatus

#: At most this many of the lot's own zones (or members) are offered to pick from.
OFFERED = 50
#: A cooperative with more members or zones than this has them typed on the delivery form.
LISTED = 300


def lot_zone_options(lot: Lot) -> list[tuple[str, str]]:
    """The zones the lot's deliveries came from (code, name)."""
    delivered = sa.select(Contribution.zone_id).where(Contribution.lot_id == lot.id)
    return [
        (code, name or crop or "")
        for code, name, crop in db.session.execute(
            sa.select(Zone.code, Zone.name, Zone.crop)
            .where(Zone.id.in_(delivered), Zone.cooperative_id == lot.cooperative_id)
            .order_by(Zone.code)
            .limit(OFFERED)
        )
    ]


def contribution_form(lot: Lot) -> ContributionForm:
    """The delivery form of a lot's page: the cooperative's current members, and its approved
    zones of a kind the lot's product may be harvested or caught in; picked from lists in a
    small cooperative, typed (the lot's own offered) in a big one."""
    form = ContributionForm(prefix="c")
    form.cooperative_id = lot.cooperative_id
    members = (
        sa.select(Member)
        .where(Member.cooperative_id == lot.cooperative_id, Member.left_on.is_(None))
        .order_by(Member.member_number)
    )
    zones = (
        sa.select(Zone)
        .where(
            Zone.status == ZoneStatus.APPROVED,
            Zone.kind.in_(origin_kinds(lot.product)),
            Zone.cooperative_id == lot.cooperative_id,
        )
        .order_by(Zone.code)
    )
    listed_members = db.session.execute(members.limit(LISTED + 1)).scalars().all()
    listed_zones = db.session.execute(zones.limit(LISTED + 1)).scalars().all()
    form.typed = len(listed_members) > LISTED or len(listed_zones) > LISTED
    if form.typed:
        del form.member_id
        del form.zone_id
        form.member_number.render_kw = {"list": "c-members", "autocomplete": "off"}
        form.zone_code.render_kw = {"list": "c-zones", "autocomplete": "off"}
        delivered = sa.select(Contribution.member_id).where(Contribution.lot_id == lot.id)
        form.member_options = [
            (m.member_number, m.full_name)
            for m in db.session.execute(
                members.where(Member.id.in_(delivered)).limit(OFFERED)
            ).scalars()
        ]
        form.zone_options = lot_zone_options(lot)
    else:
        del form.member_number
        del form.zone_code
        form.member_id.choices = options(
            (m.id, f"{m.member_number} · {m.full_name}") for m in listed_members
        )
        form.zone_id.choices = options(
            (z.id, f"{z.code} · {z.name or z.crop or ''}") for z in listed_zones
        )
    if request.method == "GET":
        form.unit.data = lot.unit
        form.delivered_on.data = lot.production_date
    return form


def event_form(lot: Lot, cls: type[EventForm] = EventForm, prefix: str = "e") -> Any:
    """The event form (or the correction form) of a lot, its choices filled in."""
    form = cls(prefix=prefix)
    form.biz_step.choices = options((k, v["label"]) for k, v in STEPS.items())
    form.disposition.choices = options([("", "—"), *DISPOSITION_WORDS.items()])
    form.cooperative_id = lot.cooperative_id
    form.zone_code.render_kw = {"list": f"{prefix}-zones", "autocomplete": "off"}
    form.zone_options = lot_zone_options(lot)
    if request.method == "GET":
        form.unit.data = lot.unit
    return form
