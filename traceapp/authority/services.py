"""The auditors' console: its scope (in one place), the zone register, decisions, claims.

Scope: an auditor reads the zones issued in their province (and the provinces merged into
it; only their district if they have one), the lots that claimed those zones through member
contributions together with every lot made from those lots (packed, graded or processed
produce still carries the zone), the label runs and labels of those lots, and the flags about
them. Platform administrators read everything. Cooperative users have no console: their scope
is empty, so an id gives 404 and a listing 403. Nothing here changes cooperative data; the
only writes are decisions (through the zones lifecycle service) and inspections
(inspections.py).
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from babel.lists import format_list
from flask_babel import get_locale
from flask_babel import gettext as _

# The scope lives below the services (the audit trail reads it too); re-exported here.
from traceapp.auth.permissions import get_scoped
from traceapp.authority.scope import Scope as Scope
from traceapp.authority.scope import console_scope as console_scope
from traceapp.authority.scope import scope_for as scope_for
from traceapp.batches.models import (
    Contribution,
    Lot,
)
from traceapp.cooperatives.models import Cooperative
from traceapp.database import local_today
from traceapp.errors import ValidationFailed
from traceapp.extensions import db
from traceapp.labels.models import LabelRun
from traceapp.zones import services as zones
from traceapp.zones.models import (
    KIND_LABELS,
    STATUS_LABELS,
    Zone,
    ZoneKind,
    ZoneStatus,
    ZoneTransition,
)

if TYPE_CHECKING:
    from traceapp.auth.models import Actor

S = ZoneStatus
#: The longest "expiring within" window a register filter accepts.
MAX_EXPIRING_DAYS = 3660


def get_zone(actor: Actor, zone_id: Any) -> Zone:
    """A zone in the actor's console scope, or NotFound (foreign and missing look alike)."""
    return get_scoped(Zone, zone_id, scope_for(actor))


def get_lot(actor: Actor, lot_id: Any) -> Lot:
    """A lot in the actor's console scope, or NotFound."""
    return get_scoped(Lot, lot_id, scope_for(actor))


# --- the register -------------------------------------------------------------------------------


@dataclass
class RegisterFilters:
    """The zone register's filters; empty values filter nothing."""

    q: str | None = None
    kind: str | None = None
    crop: str | None = None
    status: str | None = None
    on: dt.date | None = None
    cooperative_id: int | None = None
    commune: str | None = None
    expiring_within: int | None = None
    flagged: bool | None = None

    def active(self) -> dict[str, Any]:
        """The filters that were given, for links and exports."""
        return {
            k: (v.isoformat() if isinstance(v, dt.date) else v)
            for k, v in self.__dict__.items()
            if v not in (None, "")
        }


def any_of(labels: Iterable[Any]) -> str:
    """Translated choices joined the reader's way: "A, B, or C" (A、B或C in Chinese)."""
    return format_list([str(label) for label in labels], style="or", locale=get_locale() or "en")


def check_filters(data: dict[str, Any]) -> RegisterFilters:
    """Typed register filters; a value that cannot be used is refused, naming its field."""
    errors: dict[str, list[str]] = {}
    out = RegisterFilters()
    for key in ("q", "crop", "commune"):
        value = (data.get(key) or "").strip() if isinstance(data.get(key), str) else None
        setattr(out, key, value or None)
    kind = data.get("kind") or None
    if kind is not None and kind not in {k.value for k in ZoneKind}:
        # TRANSLATORS: %(kinds)s lists the kinds of zone code, already translated and
        # joined as "A, B, or C".
        errors["kind"] = [
            _("Choose one of: %(kinds)s.", kinds=any_of(KIND_LABELS[k] for k in ZoneKind))
        ]
    out.kind = kind
    status = data.get("status") or None
    if status is not None and status not in {s.value for s in ZoneStatus}:
        # TRANSLATORS: %(statuses)s lists the statuses of a zone code, already translated
        # and joined as "A, B, or C".
        errors["status"] = [
            _("Choose one of: %(statuses)s.", statuses=any_of(STATUS_LABELS[s] for s in ZoneStatus))
        ]
    out.status = status
    on = data.get("on") or None
    if isinstance(on, str):
        try:
            on = dt.date.fromisoformat(on)
        except ValueError:
            errors["on"] = [_("Enter a date as 2026-03-31.")]
            on = None
    out.on = on
    for key, limit in (("cooperative_id", None), ("expiring_within", MAX_EXPIRING_DAYS)):
        value = data.get(key)
        if value in (None, ""):
            continue
        try:
            number = int(value)
        except (TypeError, ValueError):
            errors[key] = [_("Enter a whole number.")]
            continue
        if number < 0 or (limit is not None and number > limit):
            errors[key] = [
                _("Enter a number between 0 and %(n)d.", n=limit or 0)
                if limit
                else _("Enter a positive number.")
            ]
            continue
        setattr(out, key, number)
    flagged = data.get("flagged")
    if isinstance(flagged, str):
        flagged = {
            "1": True,
            "true": True,
            "yes": True,
            "0": False,
            "false": False,
            "no": False,
            "": None,
        }.get(flagged.lower(), "bad")
        if flagged == "bad":
            errors["flagged"] = [_("Use true or false.")]
            flagged = None
    out.flagged = flagged
    if errors:
        raise ValidationFailed(_("The register filters could not be used."), errors)
    return out


def register_query(
    scope: Scope, filters: RegisterFilters | None = None, today: dt.date | None = None
) -> sa.Select[Any]:
    """The zones in scope that pass the filters (status is the effective one on ``on``)."""
    f = filters or RegisterFilters()
    today = today or local_today()
    stmt = zones.filter_zones(
        sa.select(Zone).where(scope.zone_clause()),
        kind=f.kind,
        status=f.status,
        q=f.q,
        today=f.on or today,
    )
    if f.crop:
        stmt = stmt.where(sa.func.lower(Zone.crop).like(f"%{f.crop.lower()}%"))
    if f.commune:
        stmt = stmt.where(sa.func.lower(Zone.commune).like(f"%{f.commune.lower()}%"))
    if f.cooperative_id is not None:
        stmt = stmt.where(Zone.cooperative_id == f.cooperative_id)
    if f.expiring_within is not None:
        stmt = stmt.where(
            Zone.status.in_([s.value for s in zones.EXPIRING_STATUSES]),
            Zone.valid_until.is_not(None),
            Zone.valid_until >= today,
            Zone.valid_until <= today + dt.timedelta(days=f.expiring_within),
        )
    if f.flagged is not None:
        from traceapp.authority.flags import flagged_zone_ids

        ids = flagged_zone_ids(scope, today)
        stmt = stmt.where(Zone.id.in_(ids) if f.flagged else Zone.id.not_in(ids))
    return stmt


def cooperatives_in_register(scope: Scope) -> list[tuple[int, str]]:
    """(id, name) of the cooperatives holding zones in scope, for the register's filter."""
    return [
        (cooperative_id, name)
        for cooperative_id, name in db.session.execute(
            sa.select(Cooperative.id, Cooperative.name)
            .where(Cooperative.id.in_(sa.select(Zone.cooperative_id).where(scope.zone_clause())))
            .order_by(Cooperative.name)
        )
    ]


@dataclass
class Overview:
    """Counts and hectares of the zones in scope, by effective status and by kind.

    A fishing ground covers thousands of hectares of sea; added to farm land it would drown
    every other figure, so ``hectares`` and the by-status hectares count land and farm water
    only and the sea is reported on its own as ``sea_hectares``.
    """

    by_status: dict[str, tuple[int, decimal.Decimal]] = field(default_factory=dict)
    by_kind: dict[str, tuple[int, decimal.Decimal]] = field(default_factory=dict)
    total: int = 0
    hectares: decimal.Decimal = decimal.Decimal(0)
    sea_hectares: decimal.Decimal = decimal.Decimal(0)


def _hectares(value: Any) -> decimal.Decimal:
    return decimal.Decimal(str(value or 0)).quantize(decimal.Decimal("0.01"))


def overview(scope: Scope, today: dt.date | None = None) -> Overview:
    """The map-free overview: one grouped query over the zones in scope."""
    status = zones.effective_status_clause(today).label("status")
    area = sa.func.coalesce(Zone.declared_area_ha, Zone.computed_area_ha, 0)
    rows = db.session.execute(
        sa.select(status, Zone.kind, sa.func.count(Zone.id), sa.func.sum(area))
        .where(scope.zone_clause())
        .group_by(status, Zone.kind)
    ).all()
    out = Overview()
    for st, kind, count, hectares in rows:
        ha = _hectares(hectares)
        kind = ZoneKind(kind).value
        sea = kind == ZoneKind.FISHING_GROUND.value
        n, h = out.by_status.get(st, (0, decimal.Decimal(0)))
        out.by_status[st] = (n + count, h if sea else h + ha)
        n, h = out.by_kind.get(kind, (0, decimal.Decimal(0)))
        out.by_kind[kind] = (n + count, h + ha)
        out.total += count
        if sea:
            out.sea_hectares += ha
        else:
            out.hectares += ha
    order = [s.value for s in ZoneStatus]
    out.by_status = dict(sorted(out.by_status.items(), key=lambda kv: order.index(kv[0])))
    return out


# --- decisions ----------------------------------------------------------------------------------


def decide(
    actor: Actor,
    zone: Zone,
    to_status: str,
    reason: str | None,
    *,
    decision_number: str | None = None,
    issued_on: dt.date | None = None,
) -> ZoneTransition:
    """Approve, reject, suspend, reinstate or revoke a code, with a reason (an approval with
    its decision's number and date).

    The zones lifecycle service enforces that only an auditor of the zone's province decides.
    """
    if to_status not in {s.value for s in zones.DECISION_TARGETS}:
        raise ValidationFailed.field(
            "to_status", _("Choose approve, reject, suspend, reinstate or revoke.")
        )
    return zones.transition(
        actor, zone, to_status, reason, decision_number=decision_number, issued_on=issued_on
    )


# --- what claimed a zone ------------------------------------------------------------------------


@dataclass
class Claim:
    """One lot's declared quantity from a zone."""

    lot_id: int
    lot_code: str
    lot_status: str
    cooperative_id: int
    quantity: decimal.Decimal
    unit: str
    first_delivery: dt.date


def claims_of(zone: Zone) -> list[Claim]:
    """The lots that claimed a zone, with their active contributions summed per lot and unit."""
    rows = db.session.execute(
        sa.select(
            Lot.id,
            Lot.code,
            Lot.status,
            Lot.cooperative_id,
            Contribution.unit,
            sa.func.sum(Contribution.quantity),
            sa.func.min(Contribution.delivered_on),
        )
        .join(Lot, Lot.id == Contribution.lot_id)
        .where(Contribution.zone_id == zone.id, Contribution.voided_at.is_(None))
        .group_by(Lot.id, Lot.code, Lot.status, Lot.cooperative_id, Contribution.unit)
        .order_by(sa.func.min(Contribution.delivered_on), Lot.code)
    ).all()
    return [
        Claim(
            r[0],
            r[1],
            str(getattr(r[2], "value", r[2])),
            r[3],
            decimal.Decimal(str(r[5])),
            r[4],
            r[6],
        )
        for r in rows
    ]


def seasons_of(zone: Zone) -> list[Any]:
    """The zone's yield check for every season it was claimed in, oldest first."""
    from traceapp.authority.zone_flags import yield_checks

    return sorted(yield_checks([zone.id]), key=lambda c: c.season_start)


def label_runs_of(scope: Scope, lot: Lot) -> list[LabelRun]:
    """The label runs of a lot in scope."""
    return list(
        db.session.execute(
            sa.select(LabelRun)
            .where(
                LabelRun.lot_id == lot.id,
                LabelRun.lot_id.in_(sa.select(Lot.id).where(scope.lot_clause())),
            )
            .order_by(LabelRun.created_at)
        ).scalars()
    )
