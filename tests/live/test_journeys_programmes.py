"""A programme officer's journey on a phone, in headless Chromium against the live server:
record a workshop with its sign-in sheet (keyboard only), see the unique people reached move
by the right amount (a returning member adds an attendance, not a person), and download the
programme's report as XLSX and as an IATI file that validates."""

from __future__ import annotations

import io
import re
import secrets
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from tests.live.support import LiveServer, sign_in
from tests.live.test_journeys_office import SEE_MS, ServerErrors, _click, _flash, _see, journey

pytestmark = [pytest.mark.live, pytest.mark.browser]

__all__ = ["journey"]

IATI_SCHEMA = Path(__file__).resolve().parents[3] / "shared" / "iati" / "iati-activities-schema.xsd"


def _figures(page: Page) -> dict[str, str]:
    rows = page.locator("table#figures tbody tr")
    out = {}
    for i in range(rows.count()):
        cells = rows.nth(i).locator("td")
        out[cells.nth(0).inner_text().strip()] = cells.nth(1).inner_text().strip()
    return out


def _no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 362, f"{page.url} is {width} px wide on a 360 px phone"


def test_officer_records_a_workshop_on_a_phone_and_downloads_the_report(
    live_server: LiveServer, chromium: Any, journey: ServerErrors
) -> None:
    """Workshop, sign-in sheet, reach before and after, XLSX and IATI downloads."""
    page = journey.watch(sign_in(chromium, live_server, "programme_officer", width=360, height=740))
    try:
        _see(page, "Hello, Võ Thị Minh Tâm", "h1")
        page.locator("main").get_by_role("link", name="Programmes", exact=True).first.click()
        _see(page, "Support programmes", "h1")
        page.locator("main table a", has_text="WCP-PY").click()
        _see(page, "Women's cooperatives programme, Phú Yên", "h1")
        programme_url = page.url
        page.locator("main").get_by_role("link", name="Reach figures").click()
        before = _figures(page)
        people = int(before["People reached (each person once)"])
        attendances = int(before["Attendances"])

        page.goto(programme_url)
        page.locator("main").get_by_role("link", name="Record an activity").click()
        _see(page, "Record an activity", "h1")
        title = f"Hội thảo bán hàng {secrets.token_hex(2)}"
        page.select_option("select[name=kind]", "workshop")
        page.fill("input[name=title]", title)
        page.select_option("select[name=topic]", "sales_marketing")
        page.fill("input[name=starts_on]", "2025-12-01")
        page.fill("input[name=hours]", "3")
        expect(page.locator("input[name=province]")).to_have_value("Phú Yên")
        page.select_option(
            "select[name=cooperative_ids]", label="Hợp tác xã Nông nghiệp Xuân Phước"
        )
        _click(page, "Save and open the sign-in sheet")
        _flash(page, "Activity recorded")
        _see(page, title, "h1")
        _no_sideways_scroll(page)

        # A member already reached by the programme ticks in; a newcomer is typed in with
        # the keyboard only: name, Tab to gender, Tab to birth year, Tab to phone.
        page.locator("ul.ticks label", has_text="Nguyễn Thị Hoa").locator("input").check()
        newcomer = f"Đinh Thị Mơ {secrets.token_hex(2)}"
        page.locator("input[name='rows-0-full_name']").focus()
        page.keyboard.type(newcomer)
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        page.keyboard.type("1994")
        page.keyboard.press("Tab")
        page.keyboard.type("0905 777 123")
        page.keyboard.press("Enter")
        page.wait_for_load_state()
        _flash(page, "2 people added to the sheet.")
        expect(page.locator("table#attendance")).to_contain_text(newcomer, timeout=SEE_MS)
        _no_sideways_scroll(page)

        page.goto(programme_url)
        page.locator("main").get_by_role("link", name="Reach figures").click()
        after = _figures(page)
        assert int(after["People reached (each person once)"]) == people + 1
        assert int(after["Attendances"]) == attendances + 2
        _no_sideways_scroll(page)

        with page.expect_download() as download:
            page.locator("main").get_by_role("link", name="XLSX").click()
        book = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
        values = {row[0]: row[1] for row in book.active.iter_rows(values_only=True)}
        assert values["People reached (each person once)"] == people + 1

        with page.expect_download() as download:
            page.locator("main").get_by_role("link", name="IATI file").click()
        xml = Path(download.value.path()).read_bytes()
        assert re.search(rb"<iati-identifier>[^<]*WCP-PY</iati-identifier>", xml)
        etree = pytest.importorskip("lxml.etree")
        if IATI_SCHEMA.exists():
            schema = etree.XMLSchema(etree.parse(str(IATI_SCHEMA)))
            schema.assertValid(etree.fromstring(xml))
    finally:
        page.context.close()
