"""A big member file is imported by background jobs (issue 21, item 5): its check and its
application run in the worker with progress on a page that refreshes by itself, a worker lost
midway is replaced without any member registered twice, and problems name line and field."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import sqlalchemy as sa

from tests.conftest import bearer
from traceapp import workers
from traceapp.audit.verify import verify_chain
from traceapp.cooperatives import member_jobs
from traceapp.cooperatives.models import Member, MemberImport
from traceapp.cooperatives.services import member_apply
from traceapp.database import now_utc
from traceapp.extensions import db


@pytest.fixture
def queued(app, monkeypatch):
    """Every file is a big one, and requests leave their jobs to the worker, as on a server."""
    monkeypatch.setitem(app.config, "TRACEAPP_JOBS_INLINE", False)
    monkeypatch.setitem(app.config, "TRACEAPP_MEMBER_IMPORT_SYNC_BYTES", 10)
    monkeypatch.setitem(app.config, "TRACEAPP_MEMBER_IMPORT_SYNC_ROWS", 1)
    monkeypatch.setattr(member_apply, "SLICE", 2)


def _csv(count: int, first: int = 1) -> bytes:
    lines = ["Member number,Full name,Village"]
    lines += [f"J-{i:03d},Nguyễn Văn {i},Thôn {i}" for i in range(first, first + count)]
    return ("\n".join(lines) + "\n").encode()


def _worker_once(app) -> None:
    assert workers.work(app, once=True) >= 1


def _fresh(job_id: int) -> MemberImport:
    db.session.expire_all()
    return db.session.get_one(MemberImport, job_id)


def _numbers(coop_id: int) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(Member.member_number).where(
                Member.cooperative_id == coop_id, Member.member_number.like("J-%")
            )
        )
    )


def test_a_big_file_is_checked_then_applied_by_the_worker_with_progress(
    app, manager_client, world, queued
):
    coop = world.a.coop
    r = manager_client.form_post(
        f"/cooperatives/{coop.id}/members/import?lang=en",
        {"file": (io.BytesIO(_csv(5)), "members.csv")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 302
    page = r.headers["Location"]
    html = manager_client.get(page).get_data(as_text=True)
    assert "Checking the file…" in html and 'http-equiv="refresh"' in html

    _worker_once(app)
    html = manager_client.get(page).get_data(as_text=True)
    assert "5 members found." in html and "No problems." in html
    assert 'http-equiv="refresh"' not in html and _numbers(coop.id) == []
    import_id = re.search(r'name="import_id" type="hidden" value="(\d+)"', html).group(1)

    r = manager_client.form_post(
        f"/cooperatives/{coop.id}/members/import/confirm", {"import_id": import_id}
    )
    assert r.headers["Location"].endswith(page)
    html = manager_client.get(page).get_data(as_text=True)
    assert "Importing: 0 of 5 members." in html and 'http-equiv="refresh"' in html

    _worker_once(app)
    html = manager_client.get(page).get_data(as_text=True)
    assert "5 members imported." in html
    assert sorted(_numbers(coop.id)) == [f"J-{i:03d}" for i in range(1, 6)]
    assert verify_chain().ok


def test_a_small_import_answers_in_its_request_though_a_worker_polls_the_queue(
    manager_client, world, worker_polls_first
):
    """A worker beside the server (``traceapp serve`` starts one) that polls the queue just
    after the request commits a small job finds nothing to take: the request runs the check
    and the import itself and answers with the result, not with a progress page."""
    polls = worker_polls_first
    coop = world.a.coop
    r = manager_client.form_post(
        f"/cooperatives/{coop.id}/members/import?lang=en",
        {"file": (io.BytesIO(_csv(3)), "members.csv")},
        content_type="multipart/form-data",
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "3 members found." in html and "No problems." in html
    import_id = re.search(r'name="import_id" type="hidden" value="(\d+)"', html).group(1)
    r = manager_client.form_post(
        f"/cooperatives/{coop.id}/members/import/confirm", {"import_id": import_id}
    )
    assert r.status_code == 302
    assert r.headers["Location"].endswith(f"/cooperatives/{coop.id}/members")
    html = manager_client.get(r.headers["Location"]).get_data(as_text=True)
    assert "3 members imported." in html
    assert polls == [None, None]
    assert sorted(_numbers(coop.id)) == ["J-001", "J-002", "J-003"]
    job = _fresh(int(import_id))
    assert (job.status, job.attempts) == ("done", 1)
    assert member_jobs.is_small(job)


def test_a_lost_worker_is_replaced_and_no_member_is_registered_twice(
    app, client, api_token, world, queued, monkeypatch
):
    coop = world.a.coop
    r = client.post(
        f"/api/v1/cooperatives/{coop.id}/members/import?dry_run=false",
        data={"file": (io.BytesIO(_csv(5)), "members.csv")},
        headers=bearer(api_token),
        content_type="multipart/form-data",
    )
    assert r.status_code == 202 and r.json["status"] == "queued"
    job_id = r.json["id"]
    assert r.headers["Location"].endswith(f"/api/v1/member-imports/{job_id}")
    real = member_apply.apply_slice
    stopping = workers.threading.Event()

    def apply_then_die(*args, **kwargs):
        stopping.set()  # the worker goes away while it writes the first slice
        return real(*args, **kwargs)

    monkeypatch.setattr(member_apply, "apply_slice", apply_then_die)
    workers.work(app, once=True, stopping=stopping)
    job = _fresh(job_id)
    assert (job.phase, job.done, len(_numbers(coop.id))) == ("apply", 2, 2)
    # As a killed worker leaves it: running, beating no more.
    job.status, job.worker, job.attempts = "running", "gone-host:4242", 1
    job.heartbeat_at = now_utc() - dt.timedelta(minutes=10)
    db.session.commit()
    status = client.get(r.headers["Location"], headers=bearer(api_token)).json
    assert (status["status"], status["done"], status["total"]) == ("running", 2, 5)

    monkeypatch.setattr(member_apply, "apply_slice", real)
    _worker_once(app)
    status = client.get(r.headers["Location"], headers=bearer(api_token)).json
    assert (status["status"], status["phase"], status["imported"]) == ("done", "apply", 5)
    assert sorted(_numbers(coop.id)) == [f"J-{i:03d}" for i in range(1, 6)]
    assert verify_chain().ok


def test_a_bad_row_of_a_big_file_names_its_line_and_field(app, client, api_token, world, queued):
    coop = world.a.coop
    body = _csv(3) + "J-009,,Thôn\nJ-010,Lê Văn Mười,Thôn\n".encode()
    r = client.post(
        f"/api/v1/cooperatives/{coop.id}/members/import?dry_run=false",
        data={"file": (io.BytesIO(body), "members.csv")},
        headers=bearer(api_token),
        content_type="multipart/form-data",
    )
    assert r.status_code == 202
    _worker_once(app)
    job = client.get(r.headers["Location"], headers=bearer(api_token)).json
    assert job["status"] == "failed"
    assert job["error"] == "Nothing was imported: the file has problems."
    assert job["problems"] == {
        "full_name": ["Line 5, column “Full name”: Enter the member's full name."]
    }
    assert job["summary"]["problems"] == [
        {
            "line": 5,
            "column": "Full name",
            "field": "full_name",
            "message": "Enter the member's full name.",
        }
    ]
    assert _numbers(coop.id) == []


def test_a_failed_import_says_why_on_its_page(app, manager_client, world, queued):
    coop = world.a.coop
    r = manager_client.form_post(
        f"/cooperatives/{coop.id}/members/import?lang=en",
        {"file": (io.BytesIO(_csv(3)), "members.csv")},
        content_type="multipart/form-data",
    )
    page = r.headers["Location"]
    _worker_once(app)
    html = manager_client.get(page).get_data(as_text=True)
    import_id = re.search(r'name="import_id" type="hidden" value="(\d+)"', html).group(1)
    # Registered by hand between the check and the confirmation.
    r = manager_client.form_post(
        f"/cooperatives/{coop.id}/members/new",
        {
            "full_name": "Chen Ngang",
            "member_number": "J-002",
            "gender": "female",
            "role": "household",
        },
    )
    assert r.status_code == 302
    manager_client.form_post(
        f"/cooperatives/{coop.id}/members/import/confirm", {"import_id": import_id}
    )
    _worker_once(app)
    html = manager_client.get(page).get_data(as_text=True)
    assert "The import failed: Nothing was imported: some rows are no longer valid." in html, html[
        html.find("<main") :
    ]
    assert "Line 3, column “Member number”: Member number J-002 is already in use." in html
    assert _numbers(coop.id) == ["J-002"]


def test_another_cooperatives_import_is_not_found(app, other_client, manager_client, world):
    coop = world.a.coop
    r = manager_client.form_post(
        f"/cooperatives/{coop.id}/members/import?lang=en",
        {"file": (io.BytesIO(_csv(2)), "members.csv")},
        content_type="multipart/form-data",
    )
    import_id = re.search(
        r'name="import_id" type="hidden" value="(\d+)"', r.get_data(as_text=True)
    ).group(1)
    assert manager_client.get(f"/member-imports/{import_id}").status_code == 200
    assert other_client.get(f"/member-imports/{import_id}").status_code == 404
