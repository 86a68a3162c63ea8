"""may_use_mark / mark_use_problem: the rule lots and labels rely on, over time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, format_date

from tests.brands.factories import ProductFactory, days_ago, make_grant, marked_setup
from tests.conftest import bearer
from traceapp.auth.models import SYSTEM
from traceapp.brands import services
from traceapp.brands.models import MarkStatus
from traceapp.brands.services import mark_use_problem, mark_use_problems, may_use_mark
from traceapp.extensions import db


@contextmanager
def count_queries() -> Iterator[list[str]]:
    """Collect the SQL statements run inside the block."""
    statements: list[str] = []

    def listener(conn, cursor, statement, *args):  # noqa: ANN001, ANN002
        statements.append(statement)

    engine = db.session.get_bind()
    target = engine.engine if hasattr(engine, "engine") else engine
    sa.event.listen(target, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        sa.event.remove(target, "before_cursor_execute", listener)


@pytest.fixture
def setup(world):
    mark, products = marked_setup(world.a)
    member = world.a.members[0]
    grant = make_grant(mark, member, [products[0]], granted_on=days_ago(400))
    return mark, products, member, grant


def test_a_member_with_an_active_grant_may_use_the_mark(setup):
    mark, products, member, _grant = setup
    assert may_use_mark(member, products[0], days_ago(10))
    assert mark_use_problem(member, products[0], days_ago(10)) is None


def test_a_product_not_named_in_the_grant_is_refused_with_a_reason(setup):
    mark, products, member, _grant = setup
    day = days_ago(10)
    assert not may_use_mark(member, products[1], day)
    assert mark_use_problem(member, products[1], day) == (
        f"{member.full_name} holds no grant of '{mark.name}' for this product on "
        f"{format_date(day)}."
    )


def test_a_member_without_any_grant_is_refused(setup, world):
    _mark, products, _member, _grant = setup
    other = world.a.members[1]
    problem = mark_use_problem(other, products[0], days_ago(10))
    assert problem and problem.startswith(f"{other.full_name} holds no grant")


def test_a_product_without_a_mark_needs_no_grant(world):
    plain = ProductFactory(cooperative=world.a.coop, mark=None)
    assert may_use_mark(world.a.members[2], plain, days_ago(1))


def test_before_the_grant_starts_and_after_it_ends(world):
    mark, products = marked_setup(world.a, products=1)
    member = world.a.members[0]
    make_grant(mark, member, products, granted_on=days_ago(100), valid_until=days_ago(20))
    assert not may_use_mark(member, products[0], days_ago(101))
    assert "starts only on" in mark_use_problem(member, products[0], days_ago(101))
    assert may_use_mark(member, products[0], days_ago(100))
    assert may_use_mark(member, products[0], days_ago(20))
    problem = mark_use_problem(member, products[0], days_ago(19))
    assert problem.endswith(f"ended on {format_date(days_ago(20))}.")


def test_suspension_applies_from_its_effective_date_only(setup):
    """A grant suspended from day S is still valid the day before S."""
    mark, products, member, grant = setup
    suspended_from, reinstated_from = days_ago(200), days_ago(150)
    services.suspend_grant(
        SYSTEM, grant, reason="Bán hàng không đạt chuẩn", effective_on=suspended_from
    )
    services.reinstate_grant(SYSTEM, grant, reason="Đã khắc phục", effective_on=reinstated_from)
    product = products[0]
    assert may_use_mark(member, product, days_ago(201))
    assert not may_use_mark(member, product, suspended_from)
    assert not may_use_mark(member, product, days_ago(151))
    assert mark_use_problem(member, product, days_ago(160)) == (
        f"On {format_date(days_ago(160))}, {member.full_name}'s grant of '{mark.name}' was "
        f"suspended (since {format_date(suspended_from)})."
    )
    assert may_use_mark(member, product, reinstated_from)
    assert may_use_mark(member, product, days_ago(1))


def test_revocation_ends_use_from_its_date_and_keeps_earlier_use_valid(setup):
    _mark, products, member, grant = setup
    services.revoke_grant(SYSTEM, grant, reason="Giả mạo tem nhãn", effective_on=days_ago(30))
    assert may_use_mark(member, products[0], days_ago(31))
    problem = mark_use_problem(member, products[0], days_ago(29))
    assert "was revoked (since" in problem


def test_products_removed_later_were_covered_before(setup):
    _mark, products, member, grant = setup
    services.update_grant(SYSTEM, grant, product_ids=[products[1].id], effective_on=days_ago(50))
    assert may_use_mark(member, products[0], days_ago(51))
    assert not may_use_mark(member, products[0], days_ago(49))
    assert not may_use_mark(member, products[1], days_ago(51))
    assert may_use_mark(member, products[1], days_ago(50))


def test_a_member_who_left_may_no_longer_use_the_mark(setup):
    mark, products, member, _grant = setup
    member.left_on = days_ago(60)
    db.session.flush()
    assert may_use_mark(member, products[0], days_ago(60))
    problem = mark_use_problem(member, products[0], days_ago(59))
    assert problem == (
        f"{member.full_name} was not a member of the cooperative owning "
        f"'{mark.name}' on {format_date(days_ago(59))}."
    )


def test_the_mark_must_be_registered_certified_and_not_expired(setup):
    mark, products, member, _grant = setup
    product = products[0]
    mark.status = MarkStatus.SUSPENDED
    db.session.flush()
    assert "is not registered (it is suspended)" in mark_use_problem(member, product, days_ago(5))
    mark.status = MarkStatus.REGISTERED
    mark.certificate_date = days_ago(300)
    db.session.flush()
    assert "was registered only on" in mark_use_problem(member, product, days_ago(301))
    assert may_use_mark(member, product, days_ago(300))


def test_a_mark_past_its_validity_counts_as_expired(setup):
    mark, products, member, _grant = setup
    mark.valid_until = days_ago(3)
    db.session.flush()
    assert mark.status == MarkStatus.REGISTERED  # nobody changed it...
    assert mark.effective_status(days_ago(0)) == MarkStatus.EXPIRED  # ...it expired anyway
    assert may_use_mark(member, products[0], days_ago(3))
    assert mark_use_problem(member, products[0], days_ago(2)) == (
        f"The collective mark '{mark.name}' expired on {format_date(days_ago(3))}."
    )


def test_a_vietnamese_reader_gets_the_reason_and_the_date_in_vietnamese(setup):
    mark, products, member, _grant = setup
    mark.valid_until = days_ago(3)
    db.session.flush()
    with force_locale("vi"):
        day = format_date(days_ago(3))
        assert "thg" in day  # Vietnamese month names, not an ISO date
        assert mark_use_problem(member, products[0], days_ago(2)) == (
            f"Nhãn hiệu tập thể '{mark.name}' đã hết hạn ngày {day}."
        )


def test_the_check_is_cheap_and_batches_for_many_members(setup, world):
    mark, products, member, _grant = setup
    second = world.a.members[1]
    make_grant(mark, second, products, granted_on=days_ago(10))
    product = products[0]
    db.session.expire_all()
    product = db.session.get(type(product), product.id)
    member = db.session.get(type(member), member.id)
    with count_queries() as statements:
        assert may_use_mark(member, product, days_ago(5))
    assert len(statements) <= 2, statements
    members = list(world.a.members)
    for m in members:
        db.session.refresh(m)  # loaded, as a caller holding its lot's members would have them
    with count_queries() as statements:
        answers = mark_use_problems(members, product, days_ago(20))
    assert len(statements) <= 2, statements
    assert answers[member.id] is None
    assert "starts only on" in answers[second.id]
    assert "holds no grant" in answers[world.a.members[2].id]


def test_the_api_answers_the_question_with_the_reason(client, api_token, world, setup):
    _mark, products, member, _grant = setup
    r = client.get(
        f"/api/v1/mark-use?member_id={member.id}&product_id={products[1].id}"
        f"&on={days_ago(3).isoformat()}",
        headers=bearer(api_token),
    )
    assert r.status_code == 200
    assert r.json["allowed"] is False
    assert "holds no grant" in r.json["problem"]
    r = client.get(
        f"/api/v1/mark-use?member_id={member.id}&product_id={products[0].id}",
        headers=bearer(api_token),
    )
    assert r.json == {
        "member_id": member.id,
        "product_id": products[0].id,
        "on": days_ago(0).isoformat(),
        "allowed": True,
        "problem": None,
    }


def test_the_api_check_hides_other_cooperatives(client, other_token, setup):
    _mark, products, member, _grant = setup
    r = client.get(
        f"/api/v1/mark-use?member_id={member.id}&product_id={products[0].id}",
        headers=bearer(other_token),
    )
    assert r.status_code == 404
