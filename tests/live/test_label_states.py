"""Issue 17, done when: the demo has a label in each state, and a shopper's phone (360 px,
Vietnamese and English) shows each state's own words with no sideways scroll; a buyer finds
each demo zone code and cooperative through the public register's search forms.

Screenshots of every state's page are saved as test artefacts, in the folder named by
``TRACEAPP_TEST_ARTIFACTS`` (a temporary folder when unset); they are never committed.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.live.support import LiveServer
from traceapp.demo.people import COOPERATIVES

pytestmark = [pytest.mark.live, pytest.mark.browser]

PHONE = {"width": 360, "height": 740}

#: (state, language) -> the heading and a sentence the shopper must read on the page.
WORDS = {
    "genuine": {
        "vi": ("Tem chính hãng", "Hợp tác xã Nông nghiệp Xuân Phước cấp ngày"),
        "en": ("Genuine label", "Issued by"),
    },
    "copied": {
        "vi": ("Cảnh báo: tem này có thể đã bị sao chép", "Hợp tác xã Nông nghiệp Xuân Phước"),
        "en": ("Caution: this label may have been copied", "different phones have scanned it"),
    },
    "voided": {
        "vi": ("Tem này đã bị hủy", "vì tem bị in lỗi"),
        "en": ("This label was withdrawn", "because it was misprinted"),
    },
    "unknown": {
        "vi": ("Có thể không phải tem chính hãng", "chưa từng phát hành tem có số sê-ri này"),
        "en": ("Possibly not a genuine label", "they never issued a label with this serial"),
    },
    "expired": {
        "vi": ("Đã quá hạn sử dụng", "Hợp tác xã Nông nghiệp Xuân Phước"),
        "en": ("Past its best-before date", "This lot was best before"),
    },
    "recalled": {
        "vi": ("Đã thu hồi: không sử dụng sản phẩm này", "aflatoxin"),
        "en": ("Recalled: do not use this product", "Aflatoxin above the legal limit"),
    },
}
#: Words no other state may show (a recalled or doubtful label is never called genuine).
HEADINGS = {state: {lang: w[0] for lang, w in by_lang.items()} for state, by_lang in WORDS.items()}
REPORT = {"vi": "Báo cáo vấn đề", "en": "Report a problem"}

#: The zone codes the demo's cooperatives hold (issued, so in the public register).
DEMO_CODES = (
    "54-TH-0012-001",
    "54-TH-0012-002",
    "VN-PYDX-0101",
    "VN-PYDX-0102",
    "VN-PYDX-0103",
    "VN-PYDX-0104",
    "VN-PYOFF-01",
    "VN-PYPH-0012",
)


def artefacts() -> Path:
    folder = os.environ.get("TRACEAPP_TEST_ARTIFACTS") or os.path.join(
        tempfile.gettempdir(), "traceapp-test-artifacts"
    )
    path = Path(folder) / "label-states"
    path.mkdir(parents=True, exist_ok=True)
    return path


def state_urls(server: LiveServer) -> dict[str, str]:
    """The demo's label of each state, as ``traceapp demo`` prints them (it is idempotent)."""
    out = server.command("demo", "--force")
    urls = dict(re.findall(r"^\s+(\w+)\s+(https?://\S+)$", out, flags=re.M))
    assert set(WORDS) <= set(urls), out
    return urls


def phone(chromium: Any, locale: str) -> Any:
    context = chromium.new_context(
        viewport=PHONE, locale=locale, is_mobile=True, has_touch=True, device_scale_factor=1
    )
    context.set_default_timeout(20_000)
    return context.new_page()


def test_each_label_state_reads_plainly_on_a_phone(live_server: LiveServer, chromium: Any):
    urls = state_urls(live_server)
    shots = artefacts()
    for locale, lang in (("vi-VN", "vi"), ("en-GB", "en")):
        page = phone(chromium, locale)
        for state, url in urls.items():
            if state not in WORDS:
                continue
            page.goto(f"{url}?lang={lang}", wait_until="load")
            page.locator("main h1, main h2").first.wait_for()
            text = page.inner_text("main")
            heading, sentence = WORDS[state][lang]
            assert heading in text, (state, lang, text[:600])
            assert sentence in text, (state, lang, text[:600])
            for other, words in HEADINGS.items():
                if other != state and not (state == "unknown" and other == "genuine"):
                    assert words[lang] not in text, (state, lang, other)
            assert REPORT[lang] in text, (state, lang)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{state} ({lang}) is {width}px wide"
            page.screenshot(path=str(shots / f"{state}-{lang}.png"), full_page=True)
        page.context.close()
    assert len(list(shots.glob("*.png"))) >= 2 * len(WORDS)


def test_a_shopper_reports_a_problem_without_javascript(live_server: LiveServer, chromium: Any):
    urls = state_urls(live_server)
    context = chromium.new_context(viewport=PHONE, locale="en-GB", java_script_enabled=False)
    page = context.new_page()
    page.goto(urls["voided"] + "?lang=en")
    page.get_by_role("link", name="Report a problem").click()
    page.get_by_label("The label or product looks fake").check()
    page.get_by_label("Tell us more").fill("Seen on a market stall in Tuy Hoa, 5 December.")
    page.get_by_role("button", name="Send the report").click()
    assert "your report was sent" in page.inner_text("main")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    context.close()


def test_a_buyer_finds_each_demo_code_and_cooperative(live_server: LiveServer, chromium: Any):
    page = phone(chromium, "en-GB")
    for code in DEMO_CODES:
        page.goto(live_server.url + "/registry/?lang=en")
        page.locator("#zq").fill(code)
        page.locator("form[action$='/registry/zones'] button").click()
        page.locator("main h1").wait_for()
        assert page.locator("main h1").inner_text().strip() == code, page.url
        text = page.inner_text("main")
        assert "Holder" in text and "Issuing authority" in text, code
        assert page.locator("svg.zone-outline").count() == 1, code
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{code}: {width}px"
    for coop in COOPERATIVES:
        page.goto(live_server.url + "/registry/?lang=en")
        page.locator("#cq").fill(coop["name"])
        page.locator("form[action$='/registry/'] button").click()
        page.get_by_role("link", name=coop["name"]).first.click()
        page.locator("main h1").wait_for()
        assert coop["name"] in page.locator("main h1").inner_text(), page.url
    page.context.close()
