"""A lot as the console shows it: where it came from, its lineage, flagged labels and flags."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from traceapp.authority import flags, services
from traceapp.batches import genealogy
from traceapp.batches.models import Contribution, Lot
from traceapp.cooperatives.models import Cooperative
from traceapp.extensions import db
from traceapp.labels.models import Label, LabelRun
from traceapp.zones.models import Zone

if TYPE_CHECKING:
    from traceapp.auth.models import Actor

#: Flagged labels listed on the page at most.
FLAGGED_SHOWN = 200


@dataclass
class LotReview:
    """Everything the console's lot page shows; ids outside the scope are shown unlinked."""

    lot: Lot
    holder: Cooperative | None
    contributions: list[Any]
    zones_in_scope: set[int]
    lineage: list[tuple[Lot, int, str]]
    visible_lots: set[int]
    runs: list[LabelRun]
    flagged: list[Any]
    flags: list[flags.Flag]


def lot_review(actor: Actor, lot_id: Any) -> LotReview:
    """A lot in the actor's console scope (NotFound otherwise), with what the page shows."""
    target = services.get_lot(actor, lot_id)
    scope = services.scope_for(actor)
    contributions = list(
        db.session.execute(
            sa.select(Contribution, Zone.code, Zone.id)
            .join(Zone, Zone.id == Contribution.zone_id)
            .where(Contribution.lot_id == target.id)
            .order_by(Contribution.delivered_on)
        ).all()
    )
    in_scope = (
        set(
            db.session.scalars(
                sa.select(Zone.id).where(
                    scope.zone_clause(), Zone.id.in_([c[2] for c in contributions])
                )
            )
        )
        if contributions
        else set()
    )
    lineage = [(lot_, depth, "in") for lot_, depth in genealogy.ancestors(target)] + [
        (lot_, depth, "out") for lot_, depth in genealogy.descendants(target)
    ]
    visible = (
        set(
            db.session.scalars(
                sa.select(Lot.id).where(scope.lot_clause(), Lot.id.in_([x[0].id for x in lineage]))
            )
        )
        if lineage
        else set()
    )
    flagged = list(
        db.session.execute(
            sa.select(
                Label.serial,
                Label.flagged_at,
                Label.flag_reason,
                Label.flag_cleared_at,
                Label.flag_clear_reason,
            )
            .where(Label.lot_id == target.id, Label.flagged_at.is_not(None))
            .order_by(Label.flagged_at)
            .limit(FLAGGED_SHOWN)
        ).all()
    )
    return LotReview(
        lot=target,
        holder=db.session.get(Cooperative, target.cooperative_id),
        contributions=contributions,
        zones_in_scope=in_scope,
        lineage=lineage,
        visible_lots=visible,
        runs=services.label_runs_of(scope, target),
        flagged=flagged,
        flags=[
            f
            for f in flags.compute_flags(scope, kinds=["cloned_labels", "recalled_lot"])
            if f.lot_id == target.id
        ],
    )
