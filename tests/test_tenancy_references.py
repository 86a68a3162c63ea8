"""An id of cooperative A named in B's request body, form or query is answered like a missing one.

tests/test_tenancy.py walks the ids in URLs; this walks the ids a request carries. Each API
operation's body fields and query parameters ending in ``_id``/``_ids`` (from the OpenAPI
document) and each form field so named must have a :class:`tests.tenancy_objects.Reference`
in its domain's ``tests/<package>/tenancy.py``, or a reason below. Every reference is sent by
B with A's object, then with an id that names nothing: the two answers must be the same
(status and message), and neither may store anything. B's own object, sent last, must be
accepted, so the request is one that would succeed but for the reference.
"""

from __future__ import annotations

import html
import importlib
import importlib.util
import re
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from wtforms import Form as WTForm
from wtforms.fields.core import UnboundField

from tests.conftest import bearer, login
from tests.tenancy_objects import Reference
from traceapp import DOMAIN_PACKAGES
from traceapp.auth.services import create_token
from traceapp.extensions import db

#: An id no object has.
MISSING = 987654321

#: References the walk does not send, with the reason.
EXEMPT = {
    "GET /api/v1/audit object_id": "free text over the caller's own audit records: the same "
    "number is another type's id, so it names no object",
    "MarkForm.cooperative_id": "only administrators get the field (any cooperative is theirs "
    "to choose); for everyone else it is removed and the mark is their own cooperative's",
}

_ERROR_RE = re.compile(r'<small class="error"[^>]*>(.*?)</small>', re.S)
_FLASH_RE = re.compile(r'<p class="flash (\w+)"[^>]*>(.*?)</p>', re.S)


@pytest.fixture
def references(world: Any) -> list[Reference]:
    """Cooperative A's objects (the URL walk's), and every domain's references to them."""
    from tests import tenancy_objects

    return tenancy_objects.references(world, tenancy_objects.build(world))


def _api_references(client: Any) -> set[str]:
    """ "METHOD /path field" of every body field and query parameter that names an id."""
    spec = client.get("/api/v1/openapi.json").json
    schemas = spec["components"]["schemas"]
    found: set[str] = set()

    def walk(schema: dict[str, Any], prefix: str, op: str, seen: tuple[str, ...]) -> None:
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                walk(schemas[name], prefix, op, (*seen, name))
            return
        if schema.get("type") == "array" and "items" in schema:
            walk(schema["items"], f"{prefix}0.", op, seen)
            return
        for key, prop in (schema.get("properties") or {}).items():
            if prop.get("readOnly"):
                continue
            if key.endswith(("_id", "_ids")):
                found.add(f"{op} {prefix}{key}")
            walk(prop, f"{prefix}{key}.", op, seen)

    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            op = f"{method.upper()} {path}"
            for param in operation.get("parameters", []):
                if param.get("in") == "query" and param["name"].endswith(("_id", "_ids")):
                    found.add(f"{op} {param['name']}")
            for content in (operation.get("requestBody") or {}).get("content", {}).values():
                walk(content["schema"], "", op, ())
    return found


def _form_references() -> set[str]:
    """ "FormClass.field" of every form field that names an id (inherited ones included)."""
    found: set[str] = set()
    for name in DOMAIN_PACKAGES:
        module_name = f"traceapp.{name}.forms"
        if importlib.util.find_spec(f"traceapp.{name}") is None:
            continue
        if importlib.util.find_spec(module_name) is None:
            continue
        module = importlib.import_module(module_name)
        for cls in vars(module).values():
            if not (isinstance(cls, type) and issubclass(cls, WTForm)):
                continue
            if cls.__module__ != module_name:
                continue
            for field in dir(cls):
                if field.endswith(("_id", "_ids")) and isinstance(
                    getattr(cls, field), UnboundField
                ):
                    found.add(f"{cls.__name__}.{field}")
    return found


def _counts() -> dict[str, int]:
    """Rows in every table: a refused request leaves them all as they were (a refused request
    still counts towards its caller's rate limit, so the counters are left out)."""
    return {
        table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
        for table in db.metadata.sorted_tables
        if table.name != "rate_limit_counters"
    }


def _without(value: Any, ident: Any) -> Any:
    """A message with the id it was sent replaced: messages may quote the caller's own input."""
    if isinstance(value, str):
        return re.sub(rf"(?<!\d){ident}(?!\d)", "<id>", value)
    if isinstance(value, dict):
        return {k: _without(v, ident) for k, v in value.items()}
    if isinstance(value, list):
        return [_without(v, ident) for v in value]
    return value


def _api_answer(response: Any, ident: Any) -> Any:
    """What an API caller reads: the JSON error envelope with the id masked in its messages,
    or the body as it is."""
    if response.status_code >= 400 and response.is_json:
        body = dict(response.json)
        for key in ("message", "errors"):
            if key in body:
                body[key] = _without(body[key], ident)
        return body
    return response.get_data(as_text=True)


def _messages(page: str) -> list[tuple[str, str]]:
    """Field errors and flashed messages of a page, as (kind, text)."""
    return [("field", html.unescape(m).strip()) for m in _ERROR_RE.findall(page)] + [
        (kind, html.unescape(m).strip()) for kind, m in _FLASH_RE.findall(page)
    ]


def _sender(app: Any, world: Any) -> Callable[[Reference, Any], tuple[int, Any]]:
    """Send a reference with an id: (status, what the caller reads) with the id masked."""
    browser = app.test_client()
    login(browser, world.b.manager.email)
    manager = create_token(world.b.manager, world.b.manager, "b's token")[1]
    auditor = create_token(world.other_auditor, world.other_auditor, "auditor's token")[1]
    api = app.test_client()

    def send(ref: Reference, ident: Any) -> tuple[int, Any]:
        url, body = ref.build(ident)
        if not ref.form:
            token = auditor if ref.auditor else manager
            r = api.open(url, method=ref.method, headers=bearer(token), json=body)
            return r.status_code, _api_answer(r, ident)
        r = browser.form_post(url, body) if ref.method == "POST" else browser.get(url)
        page = r.get_data(as_text=True)
        if r.status_code == 302:  # what was flashed shows on the next page
            page = browser.get(r.headers["Location"]).get_data(as_text=True)
        return r.status_code, [(k, _without(m, ident)) for k, m in _messages(page)]

    return send


def test_every_reference_to_another_cooperatives_object_reads_as_missing(app, world, references):
    send = _sender(app, world)
    for ref in references:
        before = _counts()
        foreign = send(ref, ref.foreign)
        missing = send(ref, MISSING)
        assert foreign == missing, (
            f"{ref.covers}: A's id answered {foreign}, a missing one {missing}"
        )
        assert _counts() == before, f"{ref.covers} stored something for a foreign or missing id"
        if ref.own is None:
            continue  # a list filter: an unknown id lists nothing, like a foreign one
        status, answer = foreign
        if ref.form:
            assert status in (302, 422) and any(k != "success" for k, _ in answer), ref.covers
        else:
            assert status in (403, 404, 422), f"{ref.covers}: {status}"
        status, answer = send(ref, ref.own)
        assert status < 400, f"{ref.covers}: B's own id was refused: {status} {answer}"
        if ref.form:
            assert all(k == "success" for k, _ in answer), f"{ref.covers}: {answer}"


def test_the_walk_knows_every_reference_a_request_can_carry(client, references):
    known = {ref.covers for ref in references}
    found = _api_references(client) | _form_references()
    untaught = found - known - set(EXEMPT)
    assert not untaught, f"teach tests/<package>/tenancy.py references() to send {untaught}"
    assert not (known | set(EXEMPT)) - found, "references to fields that no longer exist"
    assert len(found) > 30
