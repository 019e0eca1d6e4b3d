"""A real ``fieldroute serve --dev`` process on Monaco, and real jobs planned on it.

The UI and export tests share one service process and one job of each kind (a day
plan with an unreachable visit, and a territory plan), so the solver runs once.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from solver.roads import RoadNetwork

#: Where screenshots and other test artefacts go (gitignored).
ARTIFACTS_DIR = Path(__file__).resolve().parents[2] / "test-artifacts"

#: Account that only opens before the shift: always unassigned (NO_FEASIBLE_WINDOW).
EARLY_BIRD = "early-bird"
#: Territory account far off the road network: always unassigned.
AT_SEA = "at-sea"


#: Headless Chromium and its driver (Debian packages chromium and chromium-driver).
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

#: Marks of every browser test: slow, and skipped where Chromium is not installed.
BROWSER_MARKS = [
    pytest.mark.slow,
    pytest.mark.skipif(
        CHROMIUM is None or CHROMEDRIVER is None,
        reason="headless Chromium and chromedriver are not installed "
        "(Debian packages chromium and chromium-driver; .ci/run installs them)",
    ),
]


@contextlib.contextmanager
def chromium(width: int = 1280, height: int = 800, *, on_new_document: str | None = None):
    """Start headless Chromium in a fresh profile; yield its Selenium driver; quit.

    ``on_new_document`` is a script run in every page before the page's own scripts.
    """
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="fieldroute-chromium-")
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--window-size={width},{height}",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    if on_new_document is not None:
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": on_new_document})
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def road_points(network: RoadNetwork, count: int) -> list[tuple[float, float]]:
    """Return ``count`` graph nodes spread over the network (deterministic), as (lat, lon)."""
    arrays = network.arrays
    order = np.lexsort((arrays.node_lon, arrays.node_lat))
    picks = order[np.linspace(0, order.size - 1, count).round().astype(int)]
    return [(float(arrays.node_lat[i]), float(arrays.node_lon[i])) for i in picks]


def day_plan_request(network: RoadNetwork) -> dict[str, Any]:
    """Two reps and 12 accounts across Monaco; one account opens before the shifts."""
    points = road_points(network, 14)
    reps = [
        {
            "id": rep_id,
            "start": {"lat": lat, "lon": lon},
            "shift": {"start": "08:00", "end": "13:00"},
        }
        for rep_id, (lat, lon) in zip(("maria", "luca"), points[:2], strict=True)
    ]
    accounts = [
        {
            "id": f"A{i:02d}",
            "name": f"Pharmacie {i}",
            "address": f"{i} Boulevard des Moulins, Monaco",
            "location": {"lat": lat, "lon": lon},
            "visit_duration_s": 1500,
            "windows": [{"start": "08:30", "end": "12:00"}] if i % 3 == 0 else [],
        }
        for i, (lat, lon) in enumerate(points[2:-1], start=1)
    ]
    lat, lon = points[-1]
    accounts.append(
        {
            "id": EARLY_BIRD,
            "location": {"lat": lat, "lon": lon},
            "visit_duration_s": 600,
            "windows": [{"start": "06:00", "end": "06:30"}],
        }
    )
    return {
        "network": "monaco",
        "date": "2026-12-01",
        "reps": reps,
        "accounts": accounts,
        "options": {"time_limit_s": 1, "seed": 0},
    }


def territory_request(network: RoadNetwork) -> dict[str, Any]:
    """Three reps sharing 30 accounts across Monaco, and one account out at sea."""
    points = road_points(network, 33)
    accounts = [
        {"id": f"T{i:02d}", "location": {"lat": lat, "lon": lon}, "visits_per_4_weeks": 4}
        for i, (lat, lon) in enumerate(points[:30])
    ]
    accounts.append({"id": AT_SEA, "location": {"lat": 43.70, "lon": 7.50}})  # 5 km offshore
    return {
        "network": "monaco",
        "reps": [
            {"id": rep_id, "home": {"lat": lat, "lon": lon}}
            for rep_id, (lat, lon) in zip(("west", "centre", "east"), points[::16], strict=True)
        ],
        "accounts": accounts,
        "options": {"tolerance": 0.2, "time_limit_s": 2, "seed": 0},
    }


def schedule_request(network: RoadNetwork) -> dict[str, Any]:
    """Two reps, three working days and 8 accounts across Monaco (one named with markup)."""
    points = road_points(network, 10)
    reps = [
        {
            "id": rep_id,
            "start": {"lat": lat, "lon": lon},
            "shift": {"start": "08:00", "end": "13:00"},
        }
        for rep_id, (lat, lon) in zip(("maria", "luca"), points[:2], strict=True)
    ]
    accounts = [
        {
            "id": f"S{i:02d}",
            "name": MARKUP_NAME if i == 1 else f"Cabinet {i}",
            "location": {"lat": lat, "lon": lon},
            "visit_duration_s": 1200,
            "required": True,
            "visits": 2 if i % 2 else 1,
            "min_gap_days": 2 if i % 2 else None,
        }
        for i, (lat, lon) in enumerate(points[2:], start=1)
    ]
    return {
        "network": "monaco",
        "horizon": {"days": ["2026-12-07", "2026-12-08", "2026-12-09"]},
        "reps": reps,
        "accounts": accounts,
        "options": {"time_limit_s": 2, "seed": 0},
    }


#: An account name that would run script if the page put it in as HTML.
MARKUP_NAME = '<img src=x onerror="document.body.dataset.owned=1">Pharmacie'


class LiveService:
    """A ``fieldroute serve --dev`` process in its own process group."""

    def __init__(self, networks_dir: Path, workdir: Path) -> None:
        self.url = f"http://127.0.0.1:{_free_port()}"
        self.log_path = workdir / "server.log"
        env = {
            **os.environ,
            "FIELDROUTE_NETWORKS_DIR": str(networks_dir),
            "FIELDROUTE_DATABASE_URL": f"sqlite:///{workdir / 'jobs.sqlite'}",
            "FIELDROUTE_DEFAULT_NETWORK": "monaco",
            "FIELDROUTE_WORKERS": "1",
        }
        port = self.url.rsplit(":", 1)[1]
        with open(self.log_path, "w") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "service.cli", "serve", "--dev", "--port", port],
                env=env,
                cwd=ARTIFACTS_DIR.parent,  # the repository root
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while True:
            assert self.proc.poll() is None, self.log_path.read_text()
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise AssertionError("service did not start:\n" + self.log_path.read_text())
            time.sleep(0.2)

    def run_job(self, kind: str, request: dict[str, Any]) -> dict[str, Any]:
        """Submit a job, wait for it to finish and return it (it must succeed)."""
        response = httpx.post(
            f"{self.url}/v1/jobs", json={"kind": kind, "request": request}, timeout=30
        )
        assert response.status_code == 202, response.text
        job_id = response.json()["id"]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            job = httpx.get(f"{self.url}/v1/jobs/{job_id}", timeout=30).json()
            if job["status"] not in ("queued", "running"):
                assert job["status"] == "succeeded", job
                return job
            time.sleep(0.25)
        raise AssertionError(f"job {job_id} did not finish:\n" + self.log_path.read_text())

    def stop(self) -> None:
        """Stop the service and its worker processes."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=20)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)


@pytest.fixture(scope="session")
def live_service(
    tmp_path_factory: pytest.TempPathFactory, networks_dir: Path, monaco_network: RoadNetwork
) -> Iterator[LiveService]:
    """The service in dev mode (no API key), Monaco as its default network."""
    service = LiveService(networks_dir, tmp_path_factory.mktemp("live-service"))
    yield service
    service.stop()


@pytest.fixture(scope="session")
def day_plan_job(live_service: LiveService, monaco_network: RoadNetwork) -> dict[str, Any]:
    """A succeeded day-plan job (its ``request`` added for the tests' reference)."""
    request = day_plan_request(monaco_network)
    return {**live_service.run_job("day-plan", request), "request": request}


@pytest.fixture(scope="session")
def schedule_job(live_service: LiveService, monaco_network: RoadNetwork) -> dict[str, Any]:
    """A succeeded visit-schedule job (its ``request`` added for the tests' reference)."""
    request = schedule_request(monaco_network)
    return {**live_service.run_job("visit-schedule", request), "request": request}


@pytest.fixture(scope="session")
def territory_job(live_service: LiveService, monaco_network: RoadNetwork) -> dict[str, Any]:
    """A succeeded territory job (its ``request`` added for the tests' reference)."""
    request = territory_request(monaco_network)
    return {**live_service.run_job("territories", request), "request": request}
