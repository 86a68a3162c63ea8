"""The demo's marks and grants: what later issues show, and loading twice changes nothing."""

from __future__ import annotations

import importlib.util

import sqlalchemy as sa
from flask_babel import format_date

from tests.brands.factories import ProductFactory, days_ago
from traceapp.brands.models import CollectiveMark, GrantEvent, MarkGrant, MarkStatus
from traceapp.brands.services import mark_use_problem, may_use_mark
from traceapp.cooperatives.models import MemberRole
from traceapp.demo import brands as demo_brands
from traceapp.demo import grants as demo_grants
from traceapp.demo import load_demo
from traceapp.demo import people as demo_people
from traceapp.extensions import db


def _count(model: type) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _load(ctx: dict) -> None:
    demo_brands.load(ctx)
    if "products" not in ctx:
        # Stand-ins for the products step: two products per cooperative carrying its mark.
        ctx["products"] = {
            code: [ProductFactory(cooperative=coop, mark=ctx["marks"][code]) for _ in range(2)]
            for code, coop in ctx["coops"].items()
        }
    demo_grants.load(ctx)


def test_demo_marks_and_grants(session):
    ctx: dict = {"logins": []}
    demo_people.load(ctx)
    _load(ctx)
    marks = ctx["marks"]
    assert {m.name for m in marks.values()} == {
        "Đậu phộng Xuân Phước",
        "Tôm hùm Sông Cầu",
        "Cá ngừ đại dương Phú Yên",
    }
    for mark in marks.values():
        assert mark.status == MarkStatus.REGISTERED
        assert mark.certificate_number and mark.certificate_date
        assert mark.membership_criteria and mark.conditions_of_use and mark.violation_measures
    counts = (_count(CollectiveMark), _count(MarkGrant), _count(GrantEvent))

    xp = {m.member_number: m for m in ctx["members"]["XP"]}
    granted = {g.member_id for g in ctx["grants"]["XP"]}
    assert xp["0005"].id not in granted
    assert granted == {m.id for n, m in xp.items() if n != "0005"}
    product = ctx["products"]["XP"][0]
    today = days_ago(0)
    assert may_use_mark(xp["0001"], product, today)
    assert mark_use_problem(xp["0005"], product, today) == (
        f"Võ Văn Hùng holds no grant of 'Đậu phộng Xuân Phước' for this product on "
        f"{format_date(today)}."
    )
    assert may_use_mark(xp["0001"], product, marks["XP"].certificate_date)

    cn_granted = {g.member_id for g in ctx["grants"]["CN"]}
    assert cn_granted == {m.id for m in ctx["members"]["CN"] if m.role == MemberRole.VESSEL_OWNER}
    assert len(ctx["grants"]["SC"]) == len(ctx["members"]["SC"])
    sc3 = next(g for g in ctx["grants"]["SC"] if g.member.member_number == "0003")
    assert [e.action.value for e in sc3.events] == ["granted", "suspended", "reinstated"]

    again: dict = {"logins": [], "products": ctx["products"]}
    demo_people.load(again)
    _load(again)
    assert (_count(CollectiveMark), _count(MarkGrant), _count(GrantEvent)) == counts
    assert {g.id for g in again["grants"]["XP"]} == {g.id for g in ctx["grants"]["XP"]}


def test_load_demo_twice_keeps_three_marks(session, monkeypatch):
    """The real steps up to the grants (people, brands, products, grants), run twice."""
    import traceapp.demo

    steps = traceapp.demo.STEPS
    monkeypatch.setattr(traceapp.demo, "STEPS", steps[: steps.index("grants") + 1])
    load_demo()
    marks = _count(CollectiveMark)
    grants = db.session.execute(sa.select(MarkGrant)).scalars().all()
    load_demo()
    assert _count(CollectiveMark) == marks == 3
    assert _count(MarkGrant) == len(grants)
    if importlib.util.find_spec("traceapp.demo.products") is not None:
        # With the real products step, every grant names products carrying its own mark.
        assert grants
        assert all(g.products and all(p.mark_id == g.mark_id for p in g.products) for g in grants)
        # XP: six members but 0005; SC: all five; CN: the three vessel owners.
        assert len(grants) == 5 + 5 + 3
