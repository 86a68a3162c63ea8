"""Journeys beyond Vietnam through the live server in headless Chromium (issue 20).

1. The Tram Kak rice cooperative's manager (Cambodia) signs in and works in Khmer: the
   pages are in Khmer, and the label sheet downloaded from the run's page prints the Khmer
   product name shaped (the rasterised PDF matches shaped Khmer, not the letters in a row).
2. The Manisa auditor (Türkiye) sees only Turkish zones in the console's register.
3. A shopper whose browser names no language opens each demo country's label page in that
   country's language.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.labels.test_khmer import POPPLER_AND_RAQM, name_line, shaped_and_naive
from tests.live.support import LiveServer, sign_in

pytestmark = [pytest.mark.live, pytest.mark.browser]

RICE = "អង្ករក្រអូបផ្កាម្លិះ"


def test_a_cambodian_manager_prints_a_khmer_label_sheet(
    chromium: Any, live_server: LiveServer, tmp_path: Path
) -> None:
    page = sign_in(chromium, live_server, "rice_manager_kh", locale="km-KH")
    assert page.locator("html").get_attribute("lang") == "km"
    page.goto(live_server.url + "/label-runs")
    assert page.locator("html").get_attribute("lang") == "km"
    page.locator("main table tbody tr", has_text="TKR-").first.locator("a").first.click()
    page.wait_for_load_state()
    assert RICE in page.inner_text("main")
    page.select_option("select[name=fmt]", "pdf")
    page.select_option("select[name=layout]", "a4-3x8")
    with page.expect_download(timeout=60_000) as info:
        page.locator("form[action$='/print'] button[type=submit]").click()
    path = tmp_path / "sheet.pdf"
    info.value.save_as(path)
    pdf = path.read_bytes()
    assert pdf.startswith(b"%PDF")
    if not POPPLER_AND_RAQM:
        pytest.skip("needs poppler-utils and Pillow with raqm to look at the printed sheet")
    shaped, naive = shaped_and_naive(name_line(pdf, "a4-3x8", 0), RICE)
    assert shaped > 0.8 and naive < 0.5, (shaped, naive)


def test_the_manisa_auditor_sees_only_turkish_zones(chromium: Any, live_server: LiveServer) -> None:
    page = sign_in(chromium, live_server, "auditor_manisa", locale="tr-TR")
    assert page.locator("html").get_attribute("lang") == "tr"
    page.goto(live_server.url + "/authority/zones")
    text = page.inner_text("main")
    assert "TR-45AKH-0012" in text
    assert not re.search(r"\b(VN|KH)-[A-Z0-9]+-\d+", text), text[:2000]


@pytest.mark.parametrize(("prefix", "lang"), [("TKR-", "km"), ("AKH-", "tr"), ("XP-", "vi")])
def test_each_countrys_label_page_opens_in_its_language(
    chromium: Any, live_server: LiveServer, prefix: str, lang: str
) -> None:
    staff = sign_in(chromium, live_server, "admin")
    staff.goto(live_server.url + "/label-runs?lang=en")
    staff.locator("main table tbody tr", has_text=prefix).first.locator("a").first.click()
    staff.wait_for_load_state()
    rows = [r for r in staff.locator("main table tbody tr").all() if r.locator("td").count() >= 6]
    assert rows, "the run page lists no label"
    link = rows[0].locator("td").nth(3).inner_text().strip()
    staff.context.close()
    # A browser that names no language: the page opens in the label's country's language.
    context = chromium.new_context(extra_http_headers={"Accept-Language": ""})
    page = context.new_page()
    page.goto(link if link.startswith("http") else live_server.url + link)
    assert page.locator("html").get_attribute("lang") == lang
    context.close()
