"""The scan fast path: a shopper's scan of a label whose page is already rendered is answered
here, in front of Flask, with the very same page, headers and scan logging.

Everything it does not know by heart goes to Flask: a page not yet in the caches, a resolver
redirect or linkset (a /01/ request not from a browser), other query parameters, an old host
name, the rate limit's refusal, an error. Flask's request machinery (routing, hooks, the
session, the extensions) cost more than the rest of the page did on this, the busiest route;
tests check that both paths answer alike.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs

from flask.globals import _cv_app
from werkzeug.http import dump_cookie, parse_cookie

from traceapp.core.unit_of_work import database_unavailable
from traceapp.extensions import db
from traceapp.i18n import LANG_COOKIE, country_language, explicit_language
from traceapp.public.scan.limits import over_limit
from traceapp.public.scan.log import log_scan
from traceapp.public.scan.resolve import resolve_scan, scan_country, use_language
from traceapp.public.scan.response import ScanPage, default_page, page_headers, scan_page
from traceapp.public.scan.route import ScanTarget, is_legacy_host, raw_path, target_in_path
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

    def _answer(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes] | None:
        target = target_in_path(raw_path(environ), environ.get("HTTP_ACCEPT"))
        if target is None:
            return None
        raw_query = environ.get("QUERY_STRING")
        query = parse_qs(raw_query, keep_blank_values=True) if raw_query else {}
        if set(query) - {"lang"}:
            return None
        config = self.app.config
        if is_legacy_host(environ.get("HTTP_HOST"), config.get("TRACEAPP_LEGACY_HOSTS")):
            return None
        langs = list(config["TRACEAPP_LANGUAGES"])
        asked = (query.get("lang") or [""])[0].strip().lower()
        cookies = _cookies(environ.get("HTTP_COOKIE", ""))
        explicit = explicit_language(
            asked, cookies.get(LANG_COOKIE), environ.get("HTTP_ACCEPT_LANGUAGE"), langs
        )
        lang = explicit or config["BABEL_DEFAULT_LOCALE"]
        address = environ.get("REMOTE_ADDR") or ""
        with _app_context(self.app):
            if over_limit(environ, address):
                return None  # Flask renders the 429 page (and does not count it again)
            scan = resolve_scan(
                target.serial,
                address=address,
                user_agent=environ.get("HTTP_USER_AGENT"),
                lang=lang,
                expected_gtin=target.gtin,
                expected_lot=target.lot,
            )
            with scan.conn:
                if explicit is None:
                    # Nothing asked for: the label's country's language.
                    lang = country_language(scan_country(scan), langs, lang)
                    use_language(scan, lang)
                answer = scan_page(scan, target, lang, render=False)
                if answer is None:
                    return None
                log_scan(scan)
            if db.session.registry.has():
                # A test's borrowed connection: commit its savepoint, as Flask's unit of
                # work would (in production no session is ever made here).
                db.session.commit()
        return self._response(environ, answer, target, lang if asked in langs else None)

    def _response(
        self, environ: dict[str, Any], answer: ScanPage, target: ScanTarget, set_lang: str | None
    ) -> tuple[str, list[tuple[str, str]], bytes]:
        body = answer.html.encode()
        path = environ.get("PATH_INFO", "")
        # A browser's /01/ scan is answered with the default link's page in place (as Flask's
        # resolver answers it), which the headers name.
        page = None
        if answer.status == 200 and path.startswith("/01/") and target.gtin:
            page = default_page(target.gtin, target.lot, target.serial, config=self.app.config)
        secure = environ.get("wsgi.url_scheme") == "https"
        headers = [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", str(len(body))),
            *page_headers(
                cache=answer.cache,
                last_modified=answer.last_modified,
                anchor=answer.anchor,
                path=path,
                page=page,
            ),
            *SECURITY_HEADERS,
        ]
        if secure:
            headers.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
        if set_lang:
            cookie = dump_cookie(
                LANG_COOKIE, set_lang, max_age=YEAR, samesite="Lax", secure=secure, httponly=True
            )
            headers.append(("Set-Cookie", cookie))
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


def _cookies(header: str) -> dict[str, str]:
    return dict(parse_cookie(header)) if header else {}
