"""Dates on the staff pages: one format for a date and one for a date and time per language,
the month in letters (never "12/5/26", which a reader in Vietnam takes for 12 May)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from babel import dates as babel_dates
from flask import Flask, render_template_string
from flask_babel import format_date, format_datetime

from tests.authority.conftest import labels_for
from tests.farm import harvest_lot
from traceapp.extensions import db

#: 08:04 UTC is 15:04 in Vietnam, where the pages show times.
MOMENT = dt.datetime(2026, 12, 5, 8, 4, tzinfo=dt.UTC)
EXPECTED = {
    "en": ("5 Dec 2026", "5 Dec 2026, 15:04"),
    "vi": ("5 thg 12, 2026", "15:04 5 thg 12, 2026"),
    "fr": ("5 déc. 2026", "5 déc. 2026, 15:04"),
    "zh": ("2026年12月5日", "2026年12月5日 15:04"),
}
#: A date written with figures only, as CLDR's short styles do ("12/5/26", "05/12/2026").
FIGURES_ONLY = re.compile(r"\b\d{1,4}[/.]\d{1,2}[/.]\d{2,4}\b")


@pytest.mark.parametrize("lang", sorted(EXPECTED))
def test_every_style_gives_the_one_format_of_the_language(app: Flask, lang: str):
    day, moment = EXPECTED[lang]
    with app.test_request_context(f"/?lang={lang}"):
        shown = render_template_string(
            "{{ m|dateformat }}|{{ m|dateformat('short') }}|{{ m|dateformat('medium') }}|"
            "{{ m.date()|dateformat }}|"
            "{{ m|datetimeformat }}|{{ m|datetimeformat('short') }}|"
            "{{ m|datetimeformat('medium') }}",
            m=MOMENT,
        ).split("|")
        assert shown == [day] * 4 + [moment] * 3
        # The code's own formatting (messages, exports) agrees with the templates'.
        assert format_date(MOMENT.date()) == day
        assert format_datetime(MOMENT) == moment == format_datetime(MOMENT, "short")
        # The public pages' long style is the language's own.
        long_day = render_template_string("{{ m|dateformat('long') }}", m=MOMENT.date())
        assert long_day == babel_dates.format_date(MOMENT.date(), "long", locale=lang)


def test_an_english_staff_page_writes_dates_with_the_month_in_letters(farm, manager_client):
    lot = harvest_lot(farm, "1000")
    labels_for(lot, count=2)
    db.session.commit()
    for path in ("/lots", "/label-runs", f"/lots/{lot.id}"):
        page = manager_client.get(f"{path}?lang=en").get_data(as_text=True)
        text = re.sub(r"<[^>]+>", " ", page)
        assert not FIGURES_ONLY.findall(text), (path, FIGURES_ONLY.findall(text))
        assert re.search(
            r"\b\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) 20\d\d\b", text
        ), path
    runs = re.sub(r"<[^>]+>", " ", manager_client.get("/label-runs?lang=en").get_data(as_text=True))
    assert re.search(r"\b\d{1,2} [A-Z][a-z]{2} 20\d\d, \d\d:\d\d\b", runs), "a run's issue time"
