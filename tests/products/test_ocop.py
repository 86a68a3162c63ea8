"""OCOP records: scores within each decision's maxima, stars by thresholds, levels, validity."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import current_app

from tests.products.factories import OcopRecordFactory, ProductFactory
from traceapp.audit.models import AuditRecord
from traceapp.database import local_today
from traceapp.errors import Forbidden, ValidationFailed
from traceapp.extensions import db
from traceapp.products import services
from traceapp.products.models import OcopLevel, OcopRecord

DAY = dt.date(2024, 3, 1)


@pytest.fixture
def product(world):
    return ProductFactory(cooperative=world.a.coop)


def _scores(total: str) -> dict[str, str]:
    """Split a total over parts A (max 40), B (max 25), C (max 35) of decision 148/2023."""
    rest = Decimal(total)
    a = min(rest, Decimal(40))
    b = min(rest - a, Decimal(25))
    return {"score_a": str(a), "score_b": str(b), "score_c": str(rest - a - b)}


def _record(actor, product, total="75", **data):
    values = {"scheme": "148/2023", "decided_on": DAY, "decision_number": "1023/QĐ-UBND"}
    values |= _scores(total)
    return services.record_ocop(actor, product, **(values | data))


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(OcopRecord))


def _refused(actor, product, **data) -> dict[str, list[str]]:
    before = _count()
    with pytest.raises(ValidationFailed) as caught:
        _record(actor, product, **data)
    assert _count() == before
    return caught.value.errors


@pytest.mark.parametrize(
    ("total", "stars"),
    [
        ("0", 1),
        ("29.99", 1),
        ("30", 2),
        ("49.99", 2),
        ("50", 3),
        ("69.99", 3),
        ("70", 4),
        ("89.99", 4),
        ("90", 5),
        ("100", 5),
    ],
)
def test_stars_at_each_threshold_edge(world, product, total, stars):
    extra = {}
    if stars < 3:
        extra = {"decision_number": None}
    record = _record(world.a.manager, product, total=total, **extra)
    assert record.total == Decimal(total)
    assert record.stars == stars
    assert record.level == services.level_for_stars(stars)


def test_levels_follow_the_stars(world, product):
    assert _record(world.a.manager, product, total="95").level == OcopLevel.MINISTRY
    assert _record(world.a.manager, product, total="60").level == OcopLevel.PROVINCE
    assert _record(world.a.manager, product, total="40", decision_number=None).level is None
    errors = _refused(world.a.manager, product, total="95", level="province")
    assert errors["level"] == ["5 stars are recognised at ministry level."]
    errors = _refused(world.a.manager, product, total="75", level=OcopLevel.MINISTRY)
    assert errors["level"] == ["4 stars are recognised at provincial level."]
    errors = _refused(world.a.manager, product, total="40", level="province")
    assert "not recognised" in errors["level"][0]
    errors = _refused(world.a.manager, product, total="40", certificate_number="C-1")
    assert "no certificate" in errors["certificate_number"][0]
    errors = _refused(world.a.manager, product, total="75", decision_number="")
    assert "decision_number" in errors
    errors = _refused(world.a.manager, product, total="75", level="county")
    assert "level" in errors


def test_scores_over_each_decisions_maximum_are_refused(world, product):
    # 1048/2019 weighs A/B/C as 35/25/40; 148/2023 as 40/25/35.
    errors = _refused(
        world.a.manager, product, scheme="1048/2019", score_a="36", score_b="10", score_c="10"
    )
    assert errors["score_a"] == ["Part A has at most 35 points under decision 1048/2019."]
    ok = _record(
        world.a.manager, product, scheme="148/2023", score_a="36", score_b="10", score_c="10"
    )
    assert ok.total == Decimal("56")
    errors = _refused(
        world.a.manager, product, scheme="148/2023", score_a="10", score_b="25.01", score_c="40"
    )
    assert set(errors) == {"score_b", "score_c"}
    assert (
        _record(
            world.a.manager, product, scheme="1048/2019", score_a="10", score_b="10", score_c="40"
        ).stars
        == 3
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"score_a": "-1"}, "score_a"),
        ({"score_b": "mười"}, "score_b"),
        ({"score_c": "NaN"}, "score_c"),
        ({"score_c": None}, "score_c"),
        ({"score_a": "10.123"}, "score_a"),
        ({"scheme": "999/2030"}, "scheme"),
        ({"decided_on": None}, "decided_on"),
    ],
)
def test_bad_scores_and_schemes_name_the_field(world, product, data, field):
    errors = _refused(world.a.manager, product, **data)
    assert field in errors, errors


def test_decimals_and_a_decimal_comma_are_accepted(world, product):
    record = _record(
        world.a.manager, product, score_a="30,5", score_b="20.25", score_c=Decimal("19.25")
    )
    assert record.total == Decimal("70.00")
    assert record.stars == 4


def test_a_decision_in_the_future_is_refused(world, product):
    errors = _refused(world.a.manager, product, decided_on=local_today() + dt.timedelta(days=1))
    assert errors["decided_on"] == ["The decision date cannot be in the future."]


def test_valid_36_months_from_the_decision(world, product):
    assert _record(world.a.manager, product).valid_until == dt.date(2027, 3, 1)
    leap = _record(world.a.manager, product, decided_on=dt.date(2024, 2, 29))
    assert leap.valid_until == dt.date(2027, 2, 28)


def test_a_three_star_record_past_36_months_is_no_longer_current(world, product):
    record = _record(world.a.manager, product, total="55", decided_on=dt.date(2022, 5, 10))
    assert record.stars == 3
    assert record.valid_until == dt.date(2025, 5, 10)
    assert services.current_ocop(product, dt.date(2025, 5, 10)) is record
    assert services.ocop_stars_for_display(product, dt.date(2025, 5, 10)) == 3
    assert services.current_ocop(product, dt.date(2025, 5, 11)) is None
    assert services.ocop_stars_for_display(product, dt.date(2025, 5, 11)) is None
    assert services.ocop_status(record, dt.date(2025, 5, 11)) == "expired"
    # Nobody has to do anything: today is long past, so it is gone by itself.
    assert services.ocop_stars_for_display(product) is None
    assert services.current_ocop(product, dt.date(2022, 5, 9)) is None


def test_a_two_star_record_is_kept_but_never_shown_as_certified(world, product):
    record = _record(
        world.a.manager, product, total="45", decision_number=None, decided_on=local_today()
    )
    assert record.stars == 2
    assert record in product.ocop_records
    assert services.ocop_status(record) == "not_certified"
    assert services.current_ocop(product) is None
    assert services.ocop_stars_for_display(product) is None


def test_the_current_record_has_most_stars_then_the_latest_decision(world, product):
    today = local_today()
    five = OcopRecordFactory(
        product=product,
        stars=5,
        level=OcopLevel.MINISTRY,
        decided_on=today - dt.timedelta(days=700),
    )
    OcopRecordFactory(product=product, stars=4, decided_on=today - dt.timedelta(days=10))
    db.session.expire(product, ["ocop_records"])
    assert services.current_ocop(product) == five
    later = OcopRecordFactory(
        product=product, stars=5, level=OcopLevel.MINISTRY, decided_on=today - dt.timedelta(days=5)
    )
    db.session.expire(product, ["ocop_records"])
    assert services.current_ocop(product) == later
    assert services.ocop_stars_for_display(product) == 5


def test_a_wrong_record_is_superseded_not_edited(world, product):
    wrong = _record(world.a.manager, product, total="92", decided_on=local_today())
    assert services.ocop_stars_for_display(product) == 5
    errors = _refused(
        world.a.manager, product, total="72", decided_on=local_today(), supersedes_id=wrong.id
    )
    assert errors["notes"] == ["Say why the earlier record is corrected."]
    fixed = _record(
        world.a.manager,
        product,
        total="72",
        decided_on=local_today(),
        supersedes_id=str(wrong.id),
        notes="Part C was typed as 38 instead of 18.",
    )
    assert fixed.supersedes_id == wrong.id
    assert services.ocop_status(wrong) == "superseded"
    assert services.current_ocop(product) == fixed
    assert wrong.stars == 5  # the wrong record is kept as it was
    errors = _refused(world.a.manager, product, supersedes_id=wrong.id, notes="again")
    assert errors["supersedes_id"] == ["That record has already been corrected."]
    other = ProductFactory(cooperative=world.a.coop)
    stranger = OcopRecordFactory(product=other)
    errors = _refused(world.a.manager, product, supersedes_id=stranger.id, notes="x")
    assert errors["supersedes_id"] == ["Choose an earlier record of this product."]


def test_thresholds_and_validity_are_settings(world, product, monkeypatch):
    settings = copy.deepcopy(
        current_app.extensions.get("traceapp_tunables") or services.tunables.tunables()
    )
    settings["ocop"]["stars"] = [[85, 5], [65, 4], [50, 3], [30, 2], [0, 1]]
    settings["ocop"]["valid_months"] = 24
    monkeypatch.setitem(current_app.extensions, "traceapp_tunables", settings)
    record = _record(world.a.manager, product, total="66")
    assert record.stars == 4
    assert record.valid_until == dt.date(2026, 3, 1)
    assert _record(world.a.manager, product, total="85").stars == 5


def test_only_managers_and_admins_record_ocop_and_it_is_audited(world, product):
    with pytest.raises(Forbidden):
        _record(world.a.staff, product)
    with pytest.raises(Forbidden):
        _record(world.b.manager, product)
    record = _record(world.admin, product)
    audit = db.session.execute(
        sa.select(AuditRecord).where(AuditRecord.action == "ocop.record")
    ).scalar_one()
    assert audit.object_id == str(record.id)
    assert audit.changes["stars"]["after"] == 4
