"""The authority's list of never-issued serials pages by key (issue 21): the (last scan,
serial) of a group, so walking it forward and back shows every serial once and in order, a
typed ``?page=N`` still works, and the query reads the kept rows of unknown serials in the
order of their index (never the scan log)."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from tests.test_keyset_lists import _link
from traceapp.authority import label_flags, services
from traceapp.database import now_utc
from traceapp.extensions import db
from traceapp.public.models import LabelScan

SERIAL = re.compile(r"<code>(FAKE\d+)</code>")


def _scans(n: int) -> list[str]:
    """Scans of ``n`` serials, some twice, pairs sharing their last time; in list order."""
    start = now_utc().replace(microsecond=0)
    last: dict[str, dt.datetime] = {}
    for i in range(n):
        serial = f"FAKE{i:05d}"
        last[serial] = start - dt.timedelta(minutes=i // 2)
        times = [last[serial]] + ([last[serial] - dt.timedelta(days=1)] if i % 3 == 0 else [])
        for at in times:
            db.session.add(
                LabelScan(
                    outcome="unknown",
                    unknown_serial=serial,
                    scanned_at=at,
                    client_hash="h",
                    ua_class="mobile",
                    lang="vi",
                )
            )
    db.session.commit()
    return sorted(last, key=lambda s: (-last[s].timestamp(), s))


def _walk(client, url):
    forward, urls = [], []
    while url:
        html = client.get(url).get_data(as_text=True)
        forward.append(SERIAL.findall(html))
        urls.append(url)
        url = _link(html, "next")
    backward = []
    url = _link(client.get(urls[-1]).get_data(as_text=True), "prev")
    while url:
        html = client.get(url).get_data(as_text=True)
        backward.append(SERIAL.findall(html))
        url = _link(html, "prev")
    return forward, backward


def test_the_unknown_serials_walk_forward_and_back_by_key(world, auditor_client):
    expected = _scans(105)
    forward, backward = _walk(auditor_client, "/authority/unknown-scans")
    assert [s for page in forward for s in page] == expected and len(forward) == 3
    first = auditor_client.get("/authority/unknown-scans").get_data(as_text=True)
    assert f"after={expected[49]}" in (_link(first, "next") or "")
    assert backward == list(reversed(forward[:-1]))
    typed = auditor_client.get("/authority/unknown-scans?page=2").get_data(as_text=True)
    assert SERIAL.findall(typed) == expected[50:100] and "Page 2 of 3" in typed
    last = auditor_client.get("/authority/unknown-scans?page=3&last=1").get_data(as_text=True)
    assert SERIAL.findall(last) == expected[100:]
    # A key naming no serial (or too long to be one) starts again at the first page.
    for bad in ("NOPE", "X" * 300):
        again = auditor_client.get("/authority/unknown-scans", query_string={"after": bad})
        assert SERIAL.findall(again.get_data(as_text=True)) == expected[:50]


def test_a_page_after_a_key_reads_the_kept_rows_in_index_order(world):
    expected = _scans(6)
    scope = services.scope_for(world.auditor)
    page = label_flags.unknown_scans(scope, per_page=2, after=expected[1])
    assert [r.serial for r in page.items] == expected[2:4]
    stmt = label_flags.unknown_scans_query(scope).limit(3)
    sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("SET LOCAL enable_seqscan = off"))
        plan = db.session.execute(sa.text("EXPLAIN " + sql)).scalars().all()
    else:
        plan = [r[-1] for r in db.session.execute(sa.text("EXPLAIN QUERY PLAN " + sql))]
    text = "\n".join(plan)
    assert "ix_unknown_serial_cooperatives_last" in text, text
    # No scan log, no sort of every row: the page stops after its rows.
    for word in ("label_scans", "Seq Scan on", "TEMP B-TREE", "Sort"):
        assert word not in text, text


def test_the_download_reads_the_list_a_page_at_a_time_in_its_order(world, auditor_client):
    expected = _scans(7)
    stmt = label_flags.unknown_scans_query(services.scope_for(world.auditor))
    for batch in (1, 2, 3, 1000):
        assert [r.serial for r in label_flags.unknown_rows(stmt, batch=batch)] == expected
    body = auditor_client.get("/authority/unknown-scans.csv").get_data(as_text=True)
    assert re.findall(r"^(FAKE\d+),", body, re.M) == expected
