"""Stopping ``fieldroute serve`` (SIGTERM, SIGINT) ends its worker processes; no job is lost."""

import os
import signal
import time

import httpx
import psutil
import pytest

from service.jobs.store import JobStore
from tests.service.conftest import HEADERS
from tests.service.test_api import matrix_day_plan
from tests.service.test_uvicorn_smoke import Server, free_port

pytestmark = pytest.mark.slow


def alive(pids):
    running = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                running.append(pid)
        except psutil.NoSuchProcess:
            pass
    return running


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_stopping_the_server_ends_its_workers_and_keeps_running_jobs(
    tmp_path, networks_dir, monaco_network, signum
):
    database_url = f"sqlite:///{tmp_path / 'jobs.sqlite'}"
    env = {
        **os.environ,
        "FIELDROUTE_NETWORKS_DIR": str(networks_dir),
        "FIELDROUTE_DATABASE_URL": database_url,
        "FIELDROUTE_API_KEYS": '["test-key"]',
        "FIELDROUTE_DEFAULT_NETWORK": "monaco",
        "FIELDROUTE_WORKERS": "2",
        "FIELDROUTE_SHUTDOWN_GRACE_S": "2",
    }
    server = Server(env, free_port(), tmp_path / "server.log")
    server.start()
    try:
        slow = matrix_day_plan()
        slow["options"]["time_limit_s"] = 30  # still solving when the signal comes
        ids = []
        for _ in range(3):  # two running, one waiting in the queue
            answer = httpx.post(
                f"{server.url}/v1/jobs",
                json={"kind": "day-plan", "request": slow},
                headers=HEADERS,
                timeout=10,
            )
            assert answer.status_code == 202
            ids.append(answer.json()["id"])
        store = JobStore(database_url)
        deadline = time.monotonic() + 30
        while sum(store.get(i).status == "running" for i in ids) < 2:
            assert time.monotonic() < deadline, "jobs did not start"
            time.sleep(0.2)
        workers = [child.pid for child in psutil.Process(server.proc.pid).children(True)]
        assert len(alive(workers)) >= 2

        started = time.monotonic()
        server.proc.send_signal(signum)
        # uvicorn re-raises the signal once shut down, so the exit status names it
        assert server.proc.wait(timeout=30) in (0, -signum), server.log_path.read_text()
        assert time.monotonic() - started < 15  # the grace period, not the 30 s solves
        time.sleep(0.5)
        assert alive(workers) == [], server.log_path.read_text()
        statuses = {i: store.get(i).status for i in ids}
        assert set(statuses.values()) <= {"queued", "succeeded"}, statuses
        store.dispose()
    finally:
        if server.proc.poll() is None:
            server.crash()
