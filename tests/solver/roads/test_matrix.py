"""Matrices and snapping on real extracts, checked against networkx on the same graph."""

import networkx as nx
import numpy as np
import pytest

from solver.errors import InvalidProblemError
from solver.model import UNREACHABLE
from solver.roads import OFF_ROAD_SPEED_KMH
from solver.roads.graph import haversine_m

BIG = 10**12  # lexicographic (time, length) weights for networkx: exact, Python ints


def _nx_graph(network) -> nx.DiGraph:
    """The network's arcs as a networkx graph; parallel arcs keep the best (time, length)."""
    a = network.arrays
    weights = network._get_engine().weights
    graph = nx.DiGraph()
    for u, v, w, m in zip(
        a.arc_tail.tolist(),
        a.arc_head.tolist(),
        weights.tolist(),
        a.arc_length_m.tolist(),
        strict=True,
    ):
        lex = w * BIG + m
        if not graph.has_edge(u, v) or graph[u][v]["lex"] > lex:
            graph.add_edge(u, v, lex=lex, time=w)
    return graph


def _sample_nodes(network, count: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.choice(network.arrays.node_count, size=count, replace=False)


@pytest.mark.parametrize("fixture", ["monaco_network", "aguascalientes_network"])
def test_matrix_equals_networkx_fastest_paths_between_nodes(fixture, request):
    network = request.getfixturevalue(fixture)
    a = network.arrays
    nodes = _sample_nodes(network, 25, seed=1)
    points = [(float(a.node_lat[k]), float(a.node_lon[k])) for k in nodes]
    matrix = network.matrix(points)
    graph = _nx_graph(network)
    seconds_per_unit = int(a.time_unit_ds) / 10
    for i, u in enumerate(nodes.tolist()):
        lex = nx.single_source_dijkstra_path_length(graph, u, weight="lex")
        for j, v in enumerate(nodes.tolist()):
            time_u, length_m = divmod(lex[v], BIG)
            assert matrix.durations_s[i, j] == round(time_u * seconds_per_unit), (i, j)
            assert matrix.distances_m[i, j] == length_m, (i, j)


def test_distance_is_length_of_fastest_not_shortest_path(monaco_network):
    # On some pairs the shortest path is slower: the matrix must report the fastest one.
    a = monaco_network.arrays
    nodes = _sample_nodes(monaco_network, 30, seed=2)
    points = [(float(a.node_lat[k]), float(a.node_lon[k])) for k in nodes]
    matrix = monaco_network.matrix(points)
    graph = nx.DiGraph()
    for u, v, m in zip(
        a.arc_tail.tolist(), a.arc_head.tolist(), a.arc_length_m.tolist(), strict=True
    ):
        if not graph.has_edge(u, v) or graph[u][v]["m"] > m:
            graph.add_edge(u, v, m=m)
    shortest = np.array(
        [[nx.shortest_path_length(graph, u, v, weight="m") for v in nodes] for u in nodes]
    )
    assert (matrix.distances_m >= shortest).all()
    assert (matrix.distances_m > shortest).sum() > 10  # fastest is often longer


def test_one_way_streets_give_asymmetric_times(monaco_network):
    a = monaco_network.arrays
    nodes = _sample_nodes(monaco_network, 30, seed=3)
    points = [(float(a.node_lat[k]), float(a.node_lon[k])) for k in nodes]
    durations = monaco_network.matrix(points).durations_s
    assert (durations != durations.T).sum() > 0.5 * durations.size


def test_along_a_one_way_street_is_direct_one_way_and_around_the_block_back(monaco_network):
    a = monaco_network.arrays
    forward_only = np.setdiff1d(a.arc_piece[~a.arc_reversed], a.arc_piece[a.arc_reversed])
    pieces = forward_only[np.argsort(-a.arc_length_m[np.isin(a.arc_piece, forward_only)])]
    piece = int(pieces[0])  # the longest one-way piece
    lo, hi = a.piece_offsets[piece], a.piece_offsets[piece + 1]
    lat, lon = a.point_lat[lo:hi], a.point_lon[lo:hi]
    k = (hi - lo) // 2 if hi - lo > 2 else 0
    # two points on the piece's polyline, in driving order
    first = (float(lat[k] * 0.75 + lat[k + 1] * 0.25), float(lon[k] * 0.75 + lon[k + 1] * 0.25))
    second = (float(lat[k] * 0.25 + lat[k + 1] * 0.75), float(lon[k] * 0.25 + lon[k + 1] * 0.75))
    matrix = monaco_network.matrix([first, second])
    along_m = haversine_m(first[0], first[1], second[0], second[1])
    assert abs(matrix.distances_m[0, 1] - along_m) <= 2
    assert matrix.durations_s[1, 0] > matrix.durations_s[0, 1]
    assert matrix.distances_m[1, 0] > matrix.distances_m[0, 1]


def test_point_5_km_offshore_is_off_network_and_unreachable(monaco_network):
    port = (43.7347, 7.4206)  # Port Hercule
    offshore = (43.7347 - 5000 / 111_200, 7.4206)  # 5 km south, in the sea
    snaps = monaco_network.snap([port, offshore])
    assert snaps[0].on_network and snaps[0].distance_m < 200
    assert not snaps[1].on_network
    assert (snaps[1].road_lat, snaps[1].road_lon) == offshore  # never silently moved
    matrix = monaco_network.matrix([port, offshore])
    assert matrix.durations_s[0, 0] == 0
    assert (matrix.durations_s[1, :] == UNREACHABLE).all()
    assert (matrix.durations_s[:, 1] == UNREACHABLE).all()
    assert (matrix.distances_m[1, :] == UNREACHABLE).all()


def test_snap_limit_is_configurable(monaco_network):
    at_sea = (43.7347 - 1500 / 111_200, 7.4206)
    snap = monaco_network.snap([at_sea])[0]
    assert snap.on_network and 100 < snap.distance_m < 2000
    make = type(monaco_network)
    strict = make(monaco_network.info, monaco_network.arrays, snap_limit_m=snap.distance_m / 2)
    assert not strict.snap([at_sea])[0].on_network
    assert (strict.matrix([at_sea, (43.7347, 7.4206)]).durations_s[0] == UNREACHABLE).all()


def test_snap_projects_onto_the_edge_not_the_nearest_node(aguascalientes_network):
    a = aguascalientes_network.arrays
    lengths = np.bincount(a.arc_piece, weights=a.arc_length_m)
    piece = int(np.argmax(lengths))
    lo = a.piece_offsets[piece]
    mid_lat = float((a.point_lat[lo] + a.point_lat[lo + 1]) / 2)
    mid_lon = float((a.point_lon[lo] + a.point_lon[lo + 1]) / 2)
    snap = aguascalientes_network.snap([(mid_lat, mid_lon)])[0]
    assert snap.on_network and snap.distance_m < 1.0
    nearest_node_m = haversine_m(mid_lat, mid_lon, a.node_lat, a.node_lon).min()
    assert nearest_node_m > 10 * (snap.distance_m + 0.1)


def test_off_road_leg_is_walked_at_the_documented_speed(aguascalientes_network):
    a = aguascalientes_network.arrays
    origin = (float(a.node_lat[0]), float(a.node_lon[0]))
    target = (float(a.node_lat[50]), float(a.node_lon[50]))
    on_road = aguascalientes_network.matrix([origin], [target])
    snap = aguascalientes_network.snap([target])[0]
    # move the target 100 m away from its road, perpendicular enough to keep the same snap
    away = (target[0] + 100 / 111_200, target[1])
    moved = aguascalientes_network.snap([away])[0]
    if abs(moved.road_lat - snap.road_lat) > 1e-6 or abs(moved.road_lon - snap.road_lon) > 1e-6:
        away = (target[0] - 100 / 111_200, target[1])
        moved = aguascalientes_network.snap([away])[0]
    off = aguascalientes_network.matrix([origin], [away])
    expected_s = moved.distance_m / (OFF_ROAD_SPEED_KMH / 3.6)
    extra_s = off.durations_s[0, 0] - on_road.durations_s[0, 0]
    extra_m = off.distances_m[0, 0] - on_road.distances_m[0, 0]
    if abs(moved.road_lat - snap.road_lat) < 1e-6 and abs(moved.road_lon - snap.road_lon) < 1e-6:
        assert abs(extra_s - expected_s) <= 1
        assert abs(extra_m - moved.distance_m) <= 1
    else:  # snapped elsewhere: still at least the walk
        assert extra_s >= -60


def test_rectangular_matrix_and_default_destinations(aguascalientes_network):
    a = aguascalientes_network.arrays
    points = [(float(a.node_lat[k]), float(a.node_lon[k])) for k in range(0, 60, 6)]
    square = aguascalientes_network.matrix(points)
    part = aguascalientes_network.matrix(points[:3], points[5:])
    assert square.shape == (10, 10) and part.shape == (3, 5)
    assert np.array_equal(part.durations_s, square.durations_s[:3, 5:])
    assert np.array_equal(part.distances_m, square.distances_m[:3, 5:])
    assert (np.diag(square.durations_s) == 0).all()
    assert np.array_equal(aguascalientes_network.durations(points), square.durations_s)


def test_invalid_points_raise_invalid_problem(aguascalientes_network):
    with pytest.raises(InvalidProblemError, match=r"origins\[1\]"):
        aguascalientes_network.matrix([(21.88, -102.29), (95.0, 0.0)])
    with pytest.raises(InvalidProblemError):
        aguascalientes_network.snap([(21.88,)])


def test_empty_inputs_give_empty_matrix(aguascalientes_network):
    matrix = aguascalientes_network.matrix([])
    assert matrix.shape == (0, 0)
