"""Login limits that are shared by every worker and cannot be used to lock an owner out."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from tests.conftest import PASSWORD, make_app, scratch_database_url
from traceapp.core import ratelimit
from traceapp.extensions import db

ROOT = Path(__file__).resolve().parents[2]

#: One app process: ``count`` failed logins from one address, printing the status codes.
ATTEMPTS = """
import json, sys
from tests.conftest import make_app
url, instance, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
app = make_app(url, instance, SECRET_KEY="shared-secret")
client = app.test_client()
token = client.csrf_token()
codes = [
    client.post(
        "/login",
        data={"email": f"x{i}@example.test", "password": "wrong-password", "csrf_token": token},
        environ_base={"REMOTE_ADDR": "203.0.113.7"},
    ).status_code
    for i in range(count)
]
print(json.dumps(codes))
"""


def _attempts(url: str, instance: Path, count: int) -> list[int]:
    done = subprocess.run(
        [sys.executable, "-c", ATTEMPTS, url, str(instance), str(count)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_two_app_processes_share_the_login_limit(tmp_path):
    with scratch_database_url(tmp_path) as url:
        app = make_app(url, tmp_path, SECRET_KEY="shared-secret")
        with app.app_context():
            db.create_all()
        try:
            first = _attempts(url, tmp_path, 6)
            second = _attempts(url, tmp_path, 6)
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
    # 10 a minute is 10 in all, not 10 in each process.
    assert first == [200] * 6
    assert second == [200] * 4 + [429] * 2


def _fail(client, email, address):
    return client.form_post(
        "/login",
        {"email": email, "password": "wrong-password"},
        environ_base={"REMOTE_ADDR": address},
    )


def test_failures_from_other_addresses_do_not_lock_the_owner_out(app, client, world):
    owner = world.a.manager.email
    home = {"REMOTE_ADDR": "192.0.2.10"}
    assert (
        client.form_post(
            "/login", {"email": owner, "password": PASSWORD}, environ_base=home
        ).status_code
        == 302
    )
    client.form_post("/logout", environ_base=home)
    codes = [_fail(app.test_client(), owner, f"10.0.0.{i}").status_code for i in range(20)]
    assert codes[:10] == [200] * 10
    assert codes[10:] == [429] * 10
    stranger = _fail(app.test_client(), owner, "10.0.1.1")
    html = stranger.get_data(as_text=True)
    assert "too many failed sign-ins to this account" in html
    assert re.search(r"Try again in \d+ seconds?\.", html)
    assert 0 < int(stranger.headers["Retry-After"]) <= 60
    # The owner, from the address they signed in from before, is let in at once.
    again = app.test_client().form_post(
        "/login", {"email": owner, "password": PASSWORD}, environ_base=home
    )
    assert again.status_code == 302
    # And mistyping there neither counts against the account nor is held back.
    assert _fail(app.test_client(), owner, "192.0.2.10").status_code == 200


def test_an_unknown_email_is_throttled_like_a_real_one(app, world):
    codes = [
        _fail(app.test_client(), "nobody@example.test", f"10.0.2.{i}").status_code
        for i in range(11)
    ]
    assert codes == [200] * 10 + [429]


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
