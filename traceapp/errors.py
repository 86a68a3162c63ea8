"""Domain exceptions and the error handlers: one JSON envelope for /api/*, HTML pages otherwise."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A request that breaks a business rule; nothing of the unit of work is kept."""

    status_code = 400

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


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

    def __init__(self, message: str = "Not found.") -> None:
        super().__init__(message)


class Forbidden(DomainError):
    """The actor may see the object but not do this to it."""

    status_code = 403

    def __init__(self, message: str = "You are not allowed to do this.") -> None:
        super().__init__(message)


class Conflict(DomainError):
    """The request collides with the current state (a duplicate, a wrong status)."""

    status_code = 409


def wants_json() -> bool:
    """API paths and clients that ask for JSON get the JSON envelope."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes[
        "text/html"
    ]


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
        errors = {"json": exc.errors} if exc.errors else None
        return jsonify(envelope(code, _http_status_name(code), exc.message, errors)), code
    return render_template("error.html", code=code, message=exc.message, errors=exc.errors), code


def handle_http_exception(exc: HTTPException) -> Any:
    """Render Werkzeug's HTTP errors (404, 405, 413, 429, ...) for the API or a browser."""
    code = exc.code or 500
    if isinstance(exc, InternalServerError) and exc.original_exception is not None:
        log.error("unhandled error on %s %s", request.method, request.path,
                  exc_info=exc.original_exception)
    data = getattr(exc, "data", None) or {}
    message = data.get("message") or exc.description or exc.name
    if code >= 500:
        message = "Something went wrong on our side; it has been logged."
    if wants_json():
        errors = data.get("errors") or data.get("messages")
        response = jsonify(envelope(code, exc.name, message, errors))
        for key, value in (data.get("headers") or {}).items():
            response.headers[key] = value
        if code == 405 and exc.get_response().headers.get("Allow"):
            response.headers["Allow"] = exc.get_response().headers["Allow"]
        return response, code
    return render_template("error.html", code=code, message=message, errors={}), code


def register_errorhandlers(app: Flask) -> None:
    """Install the handlers; flask-smorest's own HTTP handler is replaced by ours."""
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_exception)
