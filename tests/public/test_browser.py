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
    from traceapp.labels.contents import label_url
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


#: The demo's label in each state, and the words a shopper reads there in vi and en.
STATE_WORDS = {
    "genuine": ("Tem chính hãng", "Genuine label"),
    "copied": (
        "Cảnh báo: tem này có thể đã bị sao chép",
        "Caution: this label may have been copied",
    ),
    "voided": ("Tem này đã bị hủy", "This label was withdrawn"),
    "unclaimed": ("Có thể không phải tem chính hãng", "Possibly not a genuine label"),
    "expired": ("Đã quá hạn sử dụng", "Past its best-before date"),
    "recalled": ("Đã thu hồi: không sử dụng sản phẩm này", "Recalled: do not use this product"),
}


def _state_urls(app: Any) -> dict[str, str]:
    """The demo's label in each state, as a shopper's phone would open it."""
    from traceapp.demo import scans, states
    from traceapp.labels.contents import label_url
    from traceapp.labels.models import Label, LabelRun

    with app.app_context():
        runs = list(db.session.scalars(sa.select(LabelRun).order_by(LabelRun.id)))
        bags = [r for r in runs if r.lot.product.code == "XP-DP-500"]
        main, expired = bags[0], bags[-1]
        assert expired.lot.notes == states.EXPIRED_NOTES
        recalled = next(r for r in runs if r.lot.product.code == "XP-DPR-250")
        urls = {}
        for state, run, seq in (
            ("genuine", main, 1),
            ("copied", main, scans.COPIED_LABEL_SEQ),
            ("voided", main, states.VOIDED_SEQ),
            ("expired", expired, 1),
            ("recalled", recalled, 1),
        ):
            label = db.session.scalars(
                sa.select(Label).where(Label.run_id == run.id, Label.seq == seq)
            ).one()
            urls[state] = label_url(run.lot.product, run.lot.code, label.serial)
        urls["unclaimed"] = label_url(main.lot.product, main.lot.code, scans.UNKNOWN_SERIAL)
        db.session.remove()
    return urls


@pytest.mark.skipif(
    sync_playwright is None or CHROMIUM is None,
    reason="needs Playwright and Debian's chromium (.ci/run installs both)",
)
def test_each_label_state_of_the_demo_on_a_phone(served_demo: Any, tmp_path: Any, chromium: Any):
    """Issue 17: the demo has a label in each state; each says its own words in vi and en at
    360 px, with no horizontal scroll and no request elsewhere. Screenshots are kept in
    TRACEAPP_TEST_ARTEFACTS when it is set (else in the test's temporary folder)."""
    import os
    import pathlib

    app, port, _serial = served_demo
    urls = _state_urls(app)
    shots = pathlib.Path(os.environ.get("TRACEAPP_TEST_ARTEFACTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    requests: list[str] = []
    browser = BrowserPages(chromium)
    try:
        for lang, index in (("vi", 0), ("en", 1)):
            page = browser.new_page(viewport={"width": 360, "height": 740}, locale="vi-VN")
            page.on("request", lambda request: requests.append(request.url))
            for state, url in urls.items():
                page.goto(f"{url}?lang={lang}")
                body = page.inner_text("body")
                assert STATE_WORDS[state][index] in body, (state, lang)
                for other, words in STATE_WORDS.items():
                    if other != state and not (state == "unclaimed" and other == "genuine"):
                        assert words[index] not in body, (state, lang, other)
                assert page.evaluate("document.documentElement.scrollWidth") <= 360, state
                page.screenshot(path=str(shots / f"label-{state}-{lang}.png"), full_page=True)
    finally:
        browser.close()
    assert len(list(shots.glob("label-*-*.png"))) >= 12
    foreign = [u for u in requests if not u.startswith(f"http://127.0.0.1:{port}/")]
    assert foreign == []
