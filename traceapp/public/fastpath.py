"""The scan fast path: a shopper's scan of a label whose page is already rendered is answered
here, in front of Flask, with the very same page, headers and scan logging.

Everything it does not know by heart goes to Flask: a page not yet in the caches, a linkType
or linkset request, other query parameters, an old host name, the rate limit's refusal, an
error. Flask's request machinery (routing, hooks, the session, the extensions) cost more than
the rest of the page did on this, the busiest route; tests check that both paths answer
alike.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, unquote

from flask.globals import _cv_app
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import dump_cookie, http_date, parse_accept_header, parse_cookie

from traceapp.core.unit_of_work import database_unavailable
from traceapp.extensions import db
from traceapp.i18n import LANG_COOKIE, choose_language
from traceapp.public import services
from traceapp.public.linkset import (
    PAGE_PREFIX,
    asks_for_html,
    cors_headers,
    dl_path,
    wants_linkset,
)
from traceapp.public.resolver import BadPath, parse_digital_link, valid_serial
from traceapp.public.views import (
    LINKSET_TYPE,
    PUBLIC_CSP,
    RESOLVER_VARY,
    public_limiter,
    scan_page,
)
from traceapp.web import SECURITY_HEADERS

log = logging.getLogger(__name__)

YEAR = 365 * 86400
_STATUS = {code: f"{code} {HTTPStatus(code).phrase}" for code in (200, 404)}


class ScanFastPath:
    """WSGI middleware answering cached scan pages; everything else goes to ``wsgi_app``."""

    def __init__(self, app: Any, wsgi_app: Any) -> None:
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        answer = None
        if environ.get("REQUEST_METHOD") == "GET" and self.app.config.get(
            "TRACEAPP_SCAN_FAST_PATH", True
        ):
            try:
                answer = self._answer(environ)
            except Exception as exc:  # noqa: BLE001 - Flask answers it, and logs what it finds
                if not database_unavailable(exc):  # an outage: Flask's 503 says it in one line
                    log.exception("scan fast path failed; handing the request to Flask")
                answer = None
        if answer is None:
            return self.wsgi_app(environ, start_response)
        status, headers, body = answer
        start_response(status, headers)
        return [body]

    def _target(self, environ: dict[str, Any]) -> tuple[str, str | None, str | None] | None:
        raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
        path = raw.split("?", 1)[0] if raw else environ.get("PATH_INFO", "")
        if path.startswith("/l/"):
            serial = unquote(path[3:])
            return (serial, None, None) if "/" not in serial and valid_serial(serial) else None
        if path.startswith("/p/01/"):
            path = path[2:]  # the resolver's default link: the page itself
        elif path.startswith("/01/") and not _asks_for_html(environ):
            return None  # the GS1 resolver's redirect or linkset: Flask answers it
        if path.startswith("/01/") and "/21/" in path:
            try:
                res = parse_digital_link(path)
            except BadPath:
                return None  # Flask answers 400
            # "/21/" may be a CPV or a lot ("/22/21/"): only a parsed serial is a label scan.
            if not res.serial:
                return None
            environ["traceapp.page_path"] = dl_path(res.gtin, res.lot, res.serial)
            return res.serial, res.gtin, res.lot
        return None

    def _answer(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes] | None:
        target = self._target(environ)
        if target is None:
            return None
        raw_query = environ.get("QUERY_STRING")
        query = parse_qs(raw_query, keep_blank_values=True) if raw_query else {}
        if set(query) - {"lang"}:
            return None
        config = self.app.config
        host = (environ.get("HTTP_HOST") or "").split(":")[0].lower()
        if host in (config.get("TRACEAPP_LEGACY_HOSTS") or []):
            return None
        serial, gtin, lot = target
        langs = list(config["TRACEAPP_LANGUAGES"])
        asked = (query.get("lang") or [""])[0].strip().lower()
        cookies = _cookies(environ.get("HTTP_COOKIE", ""))
        lang = choose_language(
            asked,
            cookies.get(LANG_COOKIE),
            environ.get("HTTP_ACCEPT_LANGUAGE"),
            langs,
            config["BABEL_DEFAULT_LOCALE"],
        )
        address = environ.get("REMOTE_ADDR") or ""
        with _app_context(self.app):
            allowed = public_limiter.allow(address)
            # Flask must not count this request again if it ends up answering it.
            environ["traceapp.public_limit"] = allowed
            if not allowed:
                return None  # Flask renders the 429 page
            scan = services.resolve_scan(
                serial,
                address=address,
                user_agent=environ.get("HTTP_USER_AGENT"),
                lang=lang,
                expected_gtin=gtin,
                expected_lot=lot,
            )
            try:
                answer = scan_page(scan, serial, gtin, lot, lang, render=False)
            except BaseException:
                scan.hot.close()
                raise
            if answer is None:
                scan.hot.close()
                return None
            services.log_scan(scan)
            if db.session.registry.has():
                # A test's borrowed connection: commit its savepoint, as Flask's unit of
                # work would (in production no session is ever made here).
                db.session.commit()
        return self._response(environ, answer, lang if asked in langs else None)

    def _response(
        self, environ: dict[str, Any], answer: Any, set_lang: str | None
    ) -> tuple[str, list[tuple[str, str]], bytes]:
        body = answer.html.encode()
        secure = environ.get("wsgi.url_scheme") == "https"
        headers = [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Content-Security-Policy", PUBLIC_CSP),
            ("Cache-Control", answer.cache),
            ("Vary", "Accept-Language, Cookie"),
        ]
        path = environ.get("PATH_INFO", "")
        if path.startswith("/01/"):
            # As views._resolve answers a browser: the default link's page, in place.
            headers[-1] = ("Vary", RESOLVER_VARY)
            page = self.app.config["TRACEAPP_PUBLIC_BASE_URL"] + PAGE_PREFIX
            headers.append(("Content-Location", page + environ["traceapp.page_path"]))
        if path.startswith(("/01/", "/p/01/")):
            headers.extend(cors_headers().items())
        if answer.last_modified is not None:
            headers.append(("Last-Modified", _http_date(answer.last_modified)))
        if answer.anchor:
            headers.append(
                (
                    "Link",
                    f'<{answer.anchor}?linkType=linkset>; rel="linkset"; type="{LINKSET_TYPE}"',
                )
            )
        headers.extend(SECURITY_HEADERS)
        if secure:
            headers.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
        if set_lang:
            headers.append(
                (
                    "Set-Cookie",
                    dump_cookie(
                        LANG_COOKIE,
                        set_lang,
                        max_age=YEAR,
                        samesite="Lax",
                        secure=secure,
                        httponly=True,
                    ),
                )
            )
        status = _STATUS.get(answer.status) or f"{answer.status} {HTTPStatus(answer.status).phrase}"
        return status, headers, body


class _Contexts(threading.local):
    context: Any = None


_contexts = _Contexts()


@contextmanager
def _app_context(app: Any) -> Iterator[None]:
    """The application context for one answer: this thread's own, made once and made current
    for the answer, with a fresh ``g``. Making a new one per request (its URL adapter, the
    teardown hooks, the signals) took about 7% of the answer's time. The only teardown hook is
    Flask-SQLAlchemy's, which ends a session: it is called here when one was made (tests)."""
    context = _contexts.context
    if context is None or context.app is not app:
        context = _contexts.context = app.app_context()
    context.g = app.app_ctx_globals_class()
    token = _cv_app.set(context)
    try:
        yield
    finally:
        try:
            if db.session.registry.has():
                db.session.remove()
        finally:
            _cv_app.reset(token)


@lru_cache(maxsize=1024)
def _http_date(when: Any) -> str:
    # A lot's page keeps its Last-Modified for many scans: formatted once.
    return http_date(when)


def _cookies(header: str) -> dict[str, str]:
    return dict(parse_cookie(header)) if header else {}


def _asks_for_html(environ: dict[str, Any]) -> bool:
    # The same test as views._resolve: a browser names HTML and asks for no JSON.
    accept = parse_accept_header(environ.get("HTTP_ACCEPT"), MIMEAccept)
    return asks_for_html(accept) and not wants_linkset(accept)
