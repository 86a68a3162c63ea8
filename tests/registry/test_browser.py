"""A real browser looks a code up and reads the register's pages on a narrow phone screen."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import BrowserPages
from tests.public.test_browser import CHROMIUM, served_demo, sync_playwright  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.mark.skipif(
    sync_playwright is None or CHROMIUM is None,
    reason="needs Playwright and Debian's chromium (.ci/run installs both)",
)
def test_the_register_on_a_phone_in_vietnamese_and_english(served_demo: Any, chromium: Any):  # noqa: F811
    _app, port, _serial = served_demo
    base = f"http://127.0.0.1:{port}"
    requests: list[str] = []
    browser = BrowserPages(chromium)
    try:
        page = browser.new_page(viewport={"width": 360, "height": 740}, locale="vi-VN")
        page.on("request", lambda request: requests.append(request.url))
        # A buyer types the code from an export document into the search box (no script).
        page.goto(f"{base}/registry/")
        assert page.get_attribute("html", "lang") == "vi"
        page.fill("#zq", "vn-pydx-0101")
        page.click("form[action='/registry/zones'] button[type=submit]")
        assert page.url == f"{base}/registry/zones/VN-PYDX-0101"
        assert "Còn hiệu lực hôm nay" in page.inner_text("main")
        for path in (
            "/registry/",
            "/registry/zones",
            "/registry/zones/VN-PYDX-0101",
            "/registry/zones/VN-PYDX-0104",
            "/registry/cooperatives/1",
            "/registry/marks/1",
        ):
            for lang in ("vi", "en"):
                page.goto(f"{base}{path}?lang={lang}")
                assert page.get_attribute("html", "lang") == lang
                width = page.evaluate("document.documentElement.scrollWidth")
                assert width <= 360, (path, lang, width)
        page.goto(f"{base}/registry/zones/VN-PYDX-0104?lang=en")
        assert "Suspended: not valid today" in page.inner_text("main")
        page.goto(f"{base}/registry/cooperatives/1?lang=en")
        body = page.inner_text("main")
        assert "Hợp tác xã Nông nghiệp Xuân Phước" in body and "4-star OCOP product" in body
    finally:
        browser.close()
    foreign = [u for u in requests if not u.startswith(f"{base}/")]
    assert foreign == []
