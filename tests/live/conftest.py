"""The live layer: the app as a user installs it, behind `traceapp serve`, on a fresh database.

The server is the installed ``traceapp`` command (``TRACEAPP_LIVE_BIN``; CI points it at a
virtualenv made with the README's run install, without the test extra), so a missing install
requirement or a response that outlives its database session fails here even when the
in-process suite is green.
"""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import pytest

from tests.conftest import ON_POSTGRES, TEST_DATABASE_URL, postgres_scratch_database
from tests.live.support import (
    LiveServer,
    free_port,
    live_bin,
    wait_until_up,
)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """`traceapp db upgrade`, `traceapp demo`, then `traceapp serve` (gunicorn, 2 workers) on a
    free loopback port, in production mode, on a fresh database of the engine under test."""
    with serve_fresh_instance(tmp_path_factory) as server:
        yield server


@contextmanager
def serve_fresh_instance(
    tmp_path_factory: pytest.TempPathFactory, **settings: str
) -> Iterator[LiveServer]:
    """A server on a fresh demo database; a test module that changes much of it starts one of
    its own, with ``settings`` (environment variables) of its own."""
    binary = live_bin()
    if not binary.exists():
        pytest.fail(f"no traceapp command at {binary} (set TRACEAPP_LIVE_BIN)")
    instance = tmp_path_factory.mktemp("live-instance")
    port = free_port()
    with ExitStack() as stack:
        if ON_POSTGRES:
            assert TEST_DATABASE_URL
            database_url = stack.enter_context(postgres_scratch_database(TEST_DATABASE_URL))
        else:
            database_url = f"sqlite:///{instance / 'traceapp.sqlite3'}"
        url = f"http://127.0.0.1:{port}"
        # PYTHONPATH: a checkout that runs the tests with its own code on the path serves it too.
        keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ", "PYTHONPATH")
        env = {k: v for k, v in os.environ.items() if k in keep}
        env.update(
            {
                "TRACEAPP_ENV": "production",
                "SECRET_KEY": secrets.token_hex(32),
                "DATABASE_URL": database_url,
                "TRACEAPP_ALLOW_SQLITE": "1",
                "TRACEAPP_INSTANCE_PATH": str(instance),
                "TRACEAPP_PUBLIC_BASE_URL": url,
                # One test machine signs in as every role and opens many pages from one address.
                "TRACEAPP_LOGIN_RATE_LIMIT": "1000 per minute",
                "TRACEAPP_PUBLIC_RATE_LIMIT": "5000 per minute",
                "TRACEAPP_API_RATE_LIMIT": "5000 per minute",
                # `traceapp serve` starts its own job worker, on PostgreSQL too (where a
                # deployment runs `traceapp worker` beside it instead).
                "TRACEAPP_JOBS_INLINE_WORKER": "1",
                # The worker remakes the kept figures (flags) every few seconds, not minutes,
                # so that a test sees a change flagged soon after it makes it.
                "TRACEAPP_FIGURES_REFRESH_SECONDS": "2",
            }
        )
        env.update(settings)
        log_path = instance / "server.log"
        server = LiveServer(url=url, log_path=log_path, instance=instance, env=env, bin=binary)
        server.command("db", "upgrade")
        server.command("demo", "--force")  # a throw-away instance
        log = stack.enter_context(log_path.open("wb"))
        server.process = subprocess.Popen(  # noqa: S603 - our own command
            [str(binary), "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_up(server)
            yield server
        finally:
            server.process.terminate()
            try:
                server.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait()
