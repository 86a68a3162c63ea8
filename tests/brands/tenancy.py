"""Cooperative A's mark and grant, for the cross-tenant walk in tests/test_tenancy.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.brands.factories import days_ago, make_grant, marked_setup
from tests.factories import MemberFactory
from tests.tenancy_objects import Reference


def build(world: Any) -> dict[str, Callable[[], Any]]:
    """A mark of cooperative A, a product carrying it, and a grant to A's first member."""
    mark, products = marked_setup(world.a, products=1)
    grant = make_grant(mark, world.a.members[0], products)
    return {"mark_id": lambda: mark.id, "grant_id": lambda: grant.id}


def references(world: Any, a: dict[str, Callable[[], Any]]) -> list[Reference]:
    """Grants name a member and products; the mark-use check a member and a product; a new
    mark (API) its cooperative."""
    b = world.b
    mark, products = marked_setup(b, products=2)
    # one member per grant a control makes: a second grant of one member would overlap
    members = [MemberFactory(cooperative=b.coop, member_number=f"09{n}") for n in range(5)]
    grant = make_grant(mark, b.members[0], products[:1])
    edited = make_grant(mark, b.members[1], products[:1])
    a_member, a_product = world.a.members[0].id, a["product_id"]()
    since = days_ago(1).isoformat()
    grants = f"/api/v1/brands/{mark.id}/grants"
    form = f"/brands/{mark.id}/grants/new"
    return [
        Reference(
            "POST /api/v1/brands cooperative_id",
            lambda i: (f"/api/v1/brands?cooperative_id={i}", {"name": "Nhãn hiệu B mới"}),
            world.a.coop.id,
            b.coop.id,
        ),
        Reference(
            "POST /api/v1/brands/{mark_id}/grants member_id",
            lambda i: (
                grants,
                {"member_id": i, "product_ids": [products[0].id], "granted_on": since},
            ),
            a_member,
            members[0].id,
        ),
        Reference(
            "POST /api/v1/brands/{mark_id}/grants product_ids",
            lambda i: (
                grants,
                {"member_id": members[1].id, "product_ids": [i], "granted_on": since},
            ),
            a_product,
            products[0].id,
        ),
        Reference(
            "PATCH /api/v1/grants/{grant_id} product_ids",
            lambda i: (f"/api/v1/grants/{grant.id}", {"product_ids": [i]}),
            a_product,
            products[1].id,
            method="PATCH",
        ),
        Reference(
            "GET /api/v1/brands/{mark_id}/grants member_id",
            lambda i: (f"{grants}?member_id={i}", None),
            a_member,
            None,
            method="GET",
        ),
        Reference(
            "GET /api/v1/mark-use member_id",
            lambda i: (f"/api/v1/mark-use?member_id={i}&product_id={products[0].id}", None),
            a_member,
            b.members[0].id,
            method="GET",
        ),
        Reference(
            "GET /api/v1/mark-use product_id",
            lambda i: (f"/api/v1/mark-use?member_id={b.members[0].id}&product_id={i}", None),
            a_product,
            products[0].id,
            method="GET",
        ),
        Reference(
            "GrantForm.member_id",
            lambda i: (
                form,
                {"member_id": i, "product_ids": [products[0].id], "granted_on": since},
            ),
            a_member,
            members[2].id,
            form=True,
        ),
        Reference(
            "GrantForm.product_ids",
            lambda i: (form, {"member_id": members[3].id, "product_ids": [i], "granted_on": since}),
            a_product,
            products[0].id,
            form=True,
        ),
        Reference(
            "GrantEditForm.product_ids",
            lambda i: (f"/grants/{edited.id}/edit", {"product_ids": [i]}),
            a_product,
            products[1].id,
            form=True,
        ),
    ]
