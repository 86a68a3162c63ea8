"""The GS1 Digital Link resolver and the consumer's page: light, fast, honest."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    make_response,
    redirect,
    request,
)
from flask_babel import refresh

from traceapp.core.streaming import streamed
from traceapp.extensions import db, limiter
from traceapp.i18n import country_language, public_explicit_language, supported
from traceapp.public import documents
from traceapp.public import linkset as gs1
from traceapp.public.clone import describe_flag as _describe_flag
from traceapp.public.digital_link_compression import decompress
from traceapp.public.lookups import latest_lot, lot_by_gtin, product_by_gtin
from traceapp.public.page import LotPage
from traceapp.public.page_cache import lot_page
from traceapp.public.resolution import certified, resolve
from traceapp.public.resolver import BadPath, Resolution, parse_digital_link
from traceapp.public.respond import (
    bad_request,
    base,
    finish,
    lang,
    link_header,
    not_found,
    over_the_limit,
    page,
    too_many,
    unregistered_lot,
)
from traceapp.public.scan.log import log_scan
from traceapp.public.scan.resolve import resolve_scan, scan_country, use_language
from traceapp.public.scan.response import (
    PUBLIC_CSS,
    anchor_uri,
    cache_for,
    lot_html,
    resolver_headers,
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

__all__ = ["PUBLIC_CSS", "bp"]


@bp.before_app_request
def _legacy_host_redirect() -> Any:
    """Labels printed under an old domain keep working: old hosts redirect permanently."""
    if is_legacy_host(request.host, current_app.config.get("TRACEAPP_LEGACY_HOSTS")):
        target = base() + request.full_path.rstrip("?")
        return redirect(target, code=301)
    return None


@bp.app_template_filter("describe_flag")
def describe_flag(reason: str | None) -> str:
    """``{{ label.flag_reason|describe_flag }}``: a stored clone flag in the reader's words."""
    return _describe_flag(reason)


def _lot_response(page_: LotPage, anchor: str) -> Response:
    """The page of a lot asked for without a serial (no scan is counted)."""
    response = make_response(lot_html(page_, None, anchor, lang()))
    last_modified = None if page_.recall is not None else page_.last_modified
    return finish(
        response, cache=cache_for(page_, None), last_modified=last_modified, anchor=anchor
    )


def _product_response(product_id: int, anchor: str) -> Response:
    from traceapp.products.models import Product

    product = db.session.get_one(Product, product_id)
    lot = latest_lot(product)
    lot_page_ = lot_page(lot.id, lang()) if lot else None
    response = page(
        "public/product.html",
        product=product,
        page=lot_page_,
        anchor=anchor,
        name=product.name_in(lang()),
    )
    return finish(response, cache="public, max-age=300", anchor=anchor)


def _serial(target: ScanTarget) -> Response:
    """The provenance page of a label: the one answer that counts as a shopper's scan."""
    scan = resolve_scan(
        target.serial,
        address=request.remote_addr,
        user_agent=request.user_agent.string,
        lang=lang(),
        expected_gtin=target.gtin,
        expected_lot=target.lot,
    )
    with scan.conn:
        if public_explicit_language() is None:
            # Nothing asked for: the page opens in the language of the label's country.
            g.public_lang = country_language(scan_country(scan), supported(), lang())
            refresh()  # Flask-Babel forgets a language it may have settled already
            use_language(scan, lang())
        answer = scan_page(scan, target, lang())
        response = finish(
            make_response(answer.html, answer.status),
            cache=answer.cache,
            last_modified=answer.last_modified,
            anchor=answer.anchor,
        )
        # The page is ready; only now take the write lock, briefly, to log the scan.
        log_scan(scan)
    return response


@bp.route("/l/<serial>")
@limiter.exempt
@keeps_writes
def short_link(serial: str) -> Any:
    """A short label link (products without a GTIN)."""
    if over_the_limit():
        return too_many()
    target = short_link_target(serial)
    if target is None:
        return bad_request("serial")
    return _serial(target)


def _page_for(res: Resolution) -> Response:
    """The provenance page of a Digital Link URI in the reader's language: a label's (a
    scan), a lot's, a product's, or the plain warning that a lot or serial is not registered."""
    target = scan_target(res)
    if target is not None:
        return _serial(target)
    anchor = anchor_uri(res.gtin, res.lot, None)
    product = product_by_gtin(res.gtin)
    if res.lot:
        lot = lot_by_gtin(res.gtin, res.lot)
        if lot is None:
            return unregistered_lot(product, res.gtin)
        return _lot_response(lot_page(lot.id, lang()), anchor)
    if product is None:
        return not_found()
    return _product_response(product.id, anchor)


def _parse(path: str) -> Resolution | Response:
    try:
        return parse_digital_link(path)
    except BadPath as exc:
        return bad_request(str(exc))


@bp.route("/01/<path:rest>")
@limiter.exempt
@keeps_writes
def digital_link(rest: str) -> Any:
    """/01/{gtin}[/22/{cpv}][/10/{lot}][/21/{serial}]: GS1 Digital Link resolution."""
    if over_the_limit():
        return too_many()
    res = _parse(raw_path(request.environ))
    return resolve(res, _page_for) if isinstance(res, Resolution) else res


@bp.route("/<segment>")
@limiter.exempt
@keeps_writes
def compressed_link(segment: str) -> Any:
    """A compressed GS1 Digital Link URI, resolved as its uncompressed form (not redirected
    to it, as the Resolver standard asks), which the Link header names as owl:sameAs."""
    found = decompress(segment)
    if found is None:
        abort(404)
    if over_the_limit():
        return too_many()
    path, _attributes = found
    res = _parse(path)
    if not isinstance(res, Resolution):
        return res
    response = resolve(res, _page_for)
    response.headers.add("Link", f'<{base()}{path}>; rel="owl:sameAs"')
    return response


@bp.route("/p/01/<path:rest>")
@limiter.exempt
@keeps_writes
def provenance_page(rest: str) -> Any:
    """The provenance page of a Digital Link URI: the resolver's default link."""
    if over_the_limit():
        return too_many()
    res = _parse(raw_path(request.environ)[len(gs1.PAGE_PREFIX) :])
    return _page_for(res) if isinstance(res, Resolution) else res


@bp.route("/gs1/<kind>/01/<path:rest>")
def lot_data(kind: str, rest: str) -> Any:
    """The JSON targets of a lot's link types: recall status, EPCIS events, certifications."""
    rels = {target: rel for rel, target in gs1.DATA_TARGETS.items()}
    if kind not in rels:
        abort(404)
    res = _parse(raw_path(request.environ)[len(f"{gs1.DATA_PREFIX}/{kind}") :])
    if not isinstance(res, Resolution):
        return res
    lot = lot_by_gtin(res.gtin, res.lot) if res.lot and not res.serial else None
    if lot is None:
        return not_found()
    page_ = lot_page(lot.id, lang())
    if rels[kind] == "recallStatus":
        body = jsonify(documents.recall_status(page_))
        return finish(body, cache="no-store", vary_lang=False)
    if rels[kind] == "epcis":
        response = streamed(documents.epcis(page_.lot_id), "application/ld+json")
        return finish(response, cache="public, max-age=300", vary_lang=False)
    if not certified(page_):
        return not_found()
    body = jsonify(documents.certifications(page_))
    return finish(body, cache="public, max-age=300", vary_lang=False)


@bp.after_request
def _resolver_headers(response: Response) -> Response:
    """The resolver's headers (Vary on Accept, Content-Location, CORS: anyone may read its
    answers, as the Resolver standard asks), from the builder the fast path uses too."""
    resolved = request.endpoint == "public.compressed_link"
    for name, value in resolver_headers(
        request.path, page=g.get("resolver_page"), resolved=resolved
    ):
        response.headers[name] = value
    if request.method == "OPTIONS" and request.path.startswith("/01/"):
        # A preflight learns where the linkset is, as a redirect would tell it.
        link_header(response, base() + request.path.rstrip("/"))
    return response


@bp.route("/.well-known/gs1resolver")
@bp.route("/.well-known/gs1resolver/")
def resolver_description() -> Any:
    """How this resolver works, for GS1 tools (the standard's resolver description file)."""
    body = gs1.description_file(base(), current_app.config["TRACEAPP_LANGUAGES"])
    return finish(jsonify(body), cache="public, max-age=3600", vary_lang=False)
