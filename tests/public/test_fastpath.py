"""The scan fast path answers exactly as Flask does, and hands over what it does not know."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from traceapp.batches.recall import recall_lot
from traceapp.extensions import db
from traceapp.labels import services as labels
from traceapp.public import views

COMPARED = (
    "Content-Type",
    "Cache-Control",
    "Vary",
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Referrer-Policy",
    "Set-Cookie",
    # The resolver's headers, from the same builder: the page in place, CORS.
    "Content-Location",
    "Access-Control-Allow-Origin",
    "Access-Control-Expose-Headers",
)


@pytest.fixture
def flask_only(app):
    """Switch the fast path off for a block."""

    class Switch:
        def __enter__(self):
            app.config["TRACEAPP_SCAN_FAST_PATH"] = False

        def __exit__(self, *exc):
            app.config["TRACEAPP_SCAN_FAST_PATH"] = True

    return Switch()


@pytest.fixture
def no_flask_view(monkeypatch):
    """Fail if Flask's scan view runs: the fast path must answer."""

    def refuse(*_a, **_k):
        raise AssertionError("Flask answered a request the fast path should have")

    def switch():
        monkeypatch.setattr(views, "_serial", refuse)

    return switch


def _same(a, b, swap=()):
    text_a, text_b = a.get_data(as_text=True), b.get_data(as_text=True)
    for old, new in swap:
        text_b = text_b.replace(new, old)
    assert a.status_code == b.status_code
    assert text_a == text_b
    for name in COMPARED:
        value_b = _header(b, name)
        for old, new in swap:
            value_b = value_b.replace(new, old) if value_b else value_b
        assert _header(a, name) == value_b, name
    assert ("Link" in a.headers) == ("Link" in b.headers)


def _header(response, name):
    value = response.headers.get(name)
    if name == "Set-Cookie" and value:
        # The two answers may fall on either side of a second: the cookie's Expires moves
        # with the clock (its Max-Age does not).
        value = re.sub(r"Expires=[^;]*; ", "", value)
    return value


@pytest.mark.parametrize(
    "how",
    [
        {},
        {"query_string": {"lang": "en"}},
        {"headers": {"Accept-Language": "fr"}},
    ],
)
def test_first_and_repeated_scans_match(client, labelled, flask_only, no_flask_view, how):
    a, b = labelled.serials[0], labelled.serials[1]
    with flask_only:
        first_a = client.get(labelled.url(a), **how)
        again_a = client.get(labelled.url(a), **how)
    no_flask_view()
    first_b = client.get(labelled.url(b), **how)
    again_b = client.get(labelled.url(b), **how)
    _same(first_a, first_b, swap=[(a, b)])
    _same(again_a, again_b, swap=[(a, b)])
    assert 'class="card ok"' in again_b.get_data(as_text=True)  # the genuine-label box


def test_not_found_and_mismatch_match(client, labelled, flask_only, no_flask_view):
    with flask_only:
        unknown_a = client.get("/l/ZZZZZZZZZZZZZZZZ")
        wrong_a = client.get(f"/01/{labelled.gtin}/10/OTHER/21/{labelled.serials[0]}")
    no_flask_view()
    unknown_b = client.get("/l/YYYYYYYYYYYYYYYY")
    wrong_b = client.get(f"/01/{labelled.gtin}/10/OTHER/21/{labelled.serials[0]}")
    _same(unknown_a, unknown_b)
    _same(wrong_a, wrong_b)
    assert "We cannot verify this label" in wrong_b.get_data(as_text=True)


def test_voided_and_unclaimed_serials_are_left_to_flask(client, labelled, monkeypatch):
    """A withdrawn label and a made-up serial under a real product are said per scan (who
    withdrew it and when; whom to tell): the fast path hands them over, and they are logged
    once."""
    from traceapp.public import fastpath
    from traceapp.public.models import LabelScan

    actor = labelled.farm.world.a.manager
    labels.void_labels(actor, labelled.run, reason="torn", serial=labelled.serials[3])
    answered = []
    original = fastpath.ScanFastPath._response
    monkeypatch.setattr(
        fastpath.ScanFastPath,
        "_response",
        lambda self, *a: answered.append(1) or original(self, *a),
    )
    for _ in range(2):
        voided = client.get(labelled.url(labelled.serials[3]))
        unclaimed = client.get(labelled.url("YYYYYYYYYYYYYYYY"))
        assert voided.status_code == 410 and voided.headers["Cache-Control"] == "no-store"
        assert unclaimed.status_code == 200 and unclaimed.headers["Cache-Control"] == "no-store"
    assert answered == []
    outcomes = db.session.scalars(
        sa.select(LabelScan.outcome).where(LabelScan.product_id == labelled.farm.peanuts_packed.id)
    ).all()
    assert sorted(outcomes) == ["unknown", "unknown", "voided", "voided"]


def test_a_recall_is_shown_at_once_by_both_paths(client, labelled, flask_only):
    url = labelled.url(labelled.serials[0])
    client.get(url)
    client.get(url)  # the fast path has the page now
    recall_lot(
        labelled.farm.world.a.manager,
        labelled.packed,
        reason="Glass found",
        instructions="Do not eat",
        decided_by="HTX",
    )
    fast = client.get(url)
    assert "Recalled: do not use this product" in fast.get_data(as_text=True)
    assert fast.headers["Cache-Control"] == "no-store"
    with flask_only:
        slow = client.get(labelled.url(labelled.serials[1]))
    assert slow.headers["Cache-Control"] == "no-store"


def test_other_requests_go_to_flask(client, labelled, monkeypatch):
    from traceapp.public import fastpath

    url = labelled.url(labelled.serials[0])
    client.get(url)
    client.get(url)
    calls = []
    original = fastpath.ScanFastPath._response

    def spy(self, environ, *rest):
        calls.append(environ["PATH_INFO"])
        return original(self, environ, *rest)

    monkeypatch.setattr(fastpath.ScanFastPath, "_response", spy)
    assert client.get(url + "?linkType=gs1:pip").status_code == 307  # the resolver's redirect
    assert client.get(url, headers={"Accept": "application/linkset+json"}).status_code == 200
    assert client.get(url + "?utm=x").status_code == 200
    assert client.get("/01/123").status_code == 400
    assert calls == []
    client.get(url)
    assert len(calls) == 1


def test_expired_and_copied_cautions_match(client, labelled, flask_only, no_flask_view):
    labelled.packed.best_before = labelled.packed.production_date + dt.timedelta(days=1)
    db.session.flush()
    a, b = labelled.serials[0], labelled.serials[1]
    with flask_only:
        expired_a = client.get(labelled.url(a))
    no_flask_view()
    expired_b = client.get(labelled.url(b))
    _same(expired_a, expired_b, swap=[(a, b)])
    assert "Past its best-before date" in expired_b.get_data(as_text=True)


def test_answers_share_nothing_but_the_app(client, labelled, no_flask_view, monkeypatch):
    """The fast path reuses one application context per thread: each answer still gets a
    fresh ``g``, ends any database session it made, and leaves the caller's context current."""
    from flask import g
    from flask.globals import _cv_app

    from traceapp.public import fastpath

    url = labelled.url(labelled.serials[0])
    sessions = len(db.session.registry.registry)
    client.get(url)  # Flask renders the first scan's page and the page of later scans
    client.get(url)
    no_flask_view()
    seen = []
    original = fastpath.resolve_scan

    def spy(*args, **kwargs):
        seen.append(g.get("marker"))
        g.marker = len(seen)
        return original(*args, **kwargs)

    monkeypatch.setattr(fastpath, "resolve_scan", spy)
    before = _cv_app.get(None)
    for _ in range(3):
        assert client.get(url).status_code == 200
    assert seen == [None, None, None]
    assert _cv_app.get(None) is before
    assert len(db.session.registry.registry) == sessions


def test_copied_cautions_match(client, labelled, flask_only, no_flask_view):
    from traceapp import tunables

    limit = tunables.get("clone_rules")["max_distinct_clients"]
    a = labelled.serials[0]
    url = labelled.url(a)
    for i in range(limit):
        client.get(url, environ_base={"REMOTE_ADDR": f"10.5.0.{i}"})
    b = labelled.serials[1]
    for _ in range(25):  # one client reloading: the volume rule's signal
        client.get(labelled.url(b))
    with flask_only:
        by_flask = client.get(url, environ_base={"REMOTE_ADDR": "10.5.1.1"})
        flask_reload = client.get(labelled.url(b))
    no_flask_view()
    by_fast_path = client.get(url, environ_base={"REMOTE_ADDR": "10.5.1.2"})
    text = by_fast_path.get_data(as_text=True)
    assert f"but {limit + 2} different phones have scanned it since" in text
    _same(by_flask, by_fast_path, swap=[(f"{limit + 1} different", f"{limit + 2} different")])
    # One client reloading is answered alike, without the caution, on both paths.
    fast_reload = client.get(labelled.url(b))
    assert "Caution" not in fast_reload.get_data(as_text=True)
    _same(flask_reload, fast_reload, swap=[("26 times", "27 times")])


def test_a_cpv_in_the_path_is_answered_alike(client, labelled, flask_only, no_flask_view):
    """A consumer product variant (AI 22) before the lot: the same label scan on both paths;
    a CPV whose value is "21" with no serial is a lot's page, not a scan, on both."""
    a, b = labelled.serials[0], labelled.serials[1]
    code = labelled.packed.code

    def cpv_url(serial):
        return f"/01/{labelled.gtin}/22/V1/10/{code}/21/{serial}"

    with flask_only:
        first_a = client.get(cpv_url(a))
        lot_a = client.get(f"/01/{labelled.gtin}/22/21/10/{code}")
    no_flask_view()
    first_b = client.get(cpv_url(b))
    lot_b = client.get(f"/01/{labelled.gtin}/22/21/10/{code}")  # Flask answers: no serial
    _same(first_a, first_b, swap=[(a, b)])
    assert 'class="card ok"' in first_b.get_data(as_text=True)
    _same(lot_a, lot_b)
    assert lot_b.status_code == 200 and lot_b.headers["Cache-Control"] == "public, max-age=300"


def test_a_browser_scan_is_answered_with_no_context_current(app, client, labelled, monkeypatch):
    """A WSGI server calls the app with no application context current (the test client
    pushes one around each request). A phone's ``/01/`` scan must still be answered by the
    fast path itself, with the default page's Content-Location."""
    import contextvars

    from werkzeug.test import Client

    from tests.conftest import BROWSER_ACCEPT

    url = labelled.url(labelled.serials[0])
    assert url.startswith("/01/")
    client.get(url)  # Flask renders the first scan's page and the page of later scans
    client.get(url)
    db.session.commit()  # what the requests wrote, seen by the server's thread
    middleware = app.wsgi_app
    while not hasattr(middleware, "_answer"):
        middleware = middleware.app  # under ProxyFix, where proxies are configured

    def refuse(*_a):
        raise AssertionError("the fast path handed a browser's scan to Flask")

    monkeypatch.setattr(middleware, "wsgi_app", refuse)
    answers = []
    errors = []

    def scan():
        try:
            answers.append(
                Client(app).get(url, headers={"Accept": BROWSER_ACCEPT, "Accept-Language": "en"})
            )
        except AssertionError as exc:
            errors.append(exc)

    contextvars.Context().run(scan)  # no context current, as under gunicorn
    assert errors == []
    [answer] = answers
    assert answer.status_code == 200
    assert answer.headers["Content-Location"].endswith("/p" + url)
    assert 'class="card ok"' in answer.get_data(as_text=True)
