"""Unbound extension instances, bound to the app in ``create_app``."""

from __future__ import annotations

from apispec.ext.marshmallow import MarshmallowPlugin
from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from traceapp.database import Base, Session


def client_address() -> str:
    """The client's address as seen after the configured number of trusted proxies."""
    # ProxyFix has already replaced remote_addr when TRACEAPP_PROXY_COUNT > 0; otherwise
    # X-Forwarded-For is ignored because anyone can send it.
    return request.remote_addr or "unknown"


# Models subclass traceapp.database.Base (plain SQLAlchemy 2); Flask-SQLAlchemy only manages
# the engine and the request-scoped session over the same metadata.
def schema_name(schema: object) -> str:
    """OpenAPI component names: the class name without "Schema"; partial variants get "Patch"."""
    cls = schema if isinstance(schema, type) else type(schema)
    name = cls.__name__.removesuffix("Schema")
    if not isinstance(schema, type) and getattr(schema, "partial", False):
        name += "Patch"
    return name


db = SQLAlchemy(metadata=Base.metadata, session_options={"class_": Session})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=client_address, default_limits=[])
api = Api(spec_kwargs={"marshmallow_plugin": MarshmallowPlugin(schema_name_resolver=schema_name)})
