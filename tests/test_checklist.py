"""The getting-started checklist of a new cooperative's home page ticks itself from the data
and goes away once every step is done."""

from __future__ import annotations

import re

from tests.conftest import login
from tests.farm import harvest_lot
from traceapp.labels import services as labels


def _steps(html: str) -> dict[str, str]:
    """Each step of the checklist on a page: done or todo."""
    found = re.findall(r'<li class="(done|todo)" data-step="([a-z]+)"', html)
    return {key: state for state, key in found}


def test_a_new_cooperative_sees_every_step_to_do(app, factories):
    from traceapp.auth.models import Role

    coop = factories.CooperativeFactory(name="Hợp tác xã Mới")
    manager = factories.UserFactory(email="new@example.test", role=Role.MANAGER, cooperative=coop)
    client = app.test_client()
    login(client, manager.email)
    html = client.get("/?lang=en").get_data(as_text=True)
    assert "Getting started" in html
    assert _steps(html) == dict.fromkeys(
        ("members", "zone", "mark", "product", "lot", "labels"), "todo"
    )
    assert "0 of 6 steps done" in html
    factories.MemberFactory(cooperative=coop, member_number="0001", full_name="Lê Văn Một")
    html = client.get("/?lang=en").get_data(as_text=True)
    assert _steps(html)["members"] == "done"
    assert "1 of 6 steps done" in html


def test_the_checklist_ticks_itself_and_goes_away_when_all_is_done(farm, manager_client):
    html = manager_client.get("/?lang=en").get_data(as_text=True)
    steps = _steps(html)
    assert steps == {
        "members": "done",
        "zone": "done",
        "mark": "done",
        "product": "done",
        "lot": "todo",
        "labels": "todo",
    }
    lot = harvest_lot(farm, "100")
    steps = _steps(manager_client.get("/").get_data(as_text=True))
    assert steps["lot"] == "done" and steps["labels"] == "todo"
    labels.issue_run(farm.world.a.manager, lot, count=1)
    html = manager_client.get("/?lang=en").get_data(as_text=True)
    assert "Getting started" not in html
    assert _steps(html) == {}
