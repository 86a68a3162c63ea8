"""The mass kept per zone and calendar year (batches/zone_mass.py) equals the raw sums of the
live contributions after adding, withdrawing and across mass units; the yield check of the
lot page reads it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tests.farm import HARVEST, harvest_lot
from traceapp.batches import services, yields, zone_mass
from traceapp.extensions import db


def _add(farm, lot, zone, quantity, unit, day=None, member=0):
    return services.add_contribution(
        farm.world.a.manager,
        lot,
        member_id=farm.growers[member].id,
        zone_id=zone.id,
        quantity=quantity,
        unit=unit,
        delivered_on=day,
        confirm_implausible=True,
        confirmation_reason="weighed twice",
    )


def test_kept_mass_equals_the_raw_sums_after_add_void_and_across_units(farm):
    lot = harvest_lot(farm, "10", [(farm.growers[0], farm.field, "3.5")], close=False)
    last_year = dt.date(HARVEST.year - 1, 12, 31)
    _add(farm, lot, farm.field, "0.001", "GRM")  # one milligram
    _add(farm, lot, farm.field, "1.25", "TNE")
    _add(farm, lot, farm.field2, "2.125", "KGM", member=1)
    old = _add(farm, lot, farm.field, "7", "KGM", day=last_year)
    year = HARVEST.year
    expected = {
        (farm.field.id, year): 3_500_000 + 1 + 1_250_000_000,
        (farm.field2.id, year): 2_125_000,
        (farm.field.id, year - 1): 7_000_000,
    }
    assert zone_mass.kept() == expected
    assert zone_mass.recount() == expected
    services.void_contribution(farm.world.a.manager, old, "wrong year")
    services.void_contribution(
        farm.world.a.manager, services.active_contributions(lot)[0], "weighed twice"
    )
    expected = {
        (farm.field.id, year): 1 + 1_250_000_000,
        (farm.field2.id, year): 2_125_000,
    }
    assert zone_mass.kept() == expected
    assert zone_mass.recount() == expected
    # Filling afresh (the migration, the bench's bulk load) gives the same figures.
    zone_mass.fill(db.session.connection())
    assert zone_mass.kept() == expected


def test_the_yield_warning_follows_the_kept_mass(farm):
    # field2: 1 ha of peanuts, at most 4.5 t in a 4-month season; 4.6 t in grams and tonnes.
    lot = harvest_lot(
        farm, "10000", [(farm.growers[0], farm.field2, "3100")], close=False, confirm="weighed"
    )
    extra = _add(farm, lot, farm.field2, "1500000", "GRM", member=1)
    [warning] = yields.lot_warnings(lot)
    assert warning.declared_kg == Decimal("4600")
    services.void_contribution(farm.world.a.manager, extra, "weighed twice")
    assert yields.lot_warnings(lot) == []
