"""The GS1 Digital Link resolver and the consumer's page: light, fast, honest."""

from __future__ import annotations

import json
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
)

from traceapp.extensions import db, limiter
from traceapp.i18n import select_locale
from traceapp.public import documents
from traceapp.public.clone import describe_flag as _describe_flag
from traceapp.public.lookups import latest_lot, lot_by_gtin, product_by_gtin
from traceapp.public.page import LotPage
from traceapp.public.page_cache import LotVersion, lot_page
from traceapp.public.resolver import BadPath, parse_digital_link
from traceapp.public.scan.limits import over_limit
from traceapp.public.scan.log import log_scan
from traceapp.public.scan.resolve import resolve_scan
from traceapp.public.scan.response import (
    LINKSET_TYPE,
    PUBLIC_CSS,
    ScanPage,
    anchor_uri,
    cache_for,
    lot_html,
    not_found_html,
    page_headers,
    scan_page,
)
from traceapp.public.scan.route import (
    ScanTarget,
    is_legacy_host,
    raw_path,
    scan_target,
    short_link_target,
)
from traceapp.web import keeps_writes

bp = Blueprint("public", __name__)

GS1_VOC = "https://gs1.org/voc/"
LINK_TYPES = (
    "gs1:pip",
    "gs1:traceability",
    "gs1:recallStatus",
    "gs1:certificationInfo",
    "gs1:epcis",
    "linkset",
)


def _over_limit() -> bool:
    return over_limit(request.environ, request.remote_addr)


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
    if is_legacy_host(request.host, current_app.config.get("TRACEAPP_LEGACY_HOSTS")):
        target = _base() + request.full_path.rstrip("?")
        return redirect(target, code=301)
    return None


def _finish(
    response: Response,
    *,
    cache: str,
    vary_lang: bool = True,
    last_modified: Any = None,
    anchor: str | None = None,
) -> Response:
    for name, value in page_headers(
        cache=cache, vary_lang=vary_lang, last_modified=last_modified, anchor=anchor
    ):
        response.headers[name] = value
    # Validators only where a re-load can be answered with 304: not on a scan page, which
    # counts every scan and is private to the scanner anyway.
    if response.status_code == 200 and cache.startswith("public"):
        response.add_etag()
        response.make_conditional(request)
    return response


def _page(template: str, status: int = 200, **context: Any) -> Response:
    html = render_template(template, css=PUBLIC_CSS, lang=_lang(), **context)
    return make_response(html, status)


@bp.app_template_filter("describe_flag")
def describe_flag(reason: str | None) -> str:
    """``{{ label.flag_reason|describe_flag }}``: a stored clone flag in the reader's words."""
    return _describe_flag(reason)


def not_found() -> Response:
    """404 with the not-found page."""
    return _finish(make_response(not_found_html(_lang()), 404), cache="no-store")


def bad_request(message: str) -> Response:
    """A path that is not a Digital Link at all."""
    return _finish(_page("public/bad.html", 400, message=message), cache="no-store")


def linkset(anchor: str, page: LotPage | None, has_lot: bool) -> dict[str, Any]:
    """An RFC 9264 linkset of what the resolver offers for this identifier."""
    langs = current_app.config["TRACEAPP_LANGUAGES"]

    def link(link_type: str, media: str, title: str) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "href": f"{anchor}?linkType={link_type}",
            "type": media,
            "title": title,
        }
        if media == "text/html":
            entry["hreflang"] = list(langs)
        return entry

    context: dict[str, Any] = {
        "anchor": anchor,
        GS1_VOC + "pip": [link("gs1:pip", "text/html", "Product information")],
        GS1_VOC + "defaultLink": [
            {
                "href": anchor,
                "type": "text/html",
                "title": "Provenance page",
                "hreflang": list(langs),
            }
        ],
    }
    if has_lot:
        context[GS1_VOC + "traceability"] = [
            link("gs1:traceability", "text/html", "Lot traceability")
        ]
        context[GS1_VOC + "recallStatus"] = [
            link("gs1:recallStatus", "application/json", "Recall status")
        ]
        context[GS1_VOC + "epcis"] = [
            link("gs1:epcis", "application/ld+json", "EPCIS 2.0 events of the lot")
        ]
    if page is not None and (page.mark or page.ocop or any(z.certifications for z in page.zones)):
        context[GS1_VOC + "certificationInfo"] = [
            link("gs1:certificationInfo", "application/json", "Certifications")
        ]
    return {"linkset": [context]}


def _wants_linkset() -> bool:
    if request.args.get("linkType") == "linkset":
        return True
    # HTML wins ties: a client that accepts anything (*/*) gets the page, as the fast path
    # answers it; the linkset goes to whoever asks for it by name.
    best = request.accept_mimetypes.best_match(["text/html", LINKSET_TYPE])
    return best == LINKSET_TYPE


def _linkset_response(anchor: str, page: LotPage | None, has_lot: bool) -> Response:
    response = Response(json.dumps(linkset(anchor, page, has_lot)), mimetype=LINKSET_TYPE)
    return _finish(response, cache="public, max-age=300", vary_lang=False)


def _recall_status(page: LotPage) -> Response:
    return _finish(jsonify(documents.recall_status(page)), cache="no-store", vary_lang=False)


def _certifications(page: LotPage) -> Response:
    body = documents.certifications(page)
    return _finish(jsonify(body), cache="public, max-age=300", vary_lang=False)


def _epcis(lot_id: int) -> Response:
    doc = json.dumps(documents.epcis(lot_id), ensure_ascii=False)
    response = Response(doc, mimetype="application/ld+json")
    return _finish(response, cache="public, max-age=300", vary_lang=False)


def _lot_response(
    page: LotPage, anchor: str, *, scan: Any = None, link_type: str | None = None
) -> Response:
    if link_type == "gs1:recallStatus":
        return _recall_status(page)
    if link_type == "gs1:certificationInfo":
        return _certifications(page)
    if link_type == "gs1:epcis":
        return _epcis(page.lot_id)
    if link_type == "gs1:pip":
        return _product_response(page.product_id, anchor)
    response = make_response(lot_html(page, scan, anchor, _lang()))
    last_modified = None if page.recall is not None else page.last_modified
    return _finish(
        response, cache=cache_for(page, scan), last_modified=last_modified, anchor=anchor
    )


def _product_response(product_id: int, anchor: str) -> Response:
    from traceapp.products.models import Product

    product = db.session.get_one(Product, product_id)
    lot = latest_lot(product)
    page = lot_page(lot.id, _lang()) if lot else None
    response = _page(
        "public/product.html",
        product=product,
        page=page,
        anchor=anchor,
        name=product.name_in(_lang()),
    )
    return _finish(response, cache="public, max-age=300", anchor=anchor)


def _scan_response(answer: ScanPage) -> Response:
    return _finish(
        make_response(answer.html, answer.status),
        cache=answer.cache,
        last_modified=answer.last_modified,
        anchor=answer.anchor,
    )


def _serial(serial: str, *, gtin: str | None = None, lot: str | None = None) -> Response:
    link_type = request.args.get("linkType")
    if link_type and link_type not in LINK_TYPES:
        return bad_request("linkType")
    scan = resolve_scan(
        serial,
        address=request.remote_addr,
        user_agent=request.user_agent.string,
        lang=_lang(),
        expected_gtin=gtin,
        expected_lot=lot,
    )
    with scan.conn:
        if scan.outcome not in ("unknown", "voided") and (link_type or _wants_linkset()):
            row = scan.label
            anchor = anchor_uri(
                gtin or row.gtin, lot or (row.lot_code if row.gtin else None), serial
            )
            page = lot_page(row.lot_id, _lang(), LotVersion.of(row))
            response = (
                _linkset_response(anchor, page, True)
                if _wants_linkset()
                else _lot_response(page, anchor, scan=scan, link_type=link_type)
            )
        else:
            response = _scan_response(scan_page(scan, ScanTarget(serial, gtin, lot), _lang()))
        # The page is ready; only now take the write lock, briefly, to log the scan.
        log_scan(scan)
    return response


@bp.route("/l/<serial>")
@limiter.exempt
@keeps_writes
def short_link(serial: str) -> Any:
    """A short label link (products without a GTIN)."""
    if _over_limit():
        return too_many()
    target = short_link_target(serial)
    if target is None:
        return bad_request("serial")
    return _serial(target.serial)


@bp.route("/01/<path:rest>")
@limiter.exempt
@keeps_writes
def digital_link(rest: str) -> Any:
    """/01/{gtin}[/22/{cpv}][/10/{lot}][/21/{serial}]: GS1 Digital Link resolution."""
    if _over_limit():
        return too_many()
    try:
        res = parse_digital_link(raw_path(request.environ))
    except BadPath as exc:
        return bad_request(str(exc))
    link_type = request.args.get("linkType")
    if link_type and link_type not in LINK_TYPES:
        return bad_request("linkType")
    target = scan_target(res)
    if target is not None:
        return _serial(target.serial, gtin=target.gtin, lot=target.lot)
    anchor = anchor_uri(res.gtin, res.lot, None)
    if res.lot:
        lot = lot_by_gtin(res.gtin, res.lot)
        if lot is None:
            return not_found()
        page = lot_page(lot.id, _lang())
        if _wants_linkset():
            return _linkset_response(anchor, page, True)
        return _lot_response(page, anchor, link_type=link_type)
    product = product_by_gtin(res.gtin)
    if product is None:
        return not_found()
    if _wants_linkset():
        lot = latest_lot(product)
        return _linkset_response(anchor, lot_page(lot.id, _lang()) if lot else None, False)
    return _product_response(product.id, anchor)


@bp.route("/.well-known/gs1resolver")
def resolver_description() -> Any:
    """How this resolver works, for GS1 tools."""
    body = {
        "name": "traceapp GS1 Digital Link resolver",
        "resolverRoot": _base(),
        "supportedPrimaryKeys": ["01"],
        "supportedKeyQualifiers": {"01": ["22", "10", "21"]},
        "supportedLinkTypes": [
            GS1_VOC + t.split(":")[1] for t in LINK_TYPES if t.startswith("gs1:")
        ],
        "linkTypeDefaultCanBeLinkset": True,
        "linksetMediaType": LINKSET_TYPE,
        "supportedLanguages": current_app.config["TRACEAPP_LANGUAGES"],
        "shortLinks": _base() + "/l/{serial}",
    }
    return _finish(jsonify(body), cache="public, max-age=3600", vary_lang=False)
