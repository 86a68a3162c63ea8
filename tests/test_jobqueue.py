"""Background jobs wait in the database for a worker (`traceapp worker`), not in a thread of
the web worker that took the request (issue 21, item 6): a queued job is run by the worker,
two workers never run the same job, and a job whose worker died is resumed or failed on its
page, never lost."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.batches.test_epcis_exchange import _big, _example
from tests.concurrency import at_once, cooperative_with_bag, scratch_app
from tests.conftest import bearer
from tests.labels.test_runs import _packed_lot
from traceapp import jobqueue, workers
from traceapp.batches import epcis_import, epcis_jobs
from traceapp.batches.models import ImportJob, ImportJobSlice, Lot, ReceivedEvent
from traceapp.database import now_utc
from traceapp.extensions import db
from traceapp.labels import jobs, services
from traceapp.labels.models import JobStatus, RenderJob

EXAMPLE = "Example_9.6.1-ObjectEvent.jsonld"


@pytest.fixture
def queued(app, monkeypatch):
    """Requests leave their jobs in the queue, as on a server (tests otherwise run them)."""
    monkeypatch.setitem(app.config, "TRACEAPP_JOBS_INLINE", False)
    monkeypatch.setitem(app.config, "TRACEAPP_LABELS_SYNC_LIMIT", 10)


def _worker_once(app) -> str:
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    return result.output


def _fresh(model, job_id):
    db.session.expire_all()
    return db.session.get_one(model, job_id)


def test_a_job_asked_for_in_a_request_waits_for_the_worker_which_runs_it(
    app, farm, manager_client, queued
):
    run = services.issue_run(farm.world.a.manager, _packed_lot(farm), count=30)
    db.session.commit()
    r = manager_client.form_post(f"/label-runs/{run.id}/print", {"fmt": "zpl", "layout": "a4-3x8"})
    assert r.status_code == 302
    job_id = int(r.headers["Location"].rstrip("/").split("/")[-1])
    page = manager_client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Preparing: 0 of 30 labels." in page, page[
        page.find("<main") :
    ]  # nothing ran inside the request
    assert _fresh(RenderJob, job_id).status == JobStatus.QUEUED

    assert "1 job(s) run." in _worker_once(app)

    job = _fresh(RenderJob, job_id)
    assert job.status == JobStatus.DONE and job.attempts == 1
    assert "Ready: 30 labels." in manager_client.get(r.headers["Location"]).get_data(as_text=True)
    zpl = manager_client.get(f"/render-jobs/{job_id}/download").get_data(as_text=True)
    assert zpl.count("^XA") == 30
    assert "0 job(s) run." in _worker_once(app)  # drained: nothing runs twice


def test_a_job_no_worker_takes_says_so_on_its_page(app, farm, manager_client):
    run = services.issue_run(farm.world.a.manager, _packed_lot(farm), count=12)
    job = jobs.start_job(farm.world.a.manager, run, "zpl")
    db.session.commit()
    waiting = "No job worker has taken this job yet"
    assert waiting not in manager_client.get(f"/render-jobs/{job.id}").get_data(as_text=True)
    job.created_at = now_utc() - dt.timedelta(minutes=10)
    db.session.commit()
    page = manager_client.get(f"/render-jobs/{job.id}").get_data(as_text=True)
    assert waiting in page and "Preparing: 0 of 12 labels." in page


def test_an_epcis_import_sent_to_the_api_is_imported_by_the_worker(
    app, farm, client, api_token, queued, monkeypatch
):
    monkeypatch.setitem(app.config, "TRACEAPP_EPCIS_SYNC_BYTES", 16 * 1024)
    body = json.dumps(_big(_example(EXAMPLE), 300)).encode()
    r = client.post(
        "/api/v1/epcis/import",
        data=body,
        headers=bearer(api_token),
        content_type="application/ld+json",
    )
    assert r.status_code == 202, r.json
    waiting = client.get(r.headers["Location"], headers=bearer(api_token)).json
    assert (waiting["status"], waiting["done"]) == ("queued", 0)
    assert db.session.query(ReceivedEvent).count() == 0

    _worker_once(app)

    followed = client.get(r.headers["Location"], headers=bearer(api_token)).json
    assert followed["status"] == "done" and followed["done"] == 300
    assert db.session.query(ReceivedEvent).count() == 300


def _dead_worker(job, attempts: int) -> None:
    """The job as its worker left it when it was killed: running, beating no more."""
    job.status = "running"
    job.worker = "gone-host:4242"
    job.attempts = attempts
    job.started_at = job.heartbeat_at = now_utc() - dt.timedelta(minutes=10)
    db.session.commit()


def test_a_job_whose_worker_died_is_resumed_by_the_next_worker(app, farm, manager_client):
    run = services.issue_run(farm.world.a.manager, _packed_lot(farm), count=12)
    job = jobs.start_job(farm.world.a.manager, run, "zpl")
    _dead_worker(job, attempts=1)
    page = manager_client.get(f"/render-jobs/{job.id}").get_data(as_text=True)
    assert "the server stopped working on it" in page  # until a worker takes it back

    _worker_once(app)

    job = _fresh(RenderJob, job.id)
    assert job.status == JobStatus.DONE and job.attempts == 2
    zpl = manager_client.get(f"/render-jobs/{job.id}/download").get_data(as_text=True)
    assert zpl.count("^XA") == 12


def test_a_job_whose_worker_died_too_often_fails_on_its_page(app, farm, manager_client):
    run = services.issue_run(farm.world.a.manager, _packed_lot(farm), count=12)
    job = jobs.start_job(farm.world.a.manager, run, "zpl", locale="en")  # the message's language
    _dead_worker(job, attempts=jobqueue.MAX_ATTEMPTS)

    _worker_once(app)

    job = _fresh(RenderJob, job.id)
    assert job.status == JobStatus.FAILED
    page = manager_client.get(f"/render-jobs/{job.id}").get_data(as_text=True)
    assert "The worker running this job stopped 3 times before it could finish" in page
    assert manager_client.get(f"/render-jobs/{job.id}/download").status_code == 404


def test_a_running_job_with_a_live_worker_is_left_alone(app, farm):
    run = services.issue_run(farm.world.a.manager, _packed_lot(farm), count=12)
    job = jobs.start_job(farm.world.a.manager, run, "zpl")
    job.status, job.worker, job.attempts, job.heartbeat_at = "running", "busy:1", 1, now_utc()
    db.session.commit()
    assert "0 job(s) run." in _worker_once(app)
    assert _fresh(RenderJob, job.id).status == JobStatus.RUNNING


def test_a_stopped_worker_puts_its_import_back_and_the_next_one_goes_on_from_there(
    app, farm, client, api_token, queued, monkeypatch
):
    # SIGTERM sets the worker's stop flag: the import stops after a slice, goes back to the
    # queue with what it kept, and the next worker imports only the rest.
    monkeypatch.setitem(app.config, "TRACEAPP_EPCIS_SYNC_BYTES", 16 * 1024)
    body = json.dumps(_big(_example(EXAMPLE), 2 * epcis_jobs.SLICE + 50)).encode()
    r = client.post(
        "/api/v1/epcis/import",
        data=body,
        headers=bearer(api_token),
        content_type="application/ld+json",
    )
    job_id = int(r.headers["Location"].rstrip("/").split("/")[-1])
    stopping = workers.threading.Event()
    real = epcis_import.import_events
    slices: list[int] = []

    def import_then_stop(*args, **kwargs):
        slices.append(len(args[2]))
        stopping.set()  # the worker is told to stop while it keeps the first slice
        return real(*args, **kwargs)

    monkeypatch.setattr(epcis_import, "import_events", import_then_stop)
    workers.work(app, once=True, stopping=stopping)
    job = _fresh(ImportJob, job_id)
    assert (job.status, job.done, job.worker) == ("queued", epcis_jobs.SLICE, None)
    assert db.session.query(ReceivedEvent).count() == epcis_jobs.SLICE
    # What the slice did is kept beside the job; the job's result is written at its end.
    assert db.session.query(ImportJobSlice).filter_by(job_id=job_id).count() == 1

    # Each later slice writes its own row: the job's row is not rewritten with the result
    # so far (which grows with the document) after every slice, only once at the end.
    job_writes: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("UPDATE epcis_import_jobs"):
            job_writes.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", seen)

    monkeypatch.setattr(epcis_import, "import_events", real)
    try:
        _worker_once(app)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", seen)
    assert len([w for w in job_writes if "result=" in w]) == 1, job_writes
    job = _fresh(ImportJob, job_id)
    assert job.status == "done" and job.done == 2 * epcis_jobs.SLICE + 50
    assert job.result["stored"] == 2 * epcis_jobs.SLICE + 50  # both runs counted
    assert len(job.result["recorded"]) + len(job.result["unmatched"]) == job.done
    assert job.result["duplicates"] == []  # nothing imported twice
    assert db.session.query(ImportJobSlice).filter_by(job_id=job_id).count() == 0
    assert db.session.query(ReceivedEvent).count() == 2 * epcis_jobs.SLICE + 50


def _queue_render_jobs(app, count: int) -> list[int]:
    with app.app_context():
        coop, user, bag = cooperative_with_bag("HTX Hàng Đợi", "HD")
        lot = Lot(
            cooperative_id=coop.id,
            product_id=bag.id,
            code="HD-2026-0001",
            production_date=dt.date(2026, 3, 1),
            quantity=Decimal(100),
            unit="KGM",
        )
        db.session.add(lot)
        db.session.flush()
        run = services.issue_run(user, lot, count=3)
        ids = [jobs.start_job(user, run, "zpl").id for _ in range(count)]
        db.session.commit()
        db.session.remove()
    return ids


def test_workers_claiming_at_once_never_take_the_same_job(tmp_path):
    with scratch_app(tmp_path) as app:
        ids = _queue_render_jobs(app, 12)

        def claim_all(i: int) -> list[int]:
            taken = []
            with app.app_context():
                while (job_id := jobqueue.claim(jobs.KIND, f"worker-{i}")) is not None:
                    taken.append(job_id)
                db.session.remove()
            return taken

        results = at_once(4, claim_all)
        assert not [r for r in results if isinstance(r, Exception)], results
        claimed = [job_id for taken in results for job_id in taken]
        assert sorted(claimed) == ids  # every job taken, none twice


def test_two_worker_processes_share_the_queue(tmp_path):
    with scratch_app(tmp_path) as app:
        ids = _queue_render_jobs(app, 8)
        env = {
            **os.environ,
            "TRACEAPP_ENV": "testing",
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "SECRET_KEY": app.config["SECRET_KEY"],
            "TRACEAPP_INSTANCE_PATH": str(tmp_path),
        }
        command = [
            sys.executable,
            "-c",
            "from traceapp.cli import main; main()",
            "worker",
            "--once",
        ]
        procs = [
            subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)  # noqa: S603
            for _ in range(2)
        ]
        outputs = [p.communicate(timeout=120)[0] for p in procs]
        assert all(p.returncode == 0 for p in procs), outputs
        runs = [int(out.strip().splitlines()[-1].split()[0]) for out in outputs]
        assert sum(runs) == len(ids)
        with app.app_context():
            done = db.session.execute(
                sa.select(RenderJob.status, RenderJob.attempts).where(RenderJob.id.in_(ids))
            ).all()
            db.session.remove()
        assert done == [(JobStatus.DONE, 1)] * len(ids)  # each run once, by one worker
