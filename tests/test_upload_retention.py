"""Uploads kept for import jobs are let go once the job ended, or was checked and never
confirmed, longer than TRACEAPP_UPLOAD_RETENTION_HOURS ago (issue 21): by the worker's hourly
upkeep or `traceapp uploads expire`. The job's page then says the import expired; a job
still queued, and a recent one, keep theirs."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from tests.programmes.conftest import officer_client, support  # noqa: F401 - fixtures
from tests.programmes.test_import_jobs import _activity, _sheet, _upload
from tests.zones.test_import import _geojson
from tests.zones.test_import import _job_id as _zone_job_id
from tests.zones.test_import import _upload as _zone_upload
from traceapp import maintenance, workers
from traceapp.commands import uploads_expire
from traceapp.database import now_utc
from traceapp.extensions import db
from traceapp.media import spool
from traceapp.media.models import SpooledUpload
from traceapp.programmes.models import AttendanceImport
from traceapp.zones.models import ZoneImportJob


@pytest.fixture
def upkeep_due(monkeypatch):
    """The worker's hourly upkeep is due at its next turn."""
    monkeypatch.setattr(maintenance, "_last", {})


def _age(model, job_id: int, hours: float) -> None:
    db.session.execute(
        sa.update(model)
        .where(model.id == job_id)
        .values(
            created_at=now_utc() - dt.timedelta(hours=hours),
            finished_at=now_utc() - dt.timedelta(hours=hours),
        )
    )
    db.session.commit()


def _uploads() -> int:
    return db.session.scalar(sa.select(sa.func.count(SpooledUpload.id)))


def test_an_unconfirmed_zone_check_expires_and_its_page_says_so(
    app, world, manager_client, upkeep_due
):
    old = _zone_job_id(_zone_upload(manager_client, "zones.geojson", _geojson(2)))
    recent = _zone_job_id(_zone_upload(manager_client, "zones.geojson", _geojson(2)))
    assert _uploads() == 2
    _age(ZoneImportJob, old, 73)
    _age(ZoneImportJob, recent, 71)

    workers.work(app, once=True)
    assert _uploads() == 1
    db.session.expire_all()
    assert db.session.get_one(ZoneImportJob, old).path is None
    assert spool.exists(db.session.get_one(ZoneImportJob, recent).path)
    page = manager_client.get(f"/zones/import/{old}?lang=en").get_data(as_text=True)
    assert "The uploaded file is no longer kept for this job: upload it again." in page
    assert manager_client.form_post(f"/zones/import/{old}/confirm").status_code == 409
    # The recent one is still imported once confirmed.
    assert manager_client.form_post(f"/zones/import/{recent}/confirm").status_code == 302
    db.session.expire_all()
    assert db.session.get_one(ZoneImportJob, recent).status == "done"


def test_an_unconfirmed_sheet_check_expires_and_its_page_says_so(
    app,
    officer_client,  # noqa: F811
    support,  # noqa: F811
    upkeep_due,
):
    activity = _activity(support)
    db.session.commit()
    assert _upload(officer_client, activity, _sheet(3)).status_code == 200
    (job_id,) = db.session.scalars(sa.select(AttendanceImport.id))
    _age(AttendanceImport, job_id, 80)
    workers.work(app, once=True)
    page = officer_client.get(f"/attendance-imports/{job_id}?lang=en").get_data(as_text=True)
    assert "The import expired; upload the file again." in page
    r = officer_client.form_post(
        f"/activities/{activity.id}/import/confirm?lang=en", {"import_id": str(job_id)}
    )
    assert r.status_code == 422
    assert "The import expired; upload the file again." in r.get_data(as_text=True)


def test_queued_jobs_keep_their_upload_and_the_command_reports(
    app, world, manager_client, monkeypatch
):
    monkeypatch.setitem(app.config, "TRACEAPP_JOBS_INLINE", False)
    queued = _zone_job_id(_zone_upload(manager_client, "zones.geojson", _geojson(1)))
    _age(ZoneImportJob, queued, 500)
    monkeypatch.setitem(app.config, "TRACEAPP_UPLOAD_RETENTION_HOURS", 1)
    out = app.test_cli_runner().invoke(uploads_expire)
    assert out.exit_code == 0 and "0 import jobs' uploads let go." in out.output
    assert spool.exists(db.session.get_one(ZoneImportJob, queued).path)
