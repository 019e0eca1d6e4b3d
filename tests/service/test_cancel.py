"""Cancelling a running job stops its solver within a second, on both executors.

The worker sees the ``cancelled`` status from the solve's progress callback and stops
the search; the job's audit trail then has ``solver_stopped`` after ``cancelled``. The
Celery side runs a real ``fieldroute worker`` on a real Redis (see test_scaleout.py).
"""

from __future__ import annotations

import math
import random
import time

from service.celery_app import CeleryExecutor, make_celery
from service.common.runtime import RuntimeConfig
from service.jobs.store import JobStore
from tests.service.conftest import HEADERS, make_settings
from tests.service.test_scaleout import (  # noqa: F401 - fixtures
    _flush,
    celery_overrides,
    day_plan,
    executor_client,
    redis_url,
    wait_for,
)


def wait_until_solving(client, job_id: str) -> None:
    """Wait until the job runs and has written progress from its search's callback."""
    deadline = time.monotonic() + 60
    while True:
        job = client.get(f"/v1/jobs/{job_id}", headers=HEADERS).json()
        if job["status"] == "running" and job["progress"] > 0:
            return
        assert job["status"] in ("queued", "running") and time.monotonic() < deadline, job
        time.sleep(0.05)


def seconds_from_cancel_to_solver_stop(client, job_id: str) -> float:
    """Wait for the audit trail's ``solver_stopped``; return its delay after ``cancelled``."""
    store = JobStore(client.app.state.services.settings.database_url)
    try:
        deadline = time.monotonic() + 30
        while not any(e.event == "solver_stopped" for e in store.events(job_id)):
            assert time.monotonic() < deadline, store.events(job_id)
            time.sleep(0.1)
        at = {e.event: e.at for e in store.events(job_id)}
    finally:
        store.dispose()
    return (at["solver_stopped"] - at["cancelled"]).total_seconds()


def plane_matrix(points: list[tuple[float, float]], s_per_km: float) -> dict:
    """Durations and distances between points on a plane (coordinates in km)."""
    km = [[math.dist(a, b) for b in points] for a in points]
    return {
        "durations_s": [[round(d * s_per_km) for d in row] for row in km],
        "distances_m": [[round(d * 1000) for d in row] for row in km],
    }


def long_day(rep_id: str = "R1", n_accounts: int = 300) -> dict:
    """A rep's day of 300 accounts on a plane with a lunch break, deterministic, 60 s cap.

    In deterministic mode the search spends a work budget (branches) that takes far
    longer than a second here: a time-limited day stops on convergence, and a small one
    is done before it can be cancelled.
    """
    rng = random.Random(3)
    points = [(0.0, 0.0)] + [
        (rng.uniform(-15, 15), rng.uniform(-15, 15)) for _ in range(n_accounts)
    ]
    return {
        "date": "2026-12-01",
        "reps": [
            {
                "id": rep_id,
                "start": {"index": 0},
                "shift": {"start": "08:00", "end": "18:00"},
                "break": {"earliest": "12:00", "latest": "13:00", "duration_s": 1800},
            }
        ],
        "accounts": [
            {
                "id": f"{rep_id}-A{i}",
                "location": {"index": i},
                "visit_duration_s": 300,
                "priority": 1 + i % 7,
            }
            for i in range(1, n_accounts + 1)
        ],
        "matrix": plane_matrix(points, s_per_km=90),
        "options": {"time_limit_s": 60.0, "seed": 0, "deterministic": True},
    }


def test_cancelling_a_running_job_stops_its_solver_within_a_second(executor_client):  # noqa: F811
    _, client = executor_client
    request = long_day()
    job_id = client.post(
        "/v1/jobs", json={"kind": "day-plan", "request": request}, headers=HEADERS
    ).json()["id"]
    wait_until_solving(client, job_id)
    cancelled = client.delete(f"/v1/jobs/{job_id}", headers=HEADERS)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert seconds_from_cancel_to_solver_stop(client, job_id) < 1.0
    assert wait_for(client, job_id)["status"] == "cancelled"
    # the worker is free again: a new job runs at once (not after the 60 s time limit)
    next_job = client.post(
        "/v1/jobs", json={"kind": "day-plan", "request": day_plan()}, headers=HEADERS
    ).json()["id"]
    assert wait_for(client, next_job, timeout_s=30)["status"] == "succeeded"


def test_cancelling_a_batch_stops_the_solve_of_its_running_rep(executor_client):  # noqa: F811
    _, client = executor_client
    batch = {"requests": [long_day("R1"), day_plan("R2")]}
    job_id = client.post("/v1/day-plans/batch", json=batch, headers=HEADERS).json()["id"]
    store = JobStore(client.app.state.services.settings.database_url)
    try:
        deadline = time.monotonic() + 60
        while store.part(job_id, "R1").status != "running":
            assert time.monotonic() < deadline, store.part(job_id, "R1")
            time.sleep(0.05)
        time.sleep(1.0)  # solving
        assert client.delete(f"/v1/jobs/{job_id}", headers=HEADERS).status_code == 200
        deadline = time.monotonic() + 30
        while not any(e.event == "solver_stopped" for e in store.events(job_id)):
            assert time.monotonic() < deadline, store.events(job_id)
            time.sleep(0.1)
        events = store.events(job_id)
    finally:
        store.dispose()
    cancelled_at = next(e.at for e in events if e.event == "cancelled")
    stopped = next(e for e in events if e.event == "solver_stopped")
    assert stopped.part == "R1" and (stopped.at - cancelled_at).total_seconds() < 1.0


def big_schedule(time_limit_s: float) -> dict:
    """Two reps, ten days, 60 accounts on a 40 x 40 km plane: searches to its limit."""
    rng = random.Random(7)
    points = [(0.0, 0.0)] + [(rng.uniform(-20, 20), rng.uniform(-20, 20)) for _ in range(60)]
    days = [f"2026-12-{d:02d}" for d in (1, 2, 3, 4, 7, 8, 9, 10, 11, 14)]
    return {
        "horizon": {"days": days},
        "reps": [
            {"id": r, "start": {"index": 0}, "shift": {"start": "08:00", "end": "17:00"}}
            for r in ("r1", "r2")
        ],
        "accounts": [
            {"id": f"A{i}", "location": {"index": i}, "visit_duration_s": 1800, "visits": 1 + i % 2}
            for i in range(1, 61)
        ],
        "matrix": plane_matrix(points, s_per_km=60),
        "options": {"time_limit_s": time_limit_s, "seed": 0},
    }


def test_cancelling_a_running_visit_schedule_stops_its_search_within_a_second(
    executor_client,  # noqa: F811
):
    _, client = executor_client
    job_id = client.post(
        "/v1/jobs",
        json={"kind": "visit-schedule", "request": big_schedule(60.0)},
        headers=HEADERS,
    ).json()["id"]
    wait_until_solving(client, job_id)
    time.sleep(1.0)
    assert client.delete(f"/v1/jobs/{job_id}", headers=HEADERS).status_code == 200
    assert seconds_from_cancel_to_solver_stop(client, job_id) < 1.0
    assert wait_for(client, job_id)["status"] == "cancelled"


def big_territories(n_accounts: int = 240) -> dict:
    """Four reps and 240 accounts on a 40 x 40 km plane, balanced on the simulated week."""
    rng = random.Random(11)
    homes = [(-12.0, -12.0), (12.0, 12.0), (-12.0, 12.0), (12.0, -12.0)]
    points = homes + [(rng.uniform(-20, 20), rng.uniform(-20, 20)) for _ in range(n_accounts)]
    return {
        "reps": [{"id": f"r{k}", "home": {"index": k}} for k in range(len(homes))],
        "accounts": [
            {
                "id": f"A{i}",
                "location": {"index": len(homes) + i},
                "visits_per_4_weeks": 1 + i % 4,
                "visit_duration_s": 1800,
                "current_rep": f"r{i % len(homes)}",
            }
            for i in range(n_accounts)
        ],
        "matrix": plane_matrix(points, s_per_km=60),
        "options": {
            "balance": "workload",
            "tolerance": 0.02,
            "time_limit_s": 60,
            "simulate_routes": True,
            "workload_rounds": 6,
            "seed": 0,
        },
    }


def test_cancelling_a_territory_job_stops_its_rounds(executor_client):  # noqa: F811
    """The territory solve stops at its next progress call (after a simulated rep-week)."""
    _, client = executor_client
    job_id = client.post(
        "/v1/jobs", json={"kind": "territories", "request": big_territories()}, headers=HEADERS
    ).json()["id"]
    wait_until_solving(client, job_id)
    assert client.delete(f"/v1/jobs/{job_id}", headers=HEADERS).status_code == 200
    assert seconds_from_cancel_to_solver_stop(client, job_id) < 5.0
    assert wait_for(client, job_id)["status"] == "cancelled"


def test_the_celery_backlog_is_the_length_of_its_queue(tmp_path, redis_url):  # noqa: F811
    settings = make_settings(tmp_path, **celery_overrides(redis_url, 6))
    _flush(settings.celery_broker_url)
    config = RuntimeConfig.from_settings(settings, preload=())
    executor = CeleryExecutor(config, make_celery(settings))  # no worker reads this queue
    assert executor.backlog() == 0
    for n in range(3):
        executor.submit(f"job{n}", "day-plan", {})
    assert executor.backlog() == 3
    _flush(settings.celery_broker_url)
    assert executor.backlog() == 0
