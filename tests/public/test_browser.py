"""A real browser opens a demo label's page on a narrow phone screen, in two languages."""

from __future__ import annotations

import shutil
import threading
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import BrowserPages, make_app, scratch_database_url
from traceapp.extensions import db

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.browser

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - the test extra installs it
    sync_playwright = None


@pytest.fixture
def served_demo(tmp_path: Any) -> Any:
    """The demo data behind a real HTTP server on a free local port."""
    from werkzeug.serving import make_server

    from traceapp.demo import load_demo
    from traceapp.labels.models import Label

    with scratch_database_url(tmp_path) as url:
        app = make_app(url, tmp_path)
        with app.app_context():
            db.create_all()
            load_demo()
            bag = db.session.execute(
                sa.text(
                    "SELECT l.serial FROM labels l JOIN lots ON lots.id = l.lot_id "
                    "JOIN products p ON p.id = lots.product_id WHERE p.code = 'XP-DP-500' "
                    "ORDER BY l.id LIMIT 1"
                )
            ).scalar_one()
            assert db.session.get(Label, 1) is not None
            db.session.remove()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        port = server.server_port
        app.config["TRACEAPP_PUBLIC_BASE_URL"] = f"http://127.0.0.1:{port}"
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield app, port, bag
        finally:
            server.shutdown()
            with app.app_context():
                # The scratch database goes with the test (a recall and its lots refer to
                # each other, which SQLite's DROP TABLE refuses).
                db.session.remove()
                db.engine.dispose()


@pytest.mark.skipif(
    sync_playwright is None or CHROMIUM is None,
    reason="needs Playwright and Debian's chromium (.ci/run installs both)",
)
def test_label_page_on_a_phone_in_vietnamese_and_english(
    served_demo: Any, tmp_path: Any, chromium: Any
):
    from traceapp.labels.services import label_url
    from traceapp.products.models import Product

    app, port, serial = served_demo
    with app.app_context():
        product = db.session.execute(
            sa.select(Product).where(Product.code == "XP-DP-500")
        ).scalar_one()
        lot_code = db.session.execute(
            sa.text(
                "SELECT lots.code FROM labels l JOIN lots ON lots.id = l.lot_id WHERE l.serial = :s"
            ),
            {"s": serial},
        ).scalar_one()
        url = label_url(product, lot_code, serial)
        db.session.remove()
    requests: list[str] = []
    browser = BrowserPages(chromium)
    try:
        page = browser.new_page(viewport={"width": 360, "height": 740}, locale="vi-VN")
        page.on("request", lambda request: requests.append(request.url))
        page.goto(url)
        body = page.inner_text("body")
        assert "Đậu phộng Xuân Phước túi 500 g" in body
        assert "Hợp tác xã Nông nghiệp Xuân Phước" in body
        assert page.get_attribute("html", "lang") == "vi"
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.screenshot(path=str(tmp_path / "label-vi.png"), full_page=True)
        page.goto(url + "?lang=en")
        body_en = page.inner_text("body")
        assert "Xuan Phuoc peanuts, 500 g bag" in body_en
        assert "Where it comes from" in body_en
        page.screenshot(path=str(tmp_path / "label-en.png"), full_page=True)
    finally:
        browser.close()
    assert (tmp_path / "label-vi.png").stat().st_size > 10_000
    foreign = [u for u in requests if not u.startswith(f"http://127.0.0.1:{port}/")]
    assert foreign == []
