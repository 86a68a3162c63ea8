"""The public answers' building blocks in Flask: the reader's language, the headers every
public answer carries, and the short pages (not found, bad path, slow down, not registered)."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, g, make_response, render_template, request

from traceapp.i18n import select_locale
from traceapp.products.models import Product
from traceapp.public import states
from traceapp.public.scan.limits import over_limit
from traceapp.public.scan.response import (
    LINKSET_TYPE,
    PUBLIC_CSS,
    not_found_html,
    page_headers,
    unregistered_html,
)


def lang() -> str:
    """The reader's language: the same choice Flask-Babel makes, without building a Babel
    Locale (a cached page needs only the code)."""
    chosen = g.get("public_lang")
    if chosen is None:
        chosen = g.public_lang = select_locale()
    return chosen


def base() -> str:
    """The public base URL labels are printed under."""
    return current_app.config["TRACEAPP_PUBLIC_BASE_URL"]


def over_the_limit() -> bool:
    """Whether this client scanned too often (the fast path may have counted it already)."""
    return over_limit(request.environ, request.remote_addr)


def finish(
    response: Response,
    *,
    cache: str,
    vary_lang: bool = True,
    last_modified: Any = None,
    anchor: str | None = None,
) -> Response:
    """The public headers on a response (the fast path's, from the same builder)."""
    for name, value in page_headers(
        cache=cache, vary_lang=vary_lang, last_modified=last_modified, anchor=anchor
    ):
        response.headers[name] = value
    # Validators only where a re-load can be answered with 304: not on a scan page, which
    # counts every scan and is private to the scanner anyway.
    # A streamed body is not read to hash it: it would be built in memory after all.
    if response.status_code == 200 and cache.startswith("public") and not response.is_streamed:
        response.add_etag()
        response.make_conditional(request)
    return response


def page(template: str, status: int = 200, **context: Any) -> Response:
    """A public page in the reader's language, with the inlined stylesheet."""
    html = render_template(template, css=PUBLIC_CSS, lang=lang(), **context)
    return make_response(html, status)


def link_header(response: Response, anchor: str) -> Response:
    """The Link header naming the linkset of what a URI identifies."""
    response.headers["Link"] = f'<{anchor}?linkType=linkset>; rel="linkset"; type="{LINKSET_TYPE}"'
    return response


def too_many() -> Response:
    """429 with a short page in the shopper's language."""
    response = page("public/slow_down.html", 429)
    response.headers["Retry-After"] = "60"
    return finish(response, cache="no-store")


def not_found() -> Response:
    """404 with the not-found page."""
    return finish(make_response(not_found_html(lang()), 404), cache="no-store")


def bad_request(message: str) -> Response:
    """A path that is not a Digital Link at all."""
    return finish(page("public/bad.html", 400, message=message), cache="no-store")


def unregistered_lot(product: Product | None, gtin: str) -> Response:
    """A lot code no label names under a known product: the page that says it may not be
    genuine (404 for an unknown product)."""
    if product is None:
        return not_found()
    state = states.unregistered_lot(product, lang())
    return finish(make_response(unregistered_html(state, gtin, lang()), 200), cache="no-store")
