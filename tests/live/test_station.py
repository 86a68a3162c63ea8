"""Harvest day at the weighing station, on a 360 px phone in Chromium, with the network cut.

On a server of its own (it adds twenty households and an open lot to the demo data): the
cooperative's staff member opens the station, which installs its service worker and keeps the
page and the lot's member list; the network goes off; twenty households' deliveries are
entered (member number, quantity, Enter) and wait on the phone; the network comes back and
each is sent. The API then shows each recorded exactly once, and sending one of them again
with its key answers the recorded contribution instead of a second one.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from tests.live.conftest import serve_fresh_instance
from tests.live.support import DEMO_ACCOUNTS, LiveServer, sign_in

pytestmark = [pytest.mark.live, pytest.mark.browser]

HOUSEHOLDS = 20
WIDTH, HEIGHT = 360, 780

#: Twenty households of the Xuân Phước cooperative registered on one of its approved growing
#: areas, a product without a mark and an open harvest lot, made the way the demo is.
SEED = r"""
import datetime as dt, json
import sqlalchemy as sa
from traceapp import create_app
from traceapp.auth.models import SYSTEM
from traceapp.batches import services
from traceapp.cooperatives.models import Cooperative, Member
from traceapp.extensions import db
from traceapp.products.models import Product
from traceapp.zones.models import Zone, ZoneKind, ZoneStatus

app = create_app()
with app.app_context():
    coop = db.session.execute(
        sa.select(Cooperative).where(Cooperative.short_code == "XP")
    ).scalar_one()
    zone = db.session.execute(
        sa.select(Zone).where(Zone.cooperative_id == coop.id, Zone.kind == ZoneKind.GROWING_AREA,
                              Zone.status == ZoneStatus.APPROVED).order_by(Zone.code)
    ).scalars().first()
    members = [
        Member(cooperative_id=coop.id, member_number=f"7{n:03d}", full_name=f"Hộ cân thử {n}",
               village="Phú Xuân")
        for n in range(1, %(n)d + 1)
    ]
    db.session.add_all(members)
    product = Product(cooperative_id=coop.id, code="XP-CAN-TAI-DIEM", name="Đậu phộng cân tại điểm",
                      category="peanuts", unit_of_trade="kg", names={})
    db.session.add(product)
    db.session.flush()
    zone.members = list(zone.members) + members
    # Yesterday: the phone's date (its own time zone) is never before the harvest.
    lot = services.create_lot(SYSTEM, product_id=product.id,
                              production_date=dt.date.today() - dt.timedelta(days=1),
                              quantity="2000", unit="KGM")
    db.session.commit()
    print(json.dumps({"lot_id": lot.id, "lot_code": lot.code, "zone": zone.code,
                      "members": {m.member_number: m.id for m in members}}))
"""


@pytest.fixture(scope="module")
def station_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve_fresh_instance(tmp_path_factory) as server:
        yield server


def _seed(server: LiveServer) -> dict[str, Any]:
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", SEED % {"n": HOUSEHOLDS}],
        env=server.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _api(server: LiveServer, token: str, path: str) -> Any:
    import urllib.request

    request = urllib.request.Request(  # noqa: S310 - loopback
        server.url + path, headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - loopback
        return json.loads(answer.read())


def _states(page: Any) -> dict[str, int]:
    return dict(
        page.evaluate(
            """() => { const n = {};
            for (const li of document.querySelectorAll('#queue li')) {
              n[li.dataset.state] = (n[li.dataset.state] || 0) + 1; }
            return n; }"""
        )
    )


REPLAY = """async ([url, session, body]) => {
  const token = (await (await fetch(session, {cache: 'no-store'})).json()).csrf_token;
  const answer = await fetch(url, {method: 'POST', body: JSON.stringify(body), headers: {
    'Content-Type': 'application/json', 'Accept': 'application/json', 'X-CSRFToken': token}});
  return [answer.status, await answer.json()];
}"""


def test_twenty_households_weighed_offline_are_recorded_once(
    station_server: LiveServer, chromium: Any
) -> None:
    server = station_server
    seed = _seed(server)
    lot_id, numbers = seed["lot_id"], sorted(seed["members"])
    token = (
        server.command("users", "token", DEMO_ACCOUNTS["manager"], "--name", "station")
        .strip()
        .splitlines()[-1]
        .strip()
    )
    page = sign_in(chromium, server, "staff", width=WIDTH, height=HEIGHT, locale="en-GB")
    context = page.context
    try:
        page.goto(server.url + "/station/?lang=en")
        # The service worker installs and takes the page over; the lot chosen is remembered.
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        page.select_option("#lot", str(lot_id))
        page.wait_for_selector("#entry:not([hidden])")
        page.reload()
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        page.wait_for_selector("#entry:not([hidden])")
        assert page.input_value("#lot") == str(lot_id)
        members_url = f"/station/lots/{lot_id}/members.json"
        page.wait_for_function(
            "async (url) => !!(await caches.match(url)) && !!(await caches.match('/station/'))",
            arg=members_url,
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH

        context.set_offline(True)
        page.wait_for_function("() => !navigator.onLine")
        assert "No network" in page.inner_text("#net")
        quantities: dict[str, Decimal] = {}
        for i, number in enumerate(numbers):
            quantity = Decimal(20 + i) + Decimal("0.5")
            quantities[number] = quantity
            if i % 2:  # by name: "thử 2" matches households 2 and 20, to be chosen from
                page.fill("#who", f"thu {int(number) - 7000}")
                page.press("#who", "Enter")
                if page.locator("#matches button").count():
                    page.locator("#matches button", has_text=number).click()
            else:  # by member number
                page.fill("#who", number)
                page.press("#who", "Enter")
            assert number in page.inner_text("#who-found")
            assert seed["zone"] in page.inner_text("#zone")  # the household's only zone
            page.fill("#qty", str(quantity))
            page.press("#qty", "Enter")
            page.wait_for_function(
                "(n) => document.querySelectorAll('#queue li').length === n", arg=i + 1
            )
        assert _states(page) == {"waiting": HOUSEHOLDS}
        total = sum(quantities.values())
        assert total == int(total)
        assert page.inner_text("#total") == f"This session: {HOUSEHOLDS} entries, {int(total)} kg"
        assert f"{HOUSEHOLDS} waiting" in page.inner_text("#counts")
        recorded = _api(server, token, f"/api/v1/batches/{lot_id}/contributions")
        assert recorded == []  # nothing left the phone

        context.set_offline(False)
        page.wait_for_function(
            "(n) => document.querySelectorAll('#queue li[data-state=sent]').length === n",
            arg=HOUSEHOLDS,
            timeout=90_000,
        )
        assert _states(page) == {"sent": HOUSEHOLDS}
        recorded = _api(server, token, f"/api/v1/batches/{lot_id}/contributions")
        by_member = {c["member_id"]: c for c in recorded}
        assert len(recorded) == len(by_member) == HOUSEHOLDS
        for number, member_id in seed["members"].items():
            assert Decimal(by_member[member_id]["quantity"]) == quantities[number]
        queue = page.evaluate(
            "(key) => JSON.parse(localStorage.getItem(key))",
            f"traceapp-station-queue:{page.locator('#station').get_attribute('data-user')}",
        )
        assert {e["key"] for e in queue} == {c["idempotency_key"] for c in recorded}

        # The phone sends one again (an answer lost on the way): the recorded one comes back.
        entry = queue[0]
        status, body = page.evaluate(
            REPLAY,
            [
                f"/station/lots/{lot_id}/contributions",
                "/station/session.json",
                {
                    "member_id": entry["member_id"],
                    "zone_id": entry["zone_id"],
                    "quantity": entry["quantity"],
                    "delivered_on": entry["delivered_on"],
                    "idempotency_key": entry["key"],
                },
            ],
        )
        assert status == 201
        assert body["id"] == entry["contribution_id"]
        again = _api(server, token, f"/api/v1/batches/{lot_id}/contributions")
        assert len(again) == HOUSEHOLDS

        # 90 tonnes from one household's field: refused as implausible, confirmed with a
        # reason on the phone, then recorded once with that reason (the auditors see it).
        page.fill("#who", numbers[0])
        page.press("#who", "Enter")
        page.fill("#qty", "90000")
        page.press("#qty", "Enter")
        refused = page.locator("#queue li[data-state=refused]")
        refused.wait_for(timeout=60_000)
        assert "implausible" in refused.inner_text()
        refused.get_by_role("button", name="Confirm and send").click()
        assert "at least 5 characters" in refused.inner_text()  # a reason is needed
        reason = "Weighed twice at the scale; the household rents two more fields."
        refused.locator(".confirm input").fill(reason)
        refused.get_by_role("button", name="Confirm and send").click()
        page.wait_for_function(
            "(n) => document.querySelectorAll('#queue li[data-state=sent]').length === n",
            arg=HOUSEHOLDS + 1,
            timeout=60_000,
        )
        after = _api(server, token, f"/api/v1/batches/{lot_id}/contributions")
        [confirmed] = [c for c in after if Decimal(c["quantity"]) == 90000]
        assert len(after) == HOUSEHOLDS + 1
        assert confirmed["confirmation_reason"] == reason
        assert confirmed["entry_warnings"], confirmed
    finally:
        context.close()
    assert not server.tracebacks(), server.tracebacks()
