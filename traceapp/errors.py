"""Domain exceptions and the error handlers: one JSON envelope for /api/*, HTML pages otherwise."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, TooManyRequests

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A request that breaks a business rule; nothing of the unit of work is kept."""

    status_code = 400

    def __init__(
        self, message: str, errors: dict[str, list[str]] | None = None, *, location: str = "json"
    ) -> None:
        message = str(message)  # a lazy string is settled in the language of the moment
        super().__init__(message)
        self.message = message
        self.errors = errors or {}
        #: Where the API's envelope files the errors: json (the body), query, form, files, path.
        self.location = location


class ValidationFailed(DomainError):
    """Input that cannot be accepted; ``errors`` maps each field to its messages."""

    status_code = 422

    @classmethod
    def field(cls, field: str, message: str) -> ValidationFailed:
        """One message for one field, which is also the overall message."""
        return cls(message, {field: [message]})


class NotFound(DomainError):
    """Absent, or belonging to another tenant: the two are indistinguishable on purpose."""

    status_code = 404

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or _("Not found."))


class Forbidden(DomainError):
    """The actor may see the object but not do this to it."""

    status_code = 403

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or _("You are not allowed to do this."))


class Conflict(DomainError):
    """The request collides with the current state (a duplicate, a wrong status)."""

    status_code = 409


#: The heading of an error page, by HTTP status (other codes read "This cannot be done").
ERROR_TITLES = {
    403: _l("Not allowed"),
    404: _l("Not found"),
    413: _l("Too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong"),
    503: _l("Temporarily unavailable"),
}
#: What the common HTTP errors mean for the reader, replacing Werkzeug's English descriptions.
ERROR_EXPLANATIONS = {
    400: _l("The request could not be understood. Go back, check what you entered and try again."),
    401: _l("You need to sign in first."),
    403: _l("You are not allowed to see this page or to do this."),
    404: _l(
        "There is nothing at this address. Check the link, or start again from the start page."
    ),
    405: _l("This address does not accept this kind of request."),
    409: _l("This clashes with the current state of the data. Reload the page and try again."),
    413: _l("What you sent is too large. Send a smaller file."),
    422: _l("What you sent could not be accepted. Correct it and try again."),
    429: _l("Too many requests in a short time. Wait a moment and try again."),
    500: _l("Something went wrong on our side; it has been logged."),
    503: _l("The service is unavailable for a moment. Try again in a few minutes."),
}
#: Flask-WTF's reasons are English and technical; the reader is told what to do instead.
CSRF_MESSAGE = _l("The form expired or was sent twice; reload the page and try again.")


def error_title(code: int) -> str:
    """The translated heading of the error page for an HTTP status."""
    if code >= 500 and code not in ERROR_TITLES:
        code = 500
    return str(ERROR_TITLES.get(code) or _("This cannot be done"))


def wants_json() -> bool:
    """API paths and clients that ask for JSON get the JSON envelope."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def envelope(
    code: int, status: str, message: str, errors: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The one error body of the API: {code, status, message, errors}."""
    body: dict[str, Any] = {"code": code, "status": status, "message": message}
    if errors:
        body["errors"] = errors
    return body


def _http_status_name(code: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return "Error"


def handle_domain_error(exc: DomainError) -> Any:
    """Render a domain error for the API or a browser."""
    code = exc.status_code
    if wants_json():
        errors = {exc.location: exc.errors} if exc.errors else None
        return jsonify(envelope(code, _http_status_name(code), exc.message, errors)), code
    return render_template(
        "error.html", code=code, title=error_title(code), message=exc.message, errors=exc.errors
    ), code


def http_error_message(exc: HTTPException) -> str:
    """The reader's explanation of an HTTP error.

    A message or description given on purpose (``abort(404, description=...)``) is kept;
    Werkzeug's stock English descriptions, Flask-Limiter's limit ("10 per 1 minute") and
    Flask-WTF's CSRF reasons are replaced by a translated explanation.
    """
    code = exc.code or 500
    if code >= 500:
        return str(ERROR_EXPLANATIONS[500] if code != 503 else ERROR_EXPLANATIONS[503])
    if isinstance(exc, CSRFError):
        return str(CSRF_MESSAGE)
    data = getattr(exc, "data", None) or {}
    if data.get("message"):
        return str(data["message"])
    limit = getattr(exc, "limit", None)  # Flask-Limiter's, with its own message or none
    if limit is not None and limit.error_message:
        return str(exc.description)
    stock = exc.description is None or exc.description == type(exc).description
    if (stock or isinstance(exc, TooManyRequests)) and code in ERROR_EXPLANATIONS:
        return str(ERROR_EXPLANATIONS[code])
    return str(exc.description or error_title(code))


def handle_http_exception(exc: HTTPException) -> Any:
    """Render Werkzeug's HTTP errors (404, 405, 413, 429, ...) for the API or a browser."""
    code = exc.code or 500
    if isinstance(exc, InternalServerError) and exc.original_exception is not None:
        log.error(
            "unhandled error on %s %s",
            request.method,
            request.path,
            exc_info=exc.original_exception,
        )
    data = getattr(exc, "data", None) or {}
    message = http_error_message(exc)
    if wants_json():
        errors = data.get("errors") or data.get("messages")
        # ``status`` stays the English reason phrase: clients match on it.
        response = jsonify(envelope(code, exc.name, message, errors))
        for key, value in (data.get("headers") or {}).items():
            response.headers[key] = value
        if code == 405 and exc.get_response().headers.get("Allow"):
            response.headers["Allow"] = exc.get_response().headers["Allow"]
        return response, code
    title = _("The form has expired") if isinstance(exc, CSRFError) else error_title(code)
    return render_template("error.html", code=code, title=title, message=message, errors={}), code


#: Seconds a client is asked to wait when the database is unavailable.
RETRY_AFTER_SECONDS = 30


def handle_database_unavailable(exc: Exception) -> Any:
    """503 with Retry-After while the database cannot be reached; any other database error
    goes on to the 500 handler as before."""
    from traceapp.core.unit_of_work import database_unavailable
    from traceapp.extensions import login_manager

    if not database_unavailable(exc):
        raise exc
    log.error(
        "database unavailable on %s %s: %s",
        request.method,
        request.path,
        getattr(exc, "orig", None) or exc,
    )
    code = 503
    message = str(ERROR_EXPLANATIONS[code])
    if wants_json():
        response = jsonify(envelope(code, _http_status_name(code), message))
    else:
        # The page must not ask the database who is signed in (the header and the language
        # choice would): it is rendered for an anonymous reader.
        login_manager._update_request_context_with_user()
        response = make_response(
            render_template(
                "error.html", code=code, title=error_title(code), message=message, errors={}
            )
        )
    response.status_code = code
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


def register_errorhandlers(app: Flask) -> None:
    """Install the handlers; flask-smorest's own HTTP handler is replaced by ours."""
    import sqlite3

    import psycopg
    from sqlalchemy import exc as sa_exc

    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    # SQLAlchemy's wrappers, and the drivers' own errors the scan page's plain connection
    # raises; handle_database_unavailable passes on those that are not an outage.
    for outage in (
        sa_exc.OperationalError,
        sa_exc.InterfaceError,
        sa_exc.TimeoutError,
        sqlite3.OperationalError,
        psycopg.OperationalError,
        psycopg.InterfaceError,
    ):
        app.register_error_handler(outage, handle_database_unavailable)
