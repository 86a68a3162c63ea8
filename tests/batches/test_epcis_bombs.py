"""Large and hostile EPCIS imports cost a worker a bounded amount (issue 15, item 3): the
request only spools the document and answers 202; the job stores it; a body past the size
limit and a document nested past the cap are refused, with nothing stored."""

from __future__ import annotations

import json

from tests.batches.test_epcis_exchange import _big, _example, _import
from tests.conftest import bearer
from tests.cooperatives.bounded import MEMORY_LIMIT, peak_memory
from traceapp.batches import epcis_jobs
from traceapp.batches.models import ImportJob, ReceivedEvent
from traceapp.extensions import db
from traceapp.media.models import SpooledUpload

EXAMPLE = "Example_9.6.1-ObjectEvent.jsonld"


def _spools(app) -> int:
    """Uploads kept for jobs (in the database, where every worker reads them)."""
    return db.session.query(SpooledUpload).count()


def test_a_six_megabyte_import_answers_at_once_and_its_job_stays_within_memory(
    app, farm, client, api_token, monkeypatch
):
    launched: list[int] = []
    monkeypatch.setitem(app.config, "TRACEAPP_JOBS_INLINE", False)
    monkeypatch.setattr(epcis_jobs, "launch", lambda job_id: launched.append(job_id))
    doc = _example(EXAMPLE)
    # A partner's extension field makes each event about 4 KB (real ones carry sensor
    # readings and certificates): the size of the document that froze a worker.
    doc["epcisBody"]["eventList"][0]["example:note"] = "x" * 3_600
    doc = _big(doc, 1_500)
    body = json.dumps(doc).encode()
    assert len(body) > 5 * 1024 * 1024, len(body)  # as large as the document that froze a worker
    del doc

    with peak_memory() as request_peak:
        r = client.post(
            "/api/v1/epcis/import",
            data=body,
            headers=bearer(api_token),
            content_type="application/ld+json",
        )
    assert r.status_code == 202, r.json
    # The request keeps the test's own copy of the body in the client; what it adds is spooling.
    assert request_peak.bytes < MEMORY_LIMIT, request_peak.bytes
    assert db.session.query(ReceivedEvent).count() == 0  # nothing stored before the job runs
    [job_id] = launched

    with peak_memory() as job_peak:
        epcis_jobs.execute(app, job_id)
    assert job_peak.bytes < MEMORY_LIMIT, job_peak.bytes
    job = db.session.get(ImportJob, job_id)
    db.session.refresh(job)
    assert job.status == "done"
    assert db.session.query(ReceivedEvent).count() == 1_500
    assert not _spools(app)


def test_a_body_past_the_size_limit_is_refused_and_nothing_is_kept(
    app, farm, client, api_token, monkeypatch
):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024 * 1024)
    monkeypatch.setitem(app.config, "TRACEAPP_EPCIS_SYNC_BYTES", 64 * 1024)
    doc = _big(_example(EXAMPLE), 3_000)  # about 1.5 MB
    with peak_memory() as peak:
        r = _import(client, api_token, doc)
    assert r.status_code == 413, r.data[:300]
    assert peak.bytes < MEMORY_LIMIT
    assert db.session.query(ReceivedEvent).count() == 0
    assert db.session.query(ImportJob).count() == 0
    assert not _spools(app)


def test_a_document_nested_past_the_cap_is_refused_before_it_is_parsed(
    app, farm, client, api_token
):
    deep = b'{"epcisBody": ' + b'{"a": ' * 50_000 + b"1" + b"}" * 50_000 + b"}"
    with peak_memory() as peak:
        r = client.post(
            "/api/v1/epcis/import",
            data=deep,
            headers=bearer(api_token),
            content_type="application/ld+json",
        )
    assert r.status_code in (400, 422), r.data[:300]
    assert "deep" in r.json["message"].lower() or "nest" in json.dumps(r.json).lower()
    assert peak.bytes < MEMORY_LIMIT
    assert db.session.query(ReceivedEvent).count() == 0
