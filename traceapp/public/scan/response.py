"""What a scan shows: the page (rendered once per lot, language and kind of scan, with slots
for what changes per scan) and the one header builder both paths use."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, overload
from urllib.parse import quote

from flask import current_app, render_template
from flask_babel import force_locale, format_date, format_number
from werkzeug.http import http_date

from traceapp.database import local_date
from traceapp.public import states
from traceapp.public.linkset import LINKSET_TYPE, PAGE_PREFIX, cors_headers, dl_path, page_href
from traceapp.public.page import LotPage, lot_body
from traceapp.public.page_cache import LotVersion, lot_page
from traceapp.public.scan.route import ScanTarget
from traceapp.web import CONTENT_SECURITY_POLICY

#: The public page's stylesheet, inlined (one round trip less on 3G) and allowed by its hash.
PUBLIC_CSS = (Path(__file__).parents[2] / "templates" / "public" / "page.css").read_text()
_CSS_HASH = base64.b64encode(hashlib.sha256(PUBLIC_CSS.encode()).digest()).decode()
PUBLIC_CSP = CONTENT_SECURITY_POLICY.replace(
    "style-src 'self'", f"style-src 'self' 'sha256-{_CSS_HASH}'"
)


#: What the resolver's answers on ``/01/`` vary on: one URL answers HTML, a redirect or the
#: JSON linkset by the Accept header, in the reader's language.
RESOLVER_VARY = "Accept, Accept-Language, Cookie"
#: The resolver's paths, whose answers anyone may read (CORS), as the Resolver standard asks.
RESOLVER_PATHS = ("/01/", PAGE_PREFIX + "/01/", "/gs1/", "/.well-known/gs1resolver")


def page_headers(
    *,
    cache: str,
    vary_lang: bool = True,
    last_modified: Any = None,
    anchor: str | None = None,
    path: str | None = None,
    page: str | None = None,
) -> list[tuple[str, str]]:
    """The public pages' own headers (policy, caching, language, linkset), the same whichever
    path answers; the app-wide security headers come with them. With ``path`` (the path asked
    for) the resolver's headers too (:func:`resolver_headers`; ``page``: the default link's
    page, when a ``/01/`` URI is answered with it in place)."""
    headers = [("Content-Security-Policy", PUBLIC_CSP), ("Cache-Control", cache)]
    if vary_lang:
        headers.append(("Vary", "Accept-Language, Cookie"))
    if last_modified is not None:
        headers.append(("Last-Modified", _http_date(last_modified)))
    if anchor:
        link = f'<{anchor}?linkType=linkset>; rel="linkset"; type="{LINKSET_TYPE}"'
        headers.append(("Link", link))
    if path is not None:
        added = resolver_headers(path, page=page)
        names = {name for name, _value in added}
        headers = [h for h in headers if h[0] not in names] + added
    return headers


def resolver_headers(
    path: str, *, page: str | None = None, resolved: bool = False
) -> list[tuple[str, str]]:
    """What the resolver's answers add: a ``/01/`` answer (or any a compressed URI resolved to,
    ``resolved``) varies on Accept too, and names the default link's page it was answered with
    in place (``page``) as its Content-Location; every resolver path allows CORS."""
    headers = []
    if resolved or path.startswith("/01/"):
        headers.append(("Vary", RESOLVER_VARY))
        if page:
            headers.append(("Content-Location", page))
    if resolved or path.startswith(RESOLVER_PATHS):
        headers.extend(cors_headers().items())
    return headers


def default_page(
    gtin: str, lot: str | None = None, serial: str | None = None, *, config: Any = None
) -> str:
    """The URL of the default link's page of a Digital Link (the resolver's ``/p/01/...``).
    ``config``: the app's, where no application context is current (the fast path answers
    outside one)."""
    base = (config or current_app.config)["TRACEAPP_PUBLIC_BASE_URL"]
    return page_href(base, dl_path(gtin, lot, serial))


@lru_cache(maxsize=1024)
def _http_date(when: Any) -> str:
    # A lot's page keeps its Last-Modified for many scans: formatted once.
    return http_date(when)


def anchor_uri(gtin: str | None, lot: str | None, serial: str | None) -> str:
    """The canonical URI of what a scan named (a label, a lot or a product)."""
    base = current_app.config["TRACEAPP_PUBLIC_BASE_URL"]
    if gtin:
        uri = f"{base}/01/{gtin}"
        if lot:
            uri += f"/10/{quote(lot, safe='')}"
        if serial:
            uri += f"/21/{quote(serial, safe='')}"
        return uri
    return f"{base}/l/{quote(serial or '', safe='')}"


#: Rendered pages kept per (lot, language, lot version, scan kind) with placeholders for the
#: few things that change per scan: rendering them again for every shopper would be waste.
_PLACEHOLDERS = {
    "anchor": "\x00anchor\x00",
    "count": "\x00count\x00",
    "first": "\x00first\x00",
    "issued": "\x00issued\x00",
    "clients": "\x00clients\x00",
    "since": "\x00since\x00",
}
#: (lot, language, scan kind) -> (the page model it was rendered from, the page in parts).
_html_cache: dict[tuple[Any, ...], tuple[LotPage, tuple[str, ...]]] = {}
_SLOT = re.compile("\x00(anchor|count|first|issued|clients|since)\x00")
_date_texts: dict[tuple[str, Any], str] = {}
_count_texts: dict[tuple[str, int], str] = {}


def _localized(
    cache: dict[tuple[str, Any], str], value: Any, lang: str, fmt: Callable[[Any], str]
) -> str:
    """``fmt(value)`` in the page's language, not the context's (the fast path runs outside a
    request), kept: formatting anew on every scan would cost more than the lookup."""
    key = (lang, value)
    text = cache.get(key)
    if text is None:
        if len(cache) > 20000:
            cache.clear()
        with force_locale(lang):
            text = cache[key] = fmt(value)
    return text


def _long_date(day: Any) -> str:
    return format_date(day, "long")


def _date_text(day: Any, lang: str) -> str:
    return _localized(_date_texts, day, lang, _long_date)


def _count_text(n: int, lang: str) -> str:
    # A scan count in the page's language (1.234 in Vietnamese, 1 234 in French).
    return _localized(_count_texts, n, lang, format_number)


def _scan_kind(scan: Any) -> str:
    if scan is None:
        return "lot"
    if scan.outcome == "mismatch":
        return "mismatch"
    if scan.caution_kind in ("expired", "copied"):
        return scan.caution_kind
    return "first" if scan.scan_count <= 1 else "again"


def lot_html(page: LotPage, scan: Any, anchor: str, lang: str, render: bool = True) -> str | None:
    """The lot's page for this scan (``scan`` None: the lot's own page, no scan), from the
    rendered copy when there is one; with ``render=False`` None when there is none."""
    key = (page.lot_id, lang, _scan_kind(scan))
    entry = _html_cache.get(key)
    if entry is not None and entry[0] is page:
        parts = entry[1]
    else:
        # Not rendered yet from this very page model (a lot changed, or its page lapsed).
        if not render:
            return None
        if len(_html_cache) > 20000:
            _html_cache.clear()
        html = render_template(
            "public/lot.html",
            css=PUBLIC_CSS,
            lang=lang,
            page=page,
            scan=scan,
            anchor=_PLACEHOLDERS["anchor"],
            texts=_PLACEHOLDERS,
            body=lot_body(page),
        )
        # Kept split at its slots: text, slot name, text, slot name, ..., text.
        parts = tuple(_SLOT.split(html))
        _html_cache[key] = (page, parts)
    if scan is None:
        values = {"anchor": anchor}
    else:
        values = {
            "anchor": anchor,
            "count": _count_text(scan.scan_count, lang),
            "first": _date_text(scan.first_scanned_at.date(), lang),
            "issued": _date_text(scan.issued["issued_at"].date(), lang),
        }
        if scan.caution_kind == "copied" and scan.evidence_since is not None:
            values["clients"] = _count_text(scan.clients, lang)
            values["since"] = _date_text(local_date(scan.evidence_since), lang)
    return "".join(
        [
            part if i % 2 == 0 else values.get(part, _PLACEHOLDERS[part])
            for i, part in enumerate(parts)
        ]
    )


_static_pages: dict[tuple[str, str], str] = {}


def not_found_html(lang: str, render: bool = True) -> str | None:
    """The page for a serial nobody issued, under no known product: it tells nothing else."""
    key = ("notfound", lang)
    html = _static_pages.get(key)
    if html is None and render:
        html = _static_pages[key] = render_template(
            "public/notfound.html", css=PUBLIC_CSS, lang=lang
        )
    return html


def unregistered_html(
    state: states.Unclaimed, gtin: str, lang: str, about: str | None = None
) -> str:
    """The page for a lot or serial nobody registered under a known product: it may not be
    genuine, whom to tell, and a link to the product's own page. GS1 resolution walks up to
    the known product: a 200, never cached."""
    return render_template(
        "public/unregistered.html",
        css=PUBLIC_CSS,
        lang=lang,
        state=state,
        product_href=default_page(gtin),
        about=about or anchor_uri(gtin, None, None),
    )


@dataclass
class ScanPage:
    """The HTML answer to a scan, before it becomes a response."""

    status: int
    html: str
    cache: str
    anchor: str | None = None
    last_modified: Any = None


def cache_for(page: LotPage, scan: Any) -> str:
    """How long a lot's page may be kept: a caution or a recall never; a scan's page a minute,
    privately (a re-load within it is not a new scan); the lot's own page five minutes."""
    if page.recall is not None or (scan is not None and scan.caution):
        return "no-store"
    return "private, max-age=60" if scan is not None else "public, max-age=300"


@overload
def scan_page(
    scan: Any, target: ScanTarget, lang: str, *, render: Literal[True] = True
) -> ScanPage: ...
@overload
def scan_page(scan: Any, target: ScanTarget, lang: str, *, render: bool) -> ScanPage | None: ...
def scan_page(scan: Any, target: ScanTarget, lang: str, *, render: bool = True) -> ScanPage | None:
    """What a scan shows; with ``render=False`` only from the caches (None if not there)."""
    if scan.outcome == "voided":
        # Rare, and said with the cooperative and the date: rendered by Flask, per scan.
        if not render:
            return None
        state = states.voided(scan.label.id)
        about = anchor_uri(target.gtin, target.lot, target.serial)
        html = render_template(
            "public/voided.html", css=PUBLIC_CSS, lang=lang, state=state, about=about
        )
        return ScanPage(410, html, "no-store")
    if scan.outcome == "unknown":
        if scan.row_to_log.get("product_id") is not None and target.gtin:
            # A made-up serial under a real product: said so, with whom to tell.
            if not render:
                return None
            claimed = states.unclaimed(scan.row_to_log, lang)
            if claimed is not None:
                about = anchor_uri(target.gtin, target.lot, target.serial)
                html = unregistered_html(claimed, target.gtin, lang, about)
                return ScanPage(200, html, "no-store")
        missing = not_found_html(lang, render)
        return ScanPage(404, missing, "no-store") if missing is not None else None
    row = scan.label
    gtin, lot = target.gtin or row.gtin, target.lot or (row.lot_code if row.gtin else None)
    anchor = anchor_uri(gtin, lot, target.serial)
    page = lot_page(row.lot_id, lang, LotVersion.of(row), build=render)
    if page is None:
        return None
    shown = lot_html(page, scan, anchor, lang, render)
    if shown is None:
        return None
    last_modified = None if page.recall is not None else page.last_modified
    return ScanPage(200, shown, cache_for(page, scan), anchor, last_modified)


def clear_html_cache() -> None:
    """Forget rendered pages and the texts put into them (tests)."""
    _html_cache.clear()
    _date_texts.clear()
    _count_texts.clear()
    _static_pages.clear()
