"""A programme as an IATI 2.03 activity file: organisations, dates and status, recipient
country and provinces, sectors, and results (one indicator per target, with baseline,
target and actual per year; people reached disaggregated by sex)."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from decimal import Decimal
from typing import TYPE_CHECKING

from traceapp.database import local_today, now_utc
from traceapp.programmes.models import (
    IATI_ORGANISATION_TYPES,
    IATI_PARTNER_ROLES,
    INDICATOR_LABELS,
    Indicator,
    Programme,
    SupportOrganisation,
)
from traceapp.programmes.stats import Reach, Scope, reach

if TYPE_CHECKING:
    from traceapp.auth.models import Actor

#: IATI ActivityStatus codes for a programme's state.
_STATUS = {"pipeline": "1", "implementation": "2", "closed": "4"}


def org_ref(org: SupportOrganisation) -> str:
    """The organisation's IATI identifier, or a local one built from the country and its id."""
    return org.iati_identifier or f"{org.country}-TRACEAPP-ORG-{org.id}"


def activity_identifier(programme: Programme) -> str:
    """The programme's IATI activity identifier: the reporting organisation's, then its code."""
    return f"{org_ref(programme.organisation)}-{programme.code}"


def _narratives(parent: ET.Element, names: dict[str, str]) -> None:
    for i, (lang, text) in enumerate(sorted(names.items(), key=lambda kv: kv[0] != "en")):
        n = ET.SubElement(parent, "narrative")
        if i:
            n.set("xml:lang", lang)
        n.text = text


def _narrative(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    ET.SubElement(element, "narrative").text = text
    return element


def _org(parent: ET.Element, tag: str, org: SupportOrganisation, **attrs: str) -> None:
    element = ET.SubElement(
        parent, tag, {"ref": org_ref(org), "type": IATI_ORGANISATION_TYPES[org.kind], **attrs}
    )
    ET.SubElement(element, "narrative").text = org.name


def _value(value: Decimal) -> str:
    return str(int(value)) if value == value.to_integral_value() else str(value)


def export(actor: Actor, programme: Programme) -> bytes:
    """The IATI XML document of one programme, as the actor may see its figures."""
    today = local_today()
    root = ET.Element(
        "iati-activities", {"version": "2.03", "generated-datetime": now_utc().isoformat()}
    )
    act = ET.SubElement(
        root,
        "iati-activity",
        {
            "last-updated-datetime": programme.updated_at.isoformat(),
            "xml:lang": "en" if "en" in (programme.names or {}) else "vi",
            "default-currency": "USD",
        },
    )
    ET.SubElement(act, "iati-identifier").text = activity_identifier(programme)
    _org(act, "reporting-org", programme.organisation)
    _narratives(ET.SubElement(act, "title"), dict(programme.names))
    description = ET.SubElement(act, "description", type="1")
    _narratives(description, {"en": programme.objectives or programme.name_in("en")})
    seen: set[tuple[int, str]] = set()
    _org(act, "participating-org", programme.organisation, role="2")
    seen.add((programme.organisation_id, "2"))
    for partner in programme.partners:
        role = IATI_PARTNER_ROLES[partner.role]
        if (partner.organisation_id, role) not in seen:
            seen.add((partner.organisation_id, role))
            _org(act, "participating-org", partner.organisation, role=role)
    if not any(role == "4" for _id, role in seen):
        _org(act, "participating-org", programme.organisation, role="4")
    ET.SubElement(act, "activity-status", code=_STATUS[programme.status_on(today)])
    assert programme.starts_on is not None and programme.ends_on is not None
    started = programme.starts_on <= today
    ET.SubElement(
        act,
        "activity-date",
        {"type": "2" if started else "1", "iso-date": str(programme.starts_on)},
    )
    ended = programme.ends_on < today
    ET.SubElement(
        act, "activity-date", {"type": "4" if ended else "3", "iso-date": str(programme.ends_on)}
    )
    # National (2) or sub-national (4): the provinces are given as locations.
    ET.SubElement(act, "activity-scope", code="2" if programme.whole_country else "4")
    ET.SubElement(act, "recipient-country", code=programme.organisation.country, percentage="100")
    for province in programme.provinces:
        location = ET.SubElement(act, "location")
        _narrative(location, "name", province.province)
        ET.SubElement(
            location, "administrative", vocabulary="G1", level="1", code=province.province
        )
    sectors = list(programme.sectors or ["31194"])
    shares = _split(len(sectors))
    for code, share in zip(sectors, shares, strict=True):
        ET.SubElement(act, "sector", vocabulary="1", code=str(code), percentage=share)
    _results(act, actor, programme)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _split(n: int) -> list[str]:
    """Percentages for n sectors that add up to exactly 100."""
    base = Decimal(100) / n
    out = [base.quantize(Decimal("0.01")) for _ in range(n)]
    out[-1] = Decimal(100) - sum(out[:-1])
    return [_value(v) for v in out]


def _results(act: ET.Element, actor: Actor, programme: Programme) -> None:
    by_indicator: dict[Indicator, list] = {}
    for target in programme.targets:
        by_indicator.setdefault(target.indicator, []).append(target)
    years: dict[int, Reach] = {}

    def year_reach(year: int) -> Reach:
        if year not in years:
            years[year] = reach(actor, Scope.for_year(year, programme_id=programme.id))
        return years[year]

    for indicator, targets in by_indicator.items():
        result = ET.SubElement(act, "result", {"type": "1", "aggregation-status": "1"})
        label = str(INDICATOR_LABELS[indicator])
        _narrative(result, "title", label)
        element = ET.SubElement(result, "indicator", measure="1", ascending="1")
        _narrative(element, "title", label)
        first = min(targets, key=lambda t: t.year)
        ET.SubElement(element, "baseline", year=str(first.year), value=_value(first.baseline))
        for target in sorted(targets, key=lambda t: t.year):
            figures = year_reach(target.year)
            start = max(dt.date(target.year, 1, 1), programme.starts_on or dt.date.min)
            end = min(dt.date(target.year, 12, 31), programme.ends_on or dt.date.max)
            period = ET.SubElement(element, "period")
            ET.SubElement(period, "period-start", {"iso-date": str(start)})
            ET.SubElement(period, "period-end", {"iso-date": str(end)})
            ET.SubElement(period, "target", value=_value(target.target))
            ET.SubElement(period, "actual", value=_value(figures.indicator(indicator)))
            if indicator == Indicator.PEOPLE_REACHED:
                # The same people again, by sex: one actual per value of the dimension.
                for sex, count in (("female", figures.women), ("male", figures.men)):
                    actual = ET.SubElement(period, "actual", value=str(count))
                    ET.SubElement(actual, "dimension", name="sex", value=sex)
