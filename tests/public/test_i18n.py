"""The public page in the reader's locale: numbers, dates, and the clone flags' wording."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from babel.dates import format_date
from flask_babel import force_locale

from traceapp.extensions import db
from traceapp.labels.models import Label
from traceapp.public import clone, views
from traceapp.public.resolver import BadPath, parse_digital_link
from traceapp.public.scan import response


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        (clone.FLAG_VOIDED, "A voided serial was scanned."),
        (clone.FLAG_RECALLED, "A label of a recalled lot was scanned."),
        (clone.FLAG_EXPIRED, "The label was scanned after the lot's best-before date."),
        (clone.FLAG_MISMATCH, "The serial was scanned under another lot or GTIN than its own."),
        ("more than 20 scans in 24 hours", "Scanned more than 20 times in 24 hours."),
        ("more than 1 scans in 24 hours", "Scanned more than 1 time in 24 hours."),
        ("scanned by more than 8 different clients", "Scanned by more than 8 different clients."),
        (
            "scanned by more than 1500 different clients",
            "Scanned by more than 1,500 different clients.",
        ),
        ("a reason of an older rule", "a reason of an older rule"),
        (None, ""),
    ],
)
def test_a_stored_flag_is_described_by_its_kind(session, stored, shown):
    assert clone.describe_flag(stored) == shown


def test_the_stored_flags_stay_english_and_keep_their_kind(session):
    row = SimpleNamespace(kind="serialised", voided_at=None, lot_status="closed", best_before=None)
    rules = clone.tunables.get("clone_rules")
    many = int(rules["max_scans_24h"])
    with force_locale("vi"):
        reason = clone.clone_reason(row, many, 0, False, dt.date(2026, 1, 1))
    assert reason == f"more than {many} scans in 24 hours"
    # Volume is a signal for staff and auditors: one client can make it alone.
    assert clone.caution_kind(reason) == "volume"
    clients = int(rules["max_distinct_clients"])
    reason = clone.clone_reason(row, 0, clients, True, dt.date(2026, 1, 1))
    assert reason == f"scanned by more than {clients} different clients"
    assert clone.caution_kind(reason) == "copied"
    assert clone.caution_kind(clone.FLAG_MISMATCH) == "mismatch"
    assert clone.caution_kind(clone.FLAG_EXPIRED) == "expired"


def test_the_describe_flag_filter_is_there_for_every_template(app, session):
    template = app.jinja_env.from_string("{{ reason|describe_flag }}")
    assert template.render(reason=clone.FLAG_VOIDED) == "A voided serial was scanned."


@pytest.mark.parametrize(
    ("lang", "count", "month"),
    [
        ("fr", "1\u202f234", "fr"),
        ("vi", "1.234", "vi"),
        ("en", "1,234", "en"),
    ],
)
def test_the_fast_path_writes_counts_and_dates_in_the_page_language(
    app, client, labelled, monkeypatch, lang, count, month
):
    """Even when the fast path (outside any request) formats them for the first time."""
    first = dt.datetime(2026, 3, 5, 3, 0, tzinfo=dt.UTC)
    a, b = labelled.serials[0], labelled.serials[1]
    headers = {"Accept-Language": lang}
    app.config["TRACEAPP_SCAN_FAST_PATH"] = False
    try:
        client.get(labelled.url(a), headers=headers)
        client.get(labelled.url(a), headers=headers)  # the "scanned again" page is cached
    finally:
        app.config["TRACEAPP_SCAN_FAST_PATH"] = True
    label = db.session.execute(sa.select(Label).where(Label.serial == b)).scalar_one()
    label.scan_count, label.first_scanned_at = 1233, first
    db.session.commit()
    response._date_texts.clear()
    response._count_texts.clear()

    def refuse(*_a, **_k):
        raise AssertionError("Flask answered a request the fast path should have")

    monkeypatch.setattr(views, "_serial", refuse)
    html = client.get(labelled.url(b), headers=headers).get_data(as_text=True)
    assert count in html
    assert format_date(first.date(), "long", locale=month) in html


def test_public_page_quantities_and_areas_follow_the_language(app, client, labelled):
    zone = labelled.farm.field
    zone.declared_area_ha = Decimal("2.50")
    db.session.commit()
    url = f"/01/{labelled.gtin}/10/{labelled.packed.code}"
    english = client.get(url).get_data(as_text=True)
    assert "2.5 ha" in english
    assert "2.50 ha" not in english
    french = client.get(url, headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "2,5" in french
    assert "2.50" not in french


def test_the_lot_page_title_is_one_message(client, labelled):
    url = f"/01/{labelled.gtin}/10/{labelled.packed.code}"
    html = client.get(url, headers={"Accept-Language": "vi"}).get_data(as_text=True)
    title = html.split("<title>")[1].split("</title>")[0]
    assert f"lô {labelled.packed.code}" in title  # "lot %(code)s", already in the catalogs


def test_resolver_messages_are_translatable_and_work_outside_a_request(session):
    with pytest.raises(BadPath, match="order 22, 10, 21"):
        parse_digital_link("/01/08934567890120/21/A/10/B")
    with pytest.raises(BadPath, match="application identifier '99'"):
        parse_digital_link("/01/08934567890120/99/A")


def test_resolver_messages_outside_an_application():
    """The scan fast path parses paths before any application context exists."""
    with pytest.raises(BadPath, match="wrong check digit"):
        parse_digital_link("/01/08934567890121")
