"""A rendering job reads its labels a page at a time (issue 21): a run of a million labels
must not be held in the worker's memory as it renders."""

from __future__ import annotations

from tests.labels.test_runs import _packed_lot
from traceapp.extensions import db
from traceapp.labels import contents, jobs, services
from traceapp.labels.models import JobStatus, RenderJob


def test_a_rendering_job_holds_a_page_of_labels_at_a_time(app, farm, monkeypatch):
    monkeypatch.setattr(contents, "PAGE", 10)
    manager = farm.world.a.manager
    run = services.issue_run(manager, _packed_lot(farm), count=60)
    job_id = jobs.start_job(manager, run, "zpl").id
    db.session.commit()
    db.session.expunge_all()
    held: list[int] = []
    read = contents.run_contents

    def watched(*args, **kwargs):
        for label in read(*args, **kwargs):
            held.append(len(db.session.identity_map))
            yield label

    monkeypatch.setattr(contents, "run_contents", watched)
    jobs.execute(app, job_id)
    assert db.session.get(RenderJob, job_id).status == JobStatus.DONE
    assert len(held) == 60
    # the run, its lot and product, the job and its requester; never the 60 labels
    assert max(held) < 20, held
