"""Shared test fixtures: road networks prepared once per test session from ``data/``."""

from __future__ import annotations

from pathlib import Path

import pytest

from solver.roads import RoadNetwork, build_network, load_network

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(scope="session")
def networks_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Directory holding the networks prepared for this test session."""
    return tmp_path_factory.mktemp("networks")


@pytest.fixture(scope="session")
def monaco_network(networks_dir: Path) -> RoadNetwork:
    """Monaco (full 2021 extract, ~800 graph nodes), prepared as network ``monaco``."""
    build_network(DATA_DIR / "monaco-2021-04-21.osm.pbf", name="monaco", networks_dir=networks_dir)
    return load_network("monaco", networks_dir=networks_dir)


@pytest.fixture(scope="session")
def aguascalientes_network(networks_dir: Path) -> RoadNetwork:
    """Aguascalientes city centre (from the .osm.bz2 XML), prepared as ``aguascalientes``."""
    build_network(
        DATA_DIR / "aguascalientes.osm.bz2", name="aguascalientes", networks_dir=networks_dir
    )
    return load_network("aguascalientes", networks_dir=networks_dir)
