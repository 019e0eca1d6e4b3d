"""Work nobody waits for stops: a synchronous solve past its deadline, a cancelled estimate."""

from __future__ import annotations

import time

import numpy as np
import pytest

from service.common.runtime import RuntimeConfig
from service.common.stops import Stopped
from service.estimates import work as estimate_work
from service.estimates.schemas import EstimateRequest
from service.estimates.work import estimate
from service.jobs import lease
from service.jobs.lease import run_job
from service.jobs.store import JobStore
from service.jobs.tables import JobStatus
from tests.service.conftest import HEADERS
from tests.service.test_back_pressure import app_with_tenants, retry_after
from tests.service.test_cancel import long_day
from tests.service.test_tenants import matrix_day


def test_a_synchronous_solve_past_its_deadline_is_stopped_and_frees_its_worker(tmp_path):
    # one worker; the long day's search runs for far longer than a minute unless stopped
    client, _ = app_with_tenants(tmp_path, max_sync_time_limit_s=60, max_sync_accounts=300)
    slow = long_day()
    with client:
        settings = client.app.state.services.settings
        assert client.post("/v1/day-plans", json=matrix_day(), headers=HEADERS).status_code == 200
        settings.sync_deadline_s = 1.0  # the worker has started: now the deadline is short
        timed_out = client.post("/v1/day-plans", json=slow, headers=HEADERS)
        assert timed_out.status_code == 503 and timed_out.json()["error"] == "timeout"
        retry_after(timed_out)
        began = time.monotonic()
        settings.sync_deadline_s = 60.0
        after = client.post("/v1/day-plans", json=matrix_day(), headers=HEADERS)
        waited_s = time.monotonic() - began
    assert after.status_code == 200
    # the next request ran as soon as the stopped solve let go of the only worker: far
    # sooner than the ~59 s the long day had left
    assert waited_s < 15, waited_s


def many_origins(count: int) -> dict:
    """An estimate on Monaco from ``count`` origins along the coast to three places."""
    lats = np.linspace(43.727, 43.745, count)
    lons = np.linspace(7.415, 7.435, count)
    return {
        "network": "monaco",
        "origins": [{"lat": float(a), "lon": float(b)} for a, b in zip(lats, lons, strict=True)],
        "destinations": [
            {"lat": 43.7315, "lon": 7.4197},
            {"lat": 43.7384, "lon": 7.4246},
            {"lat": 43.7402, "lon": 7.4266},
        ],
    }


def test_an_estimate_in_steps_equals_the_whole_matrix_and_stops_between_steps(
    networks_dir, monaco_network, monkeypatch
):
    monkeypatch.setattr(estimate_work, "ROWS_PER_STEP", 4)
    config = RuntimeConfig(networks_dir=str(networks_dir), default_network="monaco")
    request = EstimateRequest.model_validate(many_origins(10))
    whole = estimate(request, config)
    asked: list[float] = []
    stepped = estimate(request, config, lambda fraction, _: asked.append(fraction) and False)
    assert stepped == whole and asked == [0.0, 0.4, 0.8]
    with pytest.raises(Stopped):
        estimate(request, config, lambda fraction, _: fraction > 0.3)


def test_cancelling_a_running_estimate_job_stops_its_matrix(
    tmp_path, networks_dir, monaco_network, monkeypatch
):
    config = RuntimeConfig(
        networks_dir=str(networks_dir),
        default_network="monaco",
        database_url=f"sqlite:///{tmp_path / 'jobs.sqlite'}",
    )
    store = JobStore(config.database_url)
    job = store.create("estimates", many_origins(12))
    monkeypatch.setattr(estimate_work, "ROWS_PER_STEP", 4)
    monkeypatch.setattr(lease, "CANCEL_POLL_S", 0.0)
    steps = []
    timed_matrix = estimate_work.timed_matrix

    def step_then_cancel(*args):
        steps.append(len(args[2]))
        store.cancel(job.id)  # the user cancels while the first step is computed
        return timed_matrix(*args)

    monkeypatch.setattr(estimate_work, "timed_matrix", step_then_cancel)
    assert run_job(job.id, "estimates", config) == JobStatus.CANCELLED
    assert steps == [4]  # the two other steps were never computed
    events = [e.event for e in store.events(job.id)]
    assert events[-2:] == ["cancelled", "solver_stopped"]
    finished = store.get(job.id)
    assert finished.status == JobStatus.CANCELLED and finished.result is None
    store.dispose()
