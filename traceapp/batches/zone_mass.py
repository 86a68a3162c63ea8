"""The mass declared per zone and calendar year (:class:`ZoneYearMass`), kept as
contributions are added and withdrawn, and filled from the contributions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, cast

import sqlalchemy as sa

from traceapp.batches.models import Contribution, ZoneYearMass
from traceapp.extensions import db
from traceapp.units import UNITS

_TABLE = cast(sa.Table, ZoneYearMass.__table__)

#: Milligrams per unit, for the mass units (whole numbers: the smallest is the gram).
MG_PER_UNIT = {
    code: int(factor * 1_000_000) for code, (family, factor, _) in UNITS.items() if family == "mass"
}


def milligrams(quantity: Decimal, unit: str) -> int:
    """A quantity's mass in whole milligrams (0 when its unit is not a mass)."""
    factor = MG_PER_UNIT.get(unit)
    if factor is None:
        return 0
    return int((Decimal(quantity) * factor).to_integral_value())


def _upsert(zone_id: int, year: int, delta: int) -> None:
    table = _TABLE
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    stmt = insert(table).values(zone_id=zone_id, year=year, milligrams=delta)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.zone_id, table.c.year],
        set_={"milligrams": table.c.milligrams + stmt.excluded.milligrams},
    )
    db.session.execute(stmt)


def counted(contribution: Contribution, sign: int = 1) -> None:
    """Add (``sign`` 1) or take away (-1) a contribution's mass from its zone's year, in the
    current transaction. One atomic statement: two lots' deliveries from the same zone at
    once both count."""
    mg = milligrams(contribution.quantity, contribution.unit)
    if mg:
        _upsert(contribution.zone_id, contribution.delivered_on.year, sign * mg)


def _kept_sql() -> Any:
    """Each (zone, year) of the live contributions with its milligrams, in SQL."""
    # Rounded row by row: SQLite keeps a NUMERIC with decimals as a binary float.
    mg = sa.case(
        *[
            (Contribution.unit == code, sa.func.round(Contribution.quantity * f))
            for code, f in MG_PER_UNIT.items()
        ],
        else_=0,
    )
    year = sa.extract("year", Contribution.delivered_on)
    return (
        sa.select(
            Contribution.zone_id,
            sa.cast(year, sa.Integer).label("year"),
            sa.cast(sa.func.sum(mg), sa.BigInteger).label("milligrams"),
        )
        .where(Contribution.voided_at.is_(None), Contribution.unit.in_(list(MG_PER_UNIT)))
        .group_by(Contribution.zone_id, year)
    )


def fill(bind: Any) -> None:
    """Fill the kept figures from the contributions (a migration, a bulk load): emptied
    first, then summed by the database."""
    table = _TABLE
    bind.execute(table.delete())
    query = _kept_sql().subquery()
    bind.execute(
        table.insert().from_select(
            ["zone_id", "year", "milligrams"],
            sa.select(query.c.zone_id, query.c.year, query.c.milligrams),
        )
    )


def recount() -> dict[tuple[int, int], int]:
    """The figures as the contributions give them, summed exactly in Python (tests, checks)."""
    totals: dict[tuple[int, int], int] = {}
    rows = db.session.execute(
        sa.select(
            Contribution.zone_id,
            Contribution.delivered_on,
            Contribution.quantity,
            Contribution.unit,
        ).where(Contribution.voided_at.is_(None))
    )
    for zone_id, day, quantity, unit in rows:
        mg = milligrams(quantity, unit)
        if mg:
            key = (zone_id, day.year if isinstance(day, dt.date) else int(str(day)[:4]))
            totals[key] = totals.get(key, 0) + mg
    return totals


def kept() -> dict[tuple[int, int], int]:
    """The kept figures, without the zero ones (every contribution of a year withdrawn)."""
    return {
        (zone_id, year): mg
        for zone_id, year, mg in db.session.execute(
            sa.select(ZoneYearMass.zone_id, ZoneYearMass.year, ZoneYearMass.milligrams)
        )
        if mg
    }
