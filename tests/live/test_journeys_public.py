"""Public journeys through the live server in headless Chromium, asserting what people see.

1. A shopper opens a demo label's public page on a 360 px phone, in Vietnamese and in English:
   the product, the lot, the cooperative, no sideways scrolling, nothing fetched from elsewhere.
2. The Phú Yên auditor suspends a zone code in the authority console; the cooperative's
   manager can then no longer issue labels for a lot that claims that zone, and is told why.
   The auditor reinstates the code at the end (the server is shared by the whole session).
3. A manager recalls a lot; a shopper opening one of its labels sees the recall, its reason
   and what to do, and no "genuine label" reassurance.

The server is shared by every live test, so each journey finds its data on the pages (a lot
that can be labelled, a zone that is approved, a label that is still live) instead of
relying on ids or on what other tests left behind. Staff use the English interface.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest

from tests.live.support import LiveServer, qr_texts_in_png, sign_in

pytestmark = [pytest.mark.live, pytest.mark.browser]

PHONE = {"width": 360, "height": 740}
#: A text that can only come from this test run (the server is shared).
STAMP = time.strftime("%H%M%S")


# --- helpers ------------------------------------------------------------------------------------


def staff_page(chromium: Any, server: LiveServer, role: str) -> Any:
    """A signed-in page of a demo role, switched to the English interface (the lang cookie)."""
    page = sign_in(chromium, server, role, locale="en-GB")
    page.goto(server.url + "/?lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    return page


def shopper(chromium: Any, server: LiveServer, locale: str) -> tuple[Any, list[str]]:
    """A fresh, signed-out phone context (360 x 740) and the list its requests are logged to."""
    context = chromium.new_context(
        viewport=PHONE, locale=locale, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    context.set_default_timeout(20_000)
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    return context.new_page(), requests


def open_label(page: Any, url: str) -> str:
    """Open a label's public page the way a phone does; the page's visible text."""
    answer = page.goto(url, wait_until="load")
    assert answer is not None and answer.status == 200, (url, answer and answer.status)
    page.locator("main h1").first.wait_for()
    return page.inner_text("body")


def assert_phone_fit(page: Any) -> None:
    """The page does not scroll sideways on a 360 px wide screen."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a {PHONE['width']}px phone"


def assert_only_local(server: LiveServer, requests: list[str]) -> None:
    """Every request went to the live server (no CDN, fonts, analytics)."""
    foreign = [u for u in requests if not u.startswith((server.url + "/", "data:", "about:"))]
    assert requests, "no request was recorded"
    assert not foreign, f"requests left the server: {foreign}"


def assert_no_tracebacks(server: LiveServer) -> None:
    """Nothing broke inside the server since the journey began."""
    found = server.tracebacks(server.new_log())
    assert not found, "the server logged errors:\n\n" + "\n\n".join(found)


def lot_links(page: Any, server: LiveServer, status: str = "closed") -> list[tuple[str, str]]:
    """(code, path) of the cooperative's lots in a status, as the lot list shows them."""
    page.goto(f"{server.url}/lots?status={status}")
    links = page.locator("main table tbody td:first-child a")
    return [(a.inner_text().strip(), a.get_attribute("href")) for a in links.all()]


def can_issue(page: Any, server: LiveServer, lot_path: str) -> bool:
    """Whether the lot's "Print labels" page offers the issue form (no refusal shown)."""
    page.goto(server.url + lot_path + "/labels")
    page.locator("main h1").wait_for()
    return page.get_by_role("button", name="Issue labels").count() == 1


def decide(page: Any, server: LiveServer, zone_path: str, to_status: str, reason: str) -> None:
    """Record an auditor's decision on a zone through the console's decision form."""
    page.goto(server.url + zone_path)
    form = page.locator("form[action$='/decision']")
    # Chosen explicitly: the form's preselection is not to be trusted for a decision.
    form.locator("select[name=to_status]").select_option(value=to_status)
    form.locator("textarea[name=reason]").fill(reason)
    with page.expect_navigation():
        form.get_by_role("button", name="Record the decision").click()


# --- 1. the shopper -----------------------------------------------------------------------------


def _past_best_before(page: Any) -> bool:
    """Whether the lot page open in ``page`` (English) shows a best-before date in the past."""
    import datetime as dt

    cell = page.locator("dl.facts dt:text-is('Best before') + dd")
    text = cell.inner_text().strip() if cell.count() else ""
    for pattern in ("%b %d, %Y", "%d %b %Y", "%B %d, %Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, pattern).date() < dt.date.today()
        except ValueError:
            continue
    return False


def find_demo_label(page: Any, server: LiveServer) -> dict[str, str]:
    """A live, little-scanned label of a lot neither recalled nor past its best-before date,
    from the manager's run pages."""
    page.goto(server.url + "/label-runs")
    rows = page.locator("main table tbody tr").all()
    runs = [
        (
            r.locator("td >> nth=0").locator("a").get_attribute("href"),
            r.locator("td >> nth=1").locator("a").get_attribute("href"),
        )
        for r in rows
        if r.locator("a").count() >= 2
    ]
    assert runs, "the manager sees no label run: " + page.inner_text("main")
    for run_path, lot_path in runs:
        page.goto(server.url + lot_path)
        if page.locator("main .head h1 .badge").inner_text().strip() == "recalled":
            continue
        if _past_best_before(page):  # its page says so first (demo/states.py has one)
            continue
        product_line = page.locator("dl.facts dt:text-is('Product') + dd").inner_text()
        page.goto(server.url + run_path)
        live = []
        for row in page.locator("main table tbody tr").all():
            cells = row.locator("td")
            if cells.count() < 6 or cells.nth(5).locator(".badge.ok").count() == 0:
                continue
            live.append(
                (
                    int(cells.nth(4).inner_text().replace(",", "") or 0),
                    cells.nth(3).inner_text().strip(),
                    cells.nth(2).inner_text().strip(),
                    cells.nth(1).locator("img").get_attribute("src"),
                )
            )
        if not live:
            continue
        _scans, url, serial, qr_src = min(live)
        heading = page.locator("main h1 small").inner_text()
        lot_code = page.locator("main h1 small a").inner_text().strip()
        return {
            "url": url,
            "serial": serial,
            "qr_src": qr_src,
            "lot_code": lot_code,
            "product_vi": heading.split(" · ", 1)[1].strip(),
            "product_code": re.search(r"\(([^()]+)\)\s*$", product_line).group(1),
        }
    pytest.fail("no live label on a lot that is not recalled")


def test_shopper_reads_a_label_on_a_phone(
    live_server: LiveServer, chromium: Any, tmp_path: Path
) -> None:
    """A signed-out shopper's phone shows the label's product, lot and cooperative, vi and en."""
    live_server.new_log()
    manager = staff_page(chromium, live_server, "manager")
    label = find_demo_label(manager, live_server)
    assert label["serial"] in label["url"]

    # The QR code on the run page carries the very link the page shows.
    qr = manager.request.get(live_server.url + label["qr_src"])
    assert qr.status == 200 and qr.headers["content-type"].startswith("image/png")
    (tmp_path / "qr.png").write_bytes(qr.body())
    assert qr_texts_in_png(tmp_path / "qr.png") == [label["url"]]

    # The product's names and its cooperative, as the manager's product page shows them.
    manager.goto(f"{live_server.url}/products?q={label['product_code']}")
    manager.locator("main table tbody a").first.click()
    manager.locator("main h1").wait_for()
    assert label["product_vi"] in manager.locator("main h1").inner_text()
    coop = manager.locator("dl.facts dt:text-is('Cooperative') + dd").inner_text().strip()
    english = manager.locator("dl.facts dd[lang=en]")
    product_en = english.inner_text().strip() if english.count() else label["product_vi"]
    manager.context.close()

    texts = {
        "vi-VN": ("vi", label["product_vi"], "Tem chính hãng", "Lô"),
        "en-GB": ("en", product_en, "Genuine label", "Lot"),
    }
    for locale, (lang, product, genuine, lot_word) in texts.items():
        page, requests = shopper(chromium, live_server, locale)
        text = open_label(page, label["url"])
        assert page.locator("html").get_attribute("lang") == lang, locale
        assert page.locator("main h1").inner_text().strip() == product, (locale, text)
        facts = page.locator("main dl").first
        lot_dd = facts.locator(f"dt:text-is('{lot_word}') + dd")
        assert lot_dd.inner_text().strip() == label["lot_code"], (locale, text)
        assert coop in text, (locale, text)
        assert genuine in text, (locale, text)
        assert page.locator("section.recall").count() == 0, (locale, text)
        assert_phone_fit(page)
        assert_only_local(live_server, requests)
        page.context.close()
        # Scanned by other phones: the fast path answers a page its worker has rendered before
        # (with two workers, three scans reach one of them twice).
        for _ in range(2):
            other, _requests = shopper(chromium, live_server, locale)
            again = open_label(other, label["url"])
            assert genuine in again and product in again, (locale, again)
            other.context.close()
    assert_no_tracebacks(live_server)


# --- 2. the auditor suspends a zone -------------------------------------------------------------


def test_auditor_suspends_a_zone_and_labels_are_refused(
    live_server: LiveServer, chromium: Any
) -> None:
    """A suspended zone shows as such in the console, and stops the manager issuing labels."""
    live_server.new_log()
    manager = staff_page(chromium, live_server, "manager")
    # A lot the manager can label now, and the zone codes it claims (through its inputs too).
    lot_path = next(
        (
            path
            for _code, path in lot_links(manager, live_server)
            if can_issue(manager, live_server, path)
        ),
        None,
    )
    assert lot_path, "the manager has no lot that labels can be issued for"
    manager.goto(live_server.url + lot_path)
    lot_code = re.search(r"Lot (\S+)", manager.locator("main h1").inner_text()).group(1)
    codes = [b.inner_text().strip() for b in manager.locator("#genealogy p .badge").all()]
    assert codes, f"lot {lot_code} claims no zone code"

    # The auditor finds one of those codes approved in the register, preferring a growing area.
    auditor = staff_page(chromium, live_server, "auditor")
    found = []
    for code in codes:
        auditor.goto(f"{live_server.url}/authority/zones?q={code}&status=approved")
        row = auditor.locator("main table tbody tr").filter(
            has=auditor.get_by_role("link", name=code, exact=True)
        )
        if row.count() == 1:
            found.append(
                (
                    "Growing area" not in row.inner_text(),
                    code,
                    row.get_by_role("link", name=code, exact=True).get_attribute("href"),
                )
            )
    assert found, f"none of {codes} is approved in the auditor's register"
    _other_kind, zone_code, zone_path = min(found)

    auditor.goto(live_server.url + zone_path)
    badge = auditor.locator("main h1 .badge")
    assert badge.inner_text().strip() == "Approved"
    reason = f"Field check {STAMP}: boundary markers moved, diary missing"
    decide(auditor, live_server, zone_path, "suspended", reason)
    assert auditor.locator("p.flash.success").inner_text().strip() == "The code is now Suspended."
    assert badge.inner_text().strip() == "Suspended"
    latest = (
        auditor.locator("main h2:text-is('Decisions') ~ table >> nth=0").locator("tbody tr").first
    )
    assert "Approved → Suspended" in latest.inner_text()
    assert reason in latest.inner_text()
    auditor.goto(f"{live_server.url}/authority/zones?q={zone_code}")
    row = auditor.locator("main table tbody tr").filter(
        has=auditor.get_by_role("link", name=zone_code, exact=True)
    )
    assert row.locator(".badge").last.inner_text().strip() == "Suspended"

    # The manager's "Print labels" page now refuses, and says which code and why.
    manager.goto(live_server.url + lot_path + "/labels")
    refusal = manager.locator("main [role=alert]")
    refusal.wait_for()
    assert "Labels cannot be printed for this lot now:" in refusal.inner_text()
    assert f"Zone code {zone_code} is Suspended: labels cannot claim it." in refusal.inner_text(), (
        refusal.inner_text()
    )
    assert manager.get_by_role("button", name="Issue labels").count() == 0

    # Reinstated (the server is shared): the console and the manager's page agree again.
    decide(auditor, live_server, zone_path, "approved", f"Re-inspected {STAMP}: fixed")
    assert auditor.locator("main h1 .badge").inner_text().strip() == "Approved"
    assert can_issue(manager, live_server, lot_path), f"{lot_code} still refused"
    manager.context.close()
    auditor.context.close()
    assert_no_tracebacks(live_server)


# --- 3. a recall reaches the shopper ------------------------------------------------------------


def test_recall_shows_on_the_label_page(live_server: LiveServer, chromium: Any) -> None:
    """A manager recalls a lot; a shopper scanning its label sees the recall, not "genuine"."""
    live_server.new_log()
    manager = staff_page(chromium, live_server, "lobster_manager")
    # A finished lot nothing was made from, without labels yet when there is one.
    candidates = []
    for code, path in lot_links(manager, live_server):
        manager.goto(live_server.url + path)
        if (
            manager.locator("#genealogy").get_by_text("Nothing made from it yet.").count()
            and manager.locator("main a.button.danger", has_text="Recall").count()
        ):
            candidates.append((manager.locator("section#labels").count(), code, path))
    candidates.sort()
    lot_code, lot_path = next(
        ((c, p) for _n, c, p in candidates if can_issue(manager, live_server, p)), (None, None)
    )
    assert lot_path, f"no lot to recall among {candidates}"

    manager.locator("input[name=count]").fill("2")
    with manager.expect_navigation():
        manager.get_by_role("button", name="Issue labels").click()
    assert manager.locator("p.flash.success").inner_text().strip() == "2 labels issued."
    urls = [c.inner_text().strip() for c in manager.locator("main table tbody td.small").all()]
    assert len(urls) == 2 and all(u.startswith(live_server.url + "/") for u in urls), urls

    # Before the recall, shoppers see a genuine label, and the server renders and caches its
    # page (fresh contexts: a browser keeps the page a minute, and there are two workers).
    for _ in range(3):
        page, _requests = shopper(chromium, live_server, "en-GB")
        assert "Genuine label" in open_label(page, urls[0])
        page.context.close()

    manager.goto(live_server.url + lot_path)
    manager.locator("main a.button.danger", has_text="Recall").click()
    manager.locator("textarea[name=reason]").wait_for()
    reason = f"Vibrio parahaemolyticus found in a sample of lot {lot_code} ({STAMP})"
    instructions = "Do not eat it. Bring it back to the shop for a full refund."
    manager.locator("textarea[name=reason]").fill(reason)
    manager.locator("textarea[name=instructions]").fill(instructions)
    manager.locator("input[name=decided_by]").fill("Ban giám đốc HTX, QĐ 07/QĐ-HTX")
    with manager.expect_navigation():
        manager.get_by_role("button", name="Recall", exact=True).click()
    assert "/recalls/" in manager.url, manager.inner_text("main")
    assert manager.locator("p.flash.success").inner_text().startswith("Recall recorded")
    manager.goto(live_server.url + lot_path)
    assert manager.locator("main .head h1 .badge").inner_text().strip() == "recalled"
    manager.context.close()

    checks = {
        "vi-VN": ("Đã thu hồi: không sử dụng sản phẩm này", "chính hãng"),
        "en-GB": ("Recalled: do not use this product", "genuine"),
    }
    reassured = []
    for locale, (banner, genuine) in checks.items():
        for target in (urls[1], urls[0]):  # a label never scanned, and one scanned before
            page, requests = shopper(chromium, live_server, locale)
            text = open_label(page, target)
            recall = page.locator("section.recall[role=alert]")
            assert recall.is_visible(), (locale, target, text)
            assert banner in recall.inner_text(), (locale, text)
            assert reason in recall.inner_text(), (locale, text)
            assert instructions in recall.inner_text(), (locale, text)
            assert_phone_fit(page)
            assert_only_local(live_server, requests)
            if genuine in text.lower() or page.locator("section.card.ok").count():
                shown = page.locator("section.card.ok").all_inner_texts() or [text]
                reassured.append(f"{locale} {target}: " + " / ".join(shown).replace("\n", " "))
            page.context.close()
    assert_no_tracebacks(live_server)
    assert not reassured, (
        "the page of a recalled lot still says the label is genuine:\n" + "\n".join(reassured)
    )
