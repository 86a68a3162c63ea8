"""Load (404) then check (403), and the ids named in bodies and forms, through a scope.

Each function takes the acting user (read through their tenant scope) or a scope itself (the
authority console's): which rows are visible is decided in ``core/scoping.py`` only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar, overload

import sqlalchemy as sa

from traceapp.core.inputs import MAX_ID, id_or_none
from traceapp.core.scoping import Scope, scope_of
from traceapp.errors import Forbidden, NotFound, ValidationFailed
from traceapp.extensions import db

if TYPE_CHECKING:
    from traceapp.auth.models import Actor

M = TypeVar("M")


def scoped(model: type[M], actor: Actor | Scope) -> sa.Select[M]:
    """``SELECT model`` restricted to what the actor may read. Every list starts here."""
    return scope_of(actor).select(model)


def get_scoped(model: type[M], ident: Any, actor: Actor | Scope, *, for_update: bool = False) -> M:
    """Load one object the actor may read, or NotFound: a foreign id looks like a missing one."""
    try:
        ident = int(ident)
    except (TypeError, ValueError):
        raise NotFound() from None
    obj = scope_of(actor).load(model, ident, for_update=for_update)
    if obj is None:
        raise NotFound()
    return obj


def _ref_ident(value: Any) -> int | None:
    """An id as a body or form sends it (a number, or digits), or None when it names nothing."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        # Beyond the column's range is as missing as any other id (and never reaches the database).
        return value if 0 < value <= MAX_ID else None
    if isinstance(value, str):
        return id_or_none(value.strip())
    return None


def _ref_query(model: type[M], actor: Actor | Scope, cooperative_id: int | None) -> sa.Select[M]:
    stmt = scoped(model, actor)
    if cooperative_id is not None:
        # The tenant of the record being written: an administrator sees every cooperative,
        # but a lot of A still may not name B's zone.
        stmt = stmt.where(model.cooperative_id == cooperative_id)  # type: ignore[attr-defined]
    return stmt


@overload
def scoped_ref(
    model: type[M],
    ident: Any,
    actor: Actor | Scope,
    field: str,
    *,
    cooperative_id: int | None = ...,
    message: str,
    for_update: bool = ...,
    errors: None = ...,
) -> M: ...
@overload
def scoped_ref(
    model: type[M],
    ident: Any,
    actor: Actor | Scope,
    field: str,
    *,
    cooperative_id: int | None = ...,
    message: str,
    for_update: bool = ...,
    errors: dict[str, list[str]],
) -> M | None: ...
def scoped_ref(
    model: type[M],
    ident: Any,
    actor: Actor | Scope,
    field: str,
    *,
    cooperative_id: int | None = None,
    message: str,
    for_update: bool = False,
    errors: dict[str, list[str]] | None = None,
) -> M | None:
    """Load what a body or form names in ``field`` through the scope of URL ids, or refuse."""
    # A missing, a malformed and a foreign id get the same refusal naming the field, in the
    # caller's words, which say nothing of the object: 422, as the request itself was
    # understood. With ``errors`` the refusal joins the input's other problems (and None is
    # returned), so that they are all reported at once.
    number = _ref_ident(ident)
    obj = None
    if number is not None:
        stmt = _ref_query(model, actor, cooperative_id).where(
            model.id == number  # type: ignore[attr-defined]
        )
        if for_update:
            stmt = stmt.with_for_update()
        obj = db.session.execute(stmt).scalars().first()
    if obj is not None:
        return obj
    if errors is None:
        raise ValidationFailed.field(field, message)
    errors.setdefault(field, []).append(message)
    return None


def scoped_refs(
    model: type[M],
    idents: Iterable[int],
    actor: Actor | Scope,
    field: str,
    errors: dict[str, list[str]],
    *,
    message: Callable[[int], str],
    cooperative_id: int | None = None,
) -> dict[int, M]:
    """:func:`scoped_ref` for a list of ids, in one query: the objects found, by id."""
    # Each missing or foreign id adds ``message(id)`` under ``field``: the id as the caller
    # sent it, so which one is refused, and nothing more.
    wanted = list(dict.fromkeys(idents))
    numbers = [n for n in wanted if _ref_ident(n) is not None]
    found = (
        {
            obj.id: obj  # type: ignore[attr-defined]
            for obj in db.session.execute(
                _ref_query(model, actor, cooperative_id).where(
                    model.id.in_(numbers)  # type: ignore[attr-defined]
                )
            ).scalars()
        }
        if numbers
        else {}
    )
    for ident in wanted:
        if ident not in found:
            errors.setdefault(field, []).append(message(ident))
    return found


def require(allowed: bool, message: str | None = None) -> None:
    """Refuse with 403 when the actor may see but not do."""
    if not allowed:
        raise Forbidden(message)  # None: the translated "You are not allowed to do this."
