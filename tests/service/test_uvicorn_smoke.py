"""Smoke test against a real ``fieldroute serve`` (uvicorn) process on a free local port."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from tests.service.conftest import HEADERS
from tests.service.test_api import (
    CASINO,
    PORT,
    assert_checked,
    matrix_day_plan,
    monaco_day_plan,
    visits,
)
from tests.service.test_territories_api import territory_request

pytestmark = pytest.mark.slow


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """One ``fieldroute serve`` process in its own process group (so a kill reaps workers)."""

    def __init__(self, env, port, log_path):
        self.env, self.port, self.log_path = env, port, log_path
        self.proc = None
        self.url = f"http://127.0.0.1:{port}"

    def start(self):
        log = open(self.log_path, "a")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "serve", "--port", str(self.port)],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log_path.read_text()
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        raise AssertionError("server did not start:\n" + self.log_path.read_text())

    def stop(self):
        """Graceful stop (SIGINT, as Ctrl-C)."""
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=30)
        self._reap()

    def crash(self):
        """Kill the server and its worker processes at once (a crashed host)."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def _reap(self):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)


@pytest.fixture
def server(tmp_path, networks_dir, monaco_network):
    env = {
        **os.environ,
        "FIELDROUTE_NETWORKS_DIR": str(networks_dir),
        "FIELDROUTE_DATABASE_URL": f"sqlite:///{tmp_path / 'jobs.sqlite'}",
        "FIELDROUTE_API_KEYS": '["test-key"]',
        "FIELDROUTE_DEFAULT_NETWORK": "monaco",
        "FIELDROUTE_WORKERS": "1",
    }
    srv = Server(env, free_port(), tmp_path / "server.log")
    srv.network = monaco_network
    srv.start()
    yield srv
    if srv.proc.poll() is None:
        srv.crash()


def wait_job(url, job_id, timeout_s=60):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = httpx.get(f"{url}/v1/jobs/{job_id}", headers=HEADERS, timeout=10).json()
        if job["status"] not in ("queued", "running"):
            return job
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} still {job['status']}")


def test_every_endpoint_on_a_real_server_and_jobs_survive_restart_and_crash(server):
    url = server.url
    with httpx.Client(base_url=url, headers=HEADERS, timeout=60) as api:
        assert "monaco" in httpx.get(f"{url}/health").json()["networks"]
        assert httpx.get(f"{url}/v1/networks").status_code == 401
        assert "monaco" in [n["name"] for n in api.get("/v1/networks").json()]
        assert api.get("/v1/networks/monaco").json()["default"] is True
        plan = api.post("/v1/day-plans", json=monaco_day_plan())
        assert plan.status_code == 200 and len(visits(plan.json()["routes"][0])) == 4
        assert_checked(monaco_day_plan(), plan.json(), network=server.network)
        geo = api.post("/v1/day-plans?format=geojson", json=monaco_day_plan())
        assert geo.json()["type"] == "FeatureCollection"
        check = api.post(
            "/v1/day-plans/check", json={**matrix_day_plan(), "orders": {"r1": ["A1", "A2"]}}
        )
        assert check.json()["feasible"] is True
        estimate = api.post("/v1/estimates", json={"origins": [CASINO], "destinations": [PORT]})
        assert estimate.json()["durations_s"][0][0] > 0
        territories = api.post("/v1/territories", json=territory_request())
        assert territories.status_code == 200 and len(territories.json()["assignment"]) == 8
        bad = api.post("/v1/day-plans", json={"date": "2026-12-01", "reps": []})
        assert bad.status_code == 422 and bad.json()["field"] == "reps"

        done = api.post("/v1/jobs", json={"kind": "day-plan", "request": matrix_day_plan()})
        assert done.status_code == 202
        finished = wait_job(url, done.json()["id"])
        assert finished["status"] == "succeeded"
        assert_checked(matrix_day_plan(), finished["result"])
        assert api.delete(f"/v1/jobs/{finished['id']}").status_code == 409  # already done

    # Stop, start, fetch the result.
    server.stop()
    server.start()
    again = httpx.get(f"{url}/v1/jobs/{finished['id']}", headers=HEADERS).json()
    assert again["status"] == "succeeded" and again["result"] == finished["result"]

    # A job in flight when the process dies is resumed on the next start.
    slow = matrix_day_plan()
    slow["options"]["time_limit_s"] = 5
    job = httpx.post(
        f"{url}/v1/jobs", json={"kind": "day-plan", "request": slow}, headers=HEADERS
    ).json()
    server.crash()
    server.start()
    resumed = wait_job(url, job["id"])
    assert resumed["status"] == "succeeded", resumed
    assert sorted(visits(resumed["result"]["routes"][0])) == ["A1", "A2"]
    assert_checked(slow, resumed["result"])
    server.stop()
