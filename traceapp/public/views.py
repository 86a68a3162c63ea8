"""The GS1 Digital Link resolver and the consumer's page: light, fast, honest."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
)
from flask_babel import get_locale

from traceapp.batches.models import Lot
from traceapp.extensions import db, limiter
from traceapp.public import services
from traceapp.public.resolver import BadPath, parse_digital_link, valid_serial
from traceapp.web import CONTENT_SECURITY_POLICY, writes

bp = Blueprint("public", __name__)

LINKSET_TYPE = "application/linkset+json"
GS1_VOC = "https://gs1.org/voc/"
LINK_TYPES = ("gs1:pip", "gs1:traceability", "gs1:recallStatus", "gs1:certificationInfo",
              "gs1:epcis", "linkset")

#: The public page's stylesheet, inlined (one round trip less on 3G) and allowed by its hash.
PUBLIC_CSS = (Path(__file__).parent.parent / "templates" / "public" / "page.css").read_text()
_CSS_HASH = base64.b64encode(hashlib.sha256(PUBLIC_CSS.encode()).digest()).decode()
PUBLIC_CSP = CONTENT_SECURITY_POLICY.replace(
    "style-src 'self'", f"style-src 'self' 'sha256-{_CSS_HASH}'")


def _limit() -> str:
    return current_app.config["TRACEAPP_PUBLIC_RATE_LIMIT"]


def _lang() -> str:
    return str(get_locale() or "vi")


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


def _finish(response: Response, *, cache: str, vary_lang: bool = True,
            last_modified: Any = None) -> Response:
    response.headers["Content-Security-Policy"] = PUBLIC_CSP
    response.headers["Cache-Control"] = cache
    if vary_lang:
        response.headers["Vary"] = "Accept-Language, Cookie"
    if last_modified is not None:
        response.last_modified = last_modified
    if response.status_code == 200 and cache != "no-store":
        response.add_etag()
        response.make_conditional(request)
    return response


def _page(template: str, status: int = 200, **context: Any) -> Response:
    html = render_template(template, css=PUBLIC_CSS, lang=_lang(), **context)
    return make_response(html, status)


def not_found() -> Response:
    """The one page for unknown and voided serials: it tells nothing else."""
    return _finish(_page("public/notfound.html", 404), cache="no-store")


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


def linkset(anchor: str, page: services.LotPage | None, has_lot: bool) -> dict[str, Any]:
    """An RFC 9264 linkset of what the resolver offers for this identifier."""
    langs = current_app.config["TRACEAPP_LANGUAGES"]

    def link(link_type: str, media: str, title: str) -> dict[str, Any]:
        entry = {"href": f"{anchor}?linkType={link_type}", "type": media, "title": title}
        if media == "text/html":
            entry["hreflang"] = list(langs)
        return entry

    context: dict[str, Any] = {
        "anchor": anchor,
        GS1_VOC + "pip": [link("gs1:pip", "text/html", "Product information")],
        GS1_VOC + "defaultLink": [{"href": anchor, "type": "text/html",
                                   "title": "Provenance page", "hreflang": list(langs)}],
    }
    if has_lot:
        context[GS1_VOC + "traceability"] = [link("gs1:traceability", "text/html",
                                                  "Lot traceability")]
        context[GS1_VOC + "recallStatus"] = [link("gs1:recallStatus", "application/json",
                                                  "Recall status")]
        context[GS1_VOC + "epcis"] = [link("gs1:epcis", "application/ld+json",
                                           "EPCIS 2.0 events of the lot")]
    if page is not None and (page.mark or page.ocop or any(z.certifications
                                                           for z in page.zones)):
        context[GS1_VOC + "certificationInfo"] = [link("gs1:certificationInfo",
                                                       "application/json", "Certifications")]
    return {"linkset": [context]}


def _wants_linkset() -> bool:
    if request.args.get("linkType") == "linkset":
        return True
    best = request.accept_mimetypes.best_match([LINKSET_TYPE, "text/html"])
    return best == LINKSET_TYPE and request.accept_mimetypes[LINKSET_TYPE] > 0


def _linkset_response(anchor: str, page: services.LotPage | None, has_lot: bool) -> Response:
    response = Response(json.dumps(linkset(anchor, page, has_lot)), mimetype=LINKSET_TYPE)
    return _finish(response, cache="public, max-age=300", vary_lang=False)


def _link_header(response: Response, anchor: str) -> Response:
    response.headers["Link"] = (f'<{anchor}?linkType=linkset>; rel="linkset"; '
                                f'type="{LINKSET_TYPE}"')
    return response


def _recall_status(page: services.LotPage) -> Response:
    body = {"lot": page.lot_code, "recalled": page.recall is not None}
    if page.recall:
        body.update(reason=page.recall["reason"], instructions=page.recall["instructions"],
                    decided_by=page.recall["decided_by"],
                    decided_at=page.recall["decided_at"].isoformat())
    return _finish(jsonify(body), cache="no-store", vary_lang=False)


def _certifications(page: services.LotPage) -> Response:
    body = {
        "collective_mark": page.mark and {**page.mark, "certificate_date": str(
            page.mark["certificate_date"] or "")},
        "ocop": page.ocop and {**page.ocop, "valid_until": page.ocop["valid_until"].isoformat()},
        "zones": [{"code": z.code, "certifications": [
            {**c, "expires_on": c["expires_on"].isoformat() if c["expires_on"] else None}
            for c in z.certifications]} for z in page.zones],
    }
    return _finish(jsonify(body), cache="public, max-age=300", vary_lang=False)


def _epcis(lot_id: int) -> Response:
    from traceapp.batches.epcis import lot_document

    lot = db.session.get(Lot, lot_id)
    doc = lot_document(lot, public=True)
    response = Response(json.dumps(doc, ensure_ascii=False), mimetype="application/ld+json")
    return _finish(response, cache="public, max-age=300", vary_lang=False)


def _lot_response(page: services.LotPage, anchor: str, *, scan: Any = None,
                  link_type: str | None = None) -> Response:
    if link_type == "gs1:recallStatus":
        return _recall_status(page)
    if link_type == "gs1:certificationInfo":
        return _certifications(page)
    if link_type == "gs1:epcis":
        return _epcis(page.lot_id)
    if link_type == "gs1:pip":
        return _product_response(page.product_id, anchor)
    response = _page("public/lot.html", page=page, scan=scan, anchor=anchor)
    recalled = page.recall is not None
    if recalled or (scan is not None and scan.caution):
        cache = "no-store"
    elif scan is not None:
        cache = "private, max-age=60"  # a re-load within a minute is not a new scan
    else:
        cache = "public, max-age=300"
    return _link_header(_finish(response, cache=cache, last_modified=None if recalled
                                else page.last_modified), anchor)


def _product_response(product_id: int, anchor: str) -> Response:
    from traceapp.products.models import Product

    product = db.session.get(Product, product_id)
    lot = services.latest_lot(product)
    page = services.lot_page(lot.id, _lang()) if lot else None
    response = _page("public/product.html", product=product, page=page, anchor=anchor,
                     name=product.name_in(_lang()))
    return _link_header(_finish(response, cache="public, max-age=300"), anchor)


def _serial(serial: str, *, gtin: str | None = None, lot: str | None = None) -> Response:
    if not valid_serial(serial):
        return bad_request("serial")
    link_type = request.args.get("linkType")
    if link_type and link_type not in LINK_TYPES:
        return bad_request("linkType")
    scan = services.record_scan(
        serial, address=request.remote_addr, user_agent=request.user_agent.string,
        lang=_lang(), expected_gtin=gtin, expected_lot=lot)
    if scan.outcome in ("unknown", "voided"):
        return not_found()
    row = scan.label
    anchor = _anchor(gtin or row.gtin, lot or (row.lot_code if row.gtin else None), serial)
    page = services.lot_page(row.lot_id, _lang(), services.version_of(row))
    if _wants_linkset():
        return _linkset_response(anchor, page, True)
    scan.issued = services.issued_note(row)
    return _lot_response(page, anchor, scan=scan, link_type=link_type)


@bp.route("/l/<serial>")
@limiter.limit(_limit)
@writes
def short_link(serial: str) -> Any:
    """A short label link (products without a GTIN)."""
    return _serial(serial)


def _raw_path() -> str:
    # Werkzeug decodes %2F before routing; a lot code may contain a slash, so read the path
    # as it was sent when the server keeps it.
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if raw:
        return raw.split("?", 1)[0]
    return request.path


@bp.route("/01/<path:rest>")
@limiter.limit(_limit)
@writes
def digital_link(rest: str) -> Any:
    """/01/{gtin}[/22/{cpv}][/10/{lot}][/21/{serial}]: GS1 Digital Link resolution."""
    try:
        res = parse_digital_link(_raw_path())
    except BadPath as exc:
        return bad_request(str(exc))
    link_type = request.args.get("linkType")
    if link_type and link_type not in LINK_TYPES:
        return bad_request("linkType")
    if res.serial:
        return _serial(res.serial, gtin=res.gtin, lot=res.lot)
    anchor = _anchor(res.gtin, res.lot, None)
    if res.lot:
        lot = services.lot_by_gtin(res.gtin, res.lot)
        if lot is None:
            return not_found()
        page = services.lot_page(lot.id, _lang())
        if _wants_linkset():
            return _linkset_response(anchor, page, True)
        return _lot_response(page, anchor, link_type=link_type)
    product = services.product_by_gtin(res.gtin)
    if product is None:
        return not_found()
    if _wants_linkset():
        lot = services.latest_lot(product)
        return _linkset_response(anchor, services.lot_page(lot.id, _lang()) if lot else None,
                                 False)
    return _product_response(product.id, anchor)


@bp.route("/.well-known/gs1resolver")
def resolver_description() -> Any:
    """How this resolver works, for GS1 tools."""
    body = {
        "name": "traceapp GS1 Digital Link resolver",
        "resolverRoot": _base(),
        "supportedPrimaryKeys": ["01"],
        "supportedKeyQualifiers": {"01": ["22", "10", "21"]},
        "supportedLinkTypes": [GS1_VOC + t.split(":")[1] for t in LINK_TYPES
                               if t.startswith("gs1:")],
        "linkTypeDefaultCanBeLinkset": True,
        "linksetMediaType": LINKSET_TYPE,
        "supportedLanguages": current_app.config["TRACEAPP_LANGUAGES"],
        "shortLinks": _base() + "/l/{serial}",
    }
    return _finish(jsonify(body), cache="public, max-age=3600", vary_lang=False)
