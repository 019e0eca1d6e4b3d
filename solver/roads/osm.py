"""Read the drivable ways of an OpenStreetMap extract into compact numpy arrays.

The extract may be ``.osm``, ``.osm.bz2`` or ``.osm.pbf`` (read with pyosmium). Ways
clipped at the extract boundary reference nodes that are not in the file: such a way
is cut into the runs of nodes that do have a location.
"""

from __future__ import annotations

from array import array
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import osmium

from solver.errors import NetworkBuildError
from solver.roads.geometry import haversine_m
from solver.roads.profile import road_class_index
from solver.roads.speeds import is_drivable, parse_duration_s, way_directions, way_speed_kmh

_TAGS_USED = (
    "highway",
    "area",
    "service",
    "access",
    "vehicle",
    "motor_vehicle",
    "motorcar",
    "oneway",
    "junction",
    "maxspeed",
    "route",
    "duration",
)


@dataclass(frozen=True, slots=True)
class WayRuns:
    """Drivable ways as runs of consecutive located nodes.

    Attributes
    ----------
    node_ids
        ``(P,)`` OSM node id of every point, runs concatenated.
    lat, lon
        ``(P,)`` WGS84 degrees of every point.
    run_offsets
        ``(R + 1,)`` run ``r`` is points ``run_offsets[r]:run_offsets[r + 1]``.
    forward, backward
        ``(R,)`` whether the run may be driven along / against its node order.
    speed_kmh
        ``(R,)`` driving speed of the run, km/h.
    ferry
        ``(R,)`` whether the run is a car ferry (``route=ferry``), not a road.
    way_id
        ``(R,)`` OSM id of the way each run belongs to (-1 where unknown), or ``None``.
    road_class
        ``(R,)`` index of the run's ``highway`` class in
        :data:`solver.roads.profile.ROAD_CLASSES` (``ferry`` for a ferry, ``other`` for
        a class not in that list); None when the reader did not record it.
    """

    node_ids: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    run_offsets: np.ndarray
    forward: np.ndarray
    backward: np.ndarray
    speed_kmh: np.ndarray
    ferry: np.ndarray
    way_id: np.ndarray | None = None
    road_class: np.ndarray | None = None


def _duration_speed_kmh(
    lat: np.ndarray, lon: np.ndarray, run_offsets: np.ndarray, duration_s: float
) -> float:
    """Speed (km/h) that covers the located runs of a way in its tagged duration."""
    steps = haversine_m(lat[:-1], lon[:-1], lat[1:], lon[1:])
    inside = np.ones(steps.size, dtype=bool)
    inside[run_offsets[1:-1] - 1] = False  # no step between two runs
    length_m = float(steps[inside].sum())
    return max(length_m / duration_s * 3.6, 0.1)


def read_drivable_ways(source: Path, speeds_kmh: Mapping[str, float]) -> WayRuns:
    """Read the drivable ways of an OSM extract, split where node locations are missing.

    Parameters
    ----------
    source
        Path of a ``.osm``, ``.osm.bz2`` or ``.osm.pbf`` file.
    speeds_kmh
        Speed per drivable ``highway`` class, km/h (see :mod:`solver.roads.speeds`).

    Returns
    -------
    WayRuns
        Runs of at least two located nodes.

    Raises
    ------
    NetworkBuildError
        When the file cannot be read or holds no drivable way.
    """
    # compact typed buffers: 8 bytes per way node, not a Python object each
    node_ids = array("q")
    lats = array("d")
    lons = array("d")
    offsets = array("q", [0])
    forward: list[bool] = []
    backward: list[bool] = []
    speeds: list[float] = []
    ferries: list[bool] = []
    way_ids = array("q")
    classes: list[int] = []

    def close_run() -> None:
        start = offsets[-1]
        if len(node_ids) - start >= 2:
            offsets.append(len(node_ids))
            forward.append(fwd)
            backward.append(bwd)
            speeds.append(speed)
            ferries.append(is_ferry)
            way_ids.append(way_id)
            classes.append(road_class)
        else:  # a lone located node is no road: drop it
            del node_ids[start:], lats[start:], lons[start:]

    try:
        processor = (
            osmium.FileProcessor(str(source), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.KeyFilter("highway", "route"))
        )
        for way in processor:
            if not way.is_way():
                continue
            tags = {key: way.tags[key] for key in _TAGS_USED if key in way.tags}
            if not is_drivable(tags, speeds_kmh):
                continue
            fwd, bwd = way_directions(tags)
            speed = way_speed_kmh(tags, speeds_kmh)
            is_ferry = tags.get("route") == "ferry"
            way_id = way.id
            road_class = road_class_index("ferry" if is_ferry else tags.get("highway", ""))
            first_run, first_point = len(speeds), len(node_ids)
            previous = None
            for node in way.nodes:
                location = node.location
                if not location.valid():  # clipped at the extract boundary
                    close_run()
                    previous = None
                    continue
                if node.ref == previous:  # repeated node: no segment
                    continue
                node_ids.append(node.ref)
                lats.append(location.lat)
                lons.append(location.lon)
                previous = node.ref
            close_run()
            duration_s = parse_duration_s(tags.get("duration")) if is_ferry else None
            if duration_s and len(speeds) > first_run:  # a timed ferry: its own speed
                speed = _duration_speed_kmh(
                    np.asarray(lats[first_point:]),
                    np.asarray(lons[first_point:]),
                    np.asarray(offsets[first_run:]) - first_point,
                    duration_s,
                )
                speeds[first_run:] = [speed] * (len(speeds) - first_run)
    except (RuntimeError, OSError) as exc:
        raise NetworkBuildError(f"OSM extract '{source}': cannot be read ({exc}).") from exc
    if not forward:
        raise NetworkBuildError(f"OSM extract '{source}': holds no drivable road.")
    return WayRuns(
        node_ids=np.asarray(node_ids, dtype=np.int64),
        lat=np.asarray(lats, dtype=np.float64),
        lon=np.asarray(lons, dtype=np.float64),
        run_offsets=np.asarray(offsets, dtype=np.int64),
        forward=np.asarray(forward, dtype=bool),
        backward=np.asarray(backward, dtype=bool),
        speed_kmh=np.asarray(speeds, dtype=np.float64),
        ferry=np.asarray(ferries, dtype=bool),
        way_id=np.asarray(way_ids, dtype=np.int64),
        road_class=np.asarray(classes, dtype=np.int8),
    )
