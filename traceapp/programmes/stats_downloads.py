"""Reach statistics as downloads and charts: the figures as a table, CSV and XLSX, and the
chart points of the reach page."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _

from traceapp.csvsafe import cell, to_csv
from traceapp.programmes.models import (
    ACTIVITY_KIND_LABELS,
    AGE_BAND_LABELS,
    ActivityKind,
)

if TYPE_CHECKING:
    pass


from traceapp.programmes.stats import Reach

# --- downloads ------------------------------------------------------------------------------


def table(figures: Reach, targets: list[dict[str, Any]] | None = None) -> list[tuple[str, Any]]:
    """The figures as (label, value) rows, the same in the page, the CSV and the XLSX."""
    rows: list[tuple[str, Any]] = [
        (_("Activities"), figures.activities),
        *((str(ACTIVITY_KIND_LABELS[ActivityKind(k)]), n) for k, n in figures.by_kind.items()),
        (_("Attendances"), figures.attendances),
        (_("People reached (each person once)"), figures.people),
        (_("of them women"), figures.women),
        (_("of them men"), figures.men),
        *(
            (_("People aged %(band)s", band=str(AGE_BAND_LABELS[k])), n)
            for k, n in figures.by_age_band.items()
        ),
        (_("Cooperatives reached"), figures.cooperatives_reached),
        (_("Cooperatives visited"), figures.cooperatives_visited),
        (_("Cooperative visits"), figures.visits),
        (_("New cooperatives established"), figures.new_cooperatives),
        (_("of them women's cooperatives"), figures.new_womens_cooperatives),
        (_("Hours of training delivered"), figures.training_hours),
        (_("Person-hours of training"), figures.person_hours),
    ]
    for t in targets or []:
        rows.append(
            (
                _(
                    "%(indicator)s, %(year)d: baseline / target / actual",
                    indicator=t["label"],
                    year=t["year"],
                ),
                f"{t['baseline']} / {t['target']} / {t['actual']}",
            )
        )
    return rows


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def as_csv(rows: list[tuple[str, Any]]) -> str:
    """The figures as CSV text."""
    return to_csv([_("Figure"), _("Value")], [(label, _plain(v)) for label, v in rows])


def as_xlsx(rows: list[tuple[str, Any]], title: str) -> bytes:
    """The figures as an XLSX workbook."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31] or "reach")
    sheet.append([_("Figure"), _("Value")])
    for label, value in rows:
        plain = _plain(value)
        sheet.append([cell(label), plain if isinstance(plain, int | float) else cell(plain)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def by_activity_kind_points(figures: Reach) -> list[tuple[str, int]]:
    """Chart points: activities by kind (kinds with none left out)."""
    return [
        (str(ACTIVITY_KIND_LABELS[ActivityKind(k)]), n) for k, n in figures.by_kind.items() if n
    ]


def age_points(figures: Reach) -> list[tuple[str, int]]:
    """Chart points: people reached by age band."""
    return [(str(AGE_BAND_LABELS[k]), n) for k, n in figures.by_age_band.items()]
