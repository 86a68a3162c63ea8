"""The JSON API under /api/v1: each domain's flask-smorest blueprint, behind bearer tokens."""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from flask import Flask, g, jsonify, request
from flask_babel import gettext as _

from traceapp.api.openapi import ErrorResponsesPlugin, documented, register_field_properties
from traceapp.core.inputs import IdConverter
from traceapp.errors import envelope
from traceapp.extensions import api, limiter

if TYPE_CHECKING:
    from traceapp.auth.models import User

API_PREFIX = "/api/v1"
#: Endpoints anyone may read: the OpenAPI document describes the API, it holds no data.
PUBLIC_ENDPOINT_PREFIXES = ("api-docs.",)

__all__ = ["API_PREFIX", "api_actor", "documented", "owner_cooperative_id", "register_api"]


def api_actor() -> User:
    """The user behind the request's bearer token (set by the authentication hook)."""
    return g.api_user


def owner_cooperative_id(args: dict[str, Any]) -> int:
    """The cooperative a request acts for: ``?cooperative_id=`` or the caller's own
    (administrators and auditors belong to none, so they must name it)."""
    cooperative_id = args.get("cooperative_id") or api_actor().cooperative_id
    if cooperative_id is None:
        from traceapp.errors import ValidationFailed

        raise ValidationFailed.field(
            "cooperative_id", _("Name the cooperative: ?cooperative_id=...")
        )
    return int(cooperative_id)


def _unauthorised(message: str) -> Any:
    # ``status`` stays the English reason phrase; ``message`` is in the caller's language.
    response = jsonify(envelope(401, "Unauthorized", message))
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Bearer realm="traceapp"'
    return response


def _authenticate() -> Any:
    """Accept only ``Authorization: Bearer <token>`` on API paths; the session cookie is ignored."""
    if not request.path.startswith("/api/"):
        return None
    if (request.endpoint or "").startswith(PUBLIC_ENDPOINT_PREFIXES):
        return None
    from traceapp.auth.services import user_for_token

    scheme, _sep, raw = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        # TRANSLATORS: "Authorization: Bearer <token>" is the HTTP header to send: keep it as is.
        return _unauthorised(_("Send an API token as “Authorization: Bearer <token>”."))
    user = user_for_token(raw.strip())
    if user is None:
        return _unauthorised(_("The API token is unknown, revoked or expired."))
    g.api_user = user
    return None


def _rate_key() -> str:
    """Limit API clients per token, falling back to the address."""
    auth = request.headers.get("Authorization", "")
    if auth:
        import hashlib

        return "api:" + hashlib.sha256(auth.encode()).hexdigest()[:32]
    return "api-ip:" + (request.remote_addr or "")


def register_api(app: Flask, packages: Iterable[str]) -> None:
    """Bind flask-smorest and register each package's ``api.blp`` under /api/v1."""
    # Every error status is documented by ErrorResponsesPlugin, so the catch-all "default"
    # response flask-smorest adds would only hide an undocumented one.
    api.DEFAULT_ERROR_RESPONSE_NAME = None
    api.init_app(app, spec_kwargs={"extra_plugins": [ErrorResponsesPlugin()]})
    register_field_properties(api.ma_plugin)
    api.register_converter(
        IdConverter,
        lambda converter: {"type": "integer", "minimum": converter.min, "maximum": converter.max},
    )
    for name in packages:
        module = importlib.import_module(f"traceapp.{name}.api")
        blueprints = getattr(module, "blueprints", None) or [module.blp]
        for blp in blueprints:
            limiter.limit(lambda: app.config["TRACEAPP_API_RATE_LIMIT"], key_func=_rate_key)(blp)
            api.register_blueprint(blp, url_prefix=API_PREFIX)
    app.before_request(_authenticate)
