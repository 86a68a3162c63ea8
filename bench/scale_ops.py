"""The operations bench/scale.py times (issue 21), one small function each.

An operation gets the signed-in test client of its role and the tier's starting points
(:class:`scale_build.World`) and returns what it measured beyond the wall time, if anything
(``{"ttfb": seconds}`` for a download). The harness times it and samples the process's
resident memory while it runs. The URLs are today's; when a page moves or gains a search,
change its line in :data:`OPS`.

Kinds, and the targets of issue 21 they are held to at the larger tier:
``page`` under 1 s and at most 3 times its time at the smaller tier; ``export`` first byte
under 1 s, memory growth under 50 MB, linear growth (at most 12 times for 10 times the data);
``import`` done in under 60 s, linear; ``render`` memory growth under 50 MB, linear; ``recall``
under 5 s, linear.
"""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scale_build import World

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass
class Op:
    """One operation: a name, its kind (which targets apply), the role that runs it and what
    it does. ``once``: run a single time, without a warm-up run (it changes the data)."""

    name: str
    kind: str
    role: str
    run: Callable[[Any, World], dict[str, float] | None]
    once: bool = False


def _headers(url: str, w: World, role: str) -> dict[str, str]:
    headers = {"Accept-Language": "vi"}
    if url.startswith("/api/"):
        token = w.auditor_token if role == "auditor" else w.token
        headers["Authorization"] = f"Bearer {token}"
    return headers


def page(url: str, role: str = "manager") -> Callable[[Any, World], None]:
    """GET a page or an API list; the whole body is read."""

    def run(c: Any, w: World) -> None:
        r = c.get(url.format(w=w), headers=_headers(url, w, role))
        body = b"".join(r.response) if r.is_streamed else r.get_data()
        assert r.status_code == 200, (url, r.status_code, body[:300])

    return run


def download(url: str, role: str = "manager") -> Callable[[Any, World], dict[str, float]]:
    """GET a download and drain it chunk by chunk, as a browser would: the time to the first
    chunk is the first byte (a response built whole in memory only answers when it is all
    built), the memory is sampled by the harness as it drains."""

    def run(c: Any, w: World) -> dict[str, float]:
        started = time.perf_counter()
        r = c.get(url.format(w=w), headers=_headers(url, w, role), buffered=False)
        chunks = iter(r.response)
        first = next(chunks, b"")
        ttfb = time.perf_counter() - started
        assert r.status_code == 200, (url, r.status_code, first[:300])
        size = len(first)
        for chunk in chunks:
            size += len(chunk)
        r.close()
        assert size > 0, url
        return {"ttfb": ttfb, "bytes": float(size)}

    return run


def _form_token(c: Any, url: str) -> str:
    found = _CSRF.search(c.get(url).get_data(as_text=True))
    return found.group(1) if found else ""


def recall(c: Any, w: World) -> None:
    """Recall the genealogy's root lot through the form, then open the report."""
    url = f"/lots/{w.root_lot_id}/recall"
    r = c.post(
        url,
        data={
            "reason": "Aflatoxin above the limit in the root lot",
            "instructions": "Stop selling and return the bags to the cooperative",
            "decided_by": "Ban quản trị",
            "csrf_token": _form_token(c, url),
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    found = re.search(r"/recalls/(\d+)", r.headers["Location"])
    w.recall_id = int(found.group(1)) if found else None
    report = c.get(r.headers["Location"])
    assert report.status_code == 200


def render_job(c: Any, w: World) -> dict[str, float]:
    """Queue a PDF job for the big run and run it here through the worker's job function
    (traceapp.labels.jobs.execute), as `traceapp worker` does."""
    from traceapp.auth.models import User
    from traceapp.extensions import db
    from traceapp.labels import jobs
    from traceapp.labels.models import LabelRun, RenderJob

    app = c.application
    with app.app_context():
        actor = db.session.execute(db.select(User).filter_by(email=w.manager)).scalar_one()
        job = jobs.start_job(actor, db.session.get(LabelRun, w.render_run_id), "pdf")
        db.session.commit()
        job_id = job.id
    jobs.execute(app, job_id)
    with app.app_context():
        done = db.session.get(RenderJob, job_id)
        assert done is not None and str(done.status) == "done", (done and done.status, done)
        return {"labels": float(done.done)}


def epcis_import(c: Any, w: World) -> dict[str, float]:
    """Upload an EPCIS document of ``epcis_import`` events about the big lot (copies of one
    of its exported events under new IDs) to the API, which queues a job; then run the job
    here through the worker's job function (traceapp.batches.epcis_jobs.execute). The time
    is from the upload to the job's end."""
    from traceapp.batches import epcis_jobs
    from traceapp.batches.models import ImportJob
    from traceapp.extensions import db

    app = c.application
    headers = _headers("/api/", w, "manager")
    exported = c.get(f"/api/v1/batches/{w.big_lot_id}/epcis", headers=headers)
    assert exported.status_code == 200, exported.get_data()[:300]
    doc = json.loads(b"".join(exported.response) if exported.is_streamed else exported.data)
    event = doc["epcisBody"]["eventList"][0]
    count = w.sizes["epcis_import"]
    doc["epcisBody"]["eventList"] = [
        {**event, "eventID": f"urn:uuid:00000000-0000-4000-9000-{n:012d}"} for n in range(count)
    ]
    body = json.dumps(doc).encode()
    del doc
    started = time.perf_counter()
    r = c.post(
        "/api/v1/epcis/import",
        data=body,
        headers=headers,
        content_type="application/ld+json",
    )
    assert r.status_code == 202, (r.status_code, r.get_data()[:300])
    upload = time.perf_counter() - started
    job_id = int(r.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    epcis_jobs.execute(app, job_id)
    with app.app_context():
        job = db.session.get(ImportJob, job_id)
        assert job is not None and job.status == "done", (job and job.status, job and job.error)
    return {"upload": upload, "events": float(count)}


def member_import(c: Any, w: World) -> dict[str, float]:
    """Upload a CSV of ``member_import`` new households (bench/member_import.py's file), run
    the check job, confirm on the checked page, run the apply job: upload to done, as a
    manager and `traceapp worker` do it (the jobs run here through the worker)."""
    from member_import import _file, _table

    from traceapp import workers

    app = c.application
    count = w.sizes["member_import"]
    content, name = _file(_table(count), xlsx=False)
    started = time.perf_counter()
    form = f"/cooperatives/{w.coop_id}/members/import"
    r = c.post(
        form,
        data={"file": (io.BytesIO(content), name), "csrf_token": _form_token(c, form)},
        content_type="multipart/form-data",
    )
    if r.status_code == 302:  # a large file: its check is a job
        job_page = r.headers["Location"]
        assert workers.work(app, once=True) >= 1
        html = c.get(job_page).get_data(as_text=True)
    else:  # a small one is checked in the request
        assert r.status_code == 200, r.get_data(as_text=True)[-2000:]
        html = r.get_data(as_text=True)
    found = re.search(r'name="import_id" type="hidden" value="(\d+)"', html)
    assert found, html[-3000:]
    token = _CSRF.search(html)
    r = c.post(
        f"/cooperatives/{w.coop_id}/members/import/confirm",
        data={"import_id": found.group(1), "csrf_token": token.group(1) if token else ""},
    )
    assert r.status_code == 302, r.get_data(as_text=True)[-2000:]
    workers.work(app, once=True)  # a small file was applied in the request already
    assert c.get(r.headers["Location"]).status_code == 200
    from traceapp.cooperatives.models import Member
    from traceapp.extensions import db

    with app.app_context():
        imported = db.session.scalar(
            db.select(db.func.count(Member.id)).where(
                Member.cooperative_id == w.coop_id, Member.member_number.like("M%")
            )
        )
    assert imported == count, (imported, count)
    return {"members": float(count), "seconds": time.perf_counter() - started}


def zone_import(c: Any, w: World) -> dict[str, float]:
    """Upload a GeoJSON of ``zone_import`` new codes to the API, run the check job, confirm,
    run the import job (bench/zone_import.py's file, codes of their own)."""
    from zone_import import _features

    from traceapp import workers

    app = c.application
    headers = _headers("/api/", w, "manager")
    count = w.sizes["zone_import"]
    body = json.dumps(_features(count)).encode()
    started = time.perf_counter()
    r = c.post(
        "/api/v1/zones/import?format=geojson",
        data=body,
        headers=headers,
        content_type="application/geo+json",
    )
    assert r.status_code == 202, (r.status_code, r.get_data()[:300])
    job_url = r.headers["Location"]
    assert workers.work(app, once=True) >= 1
    job = c.get(job_url, headers=headers).get_json()
    assert job["status"] == "checked" and not job.get("problems"), str(job)[:2000]
    r = c.post(f"{job_url}/confirm", headers=headers)
    assert r.status_code in (200, 202), (r.status_code, r.get_data()[:300])
    assert workers.work(app, once=True) >= 1
    job = c.get(job_url, headers=headers).get_json()
    assert job["status"] == "done", str(job)[:2000]
    return {"zones": float(count), "seconds": time.perf_counter() - started}


#: Every operation, in the order run (the recall changes the data: the lot list pages run
#: before it, the recall report's download after it).
OPS = [
    # Pages and API lists.
    Op(
        "lot page (10,000 contributions and events)",
        "page",
        "manager",
        page("/lots/{w.big_lot_id}"),
    ),
    Op("lot list, first page", "page", "manager", page("/lots")),
    Op("lot list, last page", "page", "manager", page("/lots?page=2&last=1")),
    # L0001200 to L0001299 at both tiers: the same hundred matches, so the growth is the
    # search's own (the former "L00123" found none at the smaller tier and 100 at the larger).
    Op("lot search", "page", "manager", page("/lots?q=L00012")),
    Op("members list", "page", "manager", page("/cooperatives/{w.coop_id}/members")),
    Op(
        "members search",
        "page",
        "manager",
        page("/cooperatives/{w.coop_id}/members?q=H%E1%BB%99%20N12"),
    ),
    Op(
        "members list, last page",
        "page",
        "manager",
        page("/cooperatives/{w.coop_id}/members?last=1"),
    ),
    Op("zones list", "page", "manager", page("/zones")),
    Op("zones list, last page", "page", "manager", page("/zones?last=1")),
    Op("zones search", "page", "manager", page("/zones?q=VN-PYDX-00123")),
    Op("label runs list", "page", "manager", page("/label-runs")),
    Op("scan statistics, 365 days", "page", "manager", page("/scans?days=365")),
    Op(
        "scans of one lot, 365 days",
        "page",
        "manager",
        page("/scans?days=365&lot_id={w.big_lot_id}"),
    ),
    Op("manager home", "page", "manager", page("/")),
    Op("auditor home", "page", "auditor", page("/")),
    Op("console index", "page", "auditor", page("/authority")),
    Op("flags list", "page", "auditor", page("/authority/flags")),
    Op("zone register", "page", "auditor", page("/authority/zones")),
    Op("zone register search", "page", "auditor", page("/authority/zones?q=VN-PYDX-00123")),
    Op("unknown serials list", "page", "auditor", page("/authority/unknown-scans")),
    Op("authority statistics page", "page", "auditor", page("/authority/stats")),
    Op("audit trail", "page", "admin", page("/audit")),
    Op("audit trail search (by action)", "page", "admin", page("/audit?action=lot.recall")),
    Op("API lot list", "page", "manager", page("/api/v1/batches")),
    Op("API lot search", "page", "manager", page("/api/v1/batches?q=L00012")),
    Op("API zone search", "page", "manager", page("/api/v1/zones?q=VN-PYDX-00123")),
    Op(
        "API member search",
        "page",
        "manager",
        page("/api/v1/cooperatives/{w.coop_id}/members?q=H%E1%BB%99%20N12"),
    ),
    # Downloads: first byte and memory while draining.
    Op(
        "EPCIS export of the big lot",
        "export",
        "manager",
        download("/lots/{w.big_lot_id}/epcis.jsonld"),
    ),
    Op("EPCIS export of the cooperative", "export", "manager", download("/api/v1/epcis")),
    Op("zone register CSV", "export", "auditor", download("/authority/zones.csv")),
    Op("zone register GeoJSON", "export", "auditor", download("/authority/zones.geojson")),
    Op("zone register KML", "export", "auditor", download("/authority/zones.kml")),
    Op("lot list XLSX", "export", "manager", download("/lots.xlsx")),
    Op(
        "members list XLSX",
        "export",
        "manager",
        download("/cooperatives/{w.coop_id}/members.xlsx"),
    ),
    Op("unknown serials CSV", "export", "auditor", download("/authority/unknown-scans.csv")),
    Op("scan log CSV, 7 days", "export", "manager", download("/scans.csv?days=7")),
    Op("authority statistics CSV", "export", "auditor", download("/authority/stats.csv")),
    # Jobs, once each.
    Op("rendering job, PDF of the big run", "render", "manager", render_job, once=True),
    Op("EPCIS import job (upload to done)", "import", "manager", epcis_import, once=True),
    Op(
        "member import jobs (upload, check, confirm, apply)",
        "import",
        "manager",
        member_import,
        once=True,
    ),
    Op(
        "zone import jobs (upload, check, confirm, apply)",
        "import",
        "manager",
        zone_import,
        once=True,
    ),
    # The recall last: it changes the tree's lots.
    Op("recall of the genealogy + report", "recall", "manager", recall, once=True),
    Op(
        "recall report CSV",
        "export",
        "manager",
        download("/recalls/{w.recall_id}/report.csv"),
    ),
]
