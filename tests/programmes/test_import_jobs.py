"""A big sign-in sheet is imported by background jobs (issue 21, item 5): its check and its
recording run in the worker with progress on a page that refreshes by itself, the duplicate
choices are kept on the job, a worker lost midway is replaced without anyone counted twice,
and a bad row names its line and field."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import sqlalchemy as sa

from tests.programmes.factories import person
from traceapp import workers
from traceapp.database import now_utc
from traceapp.extensions import db
from traceapp.programmes import activities, attendance, import_jobs
from traceapp.programmes.models import Attendance, AttendanceImport


@pytest.fixture
def queued(app, monkeypatch):
    """Every sheet is a big one, and requests leave their jobs to the worker, as on a server."""
    monkeypatch.setitem(app.config, "TRACEAPP_JOBS_INLINE", False)
    monkeypatch.setitem(app.config, "TRACEAPP_ATTENDANCE_IMPORT_SYNC_BYTES", 10)
    monkeypatch.setitem(app.config, "TRACEAPP_ATTENDANCE_IMPORT_SYNC_ROWS", 1)
    monkeypatch.setattr(import_jobs, "SLICE", 2)


def _activity(support, title="Series"):
    return activities.create_activity(
        support.officer, support.programme, kind="workshop", title=title,
        starts_on=dt.date(2025, 3, 1), province="Phú Yên",
    )  # fmt: skip


def _sheet(count: int, extra: str = "") -> bytes:
    lines = ["name,gender,birth year,commune"]
    lines += [f"Nguyễn Văn {i},nam,{1960 + i},An Dân" for i in range(1, count + 1)]
    return ("\n".join(lines) + "\n" + extra).encode()


def _upload(client, activity, body: bytes):
    return client.form_post(
        f"/activities/{activity.id}/import?lang=en",
        {"file": (io.BytesIO(body), "sheet.csv")},
        content_type="multipart/form-data",
    )


def _counted(activity_id: int) -> list[int]:
    db.session.expire_all()
    return sorted(
        db.session.scalars(
            sa.select(Attendance.participant_id).where(Attendance.activity_id == activity_id)
        )
    )


def test_a_big_sheet_is_checked_then_recorded_by_the_worker_with_progress(
    app, officer_client, support, queued
):
    first = _activity(support, "One")
    (known,) = attendance.record_attendance(
        support.officer, first, [person("Nguyễn Văn 2", birth_year=1962, commune="An Dân")]
    )
    second = _activity(support, "Two")
    db.session.commit()
    r = _upload(officer_client, second, _sheet(5))
    assert r.status_code == 302
    page = r.headers["Location"]
    html = officer_client.get(page).get_data(as_text=True)
    assert "Checking the file…" in html and 'http-equiv="refresh"' in html

    assert workers.work(app, once=True) >= 1
    html = officer_client.get(page).get_data(as_text=True)
    assert "Same person as Nguyễn Văn 2 (recorded)" in html and 'http-equiv="refresh"' not in html
    assert _counted(second.id) == []
    import_id = re.search(r'name="import_id" type="hidden" value="(\d+)"', html).group(1)
    r = officer_client.form_post(
        f"/activities/{second.id}/import/confirm",
        {"import_id": import_id, "choice-1": str(known.participant_id), "choice-4": "skip"},
    )
    assert r.headers["Location"].endswith(page)
    html = officer_client.get(page).get_data(as_text=True)
    assert "Counting: 0 of 4 people." in html and 'http-equiv="refresh"' in html

    assert workers.work(app, once=True) >= 1
    html = officer_client.get(page).get_data(as_text=True)
    assert "4 people added to the sheet." in html
    counted = _counted(second.id)
    assert len(counted) == 4 and known.participant_id in counted


def test_a_small_sheet_is_recorded_in_its_request_though_a_worker_polls_the_queue(
    officer_client, support, worker_polls_first
):
    """A worker beside the server that polls the queue just after the request commits a
    small job finds nothing to take: the request checks and records the sheet itself and
    answers with the result, not with a progress page."""
    polls = worker_polls_first
    activity = _activity(support)
    db.session.commit()
    r = _upload(officer_client, activity, _sheet(3))
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and 'http-equiv="refresh"' not in html
    import_id = re.search(r'name="import_id" type="hidden" value="(\d+)"', html).group(1)
    r = officer_client.form_post(
        f"/activities/{activity.id}/import/confirm", {"import_id": import_id}
    )
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/activities/{activity.id}")
    html = officer_client.get(r.headers["Location"]).get_data(as_text=True)
    assert "3 people added to the sheet." in html
    assert polls == [None, None]
    assert len(_counted(activity.id)) == 3


def test_a_lost_worker_is_replaced_and_no_one_is_counted_twice(
    app, officer_client, support, queued, monkeypatch
):
    activity = _activity(support)
    db.session.commit()
    page = _upload(officer_client, activity, _sheet(5)).headers["Location"]
    workers.work(app, once=True)
    html = officer_client.get(page).get_data(as_text=True)
    import_id = int(re.search(r'name="import_id" type="hidden" value="(\d+)"', html).group(1))
    officer_client.form_post(f"/activities/{activity.id}/import/confirm", {"import_id": import_id})
    real = attendance.record_attendance
    stopping = workers.threading.Event()

    def record_then_die(actor, where, rows, **kwargs):
        if len(rows) <= import_jobs.SLICE:
            stopping.set()  # the worker goes away while it writes the first slice
        return real(actor, where, rows, **kwargs)

    monkeypatch.setattr(attendance, "record_attendance", record_then_die)
    workers.work(app, once=True, stopping=stopping)
    db.session.expire_all()
    job = db.session.get_one(AttendanceImport, import_id)
    assert (job.phase, job.done, len(_counted(activity.id))) == ("apply", 2, 2)
    # As a killed worker leaves it: running, beating no more.
    job.status, job.worker, job.attempts = "running", "gone-host:4242", 1
    job.heartbeat_at = now_utc() - dt.timedelta(minutes=10)
    db.session.commit()
    assert "the server stopped working on it" in officer_client.get(page).get_data(as_text=True)

    monkeypatch.setattr(attendance, "record_attendance", real)
    assert workers.work(app, once=True) >= 1
    html = officer_client.get(page).get_data(as_text=True)
    assert "5 people added to the sheet." in html
    counted = _counted(activity.id)
    assert len(counted) == 5 == len(set(counted))


def test_a_bad_row_of_a_big_sheet_names_its_line_and_field(app, officer_client, support, queued):
    activity = _activity(support)
    db.session.commit()
    r = _upload(officer_client, activity, _sheet(3, "Lê Thị Mười,nữ,19x0,An Dân\n"))
    page = r.headers["Location"]
    workers.work(app, once=True)
    html = officer_client.get(page).get_data(as_text=True)
    assert "The import failed:" in html and 'http-equiv="refresh"' not in html
    assert "Line 5, birth_year: Enter a birth year such as 1980." in html
    assert _counted(activity.id) == []
