"""Scale-out: the same job tests on the in-process executor and on real Celery workers.

The Celery tests need a Redis server: ``.ci/run`` starts one and sets
``FIELDROUTE_TEST_REDIS_URL``; elsewhere a ``redis-server`` on the PATH is started on a
free port. Workers are real ``fieldroute worker`` processes.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import icalendar
import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.day_plans.convert import plan_from_response, to_problem
from service.day_plans.schemas import DayPlanRequest
from service.jobs.store import JobStore
from solver.roads import RoadNetwork
from solver.routing import check_plan
from tests.service.conftest import HEADERS, make_settings
from tests.service.databases import DATABASES, job_database

ROOT = Path(__file__).resolve().parents[2]
EXECUTORS = ("inprocess", "celery")

# Monaco: reps start at the Place d'Armes / Fontvieille; accounts around the Principality.
POINTS = [
    (43.7315, 7.4197),
    (43.7384, 7.4246),
    (43.7402, 7.4266),
    (43.7311, 7.4165),
    (43.7347, 7.4206),
    (43.7285, 7.4148),
    (43.7440, 7.4300),
    (43.7365, 7.4212),
    (43.7329, 7.4230),
    (43.7397, 7.4285),
    (43.7372, 7.4180),
    (43.7350, 7.4260),
    (43.7420, 7.4280),
    (43.7300, 7.4180),
    (43.7335, 7.4190),
    (43.7410, 7.4250),
    (43.7389, 7.4275),
    (43.7320, 7.4215),
    (43.7360, 7.4240),
    (43.7430, 7.4290),
]


def day_plan(rep_id: str = "R1", *, n_accounts: int = 6, time_limit_s: float = 1.0) -> dict:
    return {
        "network": "monaco",
        "date": "2026-12-01",
        "reps": [
            {
                "id": rep_id,
                "start": {"lat": 43.7315, "lon": 7.4197},
                "shift": {"start": "08:00", "end": "17:00"},
                "break": {"earliest": "12:00", "latest": "13:00", "duration_s": 1800},
                "cost_per_km": 0.3,
                "cost_per_hour": 30,
            }
        ],
        "accounts": [
            {
                "id": f"{rep_id}-A{i}",
                "location": {"lat": lat, "lon": lon},
                "visit_duration_s": 1200,
                "priority": 10 + 4 * i,
            }
            for i, (lat, lon) in enumerate(POINTS[:n_accounts])
        ],
        "options": {"time_limit_s": time_limit_s, "seed": 0},
    }


def assert_feasible(request: dict, response: dict, network: RoadNetwork) -> None:
    problem = to_problem(DayPlanRequest.model_validate(request), default_network="monaco")
    plan = plan_from_response(response)
    assert check_plan(problem, plan, network=network) == []
    planned = {s["account_id"] for r in response["routes"] for s in r["stops"] if s["account_id"]}
    unassigned = {u["account_id"] for u in response["unassigned"]}
    assert planned | unassigned == {a["id"] for a in request["accounts"]}


def wait_for(client: TestClient, job_id: str, timeout_s: float = 90) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = client.get(f"/v1/jobs/{job_id}", headers=HEADERS).json()
        if job["status"] in ("succeeded", "failed", "cancelled"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish in {timeout_s} s: {job}")


# --------------------------------------------------------------------------- Redis, workers


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """A real Redis server: the one CI started, or one started here."""
    url = os.environ.get("FIELDROUTE_TEST_REDIS_URL")
    if url:
        yield url
        return
    if shutil.which("redis-server") is None:
        pytest.skip("no Redis: install redis-server (CI does, in .ci/run)")
    port = _free_port()
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    yield f"redis://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=10)


class Workers:
    """Real ``fieldroute worker`` processes on one broker and one job database."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = env
        self.log_dir = log_dir
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self, name: str) -> None:
        log = open(self.log_dir / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
        self.procs[name] = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "worker", "--concurrency", "1"]
            + ["--name", f"{name}@test", "--loglevel", "INFO"],
            env=self.env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        for name in self.procs:
            path = self.log_dir / f"{name}.log"
            while " ready." not in path.read_text():
                assert self.procs[name].poll() is None, path.read_text()[-2000:]
                assert time.monotonic() < deadline, f"worker {name} did not start"
                time.sleep(0.2)

    def kill(self, name: str) -> None:
        os.killpg(self.procs[name].pid, signal.SIGKILL)
        self.procs[name].wait(timeout=10)

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def celery_overrides(redis_url: str, db: int) -> dict:
    return {
        "jobs": "celery",
        "celery_broker_url": f"{redis_url}/{db}",
        "celery_result_url": f"{redis_url}/{db + 1}",
        "celery_visibility_timeout_s": 4.0,
        "job_lease_s": 2.0,
        "job_deadline_s": 120.0,
    }


def worker_env(settings) -> dict[str, str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "FIELDROUTE_NETWORKS_DIR": str(settings.networks_dir),
        "FIELDROUTE_DEFAULT_NETWORK": settings.default_network,
        "FIELDROUTE_DATABASE_URL": settings.database_url,
        "FIELDROUTE_JOBS": "celery",
        "FIELDROUTE_CELERY_BROKER_URL": settings.celery_broker_url,
        "FIELDROUTE_CELERY_RESULT_URL": settings.celery_result_url,
        "FIELDROUTE_CELERY_VISIBILITY_TIMEOUT_S": str(settings.celery_visibility_timeout_s),
        "FIELDROUTE_JOB_LEASE_S": str(settings.job_lease_s),
        "FIELDROUTE_JOB_DEADLINE_S": str(settings.job_deadline_s),
    }
    return env


def _flush(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


@pytest.fixture(
    scope="module",
    params=[(executor, database) for database in DATABASES for executor in EXECUTORS],
    ids="-".join,
)
def executor_client(
    request, tmp_path_factory, networks_dir, monaco_network
) -> Iterator[tuple[str, TestClient]]:
    """An API client whose jobs run in-process or on one real Celery worker, on SQLite
    or PostgreSQL."""
    executor, database = request.param
    tmp_path = tmp_path_factory.mktemp(f"scaleout-{executor}-{database}")
    overrides = {}
    workers = None
    if executor == "celery":
        url = request.getfixturevalue("redis_url")
        overrides = celery_overrides(url, 2)
        _flush(overrides["celery_broker_url"])
    with job_database(database, tmp_path) as database_url:
        settings = make_settings(tmp_path, networks_dir, database_url=database_url, **overrides)
        if executor == "celery":
            workers = Workers(worker_env(settings), tmp_path)
            workers.start("w1")
            workers.wait_ready()
        try:
            with TestClient(create_app(settings)) as client:
                yield executor, client
        finally:
            if workers is not None:
                workers.stop()


# --------------------------------------------------------------------------- both executors


def test_day_plan_job_succeeds_with_progress_attempts_and_a_checked_plan(
    executor_client, monaco_network
):
    _, client = executor_client
    request = day_plan(n_accounts=8)
    submitted = client.post(
        "/v1/jobs", json={"kind": "day-plan", "request": request}, headers=HEADERS
    )
    assert submitted.status_code == 202
    job = wait_for(client, submitted.json()["id"])
    assert job["status"] == "succeeded", job
    assert job["progress"] == 1.0 and job["attempts"] == 1
    assert_feasible(request, job["result"], monaco_network)


def test_bad_input_job_fails_once_and_is_not_retried(executor_client):
    _, client = executor_client
    request = {**day_plan(), "network": "atlantis"}  # valid shape; no such network
    submitted = client.post(
        "/v1/jobs", json={"kind": "day-plan", "request": request}, headers=HEADERS
    )
    job = wait_for(client, submitted.json()["id"])
    assert job["status"] == "failed"
    assert job["error"]["error"] == "network_not_found"
    assert "atlantis" in job["error"]["detail"]
    time.sleep(1.0)  # a retry would show up as a second attempt
    assert client.get(f"/v1/jobs/{job['id']}", headers=HEADERS).json()["attempts"] == 1


def test_batch_job_counts_finished_reps_and_serves_each_rep_plan(executor_client, monaco_network):
    _, client = executor_client
    requests = [day_plan(f"R{i}", n_accounts=4 + i) for i in range(4)]
    requests[2] = {**requests[2], "network": "atlantis"}  # one rep's request fails alone
    submitted = client.post("/v1/day-plans/batch", json={"requests": requests}, headers=HEADERS)
    assert submitted.status_code == 202, submitted.text
    assert submitted.json()["parts"] == {"total": 4, "done": 0}
    job = wait_for(client, submitted.json()["id"])
    assert job["status"] == "succeeded", job
    assert job["parts"] == {"total": 4, "done": 4} and job["progress"] == 1.0
    statuses = {line["rep_id"]: line["status"] for line in job["result"]["reps"]}
    assert statuses == {"R0": "succeeded", "R1": "succeeded", "R2": "failed", "R3": "succeeded"}
    assert (job["result"]["succeeded"], job["result"]["failed"]) == (3, 1)
    for i in (0, 1, 3):
        response = client.get(f"/v1/jobs/{job['id']}/results/R{i}", headers=HEADERS)
        assert response.status_code == 200
        assert [r["rep_id"] for r in response.json()["routes"]] == [f"R{i}"]
        assert_feasible(requests[i], response.json(), monaco_network)
    failed = client.get(f"/v1/jobs/{job['id']}/results/R2", headers=HEADERS)
    assert failed.status_code == 422 and failed.json()["error"] == "network_not_found"
    missing = client.get(f"/v1/jobs/{job['id']}/results/nobody", headers=HEADERS)
    assert missing.status_code == 404
    # a rep of a batch gets their own calendar
    plan_r1 = client.get(f"/v1/jobs/{job['id']}/results/R1", headers=HEADERS).json()
    ics = client.get(f"/v1/jobs/{job['id']}/calendar.ics?rep_id=R1", headers=HEADERS)
    assert ics.status_code == 200
    events = list(icalendar.Calendar.from_ical(ics.content).walk("VEVENT"))
    assert len(events) == plan_r1["routes"][0]["totals"]["visits"] > 0
    whole = client.get(f"/v1/jobs/{job['id']}/calendar.ics", headers=HEADERS)
    assert whole.status_code == 422 and whole.json()["field"] == "rep_id"


def test_batch_rejects_a_request_with_two_reps_naming_it(executor_client):
    _, client = executor_client
    double = day_plan("R1")
    double["reps"] = double["reps"] + [{**double["reps"][0], "id": "R2"}]
    response = client.post(
        "/v1/day-plans/batch", json={"requests": [day_plan("R0"), double]}, headers=HEADERS
    )
    assert response.status_code == 422
    assert response.json()["field"] == "requests[1].reps"
    twice = client.post(
        "/v1/day-plans/batch", json={"requests": [day_plan("R0"), day_plan("R0")]}, headers=HEADERS
    )
    assert twice.status_code == 422
    assert "Rep 'R0'" in twice.json()["detail"]


# --------------------------------------------------------------------------- worker death


@pytest.fixture(params=DATABASES)
def database_url(request, tmp_path) -> Iterator[str]:
    """A new job database: an SQLite file, or a database on the PostgreSQL test server."""
    with job_database(request.param, tmp_path) as url:
        yield url


def test_job_of_a_killed_worker_is_completed_by_another_and_stored_once(
    redis_url, database_url, tmp_path, networks_dir, monaco_network
):
    overrides = celery_overrides(redis_url, 4)
    _flush(overrides["celery_broker_url"])
    settings = make_settings(tmp_path, networks_dir, database_url=database_url, **overrides)
    workers = Workers(worker_env(settings), tmp_path)
    workers.start("w1")
    workers.start("w2")
    try:
        workers.wait_ready()
        store = JobStore(settings.database_url)
        with TestClient(create_app(settings)) as client:
            # 20 accounts, 4 s: the search stops once converged (about 0.5 s of CPU at
            # the least, issue 12), so the worker is killed right after it starts.
            request = day_plan(n_accounts=20, time_limit_s=4.0)
            submitted = client.post(
                "/v1/jobs", json={"kind": "day-plan", "request": request}, headers=HEADERS
            )
            job_id = submitted.json()["id"]
            deadline = time.monotonic() + 30
            while (job := store.get(job_id)).status != "running" or job.worker is None:
                assert time.monotonic() < deadline, "the job never started"
                time.sleep(0.05)
            first = job.worker.split("@")[0]
            time.sleep(0.1)  # mid-job
            workers.kill(first)

            done = wait_for(client, job_id, timeout_s=60)
        assert done["status"] == "succeeded", done
        assert done["attempts"] == 2
        assert_feasible(request, done["result"], monaco_network)
        events = store.events(job_id)
        assert [e.event for e in events] == ["queued", "started", "taken_over", "succeeded"]
        started, taken_over, succeeded = events[1:]
        assert started.worker.startswith(first)
        assert not taken_over.worker.startswith(first)  # another worker finished it
        assert succeeded.attempt == 2  # the result was written once, by the second attempt
        store.dispose()
    finally:
        workers.stop()
