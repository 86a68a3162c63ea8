"""Login limits that are shared by every worker and cannot be used to lock an owner out."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import PASSWORD, make_app, scratch_database_url
from traceapp.auth.logins import FAILURE_MEMORY_S, FREE_FAILURES, failure_delay
from traceapp.core import ratelimit
from traceapp.extensions import db

ROOT = Path(__file__).resolve().parents[2]

#: One app process: ``count`` failed logins, printing the status codes. "address" sends
#: every one from one address to a new e-mail; "account" sends every one to one e-mail,
#: each from a new address (``first`` numbers the addresses).
ATTEMPTS = """
import json, sys
from tests.conftest import make_app
url, instance, count, spread, first = sys.argv[1:6]
app = make_app(url, instance, SECRET_KEY="shared-secret")
client = app.test_client()
token = client.csrf_token()
codes = []
for i in range(int(first), int(first) + int(count)):
    one_address = spread == "address"
    codes.append(client.post(
        "/login",
        data={
            "email": f"x{i}@example.test" if one_address else "owner@example.test",
            "password": "wrong-password",
            "csrf_token": token,
        },
        environ_base={"REMOTE_ADDR": "203.0.113.7" if one_address else f"10.9.0.{i}"},
    ).status_code)
print(json.dumps(codes))
"""


def _attempts(
    url: str, instance: Path, count: int, spread: str = "address", first: int = 0
) -> list[int]:
    done = subprocess.run(
        [sys.executable, "-c", ATTEMPTS, url, str(instance), str(count), spread, str(first)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_two_app_processes_share_the_login_limit_and_the_delay(tmp_path):
    with scratch_database_url(tmp_path) as url:
        app = make_app(url, tmp_path, SECRET_KEY="shared-secret")
        with app.app_context():
            db.create_all()
        try:
            first = _attempts(url, tmp_path, 6)
            second = _attempts(url, tmp_path, 6)
            # One account tried from many addresses: the run of failures is shared too.
            strangers = _attempts(url, tmp_path, FREE_FAILURES + 1, "account")
            # The other process starts with the run at FREE_FAILURES + 1 (a 2 s wait, which
            # may have passed while it started); its own next failure doubles the wait.
            later = _attempts(url, tmp_path, 2, "account", first=100)
            with app.app_context(), db.engine.connect() as conn:
                key = "login-account:" + ratelimit.address_hash("owner@example.test")
                run = ratelimit.peek(conn, key)[0]
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
    # 10 a minute is 10 in all, not 10 in each process.
    assert first == [200] * 6
    assert second == [200] * 4 + [429] * 2
    assert strangers == [200] * (FREE_FAILURES + 1)
    assert later[-1] == 429
    assert run == FREE_FAILURES + 1 + later.count(200)


def _fail(client, email, address):
    return client.form_post(
        "/login",
        {"email": email, "password": "wrong-password"},
        environ_base={"REMOTE_ADDR": address},
    )


@pytest.fixture
def clock(monkeypatch):
    """The counters' clock, moved by hand."""
    moved = [0.0]
    real = ratelimit.now
    monkeypatch.setattr(ratelimit, "now", lambda: real() + moved[0])
    return moved


def _wait(response):
    """The seconds a refused sign-in page asks the reader to wait."""
    html = response.get_data(as_text=True)
    return int(re.search(r"Try again in (\d+) seconds?\.", html).group(1))


def _stranger(app, email, clock, number):
    return _fail(app.test_client(), email, f"10.{number // 250}.{number % 250}.1")


def test_strangers_meet_a_growing_delay_and_the_owner_none(app, client, world, clock):
    owner = world.a.manager.email
    home = {"REMOTE_ADDR": "192.0.2.10"}
    assert (
        client.form_post(
            "/login", {"email": owner, "password": PASSWORD}, environ_base=home
        ).status_code
        == 302
    )
    client.form_post("/logout", environ_base=home)
    # The first failures from addresses the owner never used cost nothing.
    codes = [_stranger(app, owner, clock, i).status_code for i in range(FREE_FAILURES + 1)]
    assert codes == [200] * (FREE_FAILURES + 1)
    # Then each failure doubles the wait before the next stranger may try: 2 s, 4 s, ...
    # up to 15 minutes. Never a lockout: once the wait is over, a stranger may try again.
    waits = []
    for i in range(12):
        held = _stranger(app, owner, clock, 100 + i)
        assert held.status_code == 429
        html = held.get_data(as_text=True)
        assert "too many failed sign-ins to this account" in html
        waits.append(_wait(held))
        # Flask-Limiter keeps the longer of its window's end and the account's wait.
        assert int(held.headers["Retry-After"]) >= waits[-1]
        # A refused try was not a guess: it does not lengthen the wait.
        assert _wait(_stranger(app, owner, clock, 200 + i)) == waits[-1]
        clock[0] += waits[-1]
        assert _stranger(app, owner, clock, 300 + i).status_code == 200
    assert waits == [2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900]
    # The owner, from the address they signed in from before, is let in at once ...
    again = app.test_client().form_post(
        "/login", {"email": owner, "password": PASSWORD}, environ_base=home
    )
    assert again.status_code == 302
    # ... which ends the strangers' run; and mistyping at home is neither counted nor held back.
    assert [_fail(app.test_client(), owner, "192.0.2.10").status_code for _ in range(8)] == [
        200
    ] * 8
    assert _stranger(app, owner, clock, 400).status_code == 200


def test_a_run_of_failures_is_forgotten_a_day_after_the_last(app, world, clock):
    email = world.a.staff.email
    for i in range(FREE_FAILURES + 2):
        clock[0] += 60 * 60  # the wait is over by then
        assert _stranger(app, email, clock, i).status_code == 200
    assert _stranger(app, email, clock, 50).status_code == 429
    clock[0] += FAILURE_MEMORY_S
    assert [_stranger(app, email, clock, 60 + i).status_code for i in range(FREE_FAILURES)] == [
        200
    ] * FREE_FAILURES


def test_an_unknown_email_is_slowed_like_a_real_one(app, world, clock):
    codes = [
        _stranger(app, "nobody@example.test", clock, i).status_code
        for i in range(FREE_FAILURES + 2)
    ]
    assert codes == [200] * (FREE_FAILURES + 1) + [429]
    assert failure_delay(FREE_FAILURES + 1) == 2


def test_a_flood_from_one_address_is_still_limited(app, client, world):
    codes = [_fail(client, f"x{i}@example.test", "198.51.100.9").status_code for i in range(12)]
    assert codes == [200] * 10 + [429] * 2
    # Even the right password waits: the address is over its limit.
    right = client.form_post(
        "/login",
        {"email": world.a.manager.email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "198.51.100.9"},
    )
    assert right.status_code == 429


def test_ended_windows_start_again_and_are_cleaned_up(session):
    conn = session.connection()
    assert ratelimit.hit(conn, "test-key", 60)[0] == 1
    assert ratelimit.hit(conn, "test-key", 60)[0] == 2
    assert ratelimit.hit(conn, "ended", -1)[0] == 1
    assert ratelimit.hit(conn, "ended", 60)[0] == 1  # its window had ended: counted afresh
    ratelimit.hit(conn, "stale", -1)
    assert ratelimit.delete_expired(conn) == 1
    keys = set(conn.execute(sa.select(ratelimit.RateLimitCounter.key)).scalars())
    assert keys == {"test-key", "ended"}
