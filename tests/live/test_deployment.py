"""The deployment the README describes past one machine: several app servers and a job worker
of its own, each with its own instance folder, sharing nothing but the database.

A label job asked of one server is rendered by the separate `traceapp worker` (the servers run
no worker of their own here) and followed and downloaded from the other server; an EPCIS
document uploaded to one server is imported by the worker, whose instance folder never saw
the upload (uploads wait in the database)."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from tests.live.conftest import serve_fresh_instance
from tests.live.support import LiveServer, free_port, label_runs_past, wait_until_up

pytestmark = [pytest.mark.live]


@dataclass
class Cluster:
    first: LiveServer
    second: LiveServer
    worker_log: Any


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    settings = {
        "TRACEAPP_JOBS_INLINE_WORKER": "0",
        "TRACEAPP_LABELS_SYNC_LIMIT": "10",
        "TRACEAPP_EPCIS_SYNC_BYTES": "2048",
    }
    with serve_fresh_instance(tmp_path_factory, **settings) as first, ExitStack() as stack:
        port = free_port()
        instance = tmp_path_factory.mktemp("second-server")
        env = {
            **first.env,
            "TRACEAPP_INSTANCE_PATH": str(instance),
            "TRACEAPP_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        }
        log_path = instance / "server.log"
        log = stack.enter_context(log_path.open("wb"))
        second = LiveServer(
            url=f"http://127.0.0.1:{port}",
            log_path=log_path,
            instance=instance,
            env=env,
            bin=first.bin,
        )
        second.process = subprocess.Popen(  # noqa: S603 - our own command
            [str(first.bin), "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        stack.callback(_stop, second.process)
        wait_until_up(second)
        worker_instance = tmp_path_factory.mktemp("worker")
        worker_log_path = worker_instance / "worker.log"
        worker_log = stack.enter_context(worker_log_path.open("wb"))
        worker = subprocess.Popen(  # noqa: S603 - our own command
            [str(first.bin), "worker"],
            env={**first.env, "TRACEAPP_INSTANCE_PATH": str(worker_instance)},
            stdout=worker_log,
            stderr=subprocess.STDOUT,
        )
        stack.callback(_stop, worker)
        yield Cluster(first, second, worker_log_path)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _api(server: LiveServer, token: str) -> requests.Session:
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {token}"
    return api


def _wait_for(api: requests.Session, job_url: str, what: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while (job := api.get(job_url, timeout=30).json())["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, f"{what} never finished: {job}"
        time.sleep(0.5)
    return job


def test_a_job_asked_of_one_server_is_run_by_the_worker_and_fetched_from_another(
    cluster: Cluster,
) -> None:
    token = cluster.first.command("users", "token", "manager@xuanphuoc.demo").split()[-1]
    first = _api(cluster.first, token)
    base = f"{cluster.first.url}/api/v1"
    runs = label_runs_past(first, base, 10)
    assert runs, "the demo has no run past 10 labels"
    run = runs[0]
    asked = first.get(f"{base}/label-runs/{run['id']}.zpl", allow_redirects=False, timeout=30)
    assert asked.status_code == 202, asked.text[:300]
    # Followed on the other server, whose instance folder holds nothing of the job.
    second = _api(cluster.second, token)
    job_url = cluster.second.url + asked.headers["Location"]
    job = _wait_for(second, job_url, "the label job")
    assert job["status"] == "done", (job, cluster.worker_log.read_text()[-3000:])
    zpl = second.get(f"{job_url}/file", timeout=60).text
    assert zpl.count("^XA") == run["live"]
    for server in (cluster.first, cluster.second):
        assert not server.tracebacks()
    assert "Traceback" not in cluster.worker_log.read_text()


def test_an_upload_to_one_server_is_imported_by_the_worker_elsewhere(cluster: Cluster) -> None:
    token = cluster.first.command("users", "token", "manager@xuanphuoc.demo").split()[-1]
    first = _api(cluster.first, token)
    base = f"{cluster.first.url}/api/v1"
    lots = first.get(f"{base}/batches", timeout=30).json()
    lot = (lots["items"] if isinstance(lots, dict) else lots)[0]
    doc = first.get(f"{base}/batches/{lot['id']}/epcis", timeout=60).json()
    event = doc["epcisBody"]["eventList"][0]
    doc["epcisBody"]["eventList"] = [
        {**event, "eventID": f"urn:uuid:00000000-0000-4000-a000-{n:012d}"} for n in range(40)
    ]
    sent = first.post(
        f"{base}/epcis/import",
        data=json.dumps(doc).encode(),
        headers={"Content-Type": "application/ld+json"},
        timeout=60,
    )
    assert sent.status_code == 202, sent.text[:500]
    second = _api(cluster.second, token)
    job = _wait_for(second, cluster.second.url + sent.headers["Location"], "the EPCIS import")
    assert job["status"] == "done", (job, cluster.worker_log.read_text()[-3000:])
    assert job["result"]["stored"] == 40, job
    for server in (cluster.first, cluster.second):
        assert not server.tracebacks()
    assert "Traceback" not in cluster.worker_log.read_text()
