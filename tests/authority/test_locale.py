"""The console in the reader's language: numbers, percentages, dates and months follow the
locale, and enum values reach the reader as labels, not as codes."""

from __future__ import annotations

import shutil
import subprocess
from decimal import Decimal

import pytest
from flask_babel import force_locale, format_date

from tests.authority.conftest import labels_for
from tests.authority.test_inspections import _payload
from tests.farm import harvest_lot
from traceapp import charts
from traceapp.authority import inspections
from traceapp.database import local_today
from traceapp.errors import ValidationFailed
from traceapp.extensions import db
from traceapp.zones import services as zones
from traceapp.zones.models import ZoneStatus

NBSP, NNBSP = "\u00a0", "\u202f"


def test_chart_numbers_and_months_follow_the_locale(app):
    svg = str(charts.bar_chart([("3/26", 14650)], "Kg"))  # no request: English
    assert "3/26: 14,650</title>" in svg and ">20K<" in svg
    with app.app_context(), force_locale("vi"):
        svg = str(charts.bar_chart([("3/26", 14650)], "Kg"))
        assert "3/26: 14.650</title>" in svg and "14,650" not in svg
        assert f">20{NBSP}N<" in svg
        assert charts.month_name("2026-03") == "thg 3 2026"
        assert charts.percent(Decimal("0.5"), 1) == "50,0%"
        bars = str(charts.hbar_chart([("Đã duyệt", Decimal("3.5"))], "Ha", unit="ha"))
        assert "3,5 ha" in bars
    with app.app_context(), force_locale("fr"):
        assert charts.month_name("2026-03") == "mars 2026"
        assert charts.percent(Decimal("0.5"), 1) == f"50,0{NBSP}%"
    with app.app_context(), force_locale("zh"):
        assert charts.month_name("2026-03") == "2026年3月"


def test_the_statistics_page_writes_the_share_and_the_months_the_readers_way(farm, auditor_client):
    harvest_lot(farm, "1000")

    def page(lang):
        return auditor_client.get(
            "/authority/stats?months=60", headers={"Accept-Language": lang}
        ).get_data(as_text=True)

    english = page("en")
    assert "women (50.0%)" in english and "Mar 2026" in english
    assert f"50,0{NBSP}%" in page("fr") and "mars 2026" in page("fr")
    vietnamese = page("vi")
    assert "50,0%" in vietnamese and "thg 3 2026" in vietnamese and "50.0%" not in vietnamese


def test_the_zone_page_shows_the_share_of_capacity_as_a_localised_percentage(farm, auditor_client):
    harvest_lot(farm, "9500", confirm="weighed twice at the station")
    url = f"/authority/zones/{farm.field.id}"
    assert "106%" in auditor_client.get(url).get_data(as_text=True)
    french = auditor_client.get(url, headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert f"106{NBSP}%" in french and f"9{NNBSP}500 kg" in french


def test_a_register_filter_that_cannot_be_used_is_named_with_its_choices_in_words(auditor_client):
    page = auditor_client.get("/authority/zones?kind=orchard").get_data(as_text=True)
    assert (
        "was ignored: Choose one of: Growing area, Packing house, Aquaculture facility, "
        "or Fishing ground."
    ) in page
    assert "The filter &#39;Kind&#39;" in page and "orchard" not in page.split("</form>")[0]
    vietnamese = auditor_client.get(
        "/authority/zones?status=lost", headers={"Accept-Language": "vi"}
    ).get_data(as_text=True)
    assert " hoặc " in vietnamese and "draft, submitted" not in vietnamese


def test_the_lot_page_names_the_kind_of_label_run(farm, auditor_client):
    lot = harvest_lot(farm, "100")
    labels_for(lot, count=2)
    page = auditor_client.get(f"/authority/lots/{lot.id}").get_data(as_text=True)
    assert "One serialised label per item" in page and ">serialised<" not in page


def test_inspection_choices_and_statuses_are_named_in_words(farm, world):
    with pytest.raises(ValidationFailed) as exc:
        inspections.record_inspection(
            world.auditor, farm.field, **_payload(result="maybe", residue_result="some")
        )
    assert exc.value.errors["result"] == ["Choose the result: pass, conditional or fail."]
    assert exc.value.errors["residue_result"] == [
        "Say whether residues were sampled and, if so, whether they were within or above the "
        "limits."
    ]
    zones.transition(world.auditor, farm.field, ZoneStatus.SUSPENDED, "Kiểm tra lại ranh giới")
    with pytest.raises(ValidationFailed) as exc:
        inspections.record_inspection(
            world.auditor,
            farm.field,
            suspend=True,
            **_payload(result="fail", findings="Sai ranh giới"),
        )
    assert exc.value.errors["suspend"] == [
        "Only an approved code can be suspended (this code's status: Suspended)."
    ]


def test_a_suspension_by_inspection_dates_its_reason_the_readers_way(farm, world):
    inspection = inspections.record_inspection(
        world.auditor,
        farm.field,
        suspend=True,
        **_payload(result="fail", findings="Dư lượng vượt MRL"),
    )
    db.session.flush()
    [step] = [t for t in zones.zone_transitions(farm.field) if t.id == inspection.transition_id]
    assert (
        step.reason == f"Failed inspection of {format_date(inspection.inspected_on)}: "
        "Dư lượng vượt MRL"
    )


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler's pdftotext")
def test_the_dossier_is_printed_in_the_readers_language(farm, auditor_client):
    harvest_lot(farm, "9500", confirm="weighed twice at the station")
    response = auditor_client.get(
        f"/authority/zones/{farm.field.id}/dossier.pdf", headers={"Accept-Language": "vi"}
    )
    assert response.status_code == 200
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=response.data, capture_output=True, check=True
    ).stdout.decode()
    with force_locale("vi"):
        printed = format_date(local_today())
    # Sentences the catalogs already hold, with Vietnamese dates, numbers and labels.
    assert f"In ngày {printed}." in text
    assert "9.500,0" in text and "9.000,0" in text and "9,500.0" not in text
    assert "growing area" not in text and "approved" not in text
