"""Fixtures of the HTTP service tests: settings, an app with one worker, an API client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.config import Settings

API_KEY = "test-key"
HEADERS = {"X-API-Key": API_KEY}


def make_settings(tmp_path: Path, networks_dir: Path | None = None, **overrides) -> Settings:
    """Settings for a test service: its own SQLite file, one worker, Monaco as default."""
    values = {
        "networks_dir": networks_dir or tmp_path / "networks",
        "database_url": f"sqlite:///{tmp_path / 'jobs.sqlite'}",
        "api_keys": [API_KEY],
        "dev_mode": False,
        "workers": 1,
        "default_network": "monaco",
        "max_sync_accounts": 50,
        # Most tests never solve: start the worker on first use (test_warm_workers.py and
        # the real-server tests check the default, warm start-up).
        "warm_workers": False,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with an empty networks directory (for tests that need no road network)."""
    return make_settings(tmp_path)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """A client of an app with no road network (matrix-only work)."""
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def road_client(
    tmp_path_factory: pytest.TempPathFactory, networks_dir: Path, monaco_network
) -> Iterator[TestClient]:
    """A client of an app serving the prepared test networks (Monaco is the default)."""
    tmp_path = tmp_path_factory.mktemp("road-service")
    app = create_app(make_settings(tmp_path, networks_dir))
    with TestClient(app) as test_client:
        yield test_client
