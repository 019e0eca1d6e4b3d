"""A hand-written OSM XML file: which ways are kept, directions, clipping, speeds."""

import numpy as np
import pytest

from solver.roads import DEFAULT_SPEEDS_KMH, build_network, load_network
from solver.roads.graph import haversine_m
from tests.osm_files import write_osm

# Node n sits at (45.0 + dlat, 7.0 + dlon); about 111 m per 0.001 degree of latitude.
NODES = {
    1: (0.000, 0.000),
    2: (0.001, 0.000),
    3: (0.001, 0.001),
    4: (0.0005, 0.0012),  # shape point of the one-way street 3-4-1
    5: (0.002, 0.000),
    6: (0.002, 0.002),
    7: (0.050, 0.000),  # an island 5.5 km north, reached by car ferry from node 5
    8: (0.051, 0.000),
    9: (0.000, 0.050),  # a port outside the extract's roads
}
WAYS = [
    # (id, node refs, tags); node 99 is missing from the file (clipped extract)
    (10, [1, 2, 3], {"highway": "residential"}),
    (11, [3, 4, 1], {"highway": "primary", "oneway": "yes", "maxspeed": "50"}),
    (12, [2, 5], {"highway": "footway"}),
    (13, [3, 6], {"highway": "residential", "access": "private"}),
    (14, [2, 5, 99, 6], {"highway": "residential"}),
    (15, [1, 2], {"highway": "service", "service": "parking_aisle"}),
    (16, [7, 8], {"highway": "residential"}),
    (17, [5, 7], {"route": "ferry", "motorcar": "yes", "duration": "0:30"}),
    (18, [1, 8], {"route": "ferry"}),  # passengers only
    (19, [3, 9], {"route": "ferry", "motor_vehicle": "yes"}),  # lands on no road
]


def _write_osm(path) -> None:
    write_osm(path, {i: (45 + dlat, 7 + dlon) for i, (dlat, dlon) in NODES.items()}, WAYS)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny")
    _write_osm(folder / "tiny.osm")
    build_network(folder / "tiny.osm", name="tiny", networks_dir=folder)
    return load_network("tiny", networks_dir=folder)


def _arcs(network) -> set[tuple[int, int]]:
    a = network.arrays
    osm = a.node_osm_id
    return {(int(osm[t]), int(osm[h])) for t, h in zip(a.arc_tail, a.arc_head, strict=True)}


def test_only_car_ways_are_kept_and_shape_points_are_not_nodes(tiny):
    # footway, private and parking aisle dropped; node 4 only shapes the one-way street;
    # the clipped way 2-5-99-6 keeps its run 2-5 (the lone 6 is no road); the car ferry
    # 5-7 joins the island 7-8; the passenger and the dead-end ferries are dropped
    assert sorted(tiny.arrays.node_osm_id.tolist()) == [1, 2, 3, 5, 7, 8]
    assert _arcs(tiny) == {
        (1, 2),
        (2, 1),
        (2, 3),
        (3, 2),
        (3, 1),
        (2, 5),
        (5, 2),
        (5, 7),
        (7, 5),
        (7, 8),
        (8, 7),
    }


def test_one_way_street_is_driven_in_its_direction_only(tiny):
    a = tiny.arrays
    osm = a.node_osm_id.tolist()
    one_way = [k for k in range(a.arc_count) if (osm[a.arc_tail[k]], osm[a.arc_head[k]]) == (3, 1)]
    assert len(one_way) == 1
    piece = a.arc_piece[one_way[0]]
    points = a.piece_offsets[piece + 1] - a.piece_offsets[piece]
    assert points == 3  # 3 -> 4 -> 1, with its shape point


def test_speeds_from_maxspeed_and_default_table(tiny):
    a = tiny.arrays
    osm = a.node_osm_id.tolist()
    lat = dict(zip(osm, a.node_lat.tolist(), strict=True))
    lon = dict(zip(osm, a.node_lon.tolist(), strict=True))
    for k in range(a.arc_count):
        tail, head = osm[a.arc_tail[k]], osm[a.arc_head[k]]
        if {tail, head} == {5, 7}:
            assert a.arc_time_ds[k] == 30 * 60 * 10  # the ferry's duration tag
            continue
        if (tail, head) == (3, 1):
            speed_kmh = 50.0  # maxspeed
            length = haversine_m(45.001, 7.001, 45.0005, 7.0012) + haversine_m(
                45.0005, 7.0012, 45.0, 7.0
            )
        else:
            speed_kmh = DEFAULT_SPEEDS_KMH["residential"]
            length = haversine_m(lat[tail], lon[tail], lat[head], lon[head])
        assert a.arc_length_m[k] == round(length)
        assert a.arc_time_ds[k] == round(length / (speed_kmh / 3.6) * 10)


def test_matrix_on_tiny_network_uses_the_one_way_shortcut(tiny):
    at = {n: (45 + dlat, 7 + dlon) for n, (dlat, dlon) in NODES.items()}
    matrix = tiny.matrix([at[1], at[3]])
    a = tiny.arrays
    osm = a.node_osm_id.tolist()
    time_ds = {
        (osm[t], osm[h]): int(w)
        for t, h, w in zip(a.arc_tail, a.arc_head, a.arc_time_ds, strict=True)
    }
    unit_s = int(a.time_unit_ds) / 10
    to_units = lambda ds: max(1, round(ds / int(a.time_unit_ds)))  # noqa: E731
    via_2 = to_units(time_ds[(1, 2)]) + to_units(time_ds[(2, 3)])
    back = min(to_units(time_ds[(3, 1)]), to_units(time_ds[(3, 2)]) + to_units(time_ds[(2, 1)]))
    assert matrix.durations_s[0, 1] == round(via_2 * unit_s)
    assert matrix.durations_s[1, 0] == round(back * unit_s)
    assert np.diag(matrix.durations_s).tolist() == [0, 0]


def test_ferry_is_driven_but_never_snapped_onto(tiny):
    island, mainland = (45.0505, 7.0), (45.0015, 7.0)
    at_sea_on_ferry_line = (45.026, 7.0)  # 2.6 km from either shore
    snaps = tiny.snap([island, mainland, at_sea_on_ferry_line])
    assert snaps[0].on_network and snaps[1].on_network
    assert not snaps[2].on_network
    matrix = tiny.matrix([mainland, island])
    assert 30 * 60 < matrix.durations_s[0, 1] < 35 * 60
    assert matrix.distances_m[0, 1] > 5000


def test_unreachable_pairs_are_explicit_minus_one():
    """A graph that is not strongly connected (never built from OSM, where only the
    largest strongly connected part is kept): one-way 0 -> 1 -> 2 and nothing back."""
    from solver.model import UNREACHABLE
    from solver.roads import NetworkInfo, RoadNetwork
    from solver.roads.engine import prepare_engine
    from solver.roads.graph import RoadArrays

    lat = np.array([45.0, 45.001, 45.002])
    lon = np.array([7.0, 7.0, 7.0])
    arrays = RoadArrays(
        node_lat=lat,
        node_lon=lon,
        node_osm_id=np.array([10, 11, 12]),
        arc_tail=np.array([0, 1], dtype=np.int32),
        arc_head=np.array([1, 2], dtype=np.int32),
        arc_time_ds=np.array([100, 100], dtype=np.int32),
        arc_length_m=np.array([111, 111], dtype=np.int32),
        arc_piece=np.array([0, 1], dtype=np.int32),
        arc_reversed=np.array([False, False]),
        piece_offsets=np.array([0, 2, 4]),
        point_lat=np.array([45.0, 45.001, 45.001, 45.002]),
        point_lon=np.array([7.0, 7.0, 7.0, 7.0]),
        piece_ferry=np.array([False, False]),
        cch_order=np.empty(0, dtype=np.int32),
        time_unit_ds=np.asarray(1),
        lex_factor=np.asarray(1),
    )
    info = NetworkInfo("line", "none", "0" * 64, "2026-01-01T00:00:00+00:00", 3, 2, (7, 45, 7, 45))
    network = RoadNetwork(info, prepare_engine(arrays))
    points = [(45.0, 7.0), (45.002, 7.0)]
    matrix = network.matrix(points)
    assert matrix.durations_s.tolist() == [[0, 20], [UNREACHABLE, 0]]
    assert matrix.distances_m.tolist() == [[0, 222], [UNREACHABLE, 0]]
    assert network.path(points[1], points[0])["coordinates"] == []
