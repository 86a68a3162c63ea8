"""Collective marks and grants of use: registration, edits, the grant lifecycle, and the rule
"may this member put the mark on this product on that day?"."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import format_date, pgettext
from flask_babel import gettext as _
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from traceapp.audit import services as audit
from traceapp.auth.permissions import get_scoped, require, scoped_ref, scoped_refs
from traceapp.brands.models import (
    CollectiveMark,
    GrantAction,
    GrantEvent,
    GrantStatus,
    MarkGrant,
    MarkStatus,
)
from traceapp.cooperatives.models import Cooperative, Member
from traceapp.core.inputs import blank_to_none
from traceapp.database import local_today
from traceapp.errors import Conflict, ValidationFailed
from traceapp.extensions import db
from traceapp.media.services import store_image
from traceapp.products.models import Product

if TYPE_CHECKING:
    from traceapp.auth.models import Actor

MARK_FIELDS = (
    "name",
    "certificate_number",
    "certificate_date",
    "valid_until",
    "status",
    "product_scope",
    "geographic_scope",
    "owner_name",
    "owner_address",
    "founding_basis",
    "membership_criteria",
    "conditions_of_use",
    "violation_measures",
    "rules_adopted_on",
)
#: Longest text accepted per field (the columns' sizes, or a sane bound for TEXT).
_MAX_LENGTH = {
    "name": 200,
    "certificate_number": 40,
    "owner_name": 200,
    "owner_address": 300,
    "product_scope": 5000,
    "geographic_scope": 5000,
    "founding_basis": 5000,
    "membership_criteria": 10000,
    "conditions_of_use": 10000,
    "violation_measures": 10000,
}
REASON_MIN, REASON_MAX = 3, 500
NOTES_MAX = 5000


def _add(errors: dict[str, list[str]], key: str, message: str) -> None:
    errors.setdefault(key, []).append(message)


# --- marks ------------------------------------------------------------------------------------


def _mark_values(data: dict[str, Any]) -> dict[str, Any]:
    values = {k: blank_to_none(data[k]) for k in MARK_FIELDS if k in data}
    if isinstance(values.get("status"), str):
        try:
            values["status"] = MarkStatus(values["status"])
        except ValueError:
            raise ValidationFailed.field("status", _("Unknown status.")) from None
    return values


def check_mark(
    values: dict[str, Any], cooperative_id: int, existing: CollectiveMark | None = None
) -> dict[str, list[str]]:
    """Every problem of a mark's data, by field (empty when it may be saved)."""
    errors: dict[str, list[str]] = {}
    today = local_today()
    if not values.get("name"):
        _add(errors, "name", _("Enter the mark's name."))
    for key, limit in _MAX_LENGTH.items():
        if isinstance(values.get(key), str) and len(values[key]) > limit:
            _add(errors, key, _("At most %(n)d characters.", n=limit))
    if values.get("name") and "name" not in errors:
        clash = db.session.execute(
            sa.select(CollectiveMark.id).where(
                CollectiveMark.cooperative_id == cooperative_id,
                CollectiveMark.name == values["name"],
            )
        ).first()
        if clash is not None and (existing is None or clash.id != existing.id):
            _add(errors, "name", _("The cooperative already has a mark of this name."))
    issued, until = values.get("certificate_date"), values.get("valid_until")
    if issued and issued > today:
        _add(errors, "certificate_date", _("The certificate date is in the future."))
    if issued and until and until < issued:
        _add(errors, "valid_until", _("The mark cannot expire before its certificate date."))
    adopted = values.get("rules_adopted_on")
    if adopted and adopted > today:
        _add(errors, "rules_adopted_on", _("The rules cannot be adopted in the future."))
    if values.get("status") == MarkStatus.REGISTERED:
        # A registered mark is one the IP office has certified: say which certificate.
        if not values.get("certificate_number"):
            _add(errors, "certificate_number", _("A registered mark needs the certificate number."))
        if not issued:
            _add(errors, "certificate_date", _("A registered mark needs the certificate date."))
    return errors


def create_mark(actor: Actor, cooperative_id: int, **data: Any) -> CollectiveMark:
    """Register a cooperative's collective mark (its manager or an administrator)."""
    coop = get_scoped(Cooperative, cooperative_id, actor)
    require(
        actor.can_manage_cooperative(coop.id),
        _("Only the cooperative's manager may register its marks."),
    )
    values = _mark_values(data)
    if values.get("status") is None:
        values["status"] = MarkStatus.PENDING
    errors = check_mark(values, coop.id)
    if errors:
        raise ValidationFailed(_("The mark could not be saved."), errors)
    mark = CollectiveMark(cooperative_id=coop.id, **values)
    db.session.add(mark)
    db.session.flush()
    audit.record(actor, "mark.create", mark, changes=audit.created(mark))
    return mark


def update_mark(actor: Actor, mark: CollectiveMark, **data: Any) -> CollectiveMark:
    """Change a mark's registration details or rules of use (its cooperative's manager)."""
    require(
        actor.can_manage_cooperative(mark.cooperative_id),
        _("Only the cooperative's manager may edit its marks."),
    )
    values = _mark_values(data)
    if "name" in values and not values["name"]:
        raise ValidationFailed.field("name", _("Enter the mark's name."))
    if "status" in values and values["status"] is None:
        values.pop("status")
    merged = {k: getattr(mark, k) for k in MARK_FIELDS} | values
    errors = check_mark(merged, mark.cooperative_id, existing=mark)
    if errors:
        raise ValidationFailed(_("The mark could not be saved."), errors)
    audit.apply_changes(actor, mark, values, "mark.update")
    return mark


def set_mark_logo(actor: Actor, mark: CollectiveMark, upload: Any) -> CollectiveMark:
    """Replace the mark's logo with a checked, re-encoded image."""
    require(
        actor.can_manage_cooperative(mark.cooperative_id),
        _("Only the cooperative's manager may change the logo."),
    )
    stored = store_image(upload, "logo", mark.cooperative_id)
    audit.replace_image(actor, mark, "logo", stored.key, "mark.logo")
    return mark


def mark_search(
    stmt: sa.Select[Any], q: str | None = None, status: MarkStatus | str | None = None
) -> sa.Select[Any]:
    """Filter marks by name, certificate number or scope, and by recorded status."""
    q = (q or "").strip()
    if q:
        columns = (
            CollectiveMark.name,
            CollectiveMark.certificate_number,
            CollectiveMark.product_scope,
            CollectiveMark.geographic_scope,
        )
        # SQLite's lower() folds ASCII only, so match the text as typed or lower-cased.
        stmt = stmt.where(
            sa.or_(
                *(
                    clause
                    for column in columns
                    for clause in (
                        column.contains(q, autoescape=True),
                        sa.func.lower(column).contains(q.lower(), autoescape=True),
                    )
                )
            )
        )
    if status:
        stmt = stmt.where(CollectiveMark.status == MarkStatus(status))
    return stmt


# --- grants -----------------------------------------------------------------------------------


def _actor_fields(actor: Actor) -> dict[str, Any]:
    return {
        "actor_id": getattr(actor, "id", None),
        "actor_label": (getattr(actor, "label", None) or "anonymous")[:254],
    }


def _product_label(product: Product) -> str:
    return f"{product.code} {product.name}"


def _labels(products: Iterable[Product]) -> dict[str, str]:
    return {str(p.id): _product_label(p) for p in products}


def _load_products(
    actor: Actor, mark: CollectiveMark, product_ids: Any, errors: dict[str, list[str]]
) -> list[Product]:
    """The named products, each of the mark's cooperative and carrying this mark."""
    if not product_ids:
        _add(errors, "product_ids", _("Choose at least one product."))
        return []
    try:
        wanted = list(dict.fromkeys(int(i) for i in product_ids))
    except (TypeError, ValueError):
        _add(errors, "product_ids", _("Product ids are numbers."))
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
            _add(
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
        _add(errors, "granted_on", _("Enter the date the grant starts."))
    elif valid_until is not None and valid_until < granted_on:
        _add(
            errors,
            "valid_until",
            _("The grant cannot end before it starts (%(date)s).", date=format_date(granted_on)),
        )


def _check_notes(notes: Any, errors: dict[str, list[str]]) -> None:
    if notes is not None and len(notes) > NOTES_MAX:
        _add(errors, "notes", _("At most %(n)d characters.", n=NOTES_MAX))


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
        _add(
            errors,
            "mark",
            _("The mark '%(mark)s' has expired: renew it before granting use.", mark=mark.name),
        )
    if member is not None and "granted_on" not in errors:
        assert granted_on is not None
        if not member.is_member_on(granted_on):
            _add(
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
                _add(
                    errors,
                    "member_id",
                    _(
                        "%(name)s already holds grant no. %(id)s of this mark for that period: "
                        "change its products instead.",
                        name=member.full_name,
                        id=overlap.id,
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
            **_actor_fields(actor),
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


def _refuse_if_revoked(grant: MarkGrant) -> None:
    if grant.status == GrantStatus.REVOKED:
        revoked = next((e for e in reversed(grant.events) if e.action == GrantAction.REVOKED), None)
        raise Conflict(
            _(
                "This grant was revoked (from %(date)s); a revoked grant stays revoked. "
                "Grant use anew instead.",
                date=format_date(revoked.effective_on) if revoked else "?",
            )
        )


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
        _refuse_if_revoked(grant)
    if product_ids is not _UNSET:
        products = _load_products(actor, mark, product_ids, errors)
        old = {p.id: p for p in grant.products}
        new = {p.id: p for p in products}
        if products and set(old) != set(new):
            when = _event_date(grant, effective_on, errors, grant.last_products_change_on())
            products_change = (
                products,
                [new[i] for i in new if i not in old],
                [old[i] for i in old if i not in new],
                when,
            )
    elif effective_on is not None:
        _add(errors, "effective_on", _("An effective date applies to a change of products."))
    new_until = grant.valid_until
    if valid_until is not _UNSET:
        new_until = valid_until
        _check_period(grant.granted_on, new_until, errors)
        if "valid_until" not in errors and new_until != grant.valid_until:
            overlap = _overlapping_grant(
                mark, grant.member, grant.granted_on, new_until, exclude=grant.id
            )
            if overlap is not None:
                _add(
                    errors,
                    "valid_until",
                    _(
                        "The member holds grant no. %(id)s of this mark from %(date)s: the two "
                        "would overlap.",
                        id=overlap.id,
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
                **_actor_fields(actor),
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
                **_actor_fields(actor),
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


def _event_date(
    grant: MarkGrant, effective_on: dt.date | None, errors: dict[str, list[str]], latest: dt.date
) -> dt.date:
    """Check (or default) an event's effective date: not before ``latest`` (the last event of
    its kind), and not in the future unless the grant itself starts later."""
    today = local_today()
    if effective_on is None:
        return max(today, latest)
    if effective_on < latest:
        _add(
            errors,
            "effective_on",
            _(
                "The effective date must be on or after %(date)s, the date of the grant's last "
                "change.",
                date=format_date(latest),
            ),
        )
    elif effective_on > max(today, grant.granted_on):
        _add(errors, "effective_on", _("The effective date cannot be in the future."))
    return effective_on


def _check_reason(reason: Any, errors: dict[str, list[str]]) -> str | None:
    reason = blank_to_none(reason)
    if reason is None or len(reason) < REASON_MIN:
        _add(errors, "reason", _("Say why, in at least %(n)d characters.", n=REASON_MIN))
    elif len(reason) > REASON_MAX:
        _add(errors, "reason", _("At most %(n)d characters.", n=REASON_MAX))
    return reason


_TRANSITIONS = {
    GrantAction.SUSPENDED: ({GrantStatus.ACTIVE}, GrantStatus.SUSPENDED),
    GrantAction.REINSTATED: ({GrantStatus.SUSPENDED}, GrantStatus.ACTIVE),
    GrantAction.REVOKED: ({GrantStatus.ACTIVE, GrantStatus.SUSPENDED}, GrantStatus.REVOKED),
}


def _transition(
    actor: Actor, grant: MarkGrant, action: GrantAction, reason: Any, effective_on: Any
) -> MarkGrant:
    require(
        actor.can_manage_cooperative(grant.cooperative_id),
        _("Only the cooperative's manager may change grants of use."),
    )
    _refuse_if_revoked(grant)
    allowed_from, after = _TRANSITIONS[action]
    if grant.status not in allowed_from:
        message = {
            GrantAction.SUSPENDED: _("The grant is already suspended."),
            GrantAction.REINSTATED: _("Only a suspended grant can be reinstated."),
        }.get(action, _("This change does not apply to the grant's status."))
        raise Conflict(message)
    errors: dict[str, list[str]] = {}
    reason = _check_reason(reason, errors)
    if not isinstance(effective_on, dt.date):
        _add(errors, "effective_on", _("Enter the date the change takes effect."))
    else:
        _event_date(grant, effective_on, errors, grant.last_status_change_on())
    if errors:
        raise ValidationFailed(_("The change could not be recorded."), errors)
    before = grant.status
    grant.status = after
    grant.events.append(
        GrantEvent(action=action, effective_on=effective_on, reason=reason, **_actor_fields(actor))
    )
    db.session.flush()
    verb = {
        GrantAction.SUSPENDED: "suspend",
        GrantAction.REINSTATED: "reinstate",
        GrantAction.REVOKED: "revoke",
    }[action]
    audit.record(
        actor,
        f"grant.{verb}",
        grant,
        summary=reason,
        changes={
            "status": {"before": before.value, "after": after.value},
            "effective_on": {"before": None, "after": effective_on.isoformat()},
            "reason": {"before": None, "after": reason},
        },
    )
    return grant


def suspend_grant(
    actor: Actor, grant: MarkGrant, *, reason: str, effective_on: dt.date
) -> MarkGrant:
    """Suspend an active grant from a date, saying why."""
    return _transition(actor, grant, GrantAction.SUSPENDED, reason, effective_on)


def reinstate_grant(
    actor: Actor, grant: MarkGrant, *, reason: str, effective_on: dt.date
) -> MarkGrant:
    """Lift a suspension from a date, saying why. A revoked grant cannot be reinstated."""
    return _transition(actor, grant, GrantAction.REINSTATED, reason, effective_on)


def revoke_grant(
    actor: Actor, grant: MarkGrant, *, reason: str, effective_on: dt.date
) -> MarkGrant:
    """Revoke a grant from a date, saying why. This is final."""
    return _transition(actor, grant, GrantAction.REVOKED, reason, effective_on)


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
    return stmt.order_by(Member.member_number, MarkGrant.granted_on, MarkGrant.id)


def grant_display_status(grant: MarkGrant, day: dt.date | None = None) -> str:
    """What to show for a grant today: its status, or not started / ended by its dates."""
    day = day or local_today()
    status, _products = grant.state_on(day)
    if status is None:
        return "not_started"
    if status == GrantStatus.ACTIVE and grant.valid_until and day > grant.valid_until:
        return "ended"
    return status.value


# --- may this member use the mark? ------------------------------------------------------------


def _mark_status_word(status: MarkStatus) -> str:
    """A mark's status as a word that fits inside a sentence ("it is pending")."""
    return {
        MarkStatus.PENDING: pgettext("collective mark status", "pending"),
        MarkStatus.REGISTERED: pgettext("collective mark status", "registered"),
        MarkStatus.SUSPENDED: pgettext("collective mark status", "suspended"),
        MarkStatus.EXPIRED: pgettext("collective mark status", "expired"),
    }[status]


def _mark_problem(mark: CollectiveMark, on_date: dt.date) -> str | None:
    status = mark.effective_status(on_date)
    if status == MarkStatus.EXPIRED:
        if mark.valid_until and on_date > mark.valid_until:
            return _(
                "The collective mark '%(mark)s' expired on %(until)s.",
                mark=mark.name,
                until=format_date(mark.valid_until),
            )
        return _("The collective mark '%(mark)s' has expired.", mark=mark.name)
    if status != MarkStatus.REGISTERED:
        # TRANSLATORS: %(status)s is the mark's status as one word, e.g. "pending" or
        # "suspended" (translated on its own, with the context "collective mark status").
        return _(
            "The collective mark '%(mark)s' is not registered (it is %(status)s).",
            mark=mark.name,
            status=_mark_status_word(status),
        )
    if mark.certificate_date and on_date < mark.certificate_date:
        return _(
            "The collective mark '%(mark)s' was registered only on %(date)s.",
            mark=mark.name,
            date=format_date(mark.certificate_date),
        )
    return None


def _since(grant: MarkGrant, on_date: dt.date) -> str:
    """The effective date of the last suspension or revocation up to a day, for a message."""
    dates = [
        e.effective_on
        for e in grant.events
        if e.action in (GrantAction.SUSPENDED, GrantAction.REVOKED) and e.effective_on <= on_date
    ]
    return format_date(max(dates)) if dates else "?"


def _member_problem(
    member: Member,
    mark: CollectiveMark,
    product: Product,
    grants: list[MarkGrant],
    on_date: dt.date,
) -> str | None:
    """Why this member may not use the mark on the product that day, given their grants."""
    day = format_date(on_date)
    if member.cooperative_id != mark.cooperative_id or not member.is_member_on(on_date):
        return _(
            "%(name)s was not a member of the cooperative owning '%(mark)s' on %(date)s.",
            name=member.full_name,
            mark=mark.name,
            date=day,
        )
    # Grants that name the product but do not allow it that day; the latest one explains why.
    blocking: list[tuple[MarkGrant, GrantStatus | None]] = []
    for grant in grants:
        if on_date < grant.granted_on:
            if product.id in grant.state_on(grant.granted_on)[1]:
                blocking.append((grant, None))
            continue
        status, products = grant.state_on(on_date)
        if product.id not in products:
            continue
        if status == GrantStatus.ACTIVE and (
            grant.valid_until is None or on_date <= grant.valid_until
        ):
            return None
        blocking.append((grant, status))
    if not blocking:
        return _(
            "%(name)s holds no grant of '%(mark)s' for this product on %(date)s.",
            name=member.full_name,
            mark=mark.name,
            date=day,
        )
    grant, status = blocking[-1]
    if status is None:
        return _(
            "%(name)s's grant of '%(mark)s' starts only on %(start)s.",
            name=member.full_name,
            mark=mark.name,
            start=format_date(grant.granted_on),
        )
    if status == GrantStatus.SUSPENDED:
        return _(
            "On %(date)s, %(name)s's grant of '%(mark)s' was suspended (since %(since)s).",
            name=member.full_name,
            mark=mark.name,
            date=day,
            since=_since(grant, on_date),
        )
    if status == GrantStatus.REVOKED:
        return _(
            "On %(date)s, %(name)s's grant of '%(mark)s' was revoked (since %(since)s).",
            name=member.full_name,
            mark=mark.name,
            date=day,
            since=_since(grant, on_date),
        )
    assert grant.valid_until is not None
    return _(
        "%(name)s's grant of '%(mark)s' ended on %(until)s.",
        name=member.full_name,
        mark=mark.name,
        until=format_date(grant.valid_until),
    )


def _grants_of(mark_id: int, member_ids: Iterable[int]) -> dict[int, list[MarkGrant]]:
    """Each member's grants of the mark with their events, in one query."""
    by_member: dict[int, list[MarkGrant]] = {}
    ids = sorted(set(member_ids))
    if not ids:
        return by_member
    rows = (
        db.session.execute(
            sa.select(MarkGrant)
            .where(MarkGrant.mark_id == mark_id, MarkGrant.member_id.in_(ids))
            .options(joinedload(MarkGrant.events))
            .order_by(MarkGrant.granted_on, MarkGrant.id)
        )
        .unique()
        .scalars()
    )
    for grant in rows:
        by_member.setdefault(grant.member_id, []).append(grant)
    return by_member


def _mark_of(product: Product) -> CollectiveMark | None:
    if product.mark_id is None:
        return None
    # Session.get answers from the identity map when the mark is already loaded.
    return db.session.get(CollectiveMark, product.mark_id)


def mark_use_problem(member: Member, product: Product, on_date: dt.date) -> str | None:
    """Why ``member`` may not put the product's collective mark on it on ``on_date``, or None.

    A product that carries no mark needs no permission, so the answer is None. Otherwise the
    mark must be registered, certified by that day and not expired (its current status is
    used: the IP office's decisions are not dated here), the person must be a member that
    day, and one of their grants of the mark must cover the product that day with status
    active once its events up to that day are replayed. At most two queries (the mark, if
    not loaded yet, and the member's grants with their events).
    """
    mark = _mark_of(product)
    if mark is None:
        return None
    problem = _mark_problem(mark, on_date)
    if problem:
        return problem
    grants = _grants_of(mark.id, [member.id]).get(member.id, [])
    return _member_problem(member, mark, product, grants, on_date)


def may_use_mark(member: Member, product: Product, on_date: dt.date) -> bool:
    """Whether ``member`` may put the product's collective mark on it on ``on_date``.

    True for a product without a mark (there is nothing to permit). See
    :func:`mark_use_problem` for the rules and the reason when the answer is no.
    """
    return mark_use_problem(member, product, on_date) is None


def mark_use_problems(
    members: Iterable[Member], product: Product, on_date: dt.date
) -> dict[int, str | None]:
    """:func:`mark_use_problem` for many members at once (a lot's contributors), by member id,
    in at most two queries."""
    members = list(members)
    mark = _mark_of(product)
    if mark is None:
        return {m.id: None for m in members}
    problem = _mark_problem(mark, on_date)
    if problem:
        return {m.id: problem for m in members}
    grants = _grants_of(mark.id, [m.id for m in members])
    return {m.id: _member_problem(m, mark, product, grants.get(m.id, []), on_date) for m in members}


def products_marked_on(mark: CollectiveMark, on_date: dt.date) -> list[tuple[Product, int]]:
    """The mark's products members may put it on that day, with how many members may."""
    # The rule of mark_use_problem, for every member holding a grant of the mark, in three
    # queries whatever their number. A mark that is not usable that day covers nothing.
    if _mark_problem(mark, on_date) is not None:
        return []
    products = list(
        db.session.execute(
            sa.select(Product).where(Product.mark_id == mark.id).order_by(Product.code)
        ).scalars()
    )
    grants = (
        db.session.execute(
            sa.select(MarkGrant)
            .where(MarkGrant.mark_id == mark.id)
            .options(joinedload(MarkGrant.events), selectinload(MarkGrant.member))
            .order_by(MarkGrant.granted_on, MarkGrant.id)
        )
        .unique()
        .scalars()
    )
    by_member: dict[int, list[MarkGrant]] = {}
    members: dict[int, Member] = {}
    for grant in grants:
        by_member.setdefault(grant.member_id, []).append(grant)
        members[grant.member_id] = grant.member
    marked = []
    for product in products:
        users = sum(
            1
            for member_id, held in by_member.items()
            if _member_problem(members[member_id], mark, product, held, on_date) is None
        )
        if users:
            marked.append((product, users))
    return marked
