"""A sign-in sheet file through the API (issue 21): uploaded, checked by a job that finds who
is likely already recorded, confirmed with the choices, recorded once; bad input names its
field; a big sheet waits for the worker and its job says how far it got."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from tests.conftest import bearer
from tests.programmes.factories import person
from tests.programmes.test_import_jobs import _activity, _counted, _sheet
from traceapp import workers
from traceapp.auth.services import create_token
from traceapp.extensions import db
from traceapp.programmes import attendance
from traceapp.programmes.models import AttendanceImport, Participant


@pytest.fixture
def token(support):
    return create_token(support.officer, support.officer, "sheets")[1]


def _post(client, token, activity_id, body: bytes, name: str = "sheet.csv"):
    return client.post(
        f"/api/v1/activities/{activity_id}/attendance/import",
        data={"file": (io.BytesIO(body), name)},
        headers=bearer(token),
        content_type="multipart/form-data",
    )


def _confirm(client, token, job_id, choices):
    return client.post(
        f"/api/v1/attendance-imports/{job_id}/confirm",
        json={"choices": choices},
        headers=bearer(token),
    )


def _known(support):
    first = _activity(support, "One")
    (known,) = attendance.record_attendance(
        support.officer, first, [person("Nguyễn Văn 2", birth_year=1962, commune="An Dân")]
    )
    db.session.commit()
    return known.participant_id


def test_a_sheet_posted_through_the_api_is_checked_then_counted_once(client, support, token):
    known_id = _known(support)
    second = _activity(support, "Two")
    db.session.commit()
    r = _post(client, token, second.id, _sheet(3))
    assert r.status_code == 202, r.json
    job = r.json
    assert r.headers["Location"].endswith(f"/api/v1/attendance-imports/{job['id']}")
    assert (job["status"], job["phase"], job["total"]) == ("done", "check", 3)
    # Row 1 (Nguyễn Văn 2) is likely the person recorded at the first activity.
    (choose,) = job["to_choose"]
    assert (choose["row"], choose["line"], choose["full_name"]) == (1, 3, "Nguyễn Văn 2")
    assert [m["id"] for m in choose["matches"]] == [known_id]
    assert _counted(second.id) == []  # nothing counted before the confirmation

    r = _confirm(client, token, job["id"], [{"row": 1, "choice": str(known_id)}])
    assert r.status_code == 202, r.json
    assert (r.json["status"], r.json["phase"], r.json["imported"]) == ("done", "apply", 3)
    assert r.json["to_choose"] is None
    counted = _counted(second.id)
    assert len(counted) == 3 and counted.count(known_id) == 1
    people = db.session.scalar(sa.select(sa.func.count(Participant.id)))
    assert people == 3  # two new people and the one already recorded

    # Confirming again counts no one twice.
    r = _confirm(client, token, job["id"], [])
    assert r.status_code == 422
    assert "import_id" in r.json["errors"]["json"]
    assert _counted(second.id) == counted
    r = client.get(f"/api/v1/attendance-imports/{job['id']}", headers=bearer(token))
    assert (r.status_code, r.json["imported"]) == (200, 3)


def test_bad_input_names_its_field_and_keeps_nothing(client, support, token):
    activity = _activity(support)
    db.session.commit()
    r = _post(client, token, activity.id, _sheet(2, "Trần Thị Ba,nữ,1850,An Dân\n"))
    assert r.status_code == 422
    assert any("Line 4" in m for m in r.json["errors"]["json"]["file"]), r.json
    r = _post(client, token, activity.id, b"a,b\n1,2\n", "sheet.pdf")
    assert r.status_code == 422 and "file" in r.json["errors"]["json"]
    r = client.post(
        f"/api/v1/activities/{activity.id}/attendance/import",
        data={},
        headers=bearer(token),
        content_type="multipart/form-data",
    )
    assert r.status_code == 422 and "file" in r.json["errors"]["files"], r.json
    assert db.session.scalar(sa.select(sa.func.count(AttendanceImport.id))) == 0

    r = _post(client, token, activity.id, _sheet(2))
    assert r.status_code == 202
    job_id = r.json["id"]
    for choices, field in (
        ([{"row": 5, "choice": "new"}], "choices.0.row"),
        ([{"row": 0, "choice": "maybe"}], "choices"),
        ([{"row": 0}], "choices"),
    ):
        r = _confirm(client, token, job_id, choices)
        assert r.status_code == 422, r.json
        assert any(k.startswith(field) for k in r.json["errors"]["json"]), r.json
    assert _counted(activity.id) == []


def test_a_big_sheet_waits_for_the_worker_with_its_progress(
    app, client, support, token, monkeypatch
):
    monkeypatch.setitem(app.config, "TRACEAPP_JOBS_INLINE", False)
    monkeypatch.setitem(app.config, "TRACEAPP_ATTENDANCE_IMPORT_SYNC_BYTES", 10)
    monkeypatch.setitem(app.config, "TRACEAPP_ATTENDANCE_IMPORT_SYNC_ROWS", 1)
    activity = _activity(support)
    db.session.commit()
    r = _post(client, token, activity.id, _sheet(4))
    assert r.status_code == 202 and r.json["status"] == "queued"
    url = r.headers["Location"]
    assert workers.work(app, once=True) >= 1
    job = client.get(url, headers=bearer(token)).json
    assert (job["status"], job["done"], job["total"], job["to_choose"]) == ("done", 4, 4, [])
    r = _confirm(client, token, job["id"], [{"row": 3, "choice": "skip"}])
    assert (r.status_code, r.json["status"], r.json["phase"]) == (202, "queued", "apply")
    assert _counted(activity.id) == []
    assert workers.work(app, once=True) >= 1
    job = client.get(url, headers=bearer(token)).json
    assert (job["status"], job["imported"], job["done"], job["total"]) == ("done", 3, 3, 3)
    assert len(_counted(activity.id)) == 3


def test_other_organisations_do_not_see_the_job(client, support, other_support, token):
    activity = _activity(support)
    db.session.commit()
    job_id = _post(client, token, activity.id, _sheet(1)).json["id"]
    other = create_token(other_support.officer, other_support.officer, "x")[1]
    assert (
        client.get(f"/api/v1/attendance-imports/{job_id}", headers=bearer(other)).status_code == 404
    )
    assert _confirm(client, other, job_id, []).status_code == 404
    assert _post(client, other, activity.id, _sheet(1)).status_code == 404
