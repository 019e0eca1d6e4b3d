"""Faults on real processes, with nothing lost: every accepted job ends ``succeeded`` (or
``failed`` with a reason) and no result is stored twice.

Redis restarted in the middle of a batch; the job database unreachable for 10 s while
workers solve; the API killed and started again while jobs run; Redis down when the API
starts. (A worker SIGKILLed
mid-solve: ``test_job_of_a_killed_worker_is_completed_by_another_and_stored_once`` in
``test_scaleout.py``.)
Workers are real ``fieldroute worker`` processes; the jobs' database is PostgreSQL when
``FIELDROUTE_TEST_POSTGRES_URL`` is set (CI), else SQLite (the outage test needs the
server and is skipped without it).
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from service.app import create_app
from service.day_plans.schemas import DayPlanRequest
from service.jobs.store import JobStore
from tests.service.conftest import HEADERS, make_settings
from tests.service.databases import POSTGRES_ENV, job_database, postgres_database
from tests.service.faults import RedisServer, TcpProxy, free_port
from tests.service.test_scaleout import (
    Workers,
    assert_feasible,
    celery_overrides,
    day_plan,
    wait_for,
    worker_env,
)
from tests.service.test_uvicorn_smoke import Server

pytestmark = pytest.mark.slow


@pytest.fixture
def database_url(tmp_path) -> Iterator[str]:
    """PostgreSQL when the test server is configured, else an SQLite file."""
    with job_database("postgresql" if os.environ.get(POSTGRES_ENV) else "sqlite", tmp_path) as url:
        yield url


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    yield server
    server.stop()


def fault_settings(tmp_path, networks_dir, redis_url: str, database_url: str, **extra):
    overrides = {**celery_overrides(redis_url, 0), "celery_broker_check_s": 0.5, **extra}
    return make_settings(tmp_path, networks_dir, database_url=database_url, **overrides)


def assert_stored_once(store: JobStore, job_id: str, keys: list[str] | None = None) -> None:
    """Exactly one ``succeeded`` event per job (or per part of a batch): stored once."""
    events = store.events(job_id)
    if keys is None:
        assert [e.event for e in events].count("succeeded") == 1, events
        return
    finished = Counter(e.part for e in events if e.part and e.event in ("succeeded", "failed"))
    assert finished == Counter(keys), events


def parts_done(store: JobStore, job_id: str) -> int:
    job = store.get(job_id)
    return job.parts_done if job else 0


def test_redis_restarted_mid_batch_loses_no_rep_and_stores_each_once(
    tmp_path, networks_dir, monaco_network, redis, database_url
):
    settings = fault_settings(tmp_path, networks_dir, redis.url, database_url)
    workers = Workers(worker_env(settings), tmp_path)
    workers.start("w1")
    workers.start("w2")
    store = JobStore(database_url)
    try:
        workers.wait_ready()
        with TestClient(create_app(settings)) as client:
            # 16 accounts: above the small-day early stop, each rep solves for 1.5 s
            requests = [day_plan(f"R{i}", n_accounts=16, time_limit_s=1.5) for i in range(8)]
            submitted = client.post(
                "/v1/day-plans/batch", json={"requests": requests}, headers=HEADERS
            )
            assert submitted.status_code == 202, submitted.text
            job_id = submitted.json()["id"]
            deadline = time.monotonic() + 60
            while parts_done(store, job_id) < 1:
                assert time.monotonic() < deadline, "no rep was planned"
                time.sleep(0.1)
            redis.restart()  # every queued rep's message is gone with it
            assert parts_done(store, job_id) < len(requests)  # restarted mid-batch
            job = wait_for(client, job_id, timeout_s=120)
        assert job["status"] == "succeeded", job
        assert job["parts"] == {"total": 8, "done": 8}
        assert {line["status"] for line in job["result"]["reps"]} == {"succeeded"}
        assert_stored_once(store, job_id, [f"R{i}" for i in range(8)])
        for i, request in enumerate(requests):
            assert_feasible(request, store.part(job_id, f"R{i}").result, monaco_network)
    finally:
        store.dispose()
        workers.stop()


def test_the_database_unreachable_for_10_s_while_workers_solve_loses_no_job(
    tmp_path, networks_dir, monaco_network, redis
):
    with postgres_database() as real_url:
        url = make_url(real_url)
        proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
        proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        settings = fault_settings(tmp_path, networks_dir, redis.url, proxied)
        workers = Workers(worker_env(settings), tmp_path)
        workers.start("w1")
        workers.start("w2")
        store = JobStore(real_url)  # the test's own view, not through the proxy
        try:
            workers.wait_ready()
            with TestClient(create_app(settings)) as client:
                requests = [day_plan(f"R{i}", n_accounts=20, time_limit_s=4.0) for i in range(4)]
                ids = [
                    client.post(
                        "/v1/jobs", json={"kind": "day-plan", "request": r}, headers=HEADERS
                    ).json()["id"]
                    for r in requests
                ]
                deadline = time.monotonic() + 60
                while sum(store.get(i).status == "running" for i in ids) < 2:
                    assert time.monotonic() < deadline, "the workers never started solving"
                    time.sleep(0.1)
                time.sleep(1.0)  # mid-solve
                proxy.cut()
                time.sleep(10.0)  # solves end meanwhile; their results wait for the database
                proxy.restore()
                jobs = [wait_for(client, i, timeout_s=120) for i in ids]
            for job_id, job, request in zip(ids, jobs, requests, strict=True):
                assert job["status"] == "succeeded", job
                assert_stored_once(store, job_id)
                assert_feasible(request, job["result"], monaco_network)
        finally:
            store.dispose()
            workers.stop()
            proxy.close()


def test_the_api_killed_and_restarted_while_jobs_run_loses_none(
    tmp_path, networks_dir, monaco_network, redis, database_url
):
    # a lease long enough that a loaded test machine never lets a live worker's go stale
    settings = fault_settings(
        tmp_path,
        networks_dir,
        redis.url,
        database_url,
        job_lease_s=10.0,
        celery_visibility_timeout_s=30.0,
    )
    env = {**worker_env(settings), "FIELDROUTE_API_KEYS": '["test-key"]'}
    env["FIELDROUTE_WARM_WORKERS"] = "false"
    env["FIELDROUTE_CELERY_BROKER_CHECK_S"] = "0.5"
    workers = Workers(env, tmp_path)
    workers.start("w1")
    workers.start("w2")
    server = Server(env, free_port(), tmp_path / "api.log")
    store = JobStore(database_url)
    try:
        workers.wait_ready()
        server.start()
        # long enough that reps are still being solved when the new API has started:
        # deterministic, each rep searches its work budget (converging, the whole batch
        # could be done before the API is killed)
        batch = [day_plan(f"R{i}", n_accounts=16, time_limit_s=4.0) for i in range(10)]
        for request in batch:
            request["options"]["deterministic"] = True
        single = day_plan("S", n_accounts=20, time_limit_s=2.0)
        with httpx.Client(base_url=server.url, headers=HEADERS, timeout=30) as api:
            batch_id = api.post("/v1/day-plans/batch", json={"requests": batch}).json()["id"]
            single_id = api.post("/v1/jobs", json={"kind": "day-plan", "request": single}).json()[
                "id"
            ]
        deadline = time.monotonic() + 60
        while parts_done(store, batch_id) < 1:
            assert time.monotonic() < deadline, "no rep was planned"
            time.sleep(0.1)
        server.crash()  # SIGKILL: no shutdown, no requeue
        server.start()  # resumes the unfinished jobs the workers are not running
        assert parts_done(store, batch_id) < len(batch)  # reps still running and queued
        with httpx.Client(base_url=server.url, headers=HEADERS, timeout=30) as api:
            deadline = time.monotonic() + 120
            while any(
                api.get(f"/v1/jobs/{i}").json()["status"] in ("queued", "running")
                for i in (batch_id, single_id)
            ):
                assert time.monotonic() < deadline, "jobs did not finish after the restart"
                time.sleep(0.3)
            batch_job = api.get(f"/v1/jobs/{batch_id}").json()
            single_job = api.get(f"/v1/jobs/{single_id}").json()
        assert batch_job["status"] == "succeeded" and batch_job["parts"]["done"] == 10, batch_job
        assert {line["status"] for line in batch_job["result"]["reps"]} == {"succeeded"}
        assert single_job["status"] == "succeeded", single_job
        assert_stored_once(store, batch_id, [f"R{i}" for i in range(10)])
        assert_stored_once(store, single_id)
        # the workers lived on: no rep they were solving was taken from them and solved again
        assert [store.part(batch_id, f"R{i}").attempts for i in range(10)] == [1] * 10
        assert single_job["attempts"] == 1
        assert_feasible(single, single_job["result"], monaco_network)
        for i, request in enumerate(batch):
            assert_feasible(request, store.part(batch_id, f"R{i}").result, monaco_network)
    finally:
        store.dispose()
        if server.proc is not None and server.proc.poll() is None:
            server.crash()
        workers.stop()


def test_redis_down_when_the_api_starts_it_answers_and_resumes_the_jobs_once_redis_is_up(
    tmp_path, networks_dir, monaco_network, database_url
):
    redis = RedisServer()  # its port, not started: Redis is down
    settings = fault_settings(tmp_path, networks_dir, redis.url, database_url)
    env = {**worker_env(settings), "FIELDROUTE_API_KEYS": '["test-key"]'}
    env["FIELDROUTE_WARM_WORKERS"] = "false"
    env["FIELDROUTE_CELERY_BROKER_CHECK_S"] = "0.5"
    store = JobStore(database_url)
    request = day_plan("S", n_accounts=8)
    # a job an earlier API process accepted and left queued
    left = store.create("day-plan", DayPlanRequest.model_validate(request))
    workers = Workers(env, tmp_path)
    server = Server(env, free_port(), tmp_path / "api.log")
    try:
        server.start()  # waits for GET /health to answer 200
        with httpx.Client(base_url=server.url, headers=HEADERS, timeout=30) as api:
            assert api.get("/health").json()["queue"] == "unavailable"
            refused = api.post("/v1/jobs", json={"kind": "day-plan", "request": day_plan("T")})
            assert refused.status_code == 503, refused.text
            assert refused.json()["error"] == "queue_unavailable"
            assert int(refused.headers["Retry-After"]) > 0
            assert [job.id for job in store.list_jobs()] == [left.id]  # the 503 stored none
            assert store.get(left.id).status == "queued"

            redis.start()
            workers.start("w1")
            workers.wait_ready()
            deadline = time.monotonic() + 90
            while store.get(left.id).status in ("queued", "running"):
                assert time.monotonic() < deadline, "the queued job did not run once Redis was up"
                time.sleep(0.2)
            deadline = time.monotonic() + 10
            while api.get("/health").json()["queue"] != "ok":
                assert time.monotonic() < deadline, "health still says the queue is unavailable"
                time.sleep(0.2)
            accepted = api.post("/v1/jobs", json={"kind": "day-plan", "request": day_plan("U")})
            assert accepted.status_code == 202, accepted.text
        job = store.get(left.id)
        assert job.status == "succeeded", job
        assert_stored_once(store, left.id)
        assert_feasible(request, job.result, monaco_network)
    finally:
        store.dispose()
        if server.proc is not None and server.proc.poll() is None:
            server.crash()
        workers.stop()
        redis.stop()
