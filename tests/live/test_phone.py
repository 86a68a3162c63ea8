"""Every page of each demo role on a 360 px phone, in headless Chromium against the live server.

Each demo account signs in through the login form in a 360 × 780 viewport, starts at the home
page and follows, breadth first, the same-origin links the page shows (GET only, never
/logout; downloads are left alone), a few pages per kind of page (``PER_SHAPE``) and at most
``MAX_PAGES`` per role, within ``TIME_BUDGET`` seconds in all. Each account reads the app in a
language of its own, so long Vietnamese and French words are on the screen too. On every HTML
page it fails, naming the page and the element, on:

* a page wider than the screen (the document scrolls sideways), naming the elements that
  stick out; a box that scrolls sideways by itself (a wide table) is fine if it shows a cue
  (a shadow at the edge that hides more);
* a link, button or form control smaller than 24 × 24 CSS px that meets none of the
  exceptions of WCAG 2.2's target size (2.5.8): a link inside running text, or one with no
  other target within the 24 px circle drawn around its centre (the spacing exception);
* a form control or button with no accessible name (a label, aria-label or title).

A few screenshots are kept in a directory of their own under the system's temporary directory
(``traceapp-phone-*``, not removed by the test; its path is printed: run with ``-s``).
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter, deque
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit, urlunsplit

import pytest

from tests.live.support import DEMO_ACCOUNTS, LiveServer, sign_in
from tests.live.test_crawl import SKIP_PATHS, path_shape, query_shape

pytestmark = [pytest.mark.live, pytest.mark.browser, pytest.mark.slow]

WIDTH = 360
HEIGHT = 780
#: HTML pages one role opens at most.
MAX_PAGES = 40
#: Pages opened per path shape (ids and codes as ``{n}``), and per query shape of one.
PER_SHAPE = 2
PER_VARIANT = 1
#: Seconds all roles together may take: a bound for a stuck run, not the measure of the check.
#: On an idle machine every role is done (out of pages, or at ``MAX_PAGES``) in about 80 s.
#: CI runs the SQLite and PostgreSQL suites side by side: a busy machine must make the check
#: longer, never smaller.
TIME_BUDGET = 300.0  # 12 demo accounts
LANGUAGES = ("en", "vi", "fr", "zh", "km", "tr")
#: The smallest target WCAG 2.2 allows (2.5.8, level AA), in CSS px.
TARGET = 24
#: Pages whose screenshot is kept, by path shape (the manager's and the staff's).
SHOTS = {"/", "/lots/{n}", "/label-runs/{n}", "/lots/new", "/members/new", "/zones/new"}

#: What one page measures: how wide it is and which elements stick out; the targets that are
#: too small by every rule of 2.5.8; controls without a name; boxes scrolling without a cue.
MEASURE = r"""
(limit) => {
  const W = document.documentElement.clientWidth;
  const describe = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    const cls = (el.getAttribute('class') || '').trim();
    if (cls) s += '.' + cls.split(/\s+/).join('.');
    for (const a of ['name', 'type', 'href', 'for']) {
      const v = el.getAttribute(a);
      if (v) s += `[${a}="${v.slice(0, 60)}"]`;
    }
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || '')
      .trim().replace(/\s+/g, ' ').slice(0, 40);
    return text ? `${s} "${text}"` : s;
  };
  const shown = (el) => {
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') return false;
    const r = el.getBoundingClientRect();
    return r.width > 1 && r.height > 1 && r.right > 0 && r.bottom > 0 && r.left < W;
  };
  const scrollsX = (el) => {
    const o = getComputedStyle(el).overflowX;
    return o === 'auto' || o === 'scroll' || o === 'hidden' || o === 'clip';
  };
  // 1. Wider than the screen: what sticks out, outside any box that scrolls by itself.
  const scrollWidth = document.documentElement.scrollWidth;
  const wide = [];
  if (scrollWidth > W) {
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.right <= W + 0.5 || r.width === 0) continue;
      let inner = false;
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        if (scrollsX(p) || p.getBoundingClientRect().right > W + 0.5) { inner = true; break; }
      }
      if (!inner) wide.push(`${describe(el)} reaches ${Math.round(r.right)} px`);
      if (wide.length >= 5) break;
    }
  }
  // 2. Boxes that scroll sideways by themselves must show it (a shadow over the hidden part).
  const nocue = [];
  for (const el of document.body.querySelectorAll('*')) {
    const o = getComputedStyle(el).overflowX;
    if ((o === 'auto' || o === 'scroll') && el.scrollWidth > el.clientWidth + 1 && shown(el)) {
      if (getComputedStyle(el).backgroundImage === 'none') nocue.push(describe(el));
    }
  }
  // 3. Targets: links, buttons, controls, and the label of a visually hidden control.
  const all = [...document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, label[for]')];
  const targets = [];
  for (const el of all) {
    if (el.tagName === 'LABEL') {
      const control = document.getElementById(el.htmlFor);
      if (!control) continue;
      const c = control.getBoundingClientRect();
      if (c.width > 1 && c.height > 1) continue;  // the control itself is the target
    }
    if (!shown(el)) continue;
    const rects = [...el.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
    if (!rects.length) continue;
    const left = Math.min(...rects.map((r) => r.left));
    const top = Math.min(...rects.map((r) => r.top));
    const right = Math.max(...rects.map((r) => r.right));
    const bottom = Math.max(...rects.map((r) => r.bottom));
    targets.push({el, left, top, right, bottom, w: right - left, h: bottom - top,
                  cx: (left + right) / 2, cy: (top + bottom) / 2});
  }
  const CONTROLS = 'a, button, input, select, textarea';
  const inText = (el) => {
    // 2.5.8's inline exception: a link in a sentence or block of text.
    if (el.tagName !== 'A' || getComputedStyle(el).display !== 'inline') return false;
    let block = el.parentElement;
    while (block && getComputedStyle(block).display.startsWith('inline')) {
      block = block.parentElement;
    }
    if (!block) return false;
    let other = '';
    for (const node of block.childNodes) {
      if (node.nodeType === Node.TEXT_NODE) other += node.textContent;
      else if (node.nodeType === Node.ELEMENT_NODE && !node.matches(CONTROLS)
               && !node.querySelector(CONTROLS)) other += node.textContent;
    }
    return other.replace(/[\s·|,()\-–—→←:;]/g, '').length >= 3;
  };
  const small = targets.filter((t) => t.w < 24 - 0.01 || t.h < 24 - 0.01);
  const tooSmall = [];
  for (const t of small) {
    if (inText(t.el)) continue;
    // The spacing exception: a 24 px circle on its centre may not touch another target nor
    // the circle of another small target.
    let crowded = null;
    for (const u of targets) {
      if (u === t || u.el.contains(t.el) || t.el.contains(u.el)) continue;
      if (u.el.tagName === 'LABEL' || t.el.tagName === 'LABEL') {
        if (u.el.control === t.el || t.el.control === u.el) continue;
      }
      const uSmall = u.w < 24 - 0.01 || u.h < 24 - 0.01;
      let d;
      if (uSmall && !inText(u.el)) {
        d = Math.hypot(t.cx - u.cx, t.cy - u.cy) - 24;
      } else {
        const dx = Math.max(u.left - t.cx, 0, t.cx - u.right);
        const dy = Math.max(u.top - t.cy, 0, t.cy - u.bottom);
        d = Math.hypot(dx, dy) - 12;
      }
      if (d < -0.5) { crowded = u; break; }
    }
    if (crowded) {
      tooSmall.push(`${describe(t.el)} is ${t.w.toFixed(1)}×${t.h.toFixed(1)} px, ` +
                    `${describe(crowded.el)} within its 24 px circle`);
    }
    if (tooSmall.length >= limit) break;
  }
  // 4. Controls and buttons without an accessible name.
  const unnamed = [];
  for (const el of document.querySelectorAll(
      'input:not([type=hidden]), select, textarea, button')) {
    const type = (el.getAttribute('type') || '').toLowerCase();
    let name = (el.getAttribute('aria-label') || el.getAttribute('title') || '').trim();
    const by = el.getAttribute('aria-labelledby');
    for (const id of (by || '').split(/\s+/).filter(Boolean)) {
      name += document.getElementById(id)?.textContent || '';
    }
    if (el.labels) for (const l of el.labels) name += l.textContent.trim();
    if (el.tagName === 'BUTTON') name += el.textContent.trim();
    if (['submit', 'reset', 'button'].includes(type)) name += el.value || 'default';
    if (!name.trim()) unnamed.push(describe(el));
  }
  const links = [...document.querySelectorAll('a[href]')].map((a) => a.href);
  return {scrollWidth, width: W, wide, nocue, tooSmall, unnamed, links};
}
"""


def _admit(url: str, seen: set[str], quotas: Counter[str]) -> bool:
    """Whether to open a URL: new, not a write or sign-out, within its shape's quota."""
    if url in seen:
        return False
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "lang"]
    if SKIP_PATHS.match(parts.path) or "lang=" in parts.query:
        return False
    shape = path_shape(parts.path)
    keys = [(shape, PER_SHAPE)]
    if query:
        keys.append((f"{shape}?{query_shape(query)}", PER_VARIANT))
    if any(quotas[key] >= limit for key, limit in keys):
        return False
    for key, _limit in keys:
        quotas[key] += 1
    seen.add(url)
    return True


def _visit_all(
    page: Any, server: LiveServer, role: str, lang: str, deadline: float, shots: Path
) -> tuple[list[str], int]:
    """Open every reachable page of one role on the phone; the problems found, pages seen."""
    origin = urlsplit(server.url)
    problems: list[str] = []
    seen: set[str] = set()
    quotas: Counter[str] = Counter()
    page.goto(f"{server.url}/?lang={lang}")
    home = server.url + "/"
    queue: deque[str] = deque([home])
    seen.add(home)
    pages = 0
    while queue and pages < MAX_PAGES and time.monotonic() < deadline:
        url = queue.popleft()
        where = url.removeprefix(server.url) or "/"
        try:
            answer = page.goto(url, wait_until="load")
        except Exception as exc:  # noqa: BLE001 - a download starts instead of a page
            if "Download is starting" in str(exc) or "ERR_ABORTED" in str(exc):
                continue
            raise
        if answer is None or answer.status != 200:
            continue
        if not answer.headers.get("content-type", "").startswith("text/html"):
            continue
        if urlsplit(page.url).netloc != origin.netloc:
            continue
        pages += 1
        found = page.evaluate(MEASURE, 8)
        at = f"{role} [{lang}] {where}"
        if found["scrollWidth"] > WIDTH:
            problems.append(
                f"{at}: the page is {found['scrollWidth']} px wide on a {WIDTH} px screen: "
                + "; ".join(found["wide"] or ["(nothing named)"])
            )
        problems += [f"{at}: {el} scrolls sideways with no cue" for el in found["nocue"]]
        problems += [f"{at}: target too small: {t}" for t in found["tooSmall"]]
        problems += [f"{at}: control without a label: {el}" for el in found["unnamed"]]
        shape = path_shape(urlsplit(url).path)
        if role in ("manager", "staff") and shape in SHOTS and not urlsplit(url).query:
            name = f"{role}-{shape.strip('/').replace('/', '_').replace('{n}', 'n') or 'home'}"
            page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
        for link in found["links"]:
            target = urlsplit(urljoin(url, link))
            if (target.scheme, target.netloc) != (origin.scheme, origin.netloc):
                continue
            clean = urlunsplit((*target[:4], ""))
            if _admit(clean, seen, quotas):
                queue.append(clean)
    return problems, pages


def test_every_page_fits_a_phone(live_server: LiveServer, chromium: Any):
    """At 360 px every page each demo role reaches fits the screen, its targets are at least
    24 × 24 px (or spaced as WCAG 2.2 allows) and its controls are labelled."""
    shots = Path(tempfile.mkdtemp(prefix="traceapp-phone-"))
    print(f"\nphone screenshots in {shots}")
    started = time.monotonic()
    problems: list[str] = []
    counts = []
    roles = list(DEMO_ACCOUNTS)
    for i, role in enumerate(roles):
        # Each role gets its share of the time left, so the last ones are not starved.
        share = (TIME_BUDGET - (time.monotonic() - started)) / (len(roles) - i)
        page = sign_in(chromium, live_server, role, width=WIDTH, height=HEIGHT)
        try:
            found, pages = _visit_all(
                page,
                live_server,
                role,
                LANGUAGES[i % len(LANGUAGES)],
                time.monotonic() + share,
                shots,
            )
        finally:
            page.context.close()
        problems += found
        counts.append(f"{role}: {pages} pages")
    print(f"phone check took {time.monotonic() - started:.0f}s: " + ", ".join(counts))
    assert not problems, f"{len(problems)} problems at {WIDTH} px:\n" + "\n".join(problems[:80])
    for line in counts:
        assert int(line.split(": ")[1].split()[0]) >= 5, f"too few pages checked: {line}"


def test_the_menu_opens_without_javascript(live_server: LiveServer, chromium: Any):
    """On a phone the navigation folds behind one "Menu" button that opens with scripts
    switched off; on a wide screen the bar shows every section and no button."""
    context = chromium.new_context(
        viewport={"width": WIDTH, "height": HEIGHT}, locale="en-GB", java_script_enabled=False
    )
    try:
        page = context.new_page()
        page.goto(live_server.url + "/login?lang=en")
        page.fill("input[name=email]", DEMO_ACCOUNTS["manager"])
        page.fill("input[name=password]", "demo-password-2026")
        page.click("button[type=submit]")
        page.wait_for_load_state()
        lots = page.get_by_role("link", name="Lots", exact=True)
        button = page.locator("label.menu-button")
        assert button.is_visible() and button.inner_text().strip() == "Menu"
        box = button.bounding_box()
        assert box and box["height"] >= 44 and box["width"] >= 44, box
        header = page.locator("header.top").bounding_box()
        assert header and header["height"] <= 64, f"the folded bar is {header} tall"
        assert not lots.is_visible(), "the sections show before the menu is opened"
        button.click()
        assert lots.is_visible(), "the menu did not open"
        shots = Path(tempfile.mkdtemp(prefix="traceapp-phone-menu-"))
        page.screenshot(path=str(shots / "manager-menu-open.png"))
        print(f"\nmenu screenshots in {shots}")
        assert page.get_by_role("button", name="Sign out").is_visible()
        target = lots.bounding_box()
        assert target and target["height"] >= 44 and target["width"] >= WIDTH - 60, target
        lots.click()
        page.wait_for_load_state()
        assert page.url.endswith("/lots")
        assert not page.get_by_role("link", name="Lots", exact=True).is_visible()

        page.set_viewport_size({"width": 1280, "height": 800})
        assert not page.locator("label.menu-button").is_visible()
        lots = page.get_by_role("link", name="Lots", exact=True)
        assert lots.is_visible() and page.get_by_role("button", name="Sign out").is_visible()
        page.screenshot(
            path=str(shots / "manager-wide-header.png"),
            clip={"x": 0, "y": 0, "width": 1280, "height": 160},
        )
    finally:
        context.close()
