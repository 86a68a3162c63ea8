"""Grants of use: granting members use of a mark for named products, changing a grant's
products, end date or notes, and listing grants."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy.orm import contains_eager, selectinload

from traceapp.audit import services as audit
from traceapp.auth.permissions import require, scoped_ref, scoped_refs
from traceapp.brands.grant_status import actor_fields, event_date, refuse_if_revoked
from traceapp.brands.models import (
    CollectiveMark,
    GrantAction,
    GrantEvent,
    GrantStatus,
    MarkGrant,
    MarkStatus,
)
from traceapp.cooperatives.models import Member
from traceapp.core.columns import max_length
from traceapp.core.inputs import add_error, blank_to_none
from traceapp.database import local_today
from traceapp.errors import ValidationFailed
from traceapp.extensions import db
from traceapp.products.models import Product

if TYPE_CHECKING:
    from traceapp.auth.models import Actor


def _product_label(product: Product) -> str:
    return f"{product.code} {product.name}"


def _labels(products: Iterable[Product]) -> dict[str, str]:
    return {str(p.id): _product_label(p) for p in products}


def _load_products(
    actor: Actor, mark: CollectiveMark, product_ids: Any, errors: dict[str, list[str]]
) -> list[Product]:
    """The named products, each of the mark's cooperative and carrying this mark."""
    if not product_ids:
        add_error(errors, "product_ids", _("Choose at least one product."))
        return []
    try:
        wanted = list(dict.fromkeys(int(i) for i in product_ids))
    except (TypeError, ValueError):
        add_error(errors, "product_ids", _("Product ids are numbers."))
        return []
    # A product of another cooperative reads exactly like one that does not exist.
    found = scoped_refs(
        Product,
        wanted,
        actor,
        "product_ids",
        errors,
        cooperative_id=mark.cooperative_id,
        message=lambda ident: _("Unknown product (id %(id)s).", id=ident),
    )
    products = []
    for ident in wanted:
        product = found.get(ident)
        if product is None:
            continue
        if product.mark_id != mark.id:
            add_error(
                errors,
                "product_ids",
                _(
                    "Product %(code)s does not carry the mark '%(mark)s'.",
                    code=product.code,
                    mark=mark.name,
                ),
            )
        else:
            products.append(product)
    return products


def _check_period(granted_on: Any, valid_until: Any, errors: dict[str, list[str]]) -> None:
    if not isinstance(granted_on, dt.date):
        add_error(errors, "granted_on", _("Enter the date the grant starts."))
    elif valid_until is not None and valid_until < granted_on:
        add_error(
            errors,
            "valid_until",
            _("The grant cannot end before it starts (%(date)s).", date=format_date(granted_on)),
        )


def _check_notes(notes: Any, errors: dict[str, list[str]]) -> None:
    limit = max_length(MarkGrant.notes)
    if notes is not None and len(notes) > limit:
        add_error(errors, "notes", _("At most %(n)d characters.", n=limit))


def create_grant(
    actor: Actor,
    mark: CollectiveMark,
    *,
    member_id: Any,
    product_ids: Any,
    granted_on: dt.date | None = None,
    valid_until: dt.date | None = None,
    notes: str | None = None,
) -> MarkGrant:
    """Grant a member of the mark's cooperative use of the mark for named products."""
    require(
        actor.can_manage_cooperative(mark.cooperative_id),
        _("Only the cooperative's manager may grant use of its marks."),
    )
    notes = blank_to_none(notes)
    errors: dict[str, list[str]] = {}
    member = scoped_ref(
        Member,
        member_id,
        actor,
        "member_id",
        cooperative_id=mark.cooperative_id,
        message=_("Choose a member of the cooperative that owns the mark."),
        errors=errors,
    )
    products = _load_products(actor, mark, product_ids, errors)
    _check_period(granted_on, valid_until, errors)
    _check_notes(notes, errors)
    if mark.effective_status(local_today()) == MarkStatus.EXPIRED:
        add_error(
            errors,
            "mark",
            _("The mark '%(mark)s' has expired: renew it before granting use.", mark=mark.name),
        )
    if member is not None and "granted_on" not in errors:
        assert granted_on is not None
        if not member.is_member_on(granted_on):
            add_error(
                errors,
                "granted_on",
                _(
                    "%(name)s was not a member on %(date)s.",
                    name=member.full_name,
                    date=format_date(granted_on),
                ),
            )
        else:
            overlap = _overlapping_grant(mark, member, granted_on, valid_until)
            if overlap is not None:
                add_error(
                    errors,
                    "member_id",
                    _(
                        "%(name)s already holds a grant of this mark from %(date)s that covers "
                        "that period: change the products of that grant instead.",
                        name=member.full_name,
                        date=format_date(overlap.granted_on),
                    ),
                )
    if errors:
        raise ValidationFailed(_("The grant could not be saved."), errors)
    assert member is not None and granted_on is not None
    grant = MarkGrant(
        cooperative_id=mark.cooperative_id,
        mark_id=mark.id,
        member_id=member.id,
        status=GrantStatus.ACTIVE,
        granted_on=granted_on,
        valid_until=valid_until,
        notes=notes,
        products=products,
    )
    db.session.add(grant)
    grant.events.append(
        GrantEvent(
            action=GrantAction.GRANTED,
            effective_on=granted_on,
            details={"product_ids": [p.id for p in products], "labels": _labels(products)},
            **actor_fields(actor),
        )
    )
    db.session.flush()
    changes = audit.created(grant)
    changes["products"] = {"before": None, "after": [_product_label(p) for p in products]}
    audit.record(actor, "grant.create", grant, changes=changes)
    return grant


def _overlapping_grant(
    mark: CollectiveMark,
    member: Member,
    start: dt.date,
    end: dt.date | None,
    exclude: int | None = None,
) -> MarkGrant | None:
    """A grant of the same mark to the same member, not revoked, whose period meets this one."""
    stmt = sa.select(MarkGrant).where(
        MarkGrant.mark_id == mark.id,
        MarkGrant.member_id == member.id,
        MarkGrant.status != GrantStatus.REVOKED,
        sa.or_(MarkGrant.valid_until.is_(None), MarkGrant.valid_until >= start),
    )
    if end is not None:
        stmt = stmt.where(MarkGrant.granted_on <= end)
    if exclude is not None:
        stmt = stmt.where(MarkGrant.id != exclude)
    return db.session.execute(stmt.limit(1)).scalars().first()


#: "Not given": update_grant changes only the arguments it receives.
_UNSET: Any = object()


def update_grant(
    actor: Actor,
    grant: MarkGrant,
    *,
    product_ids: Any = _UNSET,
    valid_until: Any = _UNSET,
    notes: Any = _UNSET,
    effective_on: dt.date | None = None,
) -> MarkGrant:
    """Change a grant's products (an event, effective from ``effective_on``, default today),
    its end date (an event) or its notes. Only the arguments given are changed."""
    require(
        actor.can_manage_cooperative(grant.cooperative_id),
        _("Only the cooperative's manager may change grants of use."),
    )
    errors: dict[str, list[str]] = {}
    mark = grant.mark
    products_change = None
    if product_ids is not _UNSET or valid_until is not _UNSET:
        refuse_if_revoked(grant)
    if product_ids is not _UNSET:
        products = _load_products(actor, mark, product_ids, errors)
        old = {p.id: p for p in grant.products}
        new = {p.id: p for p in products}
        if products and set(old) != set(new):
            when = event_date(grant, effective_on, errors, grant.last_products_change_on())
            products_change = (
                products,
                [new[i] for i in new if i not in old],
                [old[i] for i in old if i not in new],
                when,
            )
    elif effective_on is not None:
        add_error(errors, "effective_on", _("An effective date applies to a change of products."))
    new_until = grant.valid_until
    if valid_until is not _UNSET:
        new_until = valid_until
        _check_period(grant.granted_on, new_until, errors)
        if "valid_until" not in errors and new_until != grant.valid_until:
            overlap = _overlapping_grant(
                mark, grant.member, grant.granted_on, new_until, exclude=grant.id
            )
            if overlap is not None:
                add_error(
                    errors,
                    "valid_until",
                    _(
                        "The member holds another grant of this mark from %(date)s: the two "
                        "would overlap.",
                        date=format_date(overlap.granted_on),
                    ),
                )
    if notes is not _UNSET:
        notes = blank_to_none(notes)
        _check_notes(notes, errors)
    if errors:
        raise ValidationFailed(_("The grant could not be saved."), errors)
    before = audit.snapshot(grant)
    changes: dict[str, Any] = {}
    if products_change is not None:
        products, added, removed, when = products_change
        changes["products"] = {
            "before": [_product_label(p) for p in grant.products],
            "after": [_product_label(p) for p in products],
        }
        grant.products = products
        grant.events.append(
            GrantEvent(
                action=GrantAction.PRODUCTS_CHANGED,
                effective_on=when,
                details={
                    "added": [p.id for p in added],
                    "removed": [p.id for p in removed],
                    "labels": _labels(added + removed),
                },
                **actor_fields(actor),
            )
        )
    if new_until != grant.valid_until:
        grant.events.append(
            GrantEvent(
                action=GrantAction.VALIDITY_CHANGED,
                effective_on=max(local_today(), grant.granted_on),
                details={
                    "before": audit.to_jsonable(grant.valid_until),
                    "after": audit.to_jsonable(new_until),
                },
                **actor_fields(actor),
            )
        )
        grant.valid_until = new_until
    if notes is not _UNSET:
        grant.notes = notes
    db.session.flush()
    changes |= audit.diff(before, audit.snapshot(grant))
    if changes:
        audit.record(actor, "grant.update", grant, changes=changes)
    return grant


#: The order of a mark's grants: by member number, then the day granted (keyset paging).
GRANT_LIST_ORDER = [
    (Member.member_number, False),
    (MarkGrant.granted_on, False),
    (MarkGrant.id, False),
]


def grant_listing(stmt: sa.Select[Any], q: str | None = None) -> sa.Select[Any]:
    """Grants with their member and products loaded, searchable by member name or number."""
    stmt = stmt.join(MarkGrant.member).options(
        contains_eager(MarkGrant.member), selectinload(MarkGrant.products)
    )
    q = (q or "").strip()
    if q:
        stmt = stmt.where(
            sa.or_(
                Member.full_name.contains(q, autoescape=True),
                sa.func.lower(Member.full_name).contains(q.lower(), autoescape=True),
                Member.member_number.contains(q, autoescape=True),
            )
        )
    return stmt.order_by(*[c.desc() if desc else c for c, desc in GRANT_LIST_ORDER])


def grant_display_status(grant: MarkGrant, day: dt.date | None = None) -> str:
    """What to show for a grant today: its status, or not started / ended by its dates."""
    day = day or local_today()
    status, _products = grant.state_on(day)
    if status is None:
        return "not_started"
    if status == GrantStatus.ACTIVE and grant.valid_until and day > grant.valid_until:
        return "ended"
    return status.value
