"""The auditors' console scope, in one place: what a console user may read, as SQL.

An auditor reads the zones issued in their province (and the provinces merged into it; only
their district if they have one), the lots that claimed those zones through member
contributions together with every lot made from those lots, and what hangs on them.
Platform administrators read everything; cooperative users have no console. This module
reads models only, so the audit trail, the flags and the console can all start here.

The console's scope is one kind of the scope every tenant query goes through
(``core/scoping.py``): it answers "which rows of this model?" for zones and lots by the
region, and for any other model as the tenant rules do, so ``get_scoped`` and ``scoped``
take it as they take an actor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import gettext as _

from traceapp.auth.permissions import require
from traceapp.batches.models import (
    Contribution,
    EventErrorDeclaration,
    Lot,
    LotInput,
    TraceEvent,
)
from traceapp.cooperatives.models import Cooperative
from traceapp.core import scoping
from traceapp.extensions import db
from traceapp.zones.models import Zone

if TYPE_CHECKING:
    from traceapp.auth.models import Actor


class Scope(scoping.Scope):
    """What one console user may read, as SQL. Every authority query starts here."""

    def __init__(self, actor: Actor, mode: str) -> None:
        super().__init__(actor)
        #: "all" for administrators, "region" for auditors, "none" for everyone else.
        self.mode = mode

    @property
    def is_console_user(self) -> bool:
        """Whether the actor may use the console at all."""
        return self.mode != "none"

    def clause(self, model: Any) -> sa.ColumnElement[bool]:
        """Rows of ``model`` in scope: all for administrators, none outside the console; for an
        auditor the zones of their region, the lots that claimed them (and those made from
        those lots), and of any other model what the tenant rules let them read."""
        if self.mode == "all":
            return sa.true()
        if self.mode == "none":
            return sa.false()
        if model is Lot:
            return Lot.id.in_(self.lot_ids())
        return super().clause(model)

    def zone_clause(self) -> sa.ColumnElement[bool]:
        """Zones in scope (a WHERE clause on Zone)."""
        return self.clause(Zone)

    def zone_ids(self) -> sa.Select[Any]:
        """SELECT the ids of zones in scope."""
        return sa.select(Zone.id).where(self.zone_clause())

    def lot_ids(self) -> sa.Select[Any]:
        """SELECT the ids of lots in scope: claimants of scoped zones and all made from them."""
        if self.mode == "all":
            return sa.select(Lot.id)
        if self.mode == "none":
            return sa.select(Lot.id).where(sa.false())
        # A lot claims a code through a member's contribution from the zone, or through an
        # event that took place there (its readPoint); both bring it under the code's auditor.
        claimants = sa.union(
            sa.select(Contribution.lot_id.label("lot_id")).where(
                Contribution.zone_id.in_(self.zone_ids()), Contribution.voided_at.is_(None)
            ),
            sa.select(TraceEvent.lot_id).where(
                TraceEvent.zone_id.in_(self.zone_ids()), ~event_declared_wrong()
            ),
        ).subquery("claimants")
        tree = sa.select(claimants.c.lot_id).cte("scope_lots", recursive=True)
        # UNION (not UNION ALL) drops repeats, so the walk ends even on odd genealogies.
        tree = tree.union(
            sa.select(LotInput.output_lot_id).join(tree, LotInput.input_lot_id == tree.c.lot_id)
        )
        return sa.select(tree.c.lot_id)

    def lot_clause(self) -> sa.ColumnElement[bool]:
        """Lots in scope (a WHERE clause on Lot)."""
        return self.clause(Lot)


def event_declared_wrong() -> sa.Exists:
    """Whether the TraceEvent of the row was declared wrong: it no longer claims its zone."""
    return sa.exists().where(EventErrorDeclaration.event_id == TraceEvent.id)


def scope_for(actor: Actor) -> Scope:
    """The console scope of an actor (empty for cooperative users)."""
    if actor.is_admin:
        return Scope(actor, "all")
    if actor.is_auditor:
        return Scope(actor, "region")
    return Scope(actor, "none")


def console_scope(actor: Actor) -> Scope:
    """The scope of a console user; 403 for anyone else."""
    scope = scope_for(actor)
    require(scope.is_console_user, _("The authority console is for auditors and administrators."))
    return scope


def cooperative_ids(scope: Scope) -> list[int]:
    """Cooperatives of the region: located in it, or holding a zone code issued in it
    (looked up once per scope: a page asks for them several times)."""
    known: list[int] | None = scope.__dict__.get("_cooperative_ids")
    if known is None:
        known = scope.__dict__["_cooperative_ids"] = _cooperative_ids(scope)
    return list(known)


def _cooperative_ids(scope: Scope) -> list[int]:
    # Each cooperative asked whether it holds a zone of the region (an index lookup that
    # stops at the first), not every zone of the region read for its cooperative.
    holders = set(
        db.session.scalars(
            sa.select(Cooperative.id).where(
                sa.exists().where(Zone.cooperative_id == Cooperative.id, scope.zone_clause())
            )
        )
    )
    rows = db.session.execute(
        sa.select(Cooperative.id, Cooperative.province, Cooperative.district, Cooperative.country)
    ).all()
    if scope.mode == "all":
        return sorted(r.id for r in rows)
    if scope.mode == "none":
        return []
    # A few hundred rows at most; the province-merge rules live in Python (regions.py).
    located = {r.id for r in rows if scope.actor.can_audit(r.province, r.district, r.country)}
    return sorted(located | holders)
