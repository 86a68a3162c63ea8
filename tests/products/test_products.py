"""Product rules in the services: codes, GTINs, marks, units, permissions and the audit trail."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.products.factories import MarkFactory, ProductFactory, with_check_digit
from traceapp.audit.models import AuditRecord
from traceapp.errors import Forbidden, NotFound, ValidationFailed
from traceapp.extensions import db
from traceapp.products import services
from traceapp.products.models import Product
from traceapp.units import number_plain

GTIN13 = with_check_digit("893456789012")  # 8934567890120


def _data(**overrides):
    data = {
        "code": "XP-500",
        "name": "Đậu phộng túi 500 g",
        "category": "peanuts",
        "unit_of_trade": "bag",
        "net_quantity": "500",
        "net_unit": "GRM",
    }
    return data | overrides


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Product))


def _refused(actor, coop_id, **data) -> dict[str, list[str]]:
    before = _count()
    with pytest.raises(ValidationFailed) as caught:
        services.create_product(actor, coop_id, **_data(**data))
    assert _count() == before
    return caught.value.errors


def test_a_product_without_gtin_is_registered_and_audited(world):
    product = services.create_product(
        world.a.manager, world.a.coop.id, **_data(names={"en": "Peanuts 500 g", "fr": ""})
    )
    assert product.gtin is None
    assert product.net_quantity == Decimal("500")
    assert product.names == {"en": "Peanuts 500 g"}
    assert product.is_active is True
    assert product.name_in("en") == "Peanuts 500 g"
    assert product.name_in("zh") == "Đậu phộng túi 500 g"
    record = db.session.execute(
        sa.select(AuditRecord).where(AuditRecord.action == "product.create")
    ).scalar_one()
    assert record.changes["code"]["after"] == "XP-500"
    assert record.cooperative_id == world.a.coop.id


@pytest.mark.parametrize(
    ("given", "stored", "shown"),
    [
        (GTIN13, "0" + GTIN13, GTIN13),
        ("893 4567 89012 0", "08934567890120", "8934567890120"),
        ("96385074", "00000096385074", "96385074"),
        ("036000291452", "00036000291452", "036000291452"),
        ("18934567890127", "18934567890127", "18934567890127"),
    ],
)
def test_gtin_8_12_13_14_are_stored_as_gtin_14_and_shown_short(world, given, stored, shown):
    product = services.create_product(world.a.manager, world.a.coop.id, **_data(gtin=given))
    assert product.gtin == stored
    assert len(product.gtin) == 14
    assert services.gtin_display(product.gtin) == shown


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("89345678901AB", "digits only"),
        ("893456789", "8, 12, 13 or 14 digits"),
        ("893456789012345", "8, 12, 13 or 14 digits"),
        ("00000000", "zeros only"),
    ],
)
def test_malformed_gtin_is_refused_naming_the_field(world, given, message):
    errors = _refused(world.a.manager, world.a.coop.id, gtin=given)
    assert message in " ".join(errors["gtin"])


def test_wrong_check_digit_message_shows_the_expected_digit(world):
    errors = _refused(world.a.manager, world.a.coop.id, gtin="8934567890128")
    assert "Expected 0, got 8" in errors["gtin"][0]


def test_a_gtin_is_unique_nationally_without_naming_the_other_cooperative(world):
    ProductFactory(cooperative=world.b.coop, code="B-SECRET-CODE", gtin="0" + GTIN13)
    errors = _refused(world.a.manager, world.a.coop.id, gtin=GTIN13)
    message = errors["gtin"][0]
    assert "already registered to another product" in message
    assert "B-SECRET-CODE" not in message and world.b.coop.name not in message


def test_a_gtin_used_in_the_same_cooperative_names_that_product(world):
    ProductFactory(cooperative=world.a.coop, code="XP-OLD", gtin="0" + GTIN13)
    errors = _refused(world.a.manager, world.a.coop.id, gtin=GTIN13)
    assert "your product XP-OLD" in errors["gtin"][0]


def test_codes_are_unique_within_a_cooperative_only(world):
    ProductFactory(cooperative=world.a.coop, code="XP-500")
    errors = _refused(world.a.manager, world.a.coop.id, code="xp-500")
    assert "already in use" in errors["code"][0]
    other = services.create_product(world.b.manager, world.b.coop.id, **_data())
    assert other.code == "XP-500"


@pytest.mark.parametrize("code", ["XP 500", "XP/500", "", "x" * 41, "Đậu"])
def test_malformed_codes_are_refused(world, code):
    errors = _refused(world.a.manager, world.a.coop.id, code=code)
    assert errors["code"]


def test_only_a_mark_of_the_same_cooperative_may_be_carried(world):
    foreign = MarkFactory(cooperative=world.b.coop)
    errors = _refused(world.a.manager, world.a.coop.id, mark_id=foreign.id)
    assert errors["mark_id"] == ["Choose a collective mark of this cooperative."]
    assert (
        _refused(world.a.manager, world.a.coop.id, mark_id=987654)["mark_id"] == errors["mark_id"]
    )
    own = MarkFactory(cooperative=world.a.coop, name="Đậu phộng Xuân Phước")
    product = services.create_product(world.a.manager, world.a.coop.id, **_data(mark_id=own.id))
    assert product.mark.name == "Đậu phộng Xuân Phước"


@pytest.mark.parametrize(
    ("field", "data"),
    [
        ("category", {"category": "durian"}),
        ("unit_of_trade", {"unit_of_trade": "barrel"}),
        ("net_unit", {"net_unit": "LBR"}),
        ("net_unit", {"net_unit": None}),
        ("net_quantity", {"net_quantity": None}),
        ("net_quantity", {"net_quantity": "-5"}),
        ("net_quantity", {"net_quantity": "0"}),
        ("net_quantity", {"net_quantity": "0.0001"}),
        ("net_quantity", {"net_quantity": "năm trăm"}),
        ("shelf_life_days", {"shelf_life_days": 0}),
        ("names", {"names": {"de": "Erdnüsse"}}),
        ("name", {"name": ""}),
    ],
)
def test_bad_values_name_their_field_and_store_nothing(world, field, data):
    errors = _refused(world.a.manager, world.a.coop.id, **data)
    assert field in errors, errors


def test_a_decimal_comma_is_accepted(world):
    product = services.create_product(
        world.a.manager, world.a.coop.id, **_data(net_quantity="0,25", net_unit="KGM")
    )
    assert product.net_quantity == Decimal("0.25")
    assert number_plain(product.net_quantity) == "0.25"


def test_every_problem_is_reported_at_once(world):
    errors = _refused(
        world.a.manager,
        world.a.coop.id,
        code="bad code",
        gtin="123",
        category="durian",
        net_quantity="-1",
    )
    assert {"code", "gtin", "category", "net_quantity"} <= set(errors)


def test_staff_read_but_only_managers_and_admins_write(world):
    with pytest.raises(Forbidden):
        services.create_product(world.a.staff, world.a.coop.id, **_data())
    with pytest.raises(NotFound):
        services.create_product(world.b.manager, world.a.coop.id, **_data())
    with pytest.raises(Forbidden):  # auditors see cooperatives, never their products
        services.create_product(world.auditor, world.a.coop.id, **_data())
    product = services.create_product(world.admin, world.a.coop.id, **_data())
    with pytest.raises(Forbidden):
        services.update_product(world.a.staff, product, name="Khác")
    with pytest.raises(Forbidden):
        services.update_product(world.b.manager, product, name="Khác")


def test_update_changes_only_what_is_given_and_rechecks_the_rest(world):
    product = services.create_product(world.a.manager, world.a.coop.id, **_data(gtin=GTIN13))
    services.update_product(world.a.manager, product, name="Đậu phộng mới", shelf_life_days=180)
    assert product.gtin == "0" + GTIN13
    assert product.code == "XP-500"
    assert product.shelf_life_days == 180
    ProductFactory(cooperative=world.b.coop, gtin="00000096385074")
    with pytest.raises(ValidationFailed) as caught:
        services.update_product(world.a.manager, product, gtin="96385074", name="X")
    assert "gtin" in caught.value.errors
    db.session.refresh(product)
    assert product.name == "Đậu phộng mới"
    update = db.session.execute(
        sa.select(AuditRecord).where(AuditRecord.action == "product.update")
    ).scalar_one()
    assert update.changes["name"] == {"before": "Đậu phộng túi 500 g", "after": "Đậu phộng mới"}


def test_a_gtin_can_be_removed_and_the_product_keeps_working(world):
    product = services.create_product(world.a.manager, world.a.coop.id, **_data(gtin=GTIN13))
    services.update_product(world.a.manager, product, gtin="")
    assert product.gtin is None


def test_search_by_name_code_gtin_translation_and_category(world):
    coop = world.a.coop
    ProductFactory(
        cooperative=coop,
        code="XP-500",
        name="Đậu phộng túi",
        gtin="0" + GTIN13,
        names={"en": "Peanuts", "fr": "Arachides grillées", "zh": "春福花生"},
    )
    ProductFactory(cooperative=coop, code="XP-100", name="Mẫu 100% thử_nghiệm")
    ProductFactory(cooperative=coop, code="CN-185", name="Cá ngừ hộp", category="tuna")
    base = sa.select(Product).where(Product.cooperative_id == coop.id)

    def codes(**kw):
        return {p.code for p in db.session.execute(services.product_search(base, **kw)).scalars()}

    assert codes(q="phộng") == {"XP-500"}
    assert codes(q="Đậu") == {"XP-500"}
    assert codes(q="cn-1") == {"CN-185"}
    assert codes(q="8934567") == {"XP-500"}
    assert codes(q="peanut") == {"XP-500"}
    assert codes(q="grillées") == {"XP-500"}
    assert codes(q="花生") == {"XP-500"}
    assert codes(q="_") == {"XP-100"}  # typed wildcards are searched for as they are
    assert codes(q="0%") == {"XP-100"}
    assert codes(category="tuna") == {"CN-185"}
    assert codes(q="zzz") == set()


def test_a_duplicate_slipping_past_the_checks_is_still_a_clear_refusal(world, monkeypatch):
    """Two requests saving one GTIN at once both pass the check; the database decides."""
    ProductFactory(cooperative=world.b.coop, gtin="0" + GTIN13)
    monkeypatch.setattr(
        services, "_check_gtin", lambda raw, *_a: services.normalise_gtin(raw) if raw else None
    )
    errors = _refused(world.a.manager, world.a.coop.id, gtin=GTIN13)
    assert "gtin" in errors
    product = services.create_product(world.a.manager, world.a.coop.id, **_data(code="XP-2"))
    assert product.id  # the session is still usable after the refused flush
