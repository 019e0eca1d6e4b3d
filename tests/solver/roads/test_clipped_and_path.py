"""Clipped extracts, path geometry and the speed table."""

import numpy as np
import osmium
import pytest

from solver.roads import build_network, load_network
from solver.roads.graph import haversine_m
from solver.roads.speeds import (
    DEFAULT_SPEEDS_KMH,
    is_drivable,
    merge_speeds,
    parse_maxspeed_kmh,
    way_directions,
)
from tests.conftest import DATA_DIR


def _clip_monaco(target, max_lon: float) -> int:
    """Write Monaco without the nodes east of ``max_lon``; return ways left dangling."""
    kept: set[int] = set()
    with osmium.SimpleWriter(str(target)) as writer:
        for obj in osmium.FileProcessor(str(DATA_DIR / "monaco-2021-04-21.osm.pbf")):
            if obj.is_node():
                if obj.location.lon < max_lon:
                    kept.add(obj.id)
                    writer.add_node(obj)
            elif obj.is_way():
                writer.add_way(obj)
    dangling = 0
    for way in osmium.FileProcessor(str(target), osmium.osm.WAY):
        refs = [n.ref for n in way.nodes]
        if (
            "highway" in way.tags
            and any(r in kept for r in refs)
            and not all(r in kept for r in refs)
        ):
            dangling += 1
    return dangling


def test_extract_clipped_through_its_roads_builds_and_routes(tmp_path):
    clipped = tmp_path / "monaco-west.osm.pbf"
    assert _clip_monaco(clipped, max_lon=7.42) > 10  # roads cut at the boundary
    info = build_network(clipped, name="monaco-west", networks_dir=tmp_path)
    network = load_network("monaco-west", networks_dir=tmp_path)
    assert 50 < info.nodes < 818
    assert info.bbox[2] < 7.42
    a = network.arrays
    points = [(float(a.node_lat[k]), float(a.node_lon[k])) for k in range(0, info.nodes, 20)]
    matrix = network.matrix(points)
    assert (matrix.durations_s >= 0).all()  # strongly connected: every pair has a path


def test_path_is_a_geojson_line_from_origin_to_destination(monaco_network):
    origin, destination = (43.7396, 7.4270), (43.7285, 7.4160)
    line = monaco_network.path(origin, destination)
    assert line["type"] == "LineString"
    coords = np.array(line["coordinates"])
    assert coords.shape[1] == 2 and len(coords) > 5
    assert tuple(coords[0]) == (origin[1], origin[0])  # [lon, lat]
    assert tuple(coords[-1]) == (destination[1], destination[0])
    line_m = haversine_m(coords[:-1, 1], coords[:-1, 0], coords[1:, 1], coords[1:, 0]).sum()
    matrix_m = monaco_network.matrix([origin], [destination]).distances_m[0, 0]
    assert line_m == pytest.approx(matrix_m, rel=0.02, abs=5)


def test_path_to_an_off_network_point_is_empty(monaco_network):
    offshore = (43.69, 7.42)
    assert monaco_network.path((43.7396, 7.4270), offshore)["coordinates"] == []


def test_path_follows_one_way_streets(monaco_network):
    origin, destination = (43.7396, 7.4270), (43.7285, 7.4160)
    there = monaco_network.path(origin, destination)["coordinates"]
    back = monaco_network.path(destination, origin)["coordinates"]
    assert there != back[::-1]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("50", 50.0),
        ("30 mph", 30 * 1.609344),
        ("50;70", 50.0),
        ("PT:urban", None),
        ("walk", None),
        (None, None),
    ],
)
def test_parse_maxspeed(value, expected):
    result = parse_maxspeed_kmh(value)
    assert result == (pytest.approx(expected) if expected is not None else None)


@pytest.mark.parametrize(
    ("tags", "drivable"),
    [
        ({"highway": "residential"}, True),
        ({"highway": "footway"}, False),
        ({"highway": "residential", "access": "private"}, False),
        ({"highway": "residential", "access": "no", "motor_vehicle": "yes"}, True),
        ({"highway": "primary", "motor_vehicle": "no"}, False),
        ({"highway": "service", "service": "parking_aisle"}, False),
        ({"highway": "service"}, True),
        ({"highway": "pedestrian", "area": "yes"}, False),
    ],
)
def test_drivable_ways(tags, drivable):
    assert is_drivable(tags, DEFAULT_SPEEDS_KMH) is drivable


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"highway": "residential"}, (True, True)),
        ({"highway": "residential", "oneway": "yes"}, (True, False)),
        ({"highway": "residential", "oneway": "-1"}, (False, True)),
        ({"highway": "primary", "junction": "roundabout"}, (True, False)),
        ({"highway": "motorway"}, (True, False)),
        ({"highway": "motorway", "oneway": "no"}, (True, True)),
    ],
)
def test_way_directions(tags, expected):
    assert way_directions(tags) == expected


def test_speed_overrides_change_travel_times(tmp_path):
    source = DATA_DIR / "aguascalientes.osm.pbf"
    build_network(source, name="normal", networks_dir=tmp_path)
    slow = {highway: speed / 2 for highway, speed in DEFAULT_SPEEDS_KMH.items()}
    build_network(source, name="slow", networks_dir=tmp_path, speeds_kmh=slow)
    normal = load_network("normal", networks_dir=tmp_path)
    halved = load_network("slow", networks_dir=tmp_path)
    untagged = normal.arrays.arc_time_ds < halved.arrays.arc_time_ds
    assert untagged.mean() > 0.5  # most streets carry no maxspeed tag
    assert halved.info.speeds_kmh["residential"] == DEFAULT_SPEEDS_KMH["residential"] / 2
    with pytest.raises(ValueError, match="residential"):
        merge_speeds({"residential": -5})


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0:25", 1500.0), ("1:45", 6300.0), ("01:00:30", 3630.0), ("40", 2400.0), ("soon", None)],
)
def test_parse_ferry_duration(value, expected):
    from solver.roads.speeds import parse_duration_s

    assert parse_duration_s(value) == expected


def test_path_lengths_match_matrix_distances_for_many_pairs(monaco_network):
    from tests.solver.roads.test_matrix import _points_beside_roads

    points = _points_beside_roads(monaco_network, 12, seed=5)
    matrix = monaco_network.matrix(points)
    for i in range(len(points)):
        for j in range(len(points)):
            coords = np.array(monaco_network.path(points[i], points[j])["coordinates"])
            if i == j:
                continue
            line_m = haversine_m(coords[:-1, 1], coords[:-1, 0], coords[1:, 1], coords[1:, 0])
            assert line_m.sum() == pytest.approx(matrix.distances_m[i, j], rel=0.01, abs=3), (i, j)
