"""Shared web plumbing: request hooks, units of work, pagination and safe redirects."""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask, current_app, g, request

from traceapp.core.inputs import (
    NOT_TEXT_MESSAGE,
    NOT_TEXT_SUMMARY,
    first_not_text,
    id_or_none,
    is_text,
    json_too_deep,
    page_number,
    printable_name,
    too_deep_message,
)
from traceapp.core.paging import PAGE_KEYS, Page, keyset_paginate, paginate  # noqa: F401 - re-exported
from traceapp.core.unit_of_work import run_unit_of_work
from traceapp.database import _sqlite_begin
from traceapp.errors import DomainError, ValidationFailed, wants_json
from traceapp.extensions import csrf, db
from traceapp.i18n import LANG_COOKIE

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        "style-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def writes(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a GET view that writes, so SQLite takes the write lock at BEGIN."""
    view._traceapp_writes = True  # type: ignore[attr-defined]
    return view


def keeps_writes(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view whose writes stand whatever its status (a 404 scan is still logged).

    Such a view reads first and switches to writing itself, with
    ``database.start_write_transaction`` (the public scan page does).
    """
    view._traceapp_keeps_writes = True  # type: ignore[attr-defined]
    return view


class _SessionIfUsed:
    """The request's session, committed or rolled back only if the view used it (a view that
    never touched the database opens no session for nothing)."""

    def commit(self) -> None:
        if db.session.registry.has():
            db.session.commit()

    def rollback(self) -> None:
        if db.session.registry.has():
            db.session.rollback()


def unit_of_work(view: Callable[..., Any]) -> Callable[..., Any]:
    """Run a view as one unit of work: commit on success, roll back on error, retry on conflict.

    A response with status 400 or more rolls back whatever the view flushed, so a refused
    request never leaves half its writes behind.
    """
    marked_writer = getattr(view, "_traceapp_writes", False)
    keep = getattr(view, "_traceapp_keeps_writes", False)

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if marked_writer:
            # A read-mostly request that writes takes the write lock from the start.
            _sqlite_begin.set("IMMEDIATE")

        def again() -> None:
            # A retried request writes: it takes the write lock from the start, and reads
            # its uploads from their beginning.
            log.warning("request %s %s retried", request.method, request.path)
            _sqlite_begin.set("IMMEDIATE")
            for f in request.files.values():
                f.stream.seek(0)

        def keep_writes(response: Any) -> bool:
            return response.status_code < 400 or keep

        return run_unit_of_work(
            _SessionIfUsed(),
            lambda: current_app.make_response(view(*args, **kwargs)),
            attempts=current_app.config["TRACEAPP_DB_RETRIES"],
            on_retry=again,
            keep=keep_writes,
        )

    return wrapper


SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)


def _security_headers(response: Any) -> Any:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    # setdefault: a page may widen one (the zone map asks for geolocation and its tiles).
    for name, value in SECURITY_HEADERS:
        headers.setdefault(name, value)
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    lang = g.get("set_lang_cookie")
    if lang:
        response.set_cookie(
            LANG_COOKIE,
            lang,
            max_age=365 * 86400,
            samesite="Lax",
            secure=request.is_secure,
            httponly=True,
        )
    return response


def _csrf_for_browsers() -> None:
    if request.method in SAFE_METHODS or request.path.startswith("/api/"):
        return
    csrf.protect()


def _choose_begin_mode() -> None:
    # Reads begin DEFERRED so they never queue behind SQLite's single writer; anything that
    # may write begins IMMEDIATE. PostgreSQL ignores this.
    view = current_app.view_functions.get(request.endpoint or "")
    writer = request.method not in SAFE_METHODS or getattr(view, "_traceapp_writes", False)
    g.begin_mode_token = _sqlite_begin.set("IMMEDIATE" if writer else "DEFERRED")


def _reset_begin_mode(_exc: BaseException | None) -> None:
    token = g.pop("begin_mode_token", None)
    if token is not None:
        _sqlite_begin.reset(token)


_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
#: A JSON escape of NUL or of a surrogate (U+D800 to U+DFFF).
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")


def _first_not_text(where: str, pairs: Any) -> tuple[str, str, str] | None:
    for name, value in pairs:
        if not is_text(name) or (isinstance(value, str) and not is_text(value)):
            return where, printable_name(name), str(NOT_TEXT_MESSAGE)
    return None


#: API views that read their (possibly large) body as a stream and check it themselves
#: (nesting and text), so the edge does not hold it in memory first.
STREAMED_BODIES = {"api_batches.epcis_import", "api_zone_imports.import_zones"}


def unreadable_input() -> tuple[str, str, str] | None:
    """(where, field, why) of the first input of the request that no column stores or no
    parser survives: a NUL or an unpaired surrogate in a path part, a query argument, a form
    field, a file name or a JSON string; an API body nested too deep."""
    problem = _first_not_text("path", (request.view_args or {}).items()) or _first_not_text(
        "query", request.args.items(multi=True)
    )
    if problem or request.method in SAFE_METHODS:
        return problem
    if request.mimetype in _FORM_TYPES:
        files = ((name, f.filename or "") for name, f in request.files.items(multi=True))
        return _first_not_text("form", request.form.items(multi=True)) or _first_not_text(
            "files", files
        )
    if not request.path.startswith("/api/"):
        return None  # no browser page reads a body other than a form
    if request.endpoint in STREAMED_BODIES:
        return None  # read as a stream by the view, which makes the same checks
    body = request.get_data(cache=True)
    if json_too_deep(body):
        return "json", "_schema", too_deep_message()
    # Decoded JSON holds a NUL or a surrogate only through an escape (\u0000, \ud800), a
    # raw NUL or 0xED byte (a surrogate in UTF-8), or as UTF-16/32, whose bytes hold NULs:
    # any other body is spared a second parse.
    if b"\x00" not in body and b"\xed" not in body and not _SUSPECT_ESCAPE.search(body):
        return None
    try:
        doc = json.loads(body)
    except ValueError:
        return None  # not JSON: the view refuses it with the parser's own message
    path = first_not_text(doc)
    if path is None:
        return None
    return "json", path or "_schema", str(NOT_TEXT_MESSAGE)


def _refuse_unreadable_input() -> None:
    # Once for every view, before any of them reads its input: PostgreSQL refuses NUL in
    # text (a 500 at the first query), and Python's JSON parser dies of recursion on deep
    # nesting. A browser gets a 400 page naming the field, an API client the 422 envelope.
    problem = unreadable_input()
    if problem is None:
        return
    where, field, why = problem
    summary = why if field == "_schema" else str(NOT_TEXT_SUMMARY)
    if wants_json():
        raise ValidationFailed(summary, {field: [why]}, location=where)
    raise DomainError(summary, {field: [why]}, location=where)


def install_request_hooks(app: Flask) -> None:
    """Security headers on every response, CSRF on browser forms, input that is text only, a
    unit of work per view."""
    app.before_request_funcs.setdefault(None, []).insert(0, _choose_begin_mode)
    app.teardown_request(_reset_begin_mode)
    app.before_request(_csrf_for_browsers)
    app.before_request(_refuse_unreadable_input)
    app.after_request(_security_headers)
    for endpoint, view in list(app.view_functions.items()):
        if endpoint != "static":
            app.view_functions[endpoint] = unit_of_work(view)


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go back to after login; anything pointing elsewhere becomes ``default``."""
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def keyset_page(
    stmt: sa.Select[Any],
    order: list[tuple[Any, bool]],
    per_page: int = 25,
    *,
    scalars: bool = True,
) -> Page:
    """One page of a listing by keyset, from the request's ``after``, ``before``, ``last``
    and ``page`` (see :func:`traceapp.core.paging.keyset_paginate`)."""
    return keyset_paginate(
        stmt,
        order,
        after=id_or_none(request.args.get("after")),
        before=id_or_none(request.args.get("before")),
        last=request.args.get("last") == "1",
        page=page_arg(),
        per_page=per_page,
        scalars=scalars,
    )


def page_arg() -> int:
    """The ?page= number, 1 when absent or nonsense."""
    return page_number(request.args.get("page"))


def form_failed(form: Any, exc: Any) -> None:
    """A service refused the form: undo its flushes, show errors on fields, flash the rest."""
    from flask import flash

    db.session.rollback()
    loose = apply_errors(form, exc.errors)
    if not exc.errors:
        loose = [exc.message]
    for message in loose:
        flash(message, "error")


def apply_errors(form: Any, errors: dict[str, list[str]]) -> list[str]:
    """Attach service errors to the form's fields; return those that match no field."""
    loose: list[str] = []
    for name, messages in errors.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors or []) + list(messages)
        else:
            loose.extend(messages)
    return loose


#: Main navigation: (endpoint, label, who sees it). Domain packages append to it.
NAV_ITEMS: list[tuple[str, Any, Callable[[Any], bool]]] = []


def nav_item(endpoint: str, label: Any, visible: Callable[[Any], bool]) -> None:
    """Add an entry to the main navigation."""
    NAV_ITEMS.append((endpoint, label, visible))


class _Endpoints:
    """``'endpoint' in url_rules`` in templates: whether a route exists (optional packages)."""

    def __init__(self, app: Flask) -> None:
        self._app = app

    def __contains__(self, endpoint: object) -> bool:
        return endpoint in self._app.view_functions


def install_template_helpers(app: Flask) -> None:
    """Functions and filters every template may use."""
    from flask_babel import get_locale
    from flask_babel import lazy_gettext as _l
    from flask_login import current_user

    from traceapp.i18n import LANGUAGE_NAMES, supported

    def _nav() -> list[tuple[str, Any]]:
        return [
            (e, label)
            for e, label, visible in NAV_ITEMS
            if e in app.view_functions and visible(current_user)
        ]

    from traceapp.units import fmt

    status_labels = {
        "open": _l("open"),
        "closed": _l("closed"),
        "recalled": _l("recalled"),
    }

    app.jinja_env.globals.update(
        lot_status=lambda value: status_labels.get(value, value),
        fmt_qty=fmt,
        url_rules=_Endpoints(app),
        nav_items=_nav,
        languages=lambda: [(c, LANGUAGE_NAMES.get(c, c)) for c in supported()],
        current_locale=lambda: str(get_locale() or app.config["BABEL_DEFAULT_LOCALE"]),
    )
    app.jinja_env.filters["reject_page"] = lambda d: {
        k: v for k, v in d.items() if k not in PAGE_KEYS
    }


def options(pairs: Any) -> list[Any]:
    """Choices for a WTForms SelectField from (value, label) pairs."""
    from wtforms import SelectChoice

    return [SelectChoice(value, label) for value, label in pairs]
