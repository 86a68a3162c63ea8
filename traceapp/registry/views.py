"""The public register's pages, JSON and CSV: no login, light like the label page."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Response,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from traceapp.core.inputs import page_number
from traceapp.database import local_today
from traceapp.errors import envelope
from traceapp.extensions import limiter
from traceapp.i18n import select_locale
from traceapp.public.views import PUBLIC_CSS
from traceapp.registry import codes, services
from traceapp.registry.codes import PUBLIC_STATUSES, ZoneQuery
from traceapp.web import CONTENT_SECURITY_POLICY
from traceapp.zones.models import (
    KIND_LABELS,
    MARKET_LABELS,
    STATUS_LABELS,
    TargetMarket,
    ZoneKind,
    ZoneStatus,
)

bp = Blueprint("registry", __name__, url_prefix="/registry")
# Each client may read the register as fast as it may scan labels; a scraper cannot make
# every page a database query for everyone else.
limiter.shared_limit(lambda: current_app.config["TRACEAPP_PUBLIC_RATE_LIMIT"], scope="registry")(bp)

#: The label page's stylesheet and the register's few additions, inlined and allowed by hash.
CSS = (
    PUBLIC_CSS + (Path(__file__).parent.parent / "templates" / "registry" / "page.css").read_text()
)
_CSS_HASH = base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode()
CSP = CONTENT_SECURITY_POLICY.replace("style-src 'self'", f"style-src 'self' 'sha256-{_CSS_HASH}'")
#: How long a browser or a shared cache may keep an answer: a suspension must show soon.
CACHE = "public, max-age=60"
PAGE_SIZE = 25
#: Codes per JSON page and per CSV file, by default and at most.
JSON_PAGE = (100, 500)
CSV_PAGE = (5000, 5000)
LABELS = {
    "kinds": KIND_LABELS,
    "statuses": STATUS_LABELS,
    "markets": MARKET_LABELS,
}


def _finish(response: Response, *, vary_lang: bool = True) -> Response:
    """The label page's headers: its CSP, a short public cache, validators."""
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Cache-Control"] = CACHE if response.status_code == 200 else "no-store"
    if vary_lang:
        response.headers["Vary"] = "Accept-Language, Cookie"
    if response.status_code == 200:
        response.add_etag()
        response.make_conditional(request)
    return response


def _lang_args() -> str:
    # The language switcher keeps the search: "q=...&" before its "lang=...".
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    return urlencode(args) + "&" if args else ""


def _page(template: str, status: int = 200, **context: Any) -> Response:
    html = render_template(
        template, css=CSS, lang=select_locale(), lang_args=_lang_args(), **LABELS, **context
    )
    return _finish(make_response(html, status))


def _options() -> dict[str, Any]:
    """The search form's choices: (value, label) pairs."""
    return {
        "province_options": [(p, p) for p in codes.provinces()],
        "kind_options": [(k.value, label) for k, label in KIND_LABELS.items()],
        "market_options": [(m.value, label) for m, label in MARKET_LABELS.items()],
        "status_options": [(s.value, STATUS_LABELS[s]) for s in PUBLIC_STATUSES],
    }


def _not_found() -> Response:
    return _page("registry/notfound.html", 404)


def _choice(enum_cls: Any, name: str) -> Any:
    """A filter's value from the query string; None when absent, KeyError when unknown."""
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return enum_cls(raw)
    except ValueError:
        raise KeyError(name) from None


def _query(strict: bool) -> ZoneQuery:
    """The search in the query string; an unknown choice is dropped, or a KeyError if strict."""
    # A program should hear that its filter means nothing; a person's form just ignores it.
    values: dict[str, Any] = {}
    for name, enum_cls in (("kind", ZoneKind), ("market", TargetMarket), ("status", ZoneStatus)):
        try:
            value = _choice(enum_cls, name)
        except KeyError:
            if strict:
                raise
            value = None
        if name == "status" and value is not None and value not in PUBLIC_STATUSES:
            if strict:
                raise KeyError(name)
            value = None
        values[name] = value
    return ZoneQuery(
        text=(request.args.get("q") or "")[:100],
        code=(request.args.get("code") or "")[:40],
        province=(request.args.get("province") or "")[:100],
        **values,
    )


def _per_page(sizes: tuple[int, int]) -> int:
    raw = request.args.get("per_page")
    return min(page_number(raw), sizes[1]) if raw else sizes[0]


def _bad_filter(name: str) -> Response:
    message = _("Unknown value of the %(name)s filter.", name=name)
    body = envelope(400, "Bad Request", message, {"query": {name: [message]}})
    response = make_response(json.dumps(body, ensure_ascii=False), 400)
    response.mimetype = "application/json"
    return _finish(response, vary_lang=False)


def _absolute(path: str) -> str:
    # The service's public address, as printed in QR codes, whatever host was asked.
    return current_app.config["TRACEAPP_PUBLIC_BASE_URL"].rstrip("/") + path


def _next_url(endpoint: str, page: int, per_page: int, total: int) -> str | None:
    if page * per_page >= total:
        return None
    args: dict[str, Any] = {k: v for k, v in request.args.items() if k not in ("page", "lang")}
    return _absolute(url_for(endpoint, **args, page=page + 1))


@bp.route("/")
def index() -> Any:
    """The register's front page: find a code, or a cooperative by name or province."""
    text = (request.args.get("q") or "")[:100]
    page = page_number(request.args.get("page"))
    rows, total = services.cooperatives(text, page, PAGE_SIZE)
    return _page(
        "registry/index.html",
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        q=text,
        **_options(),
    )


@bp.route("/zones")
def zones() -> Any:
    """The zone-code register: look a code up, or browse by province, kind, market, status."""
    query = _query(strict=False)
    if query.text and not request.args.get("page"):
        code = codes.exact_code(query.text)
        if code is not None:
            # A code typed in full opens its page: that is what the reader came for.
            return _finish(make_response(redirect(url_for("registry.zone", code=code))))
    page = page_number(request.args.get("page"))
    found, total = codes.search_zones(query, local_today(), page, PAGE_SIZE)
    return _page(
        "registry/zones.html",
        found=found,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        query=query,
        today=local_today(),
        **_options(),
    )


@bp.route("/zones/<path:code>")
def zone(code: str) -> Any:
    """One code's page; 404 when the register does not hold it (never issued, or an application)."""
    detail = codes.zone_detail(code, local_today(), select_locale())
    if detail is None:
        return _not_found()
    return _page("registry/zone.html", d=detail, z=detail.zone, today=local_today())


@bp.route("/zones.json")
def zones_json() -> Any:
    """The register as JSON, with the HTML page's filters (plus ``code=``), page by page."""
    try:
        query = _query(strict=True)
    except KeyError as exc:
        return _bad_filter(str(exc.args[0]))
    today = local_today()
    page, per_page = page_number(request.args.get("page")), _per_page(JSON_PAGE)
    found, total = codes.search_zones(query, today, page, per_page)
    body = {
        "status_on": today.isoformat(),
        "total": total,
        "page": page,
        "per_page": per_page,
        "next": _next_url("registry.zones_json", page, per_page, total),
        "zones": [
            codes.zone_record(z) | {"url": _absolute(url_for("registry.zone", code=z.code))}
            for z in found
        ],
    }
    response = make_response(json.dumps(body, ensure_ascii=False))
    response.mimetype = "application/json"
    return _finish(response, vary_lang=False)


@bp.route("/zones.csv")
def zones_csv() -> Any:
    """The register as CSV (formula-safe cells); a ``Link: rel="next"`` header names the rest."""
    try:
        query = _query(strict=True)
    except KeyError as exc:
        return _bad_filter(str(exc.args[0]))
    today = local_today()
    page, per_page = page_number(request.args.get("page")), _per_page(CSV_PAGE)
    found, total = codes.search_zones(query, today, page, per_page)
    response = make_response(codes.zones_csv(found, today))
    response.mimetype = "text/csv"  # Flask adds "; charset=utf-8" to a text type
    response.headers["Content-Disposition"] = (
        f'attachment; filename="zone-codes-{today.isoformat()}.csv"'
    )
    response.headers["X-Total-Count"] = str(total)
    following = _next_url("registry.zones_csv", page, per_page, total)
    if following:
        response.headers["Link"] = f'<{following}>; rel="next"'
    return _finish(response, vary_lang=False)


@bp.route("/cooperatives/<int:cooperative_id>")
def cooperative(cooperative_id: int) -> Any:
    """A cooperative's page: who they are, their marks, current products, issued codes."""
    page = services.cooperative_page(cooperative_id, select_locale(), local_today())
    if page is None:
        return _not_found()
    return _page("registry/cooperative.html", coop=page, today=local_today())


@bp.route("/marks/<int:mark_id>")
def mark(mark_id: int) -> Any:
    """A collective mark's page: its rules of use and the products that may carry it today."""
    page = services.mark_page(mark_id, select_locale(), local_today())
    if page is None:
        return _not_found()
    return _page("registry/mark.html", m=page, today=local_today())
