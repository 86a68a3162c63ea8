"""Large label runs render in the job worker `traceapp serve` starts beside the web workers
(issue 21, item 6): the request answers 202 at once, the job's progress can be followed, and
its file arrives, with every label of the run."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import requests

from tests.live.conftest import serve_fresh_instance
from tests.live.support import LiveServer, label_runs_past


@pytest.fixture(scope="module")
def jobs_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server that renders every run past 10 labels as a job."""
    with serve_fresh_instance(tmp_path_factory, TRACEAPP_LABELS_SYNC_LIMIT="10") as server:
        yield server


def test_a_large_run_renders_in_the_server_s_own_job_worker(jobs_server: LiveServer) -> None:
    token = jobs_server.command("users", "token", "manager@xuanphuoc.demo").split()[-1]
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {token}"
    base = f"{jobs_server.url}/api/v1"
    runs = label_runs_past(api, base, 10)
    assert runs, "the demo has no run past 10 labels"
    run = runs[0]
    asked = api.get(f"{base}/label-runs/{run['id']}.zpl", allow_redirects=False, timeout=30)
    assert asked.status_code == 202, asked.text[:300]
    job_url = jobs_server.url + asked.headers["Location"]
    deadline = time.monotonic() + 120
    while (job := api.get(job_url, timeout=30).json())["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, f"the job never finished: {job}"
        time.sleep(0.5)
    assert job["status"] == "done", job
    zpl = api.get(f"{job_url}/file", timeout=60).text
    assert zpl.count("^XA") == run["live"]
    assert not jobs_server.tracebacks()
