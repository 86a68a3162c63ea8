"""Tenant scoping in one place, and the load (404) then check (403) helpers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa

from traceapp.errors import Forbidden, NotFound
from traceapp.extensions import db

if TYPE_CHECKING:
    from traceapp.auth.models import Actor

M = TypeVar("M")


def scoped(model: type[M], actor: Actor) -> sa.Select[M]:
    """``SELECT model`` restricted to what the actor may read. Every list starts here."""
    return sa.select(model).where(model.visible_to(actor))  # type: ignore[attr-defined]


def get_scoped(model: type[M], ident: Any, actor: Actor, *, for_update: bool = False) -> M:
    """Load one object the actor may read, or NotFound: a foreign id looks like a missing one."""
    try:
        ident = int(ident)
    except (TypeError, ValueError):
        raise NotFound() from None
    stmt = scoped(model, actor).where(model.id == ident)  # type: ignore[attr-defined]
    if for_update:
        stmt = stmt.with_for_update()
    obj = db.session.execute(stmt).scalars().first()
    if obj is None:
        raise NotFound()
    return obj


def require(allowed: bool, message: str | None = None) -> None:
    """Refuse with 403 when the actor may see but not do."""
    if not allowed:
        raise Forbidden(message)  # None: the translated "You are not allowed to do this."
