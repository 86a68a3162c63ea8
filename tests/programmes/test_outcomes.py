"""Outcomes: a cooperative founded with a programme's support, and a mark that requires a
completed training before a member may use it."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from tests.brands.factories import make_grant, marked_setup
from tests.conftest import bearer, login
from tests.factories import CooperativeFactory
from traceapp.auth.services import create_token
from traceapp.extensions import db
from traceapp.programmes import activities, attendance, stats
from traceapp.programmes.models import TrainingModule


def test_a_new_cooperative_is_linked_to_the_programme_that_founded_it(client, world, support):
    new = CooperativeFactory(name="HTX Phụ nữ Xuân Sơn", founded_on=None, womens_cooperative=True)
    token = create_token(support.officer, support.officer, "t")[1]
    url = f"/api/v1/programmes/{support.programme.id}/foundings"
    r = client.post(url, json={"cooperative_id": new.id, "founded_on": "2023-02-01"},
                    headers=bearer(token))  # fmt: skip
    assert r.status_code == 422 and "founded_on" in r.json["errors"]["json"]
    r = client.post(url, json={"cooperative_id": new.id, "founded_on": "2025-09-01"},
                    headers=bearer(token))  # fmt: skip
    assert r.status_code == 201, r.json
    db.session.refresh(new)
    assert new.founded_on == dt.date(2025, 9, 1)
    figures = stats.reach(support.officer, stats.Scope.for_year(2025))
    assert (figures.new_cooperatives, figures.new_womens_cooperatives) == (1, 1)
    manager = client.application.test_client()
    from tests.factories import UserFactory
    from traceapp.auth.models import Role

    UserFactory(email="m-new@example.test", role=Role.MANAGER, cooperative=new)
    login(manager, "m-new@example.test")
    page = manager.get(f"/cooperatives/{new.id}").get_data(as_text=True)
    assert "with the support of Women&#39;s cooperatives Alpha" in page or (
        "Chương trình HTX phụ nữ Alpha" in page
    )


def test_a_grant_shows_when_the_required_training_is_missing(app, world, support):
    mark, products = marked_setup(world.a, products=1)
    member = world.a.members[0]
    grant = make_grant(mark, member, products)
    think = db.session.scalar(sa.select(TrainingModule).where(TrainingModule.code == "think_coop"))
    manager = app.test_client()
    login(manager, world.a.manager.email)
    r = manager.form_post(f"/brands/{mark.id}/training", {"module_ids": [str(think.id)]})
    assert r.status_code == 302
    assert "Think.Coop" in manager.get(f"/brands/{mark.id}").get_data(as_text=True)
    page = manager.get(f"/grants/{grant.id}").get_data(as_text=True)
    assert "Training required by the rules of use is missing: Think.Coop." in page
    training = activities.create_activity(
        support.officer, support.programme, kind="training", title="Think.Coop",
        module_id=think.id, starts_on=dt.date(2025, 6, 1), province="Phú Yên",
        cooperative_ids=[world.a.coop.id],
    )  # fmt: skip
    attendance.record_attendance(support.officer, training, [{"member_id": member.id}])
    page = manager.get(f"/grants/{grant.id}").get_data(as_text=True)
    assert "Training required by the rules of use is missing" not in page
    assert training.training_hours == 6  # the module's hours
