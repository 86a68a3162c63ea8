"""Shared fixtures: one app per test session, a savepoint per test, clients per role."""

from __future__ import annotations

import os
import re
import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale

from tests.live.support import CHROMIUM, CHROMIUM_ARGS, need
from traceapp import create_app
from traceapp.config import normalise_database_url
from traceapp.extensions import db, limiter

pytest_plugins = ["tests.farm"]

TEST_DATABASE_URL = os.environ.get("TRACEAPP_TEST_DATABASE_URL")
ON_POSTGRES = bool(TEST_DATABASE_URL and TEST_DATABASE_URL.startswith("postg"))
PASSWORD = "correct-horse-battery"

_CSRF_RE = re.compile(r'<input[^>]*name="[\w-]*csrf_token"[^>]*value="([^"]+)"')


def pytest_report_header(config: Any) -> str:
    """Say which database the run uses."""
    return f"traceapp test database: {'PostgreSQL' if ON_POSTGRES else 'SQLite (file)'}"


#: What a browser sends when it opens a page.
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


class TraceClient(FlaskClient):
    """A test client that behaves like separate browser requests.

    Each request gets its own app context (its own ``g`` and database session, as in
    production) instead of reusing the test's; afterwards the test's session forgets what it
    had loaded, so it sees what the request committed. CSRF tokens are read from pages, the
    way a browser gets them.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        # Tests read English unless they ask for a language: the app's default is Vietnamese.
        headers = dict(kwargs.pop("headers", None) or {})
        headers.setdefault("Accept-Language", "en")
        # A browser names HTML: the GS1 resolver answers it with the page, anything else
        # with a redirect to it (tests/public/test_resolver_conformance.py).
        if not any(name.lower() == "accept" for name in headers):
            headers["Accept"] = BROWSER_ACCEPT
        kwargs["headers"] = headers
        # Read the whole body and close it, as a WSGI server does once the answer is sent
        # (a streamed file is closed by its iterable's close()).
        kwargs.setdefault("buffered", True)
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        from flask import has_app_context

        if has_app_context() and db.session.registry.has():
            db.session.expire_all()
        return response

    def csrf_token(self) -> str:
        """A token for this client's session, taken from a rendered form."""
        for url in ("/account", "/login"):
            html = self.get(url).get_data(as_text=True)
            match = _CSRF_RE.search(html)
            if match:
                return match.group(1)
        raise AssertionError("no page with a CSRF token")

    def form_post(self, url: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
        """POST a browser form, with its CSRF token."""
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token())
        return self.post(url, data=data, **kw)


@contextmanager
def postgres_scratch_database(base_url: str) -> Iterator[str]:
    """Create an empty PostgreSQL database next to the test one; drop it afterwards."""
    url = sa.make_url(normalise_database_url(base_url))
    name = f"{url.database}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        admin.dispose()


@contextmanager
def scratch_database_url(tmp_path: Any) -> Iterator[str]:
    """An empty database of the engine under test (SQLite file, or a new PostgreSQL database)."""
    if ON_POSTGRES:
        with postgres_scratch_database(TEST_DATABASE_URL) as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path / ('scratch-' + uuid.uuid4().hex[:8] + '.sqlite3')}"


def make_app(database_url: str, instance: Any, **extra: Any) -> Flask:
    """An app for tests on the given database."""
    app = create_app(
        {
            "TRACEAPP_ENV": "testing",
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-" + secrets.token_hex(8),
            "INSTANCE_PATH": str(instance),
            "TRACEAPP_PUBLIC_BASE_URL": "https://trace.example.vn",
            **extra,
        }
    )
    app.test_client_class = TraceClient
    return app


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The session's app, on a fresh schema built by create_all (the fast path)."""
    instance = tmp_path_factory.mktemp("instance")
    url = TEST_DATABASE_URL or f"sqlite:///{instance / 'test.sqlite3'}"
    application = make_app(url, instance)
    with application.app_context():
        db.drop_all()
        db.create_all()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def session(app: Flask, tmp_path: Any) -> Iterator[Any]:
    """A database session whose work, and every request's commits, vanish after the test.

    Services called straight from a test answer in English (requests made by the test client
    open their own context and follow their Accept-Language). Each test has its own audit
    anchor file, as the chain it anchors vanishes with the test."""
    anchor = app.config["TRACEAPP_AUDIT_ANCHOR_FILE"]
    app.config["TRACEAPP_AUDIT_ANCHOR_FILE"] = str(tmp_path / "audit-anchor.log")
    with app.app_context(), force_locale("en"):
        connection = db.engine.connect()
        outer = connection.begin()
        db.session.remove()
        db.session.configure(bind=connection, join_transaction_mode="create_savepoint")
        # Rate-limit counters too: on SQLite a second connection would wait for this one's lock.
        app.extensions["traceapp_ratelimit_bind"] = connection
        try:
            yield db.session
        finally:
            app.extensions.pop("traceapp_ratelimit_bind", None)
            db.session.remove()
            db.session.configure(bind=None, join_transaction_mode="conditional_savepoint")
            outer.rollback()
            connection.close()
            app.config["TRACEAPP_AUDIT_ANCHOR_FILE"] = anchor


@pytest.fixture(autouse=True)
def _fresh_rate_limits(app: Flask) -> Iterator[None]:
    from traceapp.public.scan.limits import public_limiter

    with app.app_context():
        limiter.reset()
        public_limiter.reset()
    yield


@pytest.fixture
def client(app: Flask, session: Any) -> TraceClient:
    """A browser without a login."""
    return app.test_client()


@pytest.fixture
def factories(session: Any) -> Any:
    """The factory module, bound to the test's session."""
    from tests import factories as module

    return module


def login(client: TraceClient, email: str, password: str = PASSWORD) -> Any:
    """Sign a test client in through the login form."""
    response = client.form_post("/login", {"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


@pytest.fixture
def world(factories: Any) -> Any:
    """Two cooperatives with a manager, staff and members each, an admin and two auditors."""
    return factories.make_world()


def _client_for(app: Flask, user: Any) -> TraceClient:
    c = app.test_client()
    login(c, user.email)
    return c


@pytest.fixture
def admin_client(app: Flask, world: Any) -> TraceClient:
    """Signed in as the platform administrator."""
    return _client_for(app, world.admin)


@pytest.fixture
def manager_client(app: Flask, world: Any) -> TraceClient:
    """Signed in as cooperative A's manager."""
    return _client_for(app, world.a.manager)


@pytest.fixture
def staff_client(app: Flask, world: Any) -> TraceClient:
    """Signed in as cooperative A's staff member."""
    return _client_for(app, world.a.staff)


@pytest.fixture
def other_client(app: Flask, world: Any) -> TraceClient:
    """Signed in as cooperative B's manager."""
    return _client_for(app, world.b.manager)


@pytest.fixture
def auditor_client(app: Flask, world: Any) -> TraceClient:
    """Signed in as the auditor of cooperative A's province."""
    return _client_for(app, world.auditor)


def bearer(token: str) -> dict[str, str]:
    """Headers for an API call with this token."""
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def api_token(world: Any) -> str:
    """An API token of cooperative A's manager."""
    from traceapp.auth.services import create_token

    return create_token(world.a.manager, world.a.manager, "tests")[1]


@pytest.fixture
def other_token(world: Any) -> str:
    """An API token of cooperative B's manager."""
    from traceapp.auth.services import create_token

    return create_token(world.b.manager, world.b.manager, "tests")[1]


@pytest.fixture
def admin_token(world: Any) -> str:
    """An API token of the platform administrator."""
    from traceapp.auth.services import create_token

    return create_token(world.admin, world.admin, "tests")[1]


requires_postgres = pytest.mark.skipif(
    not ON_POSTGRES,
    reason="needs PostgreSQL: set TRACEAPP_TEST_DATABASE_URL=postgresql://... (CI does)",
)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One headless Debian Chromium for the whole run: Playwright's sync API runs one per
    thread, so every browser test (the live layer's journeys included) shares it."""
    need(CHROMIUM, "Debian's chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the test extra installs it
        need(None, "Playwright (the test extra)")
        raise
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class BrowserPages:
    """Pages opened on the shared browser, each in a context of its own, closed together."""

    def __init__(self, browser: Any) -> None:
        self.browser = browser
        self.pages: list[Any] = []

    def new_page(self, **options: Any) -> Any:
        """A page in a new context (viewport, locale ... as ``Browser.new_page`` takes them)."""
        page = self.browser.new_page(**options)
        self.pages.append(page)
        return page

    def close(self) -> None:
        """Close every page's context."""
        for page in self.pages:
            page.context.close()
        self.pages.clear()


@pytest.fixture
def worker_polls_first(app: Flask, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Jobs a request launches meet a worker (as the one beside ``traceapp serve``) that polls
    the queue between the request's commit and the request's own run of the job; returns
    what the worker took at each poll (None: nothing)."""
    from traceapp import jobqueue

    monkeypatch.setitem(app.config, "TRACEAPP_JOBS_INLINE", False)
    polls: list[Any] = []
    real_launch = jobqueue.launch

    def launch_after_a_worker_polled(kind: Any, job_id: int, *, small: bool = False) -> None:
        db.session.commit()
        polls.append(jobqueue.claim(kind, "beside-the-server:1"))
        real_launch(kind, job_id, small=small)

    monkeypatch.setattr(jobqueue, "launch", launch_after_a_worker_polled)
    return polls
