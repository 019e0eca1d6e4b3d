"""Worker processes are started and load the default network at start-up, not on first use."""

import psutil
from fastapi.testclient import TestClient

from service.app import create_app
from service.common.runtime import worker_state
from tests.service.conftest import HEADERS, make_settings
from tests.service.test_api import monaco_day_plan


def pool_workers(exclude=frozenset()):
    return {
        child.pid
        for child in psutil.Process().children()
        if child.pid not in exclude and "spawn_main" in " ".join(child.cmdline())
    }


def test_every_worker_has_the_default_network_loaded_before_the_first_request(
    tmp_path, networks_dir, monaco_network
):
    before = pool_workers()
    settings = make_settings(tmp_path, networks_dir, workers=2, warm_workers=True)
    with TestClient(create_app(settings)) as client:
        started = pool_workers(exclude=before)
        assert len(started) == 2 + settings.quick_workers  # all run before any request
        pool = client.app.state.services.pool
        states = [f.result() for f in [pool.submit(worker_state) for _ in range(6)]]
        assert {state.pid for state in states} <= started
        assert all("monaco" in state.network_load_s for state in states)
        loads = {state.pid: state.network_load_s["monaco"] for state in states}

        answer = client.post("/v1/day-plans", json=monaco_day_plan(), headers=HEADERS)
        assert answer.status_code == 200
        after = [f.result() for f in [pool.submit(worker_state) for _ in range(6)]]
        for state in after:  # loaded once, at start-up, not again for the request
            assert state.network_load_s["monaco"] == loads.setdefault(
                state.pid, state.network_load_s["monaco"]
            )
