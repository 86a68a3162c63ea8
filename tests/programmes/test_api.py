"""The programme API: an officer records a workshop and its sheet; bad input names the field;
another organisation's officer, a cooperative and an auditor see what they should."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import bearer
from traceapp.auth.services import create_token
from traceapp.programmes import activities, attendance


@pytest.fixture
def officer_token(support):
    return create_token(support.officer, support.officer, "sheet")[1]


def _workshop(client, token, programme_id, **kw):
    body = {
        "kind": "workshop",
        "title": "Sales and marketing",
        "starts_on": "2025-04-02",
        "province": "Phú Yên",
        **kw,
    }
    return client.post(
        f"/api/v1/programmes/{programme_id}/activities", json=body, headers=bearer(token)
    )


def test_an_officer_records_a_workshop_and_its_sign_in_sheet(client, world, support, officer_token):
    pid = support.programme.id
    r = _workshop(client, officer_token, pid, cooperative_ids=[world.a.coop.id])
    assert r.status_code == 201, r.json
    activity_id = r.json["id"]
    members = client.get(
        f"/api/v1/activities/{activity_id}/members", headers=bearer(officer_token)
    ).json
    assert {m["full_name"] for m in members} == {m.full_name for m in world.a.members}
    assert set(members[0]) == {"id", "full_name", "gender", "age_band", "cooperative_id"}
    sheet = {"rows": [{"member_id": world.a.members[0].id}, {"full_name": "Lò Thị Xuân"}]}
    r = client.post(
        f"/api/v1/activities/{activity_id}/attendance", json=sheet, headers=bearer(officer_token)
    )
    assert r.status_code == 201, r.json
    reach = client.get(f"/api/v1/programmes/{pid}/reach", headers=bearer(officer_token)).json
    assert (reach["people"], reach["attendances"], reach["activities"]) == (2, 2, 1)
    # The same member again: refused, naming the row, and nothing stored.
    r = client.post(
        f"/api/v1/activities/{activity_id}/attendance",
        json={"rows": [{"full_name": "Người mới"}, {"member_id": world.a.members[0].id}]},
        headers=bearer(officer_token),
    )
    assert r.status_code == 422
    assert "rows.1.full_name" in r.json["errors"]["json"]
    reach = client.get(f"/api/v1/programmes/{pid}/reach", headers=bearer(officer_token)).json
    assert reach["attendances"] == 2
    xml = client.get(f"/api/v1/programmes/{pid}/iati.xml", headers=bearer(officer_token))
    assert xml.status_code == 200 and b"<iati-activities" in xml.data


def test_an_activity_dated_before_its_programme_is_refused(client, support, officer_token):
    r = _workshop(client, officer_token, support.programme.id, starts_on="2023-06-01")
    assert r.status_code == 422
    assert "before its programme starts" in r.json["errors"]["json"]["starts_on"][0]
    assert (
        client.get(
            f"/api/v1/programmes/{support.programme.id}/activities", headers=bearer(officer_token)
        ).json
        == []
    )


def test_a_target_without_a_period_is_refused(client, support, officer_token):
    r = client.post(
        f"/api/v1/programmes/{support.programme.id}/targets",
        json={"indicator": "people_reached", "target": "100"},
        headers=bearer(officer_token),
    )
    assert r.status_code == 422 and "year" in r.json["errors"]["json"]


def test_other_organisations_and_cooperatives_see_nothing_of_a_programme(
    client, world, support, other_support
):
    workshop = activities.create_activity(
        support.officer,
        support.programme,
        kind="workshop",
        title="T",
        starts_on=dt.date(2025, 1, 5),
        province="Phú Yên",
    )
    for user in (other_support.officer, world.a.manager, world.b.manager):
        token = create_token(user, user, "t")[1]
        for url in (
            f"/api/v1/programmes/{support.programme.id}",
            f"/api/v1/activities/{workshop.id}",
            f"/api/v1/activities/{workshop.id}/members",
        ):
            assert client.get(url, headers=bearer(token)).status_code == 404, (user, url)
        r = client.post(
            f"/api/v1/activities/{workshop.id}/attendance",
            json={"rows": [{"full_name": "X"}]},
            headers=bearer(token),
        )
        assert r.status_code == 404
    # Organisation B's officer names A's participant: refused like a missing one.
    (att,) = attendance.record_attendance(support.officer, workshop, [{"full_name": "Hà"}])
    b_activity = activities.create_activity(
        other_support.officer,
        other_support.programme,
        kind="workshop",
        title="B",
        starts_on=dt.date(2025, 1, 5),
        province="Khánh Hòa",
    )
    token = create_token(other_support.officer, other_support.officer, "t")[1]
    answers = [
        client.post(
            f"/api/v1/activities/{b_activity.id}/attendance",
            json={"rows": [{"participant_id": ident}]},
            headers=bearer(token),
        )
        for ident in (att.participant_id, 987654321)
    ]
    assert answers[0].status_code == answers[1].status_code == 422
    assert answers[0].json["errors"] == answers[1].json["errors"]
    # The Phú Yên auditor sees the programme and its figures; the Khánh Hòa one does not.
    auditor = create_token(world.auditor, world.auditor, "t")[1]
    assert (
        client.get(
            f"/api/v1/programmes/{support.programme.id}/reach", headers=bearer(auditor)
        ).json["people"]
        == 1
    )
    other = create_token(world.other_auditor, world.other_auditor, "t")[1]
    assert (
        client.get(f"/api/v1/programmes/{support.programme.id}", headers=bearer(other)).status_code
        == 404
    )


def test_every_programme_operation_has_an_operation_id(client):
    spec = client.get("/api/v1/openapi.json").json
    ops = [
        op
        for path, item in spec["paths"].items()
        if "programme" in path or "activit" in path or "organisation" in path
        for method, op in item.items()
        if method != "parameters"
    ]
    assert len(ops) >= 12
    assert all(op.get("operationId") for op in ops)


def test_a_programme_defines_a_module_and_an_activity_is_corrected(client, support, officer_token):
    pid = support.programme.id
    r = client.post(
        f"/api/v1/programmes/{pid}/modules",
        json={"code": "qc", "name": "Quality and certification", "hours": "8"},
        headers=bearer(officer_token),
    )
    assert r.status_code == 201, r.json
    module_id = r.json["id"]
    names = [
        m["name"]
        for m in client.get(f"/api/v1/programmes/{pid}/modules", headers=bearer(officer_token)).json
    ]
    assert "Think.Coop" in names and "Quality and certification" in names
    activity = _workshop(client, officer_token, pid).json
    r = client.patch(
        f"/api/v1/activities/{activity['id']}",
        json={"kind": "training", "module_id": module_id},
        headers=bearer(officer_token),
    )
    assert r.status_code == 200 and r.json["kind"] == "training"
    r = client.patch(
        f"/api/v1/activities/{activity['id']}",
        json={"starts_on": "2020-01-01"},
        headers=bearer(officer_token),
    )
    assert r.status_code == 422 and "starts_on" in r.json["errors"]["json"]
    reach = client.get(f"/api/v1/programmes/{pid}/reach", headers=bearer(officer_token)).json
    assert reach["training_hours"] == "8.0"
