"""A download on SQLite never holds the write lock: scans, forms and jobs go on while a
manager's browser is still fetching a long file."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from tests.conftest import TEST_DATABASE_URL, login, make_app
from traceapp.extensions import db

pytestmark = pytest.mark.skipif(
    bool(TEST_DATABASE_URL), reason="SQLite's single write lock; PostgreSQL has none to hold"
)


def _can_write(path: str) -> bool:
    """Whether another connection gets SQLite's write lock at once."""
    other = sqlite3.connect(path, timeout=0.2, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        other.close()


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("manager", "/cooperatives/{coop}/members.xlsx"),
        ("manager", "/cooperatives/{coop}/members.csv"),
        ("manager", "/zones/export.geojson"),
        ("auditor", "/authority/zones.csv"),
    ],
)
def test_a_download_in_progress_leaves_the_database_writable(
    tmp_path: Any, who: str, url: str
) -> None:
    path = str(tmp_path / "t.sqlite3")
    app = make_app(f"sqlite:///{path}", tmp_path)
    with app.app_context():
        db.create_all()
        from tests import factories

        world = factories.make_world()
        db.session.commit()
        email = world.a.manager.email if who == "manager" else world.auditor.email
        url = url.format(coop=world.a.coop.id)
    client = app.test_client()
    login(client, email)
    response = client.get(url, buffered=False)
    assert response.status_code == 200
    chunks = iter(response.response)
    read = 0
    try:
        for _chunk in chunks:
            read += 1
            # Between two pieces of the file, the body's read transaction is open.
            assert _can_write(path), f"write lock held after piece {read} of {url}"
    finally:
        response.close()
    assert read >= 1
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
