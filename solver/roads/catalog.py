"""Prepare networks from OSM extracts into a networks directory, list and load them.

Layout: ``<networks_dir>/<name>/graph.npz`` (the compact arrays, no pickle) and
``<networks_dir>/<name>/network.json`` (the :class:`NetworkInfo`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

from solver.errors import InvalidProblemError, NetworkBuildError, NetworkNotFoundError
from solver.roads.engine import prepare_engine
from solver.roads.graph import RoadArrays, assemble_graph
from solver.roads.graphml import is_graphml, read_graphml_ways
from solver.roads.info import NetworkInfo, network_timezone
from solver.roads.network import DEFAULT_SNAP_LIMIT_M, RoadNetwork
from solver.roads.osm import read_drivable_ways
from solver.roads.profile import SpeedProfile, load_profile
from solver.roads.speeds import merge_speeds

GRAPH_FILE = "graph.npz"
INFO_FILE = "network.json"
#: The network's own speed profile (absent: the default profile).
PROFILE_FILE = "profile.json"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_SUFFIXES = (".osm", ".osm.bz2", ".osm.pbf", ".pbf", ".osm.gz")


def _check_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise InvalidProblemError(
            f"Road network {name!r}: name must be 1-64 letters, digits, '.', '_' or '-'.",
            field="network",
        )
    return name


def _not_prepared(name: str, networks_dir: Path) -> NetworkNotFoundError:
    """Return the error of an unprepared network; its message names the network only.

    The directory searched goes to the ``hint`` (for the local command line), never to
    the message that a service passes on to its clients.
    """
    return NetworkNotFoundError(
        f"Road network '{name}': not found among the prepared networks (GET /v1/networks "
        "or 'fieldroute network list' lists them).",
        field="network",
        hint=(
            f"not found in {networks_dir}; build it with "
            f"'fieldroute network build FILE --name {name}'"
        ),
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def build_network(
    source: Path,
    *,
    name: str,
    networks_dir: Path,
    speeds_kmh: Mapping[str, float] | None = None,
    addresses: bool = True,
    profile: SpeedProfile | None = None,
) -> NetworkInfo:
    """Prepare a drive network from an OSM extract and save it under ``networks_dir/name``.

    Parameters
    ----------
    source
        ``.osm``, ``.osm.bz2`` or ``.osm.pbf`` extract, or a ``.graphml`` file saved by
        osmnx (``ox.save_graphml``; see :mod:`solver.roads.graphml`).
    name
        Name of the network (letters, digits, ``.``, ``_``, ``-``); an existing network
        of that name is replaced.
    networks_dir
        Directory of prepared networks (created if missing).
    speeds_kmh
        Overrides of the default speed per highway class, km/h
        (:data:`solver.roads.speeds.DEFAULT_SPEEDS_KMH`).
    addresses
        Also build the address index (``addresses.json``, see :mod:`solver.geocode`)
        from the same extract (default; never from GraphML, which holds no addresses).
    profile
        Speed profile saved with the network (``profile.json``; see
        :mod:`solver.roads.profile`); None keeps the default profile.

    Returns
    -------
    NetworkInfo
        What was built.

    Raises
    ------
    InvalidProblemError
        When the name or a speed is invalid.
    NetworkBuildError
        When the file is missing, unreadable or holds no drivable road.
    """
    started = time.perf_counter()
    _check_name(name)
    source = Path(source)
    if not source.is_file():
        raise NetworkBuildError(f"OSM extract '{source}': file not found.")
    graphml = is_graphml(source)
    if not graphml and not source.name.lower().endswith(_SUFFIXES):
        raise NetworkBuildError(
            f"OSM extract '{source}': expected a .osm, .osm.bz2, .osm.pbf or .graphml file."
        )
    try:
        speeds = merge_speeds(speeds_kmh)
    except ValueError as exc:
        raise InvalidProblemError(str(exc), field="speeds_kmh") from exc
    read_ways = read_graphml_ways if graphml else read_drivable_ways
    addresses = addresses and not graphml  # a GraphML graph holds no addresses
    arrays = assemble_graph(read_ways(source, speeds))
    arrays = prepare_engine(arrays)
    info = NetworkInfo(
        name=name,
        source_file=source.name,
        source_sha256=_sha256(source),
        built_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        nodes=arrays.node_count,
        edges=arrays.arc_count,
        bbox=(
            float(arrays.node_lon.min()),
            float(arrays.node_lat.min()),
            float(arrays.node_lon.max()),
            float(arrays.node_lat.max()),
        ),
        speeds_kmh=speeds,
        build_s=round(time.perf_counter() - started, 3),
        timezone=network_timezone(arrays.node_lat, arrays.node_lon),
    )
    networks_dir = Path(networks_dir)
    networks_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=networks_dir))
    try:
        arrays.save(staging / GRAPH_FILE)
        if addresses:
            from solver.geocode.index import (
                INDEX_FILE,
                read_address_columns,
                save_address_columns,
            )

            save_address_columns(
                read_address_columns(source, speeds_kmh=speeds), staging / INDEX_FILE
            )
        (staging / INFO_FILE).write_text(json.dumps(info.to_dict(), indent=2) + "\n")
        if profile is not None:
            profile.save(staging / PROFILE_FILE)
        target = networks_dir / name
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return info


def _read_info(folder: Path) -> NetworkInfo:
    return NetworkInfo.from_dict(json.loads((folder / INFO_FILE).read_text()))


def network_local_timezone(name: str, *, networks_dir: Path) -> str | None:
    """Return the time zone of a prepared network (the local time of plans on it).

    Parameters
    ----------
    name
        Name given at build time.
    networks_dir
        Directory of prepared networks.

    Returns
    -------
    str | None
        The IANA zone recorded in its ``network.json``; for a network built before
        zones were recorded, the zone at the centre of its bbox (with a warning, see
        :meth:`NetworkInfo.local_timezone`).

    Raises
    ------
    NetworkNotFoundError
        When no network of that name is prepared.
    """
    _check_name(name)
    folder = Path(networks_dir) / name
    if not (folder / INFO_FILE).is_file():
        raise _not_prepared(name, networks_dir)
    return _read_info(folder).local_timezone()


def list_networks(networks_dir: Path) -> list[NetworkInfo]:
    """Return the prepared networks in a directory, sorted by name.

    Parameters
    ----------
    networks_dir
        Directory of prepared networks; a missing directory holds none.

    Returns
    -------
    list[NetworkInfo]
        Metadata of each network.
    """
    folder = Path(networks_dir)
    if not folder.is_dir():
        return []
    found = [
        _read_info(child)
        for child in sorted(folder.iterdir())
        if child.is_dir() and (child / INFO_FILE).is_file() and (child / GRAPH_FILE).is_file()
    ]
    return sorted(found, key=lambda info: info.name)


def load_network(
    name: str,
    *,
    networks_dir: Path,
    snap_limit_m: float = DEFAULT_SNAP_LIMIT_M,
    prepare: bool = True,
) -> RoadNetwork:
    """Load a prepared network.

    Parameters
    ----------
    name
        Name given at build time.
    networks_dir
        Directory of prepared networks.
    snap_limit_m
        Locations further than this from a road are off-network, metres.
    prepare
        Build the contraction hierarchy and the spatial index now (default) rather
        than on first use.

    Returns
    -------
    RoadNetwork
        The network, ready for queries.

    Raises
    ------
    NetworkNotFoundError
        When no network of that name exists in ``networks_dir``.
    """
    _check_name(name)
    folder = Path(networks_dir) / name
    if not (folder / INFO_FILE).is_file() or not (folder / GRAPH_FILE).is_file():
        raise _not_prepared(name, networks_dir)
    profile = load_profile(folder / PROFILE_FILE) if (folder / PROFILE_FILE).is_file() else None
    network = RoadNetwork(
        _read_info(folder),
        RoadArrays.load(folder / GRAPH_FILE),
        snap_limit_m=snap_limit_m,
        profile=profile,
    )
    return network.prepare() if prepare else network


def save_network_profile(name: str, profile: SpeedProfile, *, networks_dir: Path) -> Path:
    """Replace the speed profile of a prepared network (e.g. after calibration).

    Parameters
    ----------
    name
        Name of the network.
    profile
        The profile to keep with it.
    networks_dir
        Directory of prepared networks.

    Returns
    -------
    Path
        The ``profile.json`` written.

    Raises
    ------
    NetworkNotFoundError
        When no network of that name is prepared.
    """
    _check_name(name)
    folder = Path(networks_dir) / name
    if not (folder / INFO_FILE).is_file():
        raise _not_prepared(name, networks_dir)
    profile.save(folder / PROFILE_FILE)
    return folder / PROFILE_FILE
