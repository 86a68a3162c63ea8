"""The rule "may this member put the mark on this product on that day?", for one member, for
a lot's contributors at once, and for the public register of marked products."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import format_date, pgettext
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from traceapp.brands.models import (
    CollectiveMark,
    GrantAction,
    GrantStatus,
    MarkGrant,
    MarkStatus,
)
from traceapp.cooperatives.models import Member
from traceapp.extensions import db
from traceapp.products.models import Product

if TYPE_CHECKING:
    pass


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
