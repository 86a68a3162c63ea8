"""The flags API pages the kept flags by key (issue 21): following ``next_after`` lists what
the console lists, every flag once and in the rules' order (an overlap kept from both sides
once, the unknown-serials summary computed live in its place), and ``?page=N`` still works."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import bearer
from tests.zones.factories import ZoneFactory
from traceapp.authority import figures, flags, services
from traceapp.authority.models import Flag
from traceapp.extensions import db
from traceapp.public.models import LabelScan


def _keep(world: Any) -> None:
    """Kept flags as a refresh would keep them: area mismatches, an overlap from both sides,
    another cooperative's flags the auditor does not see, and shopper reports."""
    mine = [ZoneFactory(cooperative=world.a.coop) for _ in range(9)]
    theirs = ZoneFactory(cooperative=world.b.coop, province="Khánh Hòa")
    db.session.flush()
    a, b = mine[0], mine[1]
    overlap = []
    for one, other in ((a, b), (b, a)):
        overlap.append(
            Flag(
                "overlap",
                "",
                zone_id=one.id,
                zone_code=one.code,
                details={"other_zone_code": other.code, "overlap_ha": "0.5"},
                extra={"other_zone_id": other.id},
            )
        )
    mismatch = {"declared_ha": "2.00", "computed_ha": "3.10"}
    found = overlap + [
        Flag("area_mismatch", "", zone_id=z.id, zone_code=z.code, details=mismatch)
        for z in [*mine[:5], theirs, *mine[5:]]
    ]
    for coop in (world.a.coop, world.b.coop):
        found.append(
            Flag(
                "shopper_reports",
                "",
                cooperative_id=coop.id,
                details={"reports": 2},
                extra={"cooperative": coop.name},
            )
        )
    figures.store_flags(found)
    db.session.add(
        LabelScan(
            outcome="unknown",
            unknown_serial="FAKE01",
            client_hash="x",
            ua_class="mobile",
            lang="vi",
        )
    )
    db.session.commit()


def _key(f: dict[str, Any]) -> tuple[Any, ...]:
    return f["kind"], f["zone_id"], f["cooperative_id"], f["message"]


def _walk(client: Any, token: str, url: str) -> list[list[dict[str, Any]]]:
    pages = []
    while url:
        response = client.get(url, headers=bearer(token))
        assert response.status_code == 200 and response.headers["X-Flags-As-Of"] != "live"
        pages.append(response.get_json())
        link = response.headers.get("Link")
        meta = json.loads(response.headers["X-Pagination"])
        assert ("next_after" in meta) == bool(link)
        url = link[1 : link.index(">")].replace("http://localhost", "") if link else ""
    return pages


def test_the_kept_flags_walk_by_the_after_cursor_in_the_consoles_order(
    world, client, auditor_token
):
    _keep(world)
    listed = flags.compute_flags(services.scope_for(world.auditor))
    expected = [(f.kind, f.zone_id, f.cooperative_id, f.message) for f in listed]
    kinds = [k for k, *_ in expected]
    assert kinds == ["overlap"] + ["area_mismatch"] * 9 + ["unknown_serials", "shopper_reports"]
    pages = _walk(client, auditor_token, "/api/v1/authority/flags?page_size=4")
    assert [_key(f) for page in pages for f in page] == expected
    assert [len(p) for p in pages] == [4, 4, 4]
    # A typed page number gives that page; the total counts the live summary too.
    second = client.get("/api/v1/authority/flags?page_size=4&page=2", headers=bearer(auditor_token))
    assert [_key(f) for f in second.get_json()] == [_key(f) for f in pages[1]]
    assert json.loads(second.headers["X-Pagination"])["total"] == 12
    # One kind: the live summary alone, or the kept rows of that kind.
    only = _walk(client, auditor_token, "/api/v1/authority/flags?kind=unknown_serials")
    assert [[f["kind"] for f in p] for p in only] == [["unknown_serials"]]
    overlaps = _walk(client, auditor_token, "/api/v1/authority/flags?kind=overlap&page_size=1")
    assert [[f["zone_id"] for f in p] for p in overlaps] == [[expected[0][1]]]


def test_before_a_refresh_the_live_flags_page_by_position(world, client, auditor_token):
    for _ in range(3):
        db.session.add(
            LabelScan(
                outcome="unknown",
                unknown_serial="FAKE02",
                client_hash="y",
                ua_class="mobile",
                lang="vi",
            )
        )
    db.session.commit()
    url = "/api/v1/authority/flags?page_size=1"
    first = client.get(url, headers=bearer(auditor_token))
    assert first.headers["X-Flags-As-Of"] == "live"
    assert [f["kind"] for f in first.get_json()] == ["unknown_serials"]
    assert "Link" not in first.headers
    past = client.get(url + "&after=1", headers=bearer(auditor_token))
    assert past.status_code == 200 and past.get_json() == []
