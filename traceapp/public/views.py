"""The GS1 Digital Link resolver and the consumer's page: light, fast, honest."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, overload
from urllib.parse import quote

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
)
from flask_babel import force_locale, format_date, format_number
from flask_babel import gettext as _

from traceapp.batches.models import Lot
from traceapp.database import local_date
from traceapp.extensions import db, limiter
from traceapp.i18n import select_locale
from traceapp.public import linkset as gs1
from traceapp.public import services
from traceapp.public.digital_link_compression import decompress
from traceapp.public.resolver import BadPath, Resolution, parse_digital_link, valid_serial
from traceapp.web import CONTENT_SECURITY_POLICY, keeps_writes

bp = Blueprint("public", __name__)

LINKSET_TYPE = gs1.LINKSET_TYPE
#: What the resolver's answers vary on: one URL answers HTML, a redirect or the JSON linkset
#: by the Accept header, in the reader's language.
RESOLVER_VARY = "Accept, Accept-Language, Cookie"

#: The public page's stylesheet, inlined (one round trip less on 3G) and allowed by its hash.
PUBLIC_CSS = (Path(__file__).parent.parent / "templates" / "public" / "page.css").read_text()
_CSS_HASH = base64.b64encode(hashlib.sha256(PUBLIC_CSS.encode()).digest()).decode()
PUBLIC_CSP = CONTENT_SECURITY_POLICY.replace(
    "style-src 'self'", f"style-src 'self' 'sha256-{_CSS_HASH}'"
)


class _LocalWindow:
    """A fixed window counted in this process: the memory:// storage's behaviour without
    its expiry timers. Each app process counts its own clients, as Flask-Limiter's memory
    storage does; several servers share counts through a redis:// storage instead."""

    def __init__(self, amount: int, seconds: int) -> None:
        self.amount, self.seconds = amount, seconds
        self._window = -1
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def hit(self, who: str) -> bool:
        window = int(time.monotonic() // self.seconds)
        with self._lock:
            if window != self._window:
                self._window, self._counts = window, {}
            count = self._counts.get(who, 0) + 1
            self._counts[who] = count
        return count <= self.amount

    def reset(self) -> None:
        with self._lock:
            self._counts = {}


class PublicLimiter:
    """A per-client fixed window on the scan pages: counted in the process for the memory://
    and database:// storages (a database write on every scan would cost more than the page),
    else with the limits library (which Flask-Limiter is built on) on the configured shared
    storage (redis://, memcached://); the limit is parsed once.

    Flask-Limiter's own request machinery cost more than the rest of the page did.
    """

    def __init__(self) -> None:
        self._key: tuple[str, str] | None = None
        self._item: Any = None
        self._limiter: Any = None
        self._local: _LocalWindow | None = None

    def _configure(self, key: tuple[str, str]) -> None:
        from limits import parse
        from limits.storage import storage_from_string
        from limits.strategies import FixedWindowRateLimiter

        self._item = parse(key[0])
        self._local = None
        if key[1].startswith(("memory://", "database://")):
            self._local = _LocalWindow(self._item.amount, self._item.get_expiry())
        else:
            storage = current_app.extensions.get("traceapp_public_limit_storage")
            if storage is None or storage[0] != key[1]:
                storage = (key[1], storage_from_string(key[1]))
                current_app.extensions["traceapp_public_limit_storage"] = storage
            self._limiter = FixedWindowRateLimiter(storage[1])
        self._key = key

    def allow(self, address: str | None = None) -> bool:
        """Count this request of a client; False once the client is over the limit."""
        config = current_app.config
        key = (config["TRACEAPP_PUBLIC_RATE_LIMIT"], config["RATELIMIT_STORAGE_URI"])
        if key != self._key:
            self._configure(key)
        if not config.get("RATELIMIT_ENABLED", True):
            return True
        if address is None:
            address = request.remote_addr
        if self._local is not None:
            return self._local.hit(address or "")
        return self._limiter.hit(self._item, "public-scan", address or "")

    def reset(self) -> None:
        """Forget all counts (tests)."""
        if self._local is not None:
            self._local.reset()
        if self._limiter is not None:
            self._limiter.storage.reset()


public_limiter = PublicLimiter()


def _over_limit() -> bool:
    counted = request.environ.get("traceapp.public_limit")
    if counted is not None:  # the fast path counted this request already
        return not counted
    return not public_limiter.allow()


def too_many() -> Response:
    """429 with a short page in the shopper's language."""
    response = make_response(
        render_template("public/slow_down.html", css=PUBLIC_CSS, lang=_lang()), 429
    )
    response.headers["Retry-After"] = "60"
    return _finish(response, cache="no-store")


def _lang() -> str:
    # The same choice Flask-Babel makes, without building a Babel Locale: a cached page
    # needs only the code.
    lang = g.get("public_lang")
    if lang is None:
        lang = g.public_lang = select_locale()
    return lang


def _base() -> str:
    return current_app.config["TRACEAPP_PUBLIC_BASE_URL"]


@bp.before_app_request
def _legacy_host_redirect() -> Any:
    """Labels printed under an old domain keep working: old hosts redirect permanently."""
    legacy = current_app.config.get("TRACEAPP_LEGACY_HOSTS") or []
    if not legacy:
        return None
    host = (request.host or "").split(":")[0].lower()
    if host in legacy:
        target = _base() + request.full_path.rstrip("?")
        return redirect(target, code=301)
    return None


def _finish(
    response: Response, *, cache: str, vary_lang: bool = True, last_modified: Any = None
) -> Response:
    response.headers["Content-Security-Policy"] = PUBLIC_CSP
    response.headers["Cache-Control"] = cache
    if vary_lang:
        response.headers["Vary"] = "Accept-Language, Cookie"
    if last_modified is not None:
        response.last_modified = last_modified
    # Validators only where a re-load can be answered with 304: not on a scan page, which
    # counts every scan and is private to the scanner anyway.
    if response.status_code == 200 and cache.startswith("public"):
        response.add_etag()
        response.make_conditional(request)
    return response


def _page(template: str, status: int = 200, **context: Any) -> Response:
    html = render_template(template, css=PUBLIC_CSS, lang=_lang(), **context)
    return make_response(html, status)


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
_html_cache: dict[tuple[Any, ...], tuple[services.LotPage, tuple[str, ...]]] = {}
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


def _lot_html(
    page: services.LotPage, scan: Any, anchor: str, lang: str | None = None, render: bool = True
) -> str | None:
    lang = lang or _lang()
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
            body=services.lot_body(page),
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


def clear_html_cache() -> None:
    """Forget rendered pages and the texts put into them (tests)."""
    _html_cache.clear()
    _date_texts.clear()
    _count_texts.clear()


@bp.app_template_filter("describe_flag")
def describe_flag(reason: str | None) -> str:
    """``{{ label.flag_reason|describe_flag }}``: a stored clone flag in the reader's words."""
    return services.describe_flag(reason)


_static_pages: dict[tuple[str, str], str] = {}


def not_found_html(lang: str, render: bool = True) -> str | None:
    """The one page for unknown and voided serials: it tells nothing else."""
    key = ("notfound", lang)
    html = _static_pages.get(key)
    if html is None and render:
        html = _static_pages[key] = render_template(
            "public/notfound.html", css=PUBLIC_CSS, lang=lang
        )
    return html


def not_found() -> Response:
    """404 with the not-found page."""
    return _finish(make_response(not_found_html(_lang()), 404), cache="no-store")


@dataclass
class ScanPage:
    """The HTML answer to a scan, before it becomes a response."""

    status: int
    html: str
    cache: str
    anchor: str | None = None
    last_modified: Any = None


@overload
def scan_page(
    scan: Any,
    serial: str,
    gtin: str | None,
    lot: str | None,
    lang: str,
    *,
    render: Literal[True] = True,
) -> ScanPage: ...
@overload
def scan_page(
    scan: Any, serial: str, gtin: str | None, lot: str | None, lang: str, *, render: bool
) -> ScanPage | None: ...
def scan_page(
    scan: Any, serial: str, gtin: str | None, lot: str | None, lang: str, *, render: bool = True
) -> ScanPage | None:
    """What a scan shows; with ``render=False`` only from the caches (None if not there)."""
    if scan.outcome in ("unknown", "voided"):
        if gtin is not None:
            # A serial below a known GTIN: the page says plainly that it is not registered
            # (answered by Flask: it looks the product up).
            if not render:
                return None
            html = _unregistered_html(gtin)
            if html is not None:
                return ScanPage(200, html, "no-store")
        html = not_found_html(lang, render)
        return ScanPage(404, html, "no-store") if html is not None else None
    row = scan.label
    anchor = _anchor(gtin or row.gtin, lot or (row.lot_code if row.gtin else None), serial)
    page = services.lot_page(row.lot_id, lang, services.version_of(row), build=render)
    if page is None:
        return None
    html = _lot_html(page, scan, anchor, lang, render)
    if html is None:
        return None
    recalled = page.recall is not None
    # A re-load within a minute is not a new scan; a caution or a recall is never cached.
    cache = "no-store" if recalled or scan.caution else "private, max-age=60"
    return ScanPage(200, html, cache, anchor, None if recalled else page.last_modified)


def bad_request(message: str) -> Response:
    """A path that is not a Digital Link at all."""
    return _finish(_page("public/bad.html", 400, message=message), cache="no-store")


def _anchor(gtin: str | None, lot: str | None, serial: str | None) -> str:
    if gtin:
        uri = f"{_base()}/01/{gtin}"
        if lot:
            uri += f"/10/{quote(lot, safe='')}"
        if serial:
            uri += f"/21/{quote(serial, safe='')}"
        return uri
    return f"{_base()}/l/{quote(serial or '', safe='')}"


def _link_header(response: Response, anchor: str) -> Response:
    response.headers["Link"] = f'<{anchor}?linkType=linkset>; rel="linkset"; type="{LINKSET_TYPE}"'
    return response


def _recall_status(page: services.LotPage) -> Response:
    body = {"lot": page.lot_code, "recalled": page.recall is not None}
    if page.recall:
        body.update(
            reason=page.recall["reason"],
            instructions=page.recall["instructions"],
            decided_by=page.recall["decided_by"],
            decided_at=page.recall["decided_at"].isoformat(),
        )
    return _finish(jsonify(body), cache="no-store", vary_lang=False)


def _certified(page: services.LotPage | None) -> bool:
    return page is not None and bool(
        page.mark or page.ocop or any(z.certifications for z in page.zones)
    )


def _certifications(page: services.LotPage) -> Response:
    body = {
        "collective_mark": page.mark
        and {**page.mark, "certificate_date": str(page.mark["certificate_date"] or "")},
        "ocop": page.ocop and {**page.ocop, "valid_until": page.ocop["valid_until"].isoformat()},
        "zones": [
            {
                "code": z.code,
                "certifications": [
                    {**c, "expires_on": c["expires_on"].isoformat() if c["expires_on"] else None}
                    for c in z.certifications
                ],
            }
            for z in page.zones
        ],
    }
    return _finish(jsonify(body), cache="public, max-age=300", vary_lang=False)


def _epcis(lot_id: int) -> Response:
    from traceapp.batches.epcis import lot_document

    lot = db.session.get_one(Lot, lot_id)
    doc = lot_document(lot, public=True)
    response = Response(json.dumps(doc, ensure_ascii=False), mimetype="application/ld+json")
    return _finish(response, cache="public, max-age=300", vary_lang=False)


def _lot_response(page: services.LotPage, anchor: str) -> Response:
    """The page of a lot asked for without a serial (no scan is counted)."""
    response = make_response(_lot_html(page, None, anchor))
    recalled = page.recall is not None
    cache = "no-store" if recalled else "public, max-age=300"
    return _link_header(
        _finish(response, cache=cache, last_modified=None if recalled else page.last_modified),
        anchor,
    )


def _product_response(product_id: int, anchor: str) -> Response:
    from traceapp.products.models import Product

    product = db.session.get_one(Product, product_id)
    lot = services.latest_lot(product)
    page = services.lot_page(lot.id, _lang()) if lot else None
    response = _page(
        "public/product.html",
        product=product,
        page=page,
        anchor=anchor,
        name=product.name_in(_lang()),
    )
    return _link_header(_finish(response, cache="public, max-age=300"), anchor)


def _unregistered_html(gtin: str) -> str | None:
    """The page for a lot or serial below a known GTIN that is not registered (unknown,
    never labelled, voided or under another lot: all alike), or None for an unknown GTIN."""
    product = services.product_by_gtin(gtin)
    if product is None:
        return None
    return render_template(
        "public/unregistered.html",
        css=PUBLIC_CSS,
        lang=_lang(),
        name=product.name_in(_lang()),
        product_href=gs1.page_href(_base(), gs1.dl_path(gtin)),
    )


def _unregistered(gtin: str) -> Response:
    html = _unregistered_html(gtin)
    if html is None:
        return not_found()
    return _finish(make_response(html, 200), cache="no-store")


def _serial(serial: str, *, gtin: str | None = None, lot: str | None = None) -> Response:
    """The provenance page of a label: the one answer that counts as a shopper's scan."""
    if not valid_serial(serial):
        return bad_request("serial")
    scan = services.resolve_scan(
        serial,
        address=request.remote_addr,
        user_agent=request.user_agent.string,
        lang=_lang(),
        expected_gtin=gtin,
        expected_lot=lot,
    )
    try:
        answer = scan_page(scan, serial, gtin, lot, _lang())
        response = _finish(
            make_response(answer.html, answer.status),
            cache=answer.cache,
            last_modified=answer.last_modified,
        )
        if answer.anchor:
            _link_header(response, answer.anchor)
    except BaseException:
        scan.hot.close()
        raise
    # The page is ready; only now take the write lock, briefly, to log the scan.
    services.log_scan(scan)
    return response


@bp.route("/l/<serial>")
@limiter.exempt
@keeps_writes
def short_link(serial: str) -> Any:
    """A short label link (products without a GTIN)."""
    if _over_limit():
        return too_many()
    return _serial(serial)


def _raw_path() -> str:
    # Werkzeug decodes %2F before routing; a lot code may contain a slash, so read the path
    # as it was sent when the server keeps it.
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if raw:
        return raw.split("?", 1)[0]
    return request.path


def _page_for(res: Resolution) -> Response:
    """The provenance page of a Digital Link URI in the reader's language: a label's (a
    scan), a lot's, a product's, or the plain warning that a lot or serial is not registered."""
    if res.serial:
        return _serial(res.serial, gtin=res.gtin, lot=res.lot)
    anchor = _anchor(res.gtin, res.lot, None)
    if res.lot:
        lot = services.lot_by_gtin(res.gtin, res.lot)
        if lot is None:
            return _unregistered(res.gtin)
        return _lot_response(services.lot_page(lot.id, _lang()), anchor)
    product = services.product_by_gtin(res.gtin)
    if product is None:
        return not_found()
    return _product_response(product.id, anchor)


def _link_titles() -> dict[str, str]:
    return {
        "label": _("Provenance of this label"),
        "lot": _("Provenance of this lot"),
        "trace": _("What happened to this lot"),
        "recall": _("Recall status of this lot"),
        "epcis": _("Traceability events of this lot (EPCIS 2.0)"),
        "certs": _("Certifications of this lot"),
        "product": _("About this product"),
        "pip": _("Product information"),
    }


def _identify(res: Resolution) -> gs1.Identified | None:
    """What the resolver knows of a URI, walking up from an unregistered lot or serial."""
    product = services.product_by_gtin(res.gtin)
    if product is None:
        return None
    label = gs1.public_serial(res.gtin, res.lot, res.serial) if res.serial else None
    if label is not None:
        lot = db.session.get(Lot, label.lot_id)
    else:
        lot = services.lot_by_gtin(res.gtin, res.lot) if res.lot else None
    page = services.lot_page(lot.id, _lang()) if lot is not None else None
    return gs1.identify(
        _base(),
        current_app.config["TRACEAPP_LANGUAGES"],
        product=product,
        lot=lot,
        asked_lot=res.lot,
        serial=label,
        asked_serial=res.serial,
        titles=_link_titles(),
        certified=_certified(page),
    )


def _linkset_response(found: gs1.Identified, *, negotiated: bool) -> Response:
    accept = request.accept_mimetypes
    plain = negotiated and accept.best_match([LINKSET_TYPE, "application/json"]) == (
        "application/json"
    )
    response = Response(
        json.dumps(found.document(), ensure_ascii=False),
        mimetype="application/json" if plain else LINKSET_TYPE,
    )
    # Asked for by the Accept header alone, the linkset is kept by the client only: a cache
    # in between must never hand it to a browser asking the same URL for the page.
    cache = "private, max-age=300" if negotiated else "public, max-age=300"
    response = _finish(response, cache=cache, vary_lang=False)
    response.headers["Link"] = (
        f'<{gs1.LINKSET_CONTEXT}>; rel="{gs1.JSONLD_CONTEXT_REL}"; type="application/ld+json"'
    )
    return response


def _redirect(href: str, anchor: str) -> Response:
    """307 to a link's target, the query string passed on (GS1's default)."""
    target = gs1.with_query(href, request.query_string.decode("latin-1"))
    response = _finish(make_response(redirect(target, code=307)), cache="no-store", vary_lang=False)
    return _link_header(response, anchor)


def _resolve(res: Resolution) -> Response:
    """GS1 resolution of a Digital Link URI: the linkset, a 307 to the link type asked for
    (404 when not offered) or to the default link, or, for a browser, the default link's
    page at once. Only the page of a label counts as a scan."""
    raw_type = request.args.get("linkType") or None
    rel = gs1.link_type_name(raw_type) if raw_type else None
    accept = request.accept_mimetypes
    wants_linkset = rel == "linkset" or (raw_type is None and gs1.wants_linkset(accept))
    path = gs1.dl_path(res.gtin, res.lot, res.serial)
    if raw_type is None and not wants_linkset and gs1.asks_for_html(accept):
        response = _page_for(res)
        if response.status_code == 200:
            response.headers["Content-Location"] = gs1.page_href(_base(), path)
    else:
        found = _identify(res)
        if found is None:
            response = not_found()
        elif wants_linkset:
            response = _linkset_response(found, negotiated=raw_type is None)
        else:
            link = found.find(rel) if rel else None
            if raw_type is None:
                link = found.find("defaultLink")
            if raw_type is None and not found.registered:
                # Below the known level: the page that says so, not the level above's.
                href: str | None = gs1.page_href(_base(), path)
            else:
                href = link.href if link is not None else None
            response = _redirect(href, _base() + path) if href else not_found()
    response.headers["Vary"] = RESOLVER_VARY
    return response


@bp.route("/01/<path:rest>")
@limiter.exempt
@keeps_writes
def digital_link(rest: str) -> Any:
    """/01/{gtin}[/22/{cpv}][/10/{lot}][/21/{serial}]: GS1 Digital Link resolution."""
    if _over_limit():
        return too_many()
    try:
        res = parse_digital_link(_raw_path())
    except BadPath as exc:
        return bad_request(str(exc))
    return _resolve(res)


@bp.route("/<segment>")
@limiter.exempt
@keeps_writes
def compressed_link(segment: str) -> Any:
    """A compressed GS1 Digital Link URI, resolved as its uncompressed form (not redirected
    to it, as the Resolver standard asks), which the Link header names as owl:sameAs."""
    found = decompress(segment)
    if found is None:
        abort(404)
    if _over_limit():
        return too_many()
    path, _attributes = found
    try:
        res = parse_digital_link(path)
    except BadPath as exc:
        return bad_request(str(exc))
    response = _resolve(res)
    response.headers.add("Link", f'<{_base()}{path}>; rel="owl:sameAs"')
    return response


@bp.route("/p/01/<path:rest>")
@limiter.exempt
@keeps_writes
def provenance_page(rest: str) -> Any:
    """The provenance page of a Digital Link URI: the resolver's default link."""
    if _over_limit():
        return too_many()
    try:
        res = parse_digital_link(_raw_path()[len(gs1.PAGE_PREFIX) :])
    except BadPath as exc:
        return bad_request(str(exc))
    return _page_for(res)


@bp.route("/gs1/<kind>/01/<path:rest>")
def lot_data(kind: str, rest: str) -> Any:
    """The JSON targets of a lot's link types: recall status, EPCIS events, certifications."""
    rels = {target: rel for rel, target in gs1.DATA_TARGETS.items()}
    if kind not in rels:
        abort(404)
    try:
        res = parse_digital_link(_raw_path()[len(f"{gs1.DATA_PREFIX}/{kind}") :])
    except BadPath as exc:
        return bad_request(str(exc))
    lot = services.lot_by_gtin(res.gtin, res.lot) if res.lot and not res.serial else None
    if lot is None:
        return not_found()
    page = services.lot_page(lot.id, _lang())
    if rels[kind] == "recallStatus":
        return _recall_status(page)
    if rels[kind] == "epcis":
        return _epcis(page.lot_id)
    if not _certified(page):
        return not_found()
    return _certifications(page)


@bp.after_request
def _cors(response: Response) -> Response:
    """CORS on the resolver's answers, as the Resolver standard asks: anyone may read them."""
    if request.path.startswith(("/01/", "/p/01/", "/gs1/", "/.well-known/gs1resolver")) or (
        request.endpoint == "public.compressed_link"
    ):
        response.headers.update(gs1.cors_headers())
        if request.method == "OPTIONS" and request.path.startswith("/01/"):
            # A preflight learns where the linkset is, as a redirect would tell it.
            _link_header(response, _base() + request.path.rstrip("/"))
    return response


@bp.route("/.well-known/gs1resolver")
@bp.route("/.well-known/gs1resolver/")
def resolver_description() -> Any:
    """How this resolver works, for GS1 tools (the standard's resolver description file)."""
    body = gs1.description_file(_base(), current_app.config["TRACEAPP_LANGUAGES"])
    return _finish(jsonify(body), cache="public, max-age=3600", vary_lang=False)
