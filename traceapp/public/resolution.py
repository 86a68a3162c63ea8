"""GS1 resolution of a Digital Link URI in Flask: the linkset, a 307 to the link type asked
for, or, for a browser, the default link's page in place (the decision is
:func:`traceapp.public.scan.route.answers_page`, the fast path's too)."""

from __future__ import annotations

import json
from collections.abc import Callable

from flask import Response, current_app, g, make_response, redirect, request
from flask_babel import gettext as _

from traceapp.batches.models import Lot
from traceapp.extensions import db
from traceapp.public import linkset as gs1
from traceapp.public.lookups import lot_by_gtin, product_by_gtin
from traceapp.public.page import LotPage
from traceapp.public.page_cache import lot_page
from traceapp.public.resolver import Resolution
from traceapp.public.respond import base, finish, lang, link_header, not_found
from traceapp.public.scan.route import answers_page


def certified(page: LotPage | None) -> bool:
    """Whether a lot's page has certifications to link to."""
    return page is not None and bool(
        page.mark or page.ocop or any(z.certifications for z in page.zones)
    )


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
    product = product_by_gtin(res.gtin)
    if product is None:
        return None
    label = gs1.public_serial(res.gtin, res.lot, res.serial) if res.serial else None
    if label is not None:
        lot = db.session.get(Lot, label.lot_id)
    else:
        lot = lot_by_gtin(res.gtin, res.lot) if res.lot else None
    page = lot_page(lot.id, lang()) if lot is not None else None
    return gs1.identify(
        base(),
        current_app.config["TRACEAPP_LANGUAGES"],
        product=product,
        lot=lot,
        asked_lot=res.lot,
        serial=label,
        asked_serial=res.serial,
        titles=_link_titles(),
        certified=certified(page),
    )


def _linkset_response(found: gs1.Identified, *, negotiated: bool) -> Response:
    accept = request.accept_mimetypes
    plain = negotiated and accept.best_match([gs1.LINKSET_TYPE, "application/json"]) == (
        "application/json"
    )
    response = Response(
        json.dumps(found.document(), ensure_ascii=False),
        mimetype="application/json" if plain else gs1.LINKSET_TYPE,
    )
    # Asked for by the Accept header alone, the linkset is kept by the client only: a cache
    # in between must never hand it to a browser asking the same URL for the page.
    cache = "private, max-age=300" if negotiated else "public, max-age=300"
    response = finish(response, cache=cache, vary_lang=False)
    response.headers["Link"] = (
        f'<{gs1.LINKSET_CONTEXT}>; rel="{gs1.JSONLD_CONTEXT_REL}"; type="application/ld+json"'
    )
    return response


def _redirect(href: str, anchor: str) -> Response:
    """307 to a link's target, the query string passed on (GS1's default)."""
    target = gs1.with_query(href, request.query_string.decode("latin-1"))
    response = finish(make_response(redirect(target, code=307)), cache="no-store", vary_lang=False)
    return link_header(response, anchor)


def resolve(res: Resolution, page_for: Callable[[Resolution], Response]) -> Response:
    """GS1 resolution of a Digital Link URI: the linkset, a 307 to the link type asked for
    (404 when not offered) or to the default link, or, for a browser, the default link's
    page at once (``page_for``). Only the page of a label counts as a scan.

    The resolver's own headers (Vary on Accept, Content-Location, CORS) are added after the
    request, from :func:`traceapp.public.scan.response.resolver_headers`."""
    raw_type = request.args.get("linkType") or None
    rel = gs1.link_type_name(raw_type) if raw_type else None
    accept = request.accept_mimetypes
    wants_linkset = rel == "linkset" or (raw_type is None and gs1.wants_linkset(accept))
    path = gs1.dl_path(res.gtin, res.lot, res.serial)
    if answers_page(accept, raw_type):
        response = page_for(res)
        if response.status_code == 200:
            g.resolver_page = gs1.page_href(base(), path)
        return response
    found = _identify(res)
    if found is None:
        return not_found()
    if wants_linkset:
        return _linkset_response(found, negotiated=raw_type is None)
    link = found.find(rel) if rel else None
    if raw_type is None:
        link = found.find("defaultLink")
    if raw_type is None and not found.registered:
        # Below the known level: the page that says so, not the level above's.
        href: str | None = gs1.page_href(base(), path)
    else:
        href = link.href if link is not None else None
    return _redirect(href, base() + path) if href else not_found()
