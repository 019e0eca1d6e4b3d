"""A solver worker process that dies is a 503 / failed job, and the service recovers."""

import math
import random
import threading
import time

import psutil
import pytest

from tests.service.conftest import HEADERS, make_settings
from tests.service.databases import DATABASES, job_database
from tests.service.test_api import assert_checked, matrix_day_plan, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture(params=DATABASES)
def settings(request, tmp_path):
    """The service's settings with its jobs on SQLite, then on PostgreSQL."""
    with job_database(request.param, tmp_path) as database_url:
        yield make_settings(tmp_path, database_url=database_url)


def kill_a_busy_worker(timeout_s=30):
    """Kill the first pool worker process that is using the CPU (i.e. solving)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for child in psutil.Process().children(recursive=True):
            try:
                if child.cpu_percent(interval=0.2) > 20:
                    child.kill()
                    return
            except psutil.NoSuchProcess:
                continue
    raise AssertionError("no busy worker process found")


def slow_request(accounts=60, time_limit_s=20):
    """A day big enough that the solver uses its whole time limit."""
    rng = random.Random(0)
    points = [(rng.uniform(0, 20_000), rng.uniform(0, 20_000)) for _ in range(accounts + 1)]
    metres = [[int(math.dist(a, b)) for b in points] for a in points]
    return {
        "date": "2026-12-01",
        "reps": [
            {"id": f"r{i}", "start": {"index": 0}, "shift": {"start": "08:00", "end": "17:00"}}
            for i in range(3)
        ],
        "accounts": [
            {"id": f"A{i}", "location": {"index": i}, "visit_duration_s": 900}
            for i in range(1, accounts + 1)
        ],
        "matrix": {
            "durations_s": [[m // 10 for m in row] for row in metres],
            "distances_m": metres,
        },
        "options": {"time_limit_s": time_limit_s},
    }


def warm_up(client):
    """Start the pool and let its worker finish importing (an idle worker uses no CPU)."""
    assert client.post("/v1/day-plans", json=matrix_day_plan(), headers=HEADERS).status_code == 200


def test_a_killed_worker_gives_503_and_the_next_request_succeeds(client, settings):
    warm_up(client)
    settings.max_sync_time_limit_s = 60
    settings.max_sync_accounts = 100
    responses = []
    thread = threading.Thread(
        target=lambda: responses.append(
            client.post("/v1/day-plans", json=slow_request(), headers=HEADERS)
        )
    )
    thread.start()
    kill_a_busy_worker()
    thread.join(timeout=60)
    assert responses[0].status_code == 503
    assert responses[0].json()["error"] == "worker_died"
    again = client.post("/v1/day-plans", json=matrix_day_plan(), headers=HEADERS)
    assert again.status_code == 200
    assert_checked(matrix_day_plan(), again.json())


def test_a_job_whose_worker_dies_fails_and_later_jobs_still_run(client):
    warm_up(client)
    job = client.post(
        "/v1/jobs", json={"kind": "day-plan", "request": slow_request()}, headers=HEADERS
    ).json()
    wait_for(client, job["id"], statuses=("running",))
    kill_a_busy_worker()
    dead = wait_for(client, job["id"])
    assert dead["status"] == "failed" and dead["error"]["error"] == "worker_died"
    later = client.post(
        "/v1/jobs", json={"kind": "day-plan", "request": matrix_day_plan()}, headers=HEADERS
    ).json()
    done = wait_for(client, later["id"])
    assert done["status"] == "succeeded"
    assert_checked(matrix_day_plan(), done["result"])
