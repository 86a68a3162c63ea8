"""The IATI export of a programme validates against the IATI 2.03 schema and says what the
programme did."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.programmes.factories import person
from traceapp.auth.models import SYSTEM
from traceapp.programmes import activities, attendance, iati, plans, services
from traceapp.programmes.models import OrganisationKind

SCHEMA = Path(__file__).resolve().parents[3] / "shared" / "iati" / "iati-activities-schema.xsd"


@pytest.fixture(scope="module")
def schema():
    etree = pytest.importorskip("lxml.etree")
    if not SCHEMA.exists():
        pytest.skip(f"no IATI schema at {SCHEMA}")
    return etree.XMLSchema(etree.parse(str(SCHEMA)))


def test_a_programme_exports_as_a_valid_iati_activity(world, support, schema):
    from lxml import etree

    officer, programme = support.officer, support.programme
    ilo = services.create_organisation(
        SYSTEM, name="ILO", kind=OrganisationKind.INTERNATIONAL, iati_identifier="XM-DAC-41302"
    )
    services.add_partner(officer, programme, ilo.id, "funding")
    plans.set_target(officer, programme, indicator="people_reached", year=2025, target=50)
    plans.set_target(officer, programme, indicator="activities", year=2025, target=4)
    workshop = activities.create_activity(
        officer,
        programme,
        kind="workshop",
        title="Sales and marketing",
        starts_on=dt.date(2025, 4, 2),
        province="Phú Yên",
    )
    attendance.record_attendance(
        officer, workshop, [person("Lê Thị Hoa"), person("Phạm Văn Tú", gender="male")]
    )
    document = etree.fromstring(iati.export(officer, programme))
    schema.assertValid(document)
    activity = document.find("iati-activity")
    assert activity.findtext("iati-identifier").endswith("-WCP-ALPHA")
    roles = {(o.get("ref"), o.get("role")) for o in activity.findall("participating-org")}
    assert ("XM-DAC-41302", "1") in roles
    assert activity.find("sector").get("code") == "31194"
    assert activity.find("recipient-country").get("code") == "VN"
    people = [
        r for r in activity.findall("result") if "People reached" in r.findtext("title/narrative")
    ][0]
    period = people.find("indicator/period")
    assert period.find("target").get("value") == "50"
    actuals = {
        (a.find("dimension").get("value") if a.find("dimension") is not None else "all"): a.get(
            "value"
        )
        for a in period.findall("actual")
    }
    assert actuals == {"all": "2", "female": "1", "male": "1"}
