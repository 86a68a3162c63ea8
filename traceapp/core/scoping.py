"""Who reads which rows, in one place: an actor's scope, as SQL, for every model.

A scope answers one question, "which rows of this model may the actor read?", as a WHERE
clause; every list starts from :meth:`Scope.select` and every id is loaded through
:meth:`Scope.load`, so that a foreign row reads exactly like a missing one.

The default is the tenant scope: each model says who reads it (``Model.visible_to(actor)``),
and the rule most models share is :func:`own_rows` (administrators every row, a
cooperative's users their cooperative's rows, anyone else none). The authority console's
scope (a province or district, the lots that claimed its zones) is another kind of scope,
built on this class in ``authority/scope.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa

from traceapp.extensions import db

if TYPE_CHECKING:
    from traceapp.auth.models import Actor

M = TypeVar("M")


def own_rows(owner: Any, actor: Actor) -> sa.ColumnElement[bool]:
    """The tenant rule on the column that names a row's cooperative (``cooperative_id``, or a
    cooperative's own ``id``): administrators read every row, a cooperative's users their
    cooperative's rows, anyone else none."""
    if actor.is_admin:
        return sa.true()
    if actor.is_cooperative_user:
        return owner == actor.cooperative_id
    return sa.false()


class Scope:
    """Which rows of each model one actor may read, as SQL."""

    def __init__(self, actor: Actor) -> None:
        self.actor = actor

    def clause(self, model: Any) -> sa.ColumnElement[bool]:
        """Rows of ``model`` in the scope (a WHERE clause): by default, what the model lets
        the actor read (``model.visible_to``)."""
        return model.visible_to(self.actor)

    def select(self, model: type[M]) -> sa.Select[M]:
        """``SELECT model`` restricted to the scope. Every list starts here."""
        return sa.select(model).where(self.clause(model))

    def load(self, model: type[M], ident: int, *, for_update: bool = False) -> M | None:
        """The row of ``model`` with this id if it is in the scope, else None."""
        stmt = self.select(model).where(model.id == ident)  # type: ignore[attr-defined]
        if for_update:
            stmt = stmt.with_for_update()
        return db.session.execute(stmt).scalars().first()


def scope_of(who: Actor | Scope) -> Scope:
    """The scope to read through: the one given, or an actor's tenant scope."""
    return who if isinstance(who, Scope) else Scope(who)
