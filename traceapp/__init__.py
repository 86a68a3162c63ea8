"""traceapp: provenance for cooperatives, from member households to a QR label on the shelf."""

from __future__ import annotations

import gc
import logging
import os
from pathlib import Path
from typing import Any

from flask import Flask

from traceapp.config import PROJECT_ROOT, load_config
from traceapp.models import DOMAIN_PACKAGES

__version__ = "0.1.0"

log = logging.getLogger(__name__)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application: ``config`` overrides what the environment says."""
    instance_path = (config or {}).get("INSTANCE_PATH") or os.environ.get("TRACEAPP_INSTANCE_PATH")
    app = Flask(
        __name__,
        instance_path=str(Path(instance_path).resolve()) if instance_path else None,
        static_folder=str(PROJECT_ROOT / "static"),
        static_url_path="/static",
    )
    overrides = {k: v for k, v in (config or {}).items() if k != "INSTANCE_PATH"}
    app.config.update(load_config(Path(app.instance_path), overrides))
    configure_logging(app)
    register_extensions(app)
    register_converters(app)
    register_blueprints(app)
    register_api(app)
    register_errorhandlers(app)
    register_request_hooks(app)
    register_commands(app)
    register_middleware(app)
    if not app.testing:
        # Everything made so far (modules, mappers, catalogs: about 185,000 objects) lives as
        # long as the process. Left to the collector, each full collection walked them all,
        # a pause of about 100 ms for whichever shopper's request it fell in.
        gc.freeze()
    return app


def configure_logging(app: Flask) -> None:
    """Log to stderr at the configured level, once."""
    level = getattr(logging, str(app.config["TRACEAPP_LOG_LEVEL"]).upper(), logging.INFO)
    root = logging.getLogger("traceapp")
    root.setLevel(level)
    if not root.handlers and not app.testing:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)


def register_extensions(app: Flask) -> None:
    """Bind database, migrations, login, CSRF, Babel and the rate limiter to the app."""
    from flask_babel import lazy_gettext as _l

    from traceapp.database import configure_engine, engine_options
    from traceapp.extensions import babel, csrf, db, limiter, login_manager, migrate
    from traceapp.i18n import DateFormats, select_locale, select_timezone
    from traceapp.models import import_all_models

    import_all_models()
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    options = engine_options(uri)
    options.update(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if uri.startswith("sqlite:///") and not uri.startswith("sqlite:////:memory"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine, app.config["TRACEAPP_SQLITE_BUSY_TIMEOUT_MS"])
    migrate.init_app(
        app,
        db,
        directory=str(PROJECT_ROOT / "migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # sessions are server-side rows instead
    # CSRF is checked in one before_request hook for browser routes; the API uses bearer tokens.
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    babel.date_formats = DateFormats()  # one date format and one date-time format per language
    limiter.init_app(app)
    _spare_public_paths_from_flask_limiter(app, limiter)


#: Paths that Flask-Limiter's per-request check leaves alone: the scan pages count their own
#: requests (traceapp.public.scan.limits.PublicLimiter), and static files need no limit.
UNLIMITED_PREFIXES = ("/01/", "/p/01/", "/l/", "/static/", "/media/", "/.well-known/", "/healthz")


def _spare_public_paths_from_flask_limiter(app: Flask, limiter: Any) -> None:
    """Flask-Limiter checks every request in a before_request hook, even for exempt views;
    on the shoppers' scan page that check cost more than the database did."""
    from flask import request

    funcs = app.before_request_funcs.setdefault(None, [])
    for i, func in enumerate(funcs):
        if getattr(func, "__self__", None) is limiter:

            def check(func: Any = func) -> Any:
                if request.path.startswith(UNLIMITED_PREFIXES):
                    return None
                return func()

            funcs[i] = check


def _existing(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def register_converters(app: Flask) -> None:
    """URL converters: ``<int:id>`` takes ASCII digits up to the largest database id."""
    from traceapp.core.inputs import IdConverter

    app.url_map.converters["int"] = IdConverter


def register_blueprints(app: Flask) -> None:
    """Mount every domain's HTML blueprint."""
    import importlib
    import pkgutil

    for name in DOMAIN_PACKAGES:
        if _existing(f"traceapp.{name}.views"):
            views = importlib.import_module(f"traceapp.{name}.views")
            # A domain's pages may be spread over sibling ``views_<job>`` modules that add
            # their routes to the same blueprint: load them before it is mounted.
            package = importlib.import_module(f"traceapp.{name}")
            for found in pkgutil.iter_modules(package.__path__):
                if found.name.startswith("views_"):
                    importlib.import_module(f"traceapp.{name}.{found.name}")
            app.register_blueprint(views.bp)


def register_api(app: Flask) -> None:
    """Mount the JSON API under /api/v1 with its OpenAPI document."""
    from traceapp.api import register_api as _register

    _register(app, [n for n in DOMAIN_PACKAGES if _existing(f"traceapp.{n}.api")])


def register_errorhandlers(app: Flask) -> None:
    """JSON envelopes for the API, HTML pages for browsers."""
    from traceapp.errors import register_errorhandlers as _register

    _register(app)


def register_request_hooks(app: Flask) -> None:
    """Security headers, CSRF for browser forms, and one unit of work per request."""
    from traceapp.web import install_request_hooks, install_template_helpers

    install_request_hooks(app)
    from traceapp.workers import install as install_workers

    install_workers(app)
    install_template_helpers(app)


def register_middleware(app: Flask) -> None:
    """WSGI layers around Flask: the scan fast path, then (outermost) the trusted proxies."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    from traceapp.public.fastpath import ScanFastPath

    app.wsgi_app = ScanFastPath(app, app.wsgi_app)  # type: ignore[method-assign]
    proxies = app.config["TRACEAPP_PROXY_COUNT"]
    if proxies > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_prefix=proxies
        )


def register_commands(app: Flask) -> None:
    """The ``traceapp`` / ``flask`` commands."""
    from traceapp.commands import register

    register(app)
