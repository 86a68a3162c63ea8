"""What the OpenAPI document says about every operation beyond its schemas: a stable
``operationId``, each error status it can answer with (in the one error envelope), and the
headers that come with them.

Statuses every operation shares are added here, by rule, so a new operation cannot forget
them: 401 (no or a bad token), 414 (an address too long for the HTTP server), 429 (rate
limit, with Retry-After) and 503 (database outage, with Retry-After); 404 where the path names
an object; 400 and 413 where a body is sent, 422 where a body or query is read. What depends
on the operation (403, 409, 202 ...) is declared beside it with :func:`documented`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from apispec import APISpec, BasePlugin
from apispec.ext.marshmallow import MarshmallowPlugin
from flask_smorest import Blueprint
from marshmallow import fields as ma_fields

#: The error envelope of every non-2xx answer (see ``traceapp.errors.envelope``).
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["code", "status", "message"],
    "properties": {
        "code": {"type": "integer", "description": "The HTTP status, again"},
        "status": {"type": "string", "description": "The HTTP reason phrase, in English"},
        "message": {"type": "string", "description": "What went wrong, in the caller's language"},
        "errors": {
            "type": "object",
            "description": "Messages by location (json, query, files, path), then by field",
            "additionalProperties": True,
        },
    },
}

HEADERS: dict[str, dict[str, Any]] = {
    "Retry-After": {
        "description": "Seconds to wait before trying again",
        "schema": {"type": "integer", "minimum": 0},
    },
    "WWW-Authenticate": {
        "description": "The authentication scheme the API expects (Bearer)",
        "schema": {"type": "string"},
    },
    "Location": {
        "description": "Where to follow the job's progress (GET /render-jobs/{job_id})",
        "schema": {"type": "string"},
    },
    "X-Pagination": {
        "description": "The listing's pages, as a JSON object: total, total_pages, first_page, "
        "last_page, page, and previous_page/next_page where there is one; next_after, the "
        "cursor of the next page (pass it as ?after=), when rows follow. Past 10,000 rows the "
        'total is not counted: "more": true stands for total, total_pages and last_page. '
        "After a cursor the page number is not known and is left out.",
        "schema": {"type": "string"},
        "example": '{"total": 25, "total_pages": 3, "first_page": 1, "last_page": 3, "page": 1, '
        '"next_page": 2, "next_after": 1234}',
    },
    "Link": {
        "description": 'The next page (RFC 8288, rel="next"): this request with ?after= the '
        "last row's cursor; absent on the last page",
        "schema": {"type": "string"},
        "example": '<https://trace.example.vn/api/v1/zones?page_size=25&after=1234>; rel="next"',
    },
    "Content-Disposition": {
        "description": "The file's name, for saving it",
        "schema": {"type": "string"},
    },
}

#: Error responses: component name, status, description, headers sent with it.
ERROR_RESPONSES: dict[int, tuple[str, str, tuple[str, ...]]] = {
    400: ("BadRequest", "The body is not valid JSON (or not readable at all)", ()),
    401: (
        "Unauthorized",
        "No API token, or one unknown, revoked or expired",
        ("WWW-Authenticate",),
    ),
    403: ("Forbidden", "The caller's role may not do this", ()),
    404: ("NotFound", "No such object in the caller's scope (missing and foreign look alike)", ()),
    409: ("Conflict", "Refused in the object's current state (status, duplicate, balance)", ()),
    413: ("PayloadTooLarge", "The request, or an upload in it, is over a size limit", ()),
    414: ("UriTooLong", "The address is over the server's limit (4094 bytes): not JSON", ()),
    422: ("UnprocessableEntity", "Input that cannot be accepted; ``errors`` names each field", ()),
    429: ("TooManyRequests", "Over the API's rate limit for this token", ("Retry-After",)),
    503: ("ServiceUnavailable", "The database cannot be reached for a moment", ("Retry-After",)),
}
#: Statuses documented on every operation.
ALWAYS = (401, 414, 429, 503)
#: Answered by the HTTP server (gunicorn) before the app sees the request: no envelope.
NO_ENVELOPE = {414}
WRITE_METHODS = {"post", "put", "patch", "delete"}
METHODS = WRITE_METHODS | {"get", "head", "options"}


def documented(
    operation_id: str,
    *statuses: int,
    media: str | tuple[str, ...] | None = None,
    body: dict[str, Any] | None = None,
    attachment: bool = False,
    **doc: Any,
) -> Callable[[Any], Any]:
    """The operation's ``operationId`` and the statuses it answers with beyond the shared ones
    (403, 409, 413 ...). ``media`` is the type of a 200 that is not the default JSON (a file,
    a JSON-LD or GeoJSON document), described by ``body`` (a file of bytes by default);
    ``attachment`` says it comes with a Content-Disposition to save it under. More OpenAPI
    fields may be given as keywords."""
    for status in statuses:
        if status not in ERROR_RESPONSES:
            raise ValueError(f"no error response for {status}: add it to ERROR_RESPONSES")
    responses: dict[str, Any] = {str(s): ERROR_RESPONSES[s][0] for s in statuses}
    if media is not None:
        schema = body or {"type": "string", "format": "binary"}
        types = (media,) if isinstance(media, str) else media
        ok: dict[str, Any] = {
            "description": "OK",
            "content": {t: {"schema": schema} for t in types},
        }
        if attachment:
            ok["headers"] = {
                "Content-Disposition": {"$ref": "#/components/headers/Content-Disposition"},
            }
        responses["200"] = ok
    if "responses" in doc:
        responses.update(doc.pop("responses"))
    return Blueprint.doc(operationId=operation_id, responses=responses, **doc)


#: A text file (CSV, KML, ZPL, SVG).
TEXT: dict[str, Any] = {"type": "string"}
#: A JSON document described elsewhere (EPCIS 2.0, GeoJSON): an object.
JSON_DOCUMENT: dict[str, Any] = {"type": "object", "additionalProperties": True}


class ErrorResponsesPlugin(BasePlugin):
    """Adds the shared error responses and their headers to every operation."""

    def init_spec(self, spec: APISpec) -> None:
        """Register the envelope, the headers and one response per error status."""
        super().init_spec(spec)
        spec.components.schema("ErrorEnvelope", ERROR_SCHEMA)
        for name, header in HEADERS.items():
            spec.components.header(name, header)
        for status, (name, description, headers) in ERROR_RESPONSES.items():
            response: dict[str, Any] = {"description": description}
            if status not in NO_ENVELOPE:
                response["content"] = {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}
                }
            if headers:
                response["headers"] = {h: {"$ref": f"#/components/headers/{h}"} for h in headers}
            spec.components.response(name, response)

    def operation_helper(
        self, path: str | None = None, operations: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        """Complete each operation's responses by the rules in the module docstring."""
        for method, operation in (operations or {}).items():
            if method not in METHODS:
                continue
            responses = {str(k): v for k, v in operation.get("responses", {}).items()}
            responses.pop("default", None)
            wanted = set(ALWAYS)
            wanted.update(int(code) for code in responses if str(code) in _ERROR_CODES)
            if path and "{" in path:
                wanted.add(404)
            reads_input = "requestBody" in operation or any(
                isinstance(p, dict) and p.get("in") == "query"
                for p in operation.get("parameters", [])
            )
            if method in WRITE_METHODS and "requestBody" in operation:
                wanted.update({400, 413})
            if reads_input or "422" in responses:
                wanted.add(422)
            for response in responses.values():
                # flask-smorest describes its JSON header as an object; on the wire it is text.
                if isinstance(response, dict) and "X-Pagination" in response.get("headers", {}):
                    response["headers"]["X-Pagination"] = {
                        "$ref": "#/components/headers/X-Pagination"
                    }
                    response["headers"]["Link"] = {"$ref": "#/components/headers/Link"}
            for status in sorted(wanted):
                responses[str(status)] = ERROR_RESPONSES[status][0]
            operation["responses"] = dict(sorted(responses.items()))


_ERROR_CODES = {str(code) for code in ERROR_RESPONSES}


#: A decimal as the API writes it: digits, a point and more digits, never an exponent.
DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"


def field_properties(
    _converter: Any, field: Any, ret: dict[str, Any], **_kw: Any
) -> dict[str, Any]:
    """What apispec does not say of a marshmallow field on its own: a decimal written as a
    string is a string, and an optional or server-set value is null when there is none."""
    extra: dict[str, Any] = {}
    if isinstance(field, ma_fields.Decimal) and field.as_string:
        extra.update({"type": "string", "format": "decimal", "pattern": DECIMAL_PATTERN})
    # Optional fields (every output field is one) are null when the record has no value;
    # only the record's own id is always there.
    if "$ref" not in ret and "allOf" not in ret and not field.required and field.name != "id":
        extra["nullable"] = True
    return extra


def register_field_properties(plugin: MarshmallowPlugin) -> None:
    """Install :func:`field_properties` in the spec's marshmallow converter."""
    assert plugin.converter is not None
    plugin.converter.add_attribute_function(field_properties)
