"""Per-tenant limits (429) and bounded backlogs and deadlines (503), each with Retry-After."""

from __future__ import annotations

import os
import socket
import threading
import time
from concurrent.futures import Future

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.common.runtime import RuntimeConfig
from service.common.services import Services
from service.jobs.executors import InProcessExecutor
from service.jobs.quota import TenantFullError
from service.jobs.store import JobStore
from service.tenants.keys import KeyStore
from tests.service.conftest import HEADERS, make_settings
from tests.service.databases import DATABASES, job_database
from tests.service.test_scaleout import _flush, redis_url  # noqa: F401 - fixture
from tests.service.test_tenants import matrix_day
from tests.service.test_worker_death import slow_request


class HeldExecutor:
    """Takes jobs and never runs them (they stay queued); its backlog is what it holds."""

    def __init__(self) -> None:
        self.submitted: list[tuple[str, str | None]] = []

    def submit(self, job_id, kind, request_json, part=None) -> None:
        self.submitted.append((job_id, part))

    def cancel(self, job_id) -> None:
        pass

    def backlog(self) -> int:
        return len(self.submitted)


def app_with_tenants(tmp_path, executor=None, **overrides):
    """A test client, and the headers of tenants 'acme' and 'beta' (keys made in the store)."""
    settings = make_settings(tmp_path, **overrides)
    app = create_app(settings, executor=executor)
    keys = KeyStore(app.state.jobs.store.engine)
    headers = {tenant: {"X-API-Key": keys.create(tenant)[1]} for tenant in ("acme", "beta")}
    return TestClient(app), headers


def retry_after(response) -> int:
    value = int(response.headers["Retry-After"])
    assert value >= 1
    return value


def submit(client, headers):
    return client.post(
        "/v1/jobs", json={"kind": "day-plan", "request": matrix_day()}, headers=headers
    )


def test_requests_past_the_tenants_rate_get_429_with_retry_after(tmp_path):
    client, keys = app_with_tenants(tmp_path, tenant_requests_per_minute=3)
    with client:
        for _ in range(3):
            assert client.get("/v1/jobs", headers=keys["acme"]).status_code == 200
        refused = client.get("/v1/jobs", headers=keys["acme"])
        assert refused.status_code == 429 and refused.json()["error"] == "rate_limited"
        assert 1 <= retry_after(refused) <= 60
        # the limit is the tenant's, not the service's
        assert client.get("/v1/jobs", headers=keys["beta"]).status_code == 200


def test_jobs_past_the_tenants_concurrent_limit_get_429_with_retry_after(tmp_path):
    executor = HeldExecutor()
    client, keys = app_with_tenants(tmp_path, executor, tenant_max_jobs=2)
    with client:
        assert [submit(client, keys["acme"]).status_code for _ in range(2)] == [202, 202]
        refused = submit(client, keys["acme"])
        assert refused.status_code == 429 and refused.json()["error"] == "too_many_jobs"
        retry_after(refused)
        assert len(client.get("/v1/jobs", headers=keys["acme"]).json()["jobs"]) == 2
        assert submit(client, keys["beta"]).status_code == 202
        # a finished (here: cancelled) job frees its place
        first = client.get("/v1/jobs", headers=keys["acme"]).json()["jobs"][0]["id"]
        assert client.delete(f"/v1/jobs/{first}", headers=keys["acme"]).status_code == 200
        assert submit(client, keys["acme"]).status_code == 202


@pytest.mark.parametrize("database", DATABASES)
def test_simultaneous_submissions_cannot_pass_the_tenants_job_limit(tmp_path, database):
    """Count and insert are one step: 12 threads at once, room for 3, exactly 3 stored."""
    with job_database(database, tmp_path) as url:
        stores = [JobStore(url) for _ in range(3)]  # as from three API processes
        start = threading.Barrier(12)
        outcomes: list[str] = []

        def create(store: JobStore, tenant: str) -> None:
            start.wait()
            try:
                store.create("day-plan", {}, tenant_id=tenant, max_unfinished=3)
                outcomes.append(f"{tenant}:stored")
            except TenantFullError:
                outcomes.append(f"{tenant}:refused")

        threads = [
            threading.Thread(target=create, args=(stores[i % 3], "acme" if i < 9 else "beta"))
            for i in range(12)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == sorted(
            ["acme:stored"] * 3 + ["acme:refused"] * 6 + ["beta:stored"] * 3
        )
        assert stores[0].count_unfinished("acme") == 3
        assert stores[0].count_unfinished("beta") == 3
        # a finished job frees its place
        first = stores[0].list_jobs(tenant_id="acme")[0]
        assert stores[1].cancel(first.id)
        stores[2].create("day-plan", {}, tenant_id="acme", max_unfinished=3)
        with pytest.raises(TenantFullError):
            stores[0].create("day-plan", {}, tenant_id="acme", max_unfinished=3)
        for store in stores:
            store.dispose()


def test_simultaneous_http_submissions_get_429_past_the_tenants_job_limit(tmp_path):
    executor = HeldExecutor()
    client, keys = app_with_tenants(tmp_path, executor, tenant_max_jobs=2)
    start = threading.Barrier(8)
    codes: list[int] = []

    def post() -> None:
        start.wait()
        codes.append(submit(client, keys["acme"]).status_code)

    with client:
        threads = [threading.Thread(target=post) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(codes) == [202, 202] + [429] * 6
        assert len(client.get("/v1/jobs", headers=keys["acme"]).json()["jobs"]) == 2
    assert len(executor.submitted) == 2


def test_a_full_job_backlog_gets_503_with_retry_after_and_stores_nothing(tmp_path):
    executor = HeldExecutor()
    client, keys = app_with_tenants(tmp_path, executor, max_job_backlog=3)
    with client:
        assert [submit(client, keys["acme"]).status_code for _ in range(3)] == [202] * 3
        refused = submit(client, keys["beta"])
        assert refused.status_code == 503 and refused.json()["error"] == "busy"
        retry_after(refused)
        batch = client.post(
            "/v1/day-plans/batch", json={"requests": [matrix_day()]}, headers=keys["beta"]
        )
        assert batch.status_code == 503
        assert client.get("/v1/jobs", headers=keys["beta"]).json()["jobs"] == []
        assert len(executor.submitted) == 3


def test_a_job_submitted_while_redis_is_down_gets_503_with_retry_after_and_stores_nothing(
    tmp_path,
):
    with socket.socket() as sock:  # a port nothing listens on: Redis is down
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    broker = {
        "jobs": "celery",
        "celery_broker_url": f"redis://127.0.0.1:{port}/0",
        "celery_result_url": f"redis://127.0.0.1:{port}/1",
    }
    client, keys = app_with_tenants(tmp_path, **broker)
    with client:
        began = time.monotonic()
        refused = submit(client, keys["acme"])
        assert refused.status_code == 503 and refused.json()["error"] == "queue_unavailable"
        assert time.monotonic() - began < 10  # answered, not hung on the broker
        retry_after(refused)
        batch = client.post(
            "/v1/day-plans/batch", json={"requests": [matrix_day()]}, headers=keys["acme"]
        )
        assert batch.status_code == 503 and batch.json()["error"] == "queue_unavailable"
        retry_after(batch)
        # never accepted: nothing stored, nothing counted against the tenant
        assert client.get("/v1/jobs", headers=keys["acme"]).json()["jobs"] == []
        assert client.app.state.jobs.store.count_unfinished("acme") == 0


def test_the_service_starts_with_redis_down_and_owes_the_resume_of_its_unfinished_jobs(
    tmp_path,
):
    with socket.socket() as sock:  # a port nothing listens on: Redis is down
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = make_settings(
        tmp_path,
        jobs="celery",
        celery_broker_url=f"redis://127.0.0.1:{port}/0",
        celery_result_url=f"redis://127.0.0.1:{port}/1",
    )
    store = JobStore(settings.database_url)
    left = store.create("day-plan", matrix_day())  # left queued by an earlier process
    store.dispose()
    app = create_app(settings)
    with TestClient(app) as client:  # the lifespan (start-up resume) runs and returns
        health = client.get("/health")
        assert health.status_code == 200 and health.json()["queue"] == "unavailable"
        refused = submit(client, HEADERS)
        assert refused.status_code == 503 and refused.json()["error"] == "queue_unavailable"
        jobs = app.state.jobs
        assert jobs.store.get(left.id).status == "queued"
        assert jobs._watch is not None and jobs._watch.resume_owed  # paid once Redis answers
    in_process = create_app(make_settings(tmp_path / "in-process"))
    with TestClient(in_process) as client:
        assert client.get("/health").json()["queue"] == "in-process"


class NeverRunningPool:
    """A stand-in process pool whose tasks wait until the test finishes them."""

    def __init__(self) -> None:
        self.futures: list[Future] = []

    def submit(self, *args, **kwargs) -> Future:
        future: Future = Future()
        self.futures.append(future)
        return future


def test_the_in_process_backlog_counts_waiting_and_running_tasks(tmp_path):
    pool = NeverRunningPool()
    config = RuntimeConfig(
        networks_dir=str(tmp_path), default_network="x", database_url=f"sqlite:///{tmp_path}/j.db"
    )
    executor = InProcessExecutor(lambda: pool, config)
    for job_id in ("a", "b", "c"):
        executor.submit(job_id, "day-plan", {})
    assert executor.backlog() == 3
    pool.futures[0].cancel()
    assert executor.backlog() == 2


def test_job_tasks_beyond_the_slots_wait_outside_the_pool_in_order(tmp_path):
    pool = NeverRunningPool()
    config = RuntimeConfig(
        networks_dir=str(tmp_path), default_network="x", database_url=f"sqlite:///{tmp_path}/j.db"
    )
    store = JobStore(config.database_url)
    a, b, c, d = (store.create("day-plan", {}).id for _ in range(4))
    executor = InProcessExecutor(lambda: pool, config, slots=1)
    for job_id in (a, b, c, d):
        executor.submit(job_id, "day-plan", {})
    assert len(pool.futures) == 1 and executor.backlog() == 4  # one in the pool
    executor.cancel(c)  # a waiting job leaves the queue at once
    assert executor.backlog() == 3
    pool.futures[0].set_result("succeeded")  # a ends: b goes in, then d
    assert len(pool.futures) == 2 and executor.backlog() == 2
    pool.futures[1].set_result("succeeded")
    assert len(pool.futures) == 3 and executor.backlog() == 1
    assert executor.stop(lambda: None) == [d]  # unfinished: put back in the store's queue
    store.dispose()


def test_a_synchronous_request_past_its_deadline_gets_503_timeout(tmp_path):
    client, _ = app_with_tenants(tmp_path, sync_deadline_s=0.05)
    request = matrix_day() | {"options": {"time_limit_s": 3, "seed": 1}}
    with client:
        response = client.post("/v1/day-plans", json=request, headers=HEADERS)
    assert response.status_code == 503 and response.json()["error"] == "timeout"
    retry_after(response)


def test_synchronous_requests_past_the_backlog_get_503_busy(tmp_path):
    client, _ = app_with_tenants(tmp_path, max_sync_backlog=1)
    slow = matrix_day() | {"options": {"time_limit_s": 3, "seed": 1}}
    answers = {}
    with client:
        first = threading.Thread(
            target=lambda: answers.setdefault(
                "slow", client.post("/v1/day-plans", json=slow, headers=HEADERS)
            )
        )
        first.start()
        services = client.app.state.services
        deadline = time.monotonic() + 30
        while services.in_flight == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        busy = client.post("/v1/day-plans", json=matrix_day(), headers=HEADERS)
        first.join()
    assert busy.status_code == 503 and busy.json()["error"] == "busy"
    retry_after(busy)
    assert answers["slow"].status_code == 200


@pytest.mark.parametrize(
    "lane",
    [
        {"quick_workers": 1, "inline_max_cells": 0},  # the quick lane's own process
        {"quick_workers": 0, "inline_max_cells": 400},  # a thread of the API process
    ],
    ids=["quick-process", "inline"],
)
def test_an_estimate_is_answered_while_the_only_solver_worker_is_busy(
    tmp_path, networks_dir, monaco_network, lane
):
    settings = make_settings(tmp_path, networks_dir, workers=1, **lane)
    estimate = {
        "network": "monaco",
        "origins": [{"lat": 43.7315, "lon": 7.4197}],
        "destinations": [{"lat": 43.7384, "lon": 7.4246}, {"lat": 43.7402, "lon": 7.4266}],
    }
    slow = slow_request(accounts=45, time_limit_s=10)  # no early stop: uses its time
    answers = {}
    with TestClient(create_app(settings)) as client:
        assert client.post("/v1/estimates", json=estimate, headers=HEADERS).status_code == 200
        solving = threading.Thread(
            target=lambda: answers.setdefault(
                "day", client.post("/v1/day-plans", json=slow, headers=HEADERS)
            )
        )
        solving.start()
        deadline = time.monotonic() + 30
        while client.app.state.services.in_flight == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        quick = client.post("/v1/estimates", json=estimate, headers=HEADERS)
        assert quick.status_code == 200 and "day" not in answers  # the solve still runs
        solving.join()
    assert answers["day"].status_code == 200


def test_solver_workers_run_nicer_than_the_api_and_quick_workers(tmp_path):
    settings = make_settings(tmp_path, solver_nice=7, quick_workers=1)
    services = Services(settings)
    try:
        mine = os.nice(0)
        assert services.pool.submit(os.nice, 0).result(timeout=120) == min(mine + 7, 19)
        assert services.quick_pool.submit(os.nice, 0).result(timeout=120) == mine
    finally:
        services.shutdown()


@pytest.mark.parametrize(("path", "method"), [("/v1/jobs", "post"), ("/v1/day-plans", "post")])
def test_openapi_documents_429_and_503_with_retry_after(client, path, method):
    responses = client.get("/openapi.json").json()["paths"][path][method]["responses"]
    for status in ("429", "503"):
        assert "Retry-After" in responses[status]["headers"], status


def test_with_redis_the_tenants_rate_is_shared_by_every_api_process(tmp_path, redis_url):  # noqa: F811
    _flush(f"{redis_url}/7")
    storage = {"tenant_requests_per_minute": 4, "rate_limit_storage_url": f"{redis_url}/7"}
    first, keys = app_with_tenants(tmp_path, **storage)
    second = TestClient(create_app(first.app.state.services.settings))  # same database
    with first, second:
        answers = [
            client.get("/v1/jobs", headers=keys["acme"]).status_code
            for client in (first, second, first, second, first, second)
        ]
        assert answers == [200, 200, 200, 200, 429, 429]
        assert second.get("/v1/jobs", headers=keys["beta"]).status_code == 200
    _flush(f"{redis_url}/7")
