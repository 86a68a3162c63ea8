"""Helpers of the concurrency tests: an app on its own scratch database, requests sent at once."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask

from tests.conftest import make_app, scratch_database_url
from traceapp.extensions import db


@contextmanager
def scratch_app(tmp_path: Any) -> Iterator[Flask]:
    """An app on an empty database of the engine under test, with the schema; dropped after.

    Concurrent requests need their own connections and real commits, which the savepoint of
    the ``session`` fixture cannot give.
    """
    with scratch_database_url(tmp_path) as url:
        app = make_app(url, tmp_path)
        with app.app_context():
            db.create_all()
        try:
            yield app
        finally:
            # The database goes as a whole (a file in tmp_path, or a dropped PostgreSQL
            # database); dropping its tables one by one trips over lots <-> recalls on SQLite.
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def at_once(count: int, call: Callable[[int], Any]) -> list[Any]:
    """Run ``call(i)`` in ``count`` threads released together; results (or the exception a
    thread raised) in thread order."""
    results: list[Any] = [None] * count
    start = threading.Barrier(count)

    def worker(i: int) -> None:
        start.wait()
        try:
            results[i] = call(i)
        except Exception as exc:  # the test reports it with the others
            results[i] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def cooperative_with_manager(name: str = "HTX Song Song", short_code: str = "SS") -> Any:
    """A cooperative and its manager, flushed in the current app context."""
    from traceapp.auth.models import Role, User
    from traceapp.cooperatives.models import Cooperative

    coop = Cooperative(name=name, short_code=short_code, province="Phú Yên")
    db.session.add(coop)
    db.session.flush()
    user = User(
        email=f"m@{short_code.lower()}.test",
        full_name="M",
        password_hash="x",
        role=Role.MANAGER,
        cooperative_id=coop.id,
    )
    db.session.add(user)
    return coop, user


def loose_peanuts(coop: Any) -> Any:
    """Peanuts sold loose by the kilogram (product code P)."""
    from traceapp.products.models import Product

    product = Product(
        cooperative_id=coop.id,
        code="P",
        name="Đậu phộng",
        category="peanuts",
        unit_of_trade="kg",
        names={},
    )
    db.session.add(product)
    return product


def peanut_bag(coop: Any, code: str = "DP-1KG") -> Any:
    """A 1 kg bag of peanuts: one label per kilogram of a lot."""
    from decimal import Decimal

    from traceapp.products.models import Product

    bag = Product(
        cooperative_id=coop.id,
        code=code,
        name="Đậu phộng túi 1 kg",
        category="peanuts",
        unit_of_trade="bag",
        net_quantity=Decimal(1),
        net_unit="KGM",
        names={},
    )
    db.session.add(bag)
    return bag


def cooperative_with_bag(name: str, short_code: str) -> tuple[Any, Any, Any]:
    """A cooperative, its manager and a 1 kg bag of peanuts, flushed in the current app
    context (the starting point of the label concurrency tests)."""
    coop, user = cooperative_with_manager(name, short_code)
    bag = peanut_bag(coop)
    db.session.flush()
    return coop, user, bag
