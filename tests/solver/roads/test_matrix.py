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
    assert not snaps[1].on_network and snaps[1].distance_m > 2000
    assert (snaps[1].road_lat, snaps[1].road_lon) == offshore  # never silently moved
    matrix = monaco_network.matrix([port, offshore])
    assert matrix.durations_s[0, 0] == 0
    assert (matrix.durations_s[1, :] == UNREACHABLE).all()
    assert (matrix.durations_s[:, 1] == UNREACHABLE).all()
    assert (matrix.distances_m[1, :] == UNREACHABLE).all()


def test_snap_limit_is_configurable(monaco_network):
    # 1.5 km south of Port Hercule, at sea but only about 480 m from the nearest road
    # (a jetty road); the limit's bounds themselves are measured independently in
    # test_snapping.py
    at_sea = (43.7347 - 1500 / 111_200, 7.4206)
    snap = monaco_network.snap([at_sea])[0]
    assert snap.on_network and 400 < snap.distance_m < 600
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
    tall = aguascalientes_network.matrix(points[3:], points[:2])  # swept from the targets
    assert tall.shape == (7, 2)
    assert np.array_equal(tall.durations_s, square.durations_s[3:, :2])
    assert np.array_equal(tall.distances_m, square.distances_m[3:, :2])
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


def _points_beside_roads(network, count: int, seed: int) -> list[tuple[float, float]]:
    """Points a few metres beside random road segments (mid-edge, not at nodes)."""
    a = network.arrays
    rng = np.random.default_rng(seed)
    pieces = rng.choice(a.piece_offsets.size - 1, size=count, replace=False)
    points = []
    for piece in pieces.tolist():
        lo, hi = a.piece_offsets[piece], a.piece_offsets[piece + 1]
        k = int(rng.integers(lo, hi - 1))
        t = float(rng.uniform(0.2, 0.8))
        lat = a.point_lat[k] * (1 - t) + a.point_lat[k + 1] * t + rng.normal(0, 3e-5)
        lon = a.point_lon[k] * (1 - t) + a.point_lon[k + 1] * t + rng.normal(0, 3e-5)
        points.append((float(lat), float(lon)))
    # two more points on the piece of the first one: same-road pairs
    lo, hi = a.piece_offsets[pieces[0]], a.piece_offsets[pieces[0] + 1]
    for t in (0.1, 0.9):
        k = lo + int((hi - 1 - lo) * t)
        points.append(
            (
                float(a.point_lat[k] * 0.5 + a.point_lat[k + 1] * 0.5),
                float(a.point_lon[k] * 0.5 + a.point_lon[k + 1] * 0.5),
            )
        )
    return points


@pytest.mark.parametrize("fixture", ["monaco_network", "aguascalientes_network"])
def test_matrix_between_mid_road_points_equals_networkx_with_split_edges(fixture, request):
    """Independent check of snapping onto edges: networkx on the graph with each snapped
    point inserted into its edge (per driving direction), plus the 5 km/h walk."""
    network = request.getfixturevalue(fixture)
    a = network.arrays
    weights = network._get_engine().weights.tolist()
    lengths = a.arc_length_m.tolist()
    points = _points_beside_roads(network, 20, seed=4)
    snapped = network._snap_arrays(np.array(points))  # piece and position along it
    snaps = network.snap(points)
    assert all(s.on_network for s in snaps)
    arcs_of_piece: dict[int, list[int]] = {}
    for arc, piece in enumerate(a.arc_piece.tolist()):
        arcs_of_piece.setdefault(piece, []).append(arc)
    base = _nx_graph(network)
    matrix = network.matrix(points)
    walk_ms = OFF_ROAD_SPEED_KMH / 3.6
    seconds_per_unit = int(a.time_unit_ds) / 10

    def part(arc: int, share: float) -> int:
        return round(share * weights[arc]) * BIG + round(share * lengths[arc])

    for i in range(len(points)):
        graph = base.copy()
        for j in range(len(points)):  # destinations: entered from their arcs' tails only
            piece, f = int(snapped.piece[j]), float(snapped.fraction[j])
            for arc in arcs_of_piece[piece]:
                share = (1 - f) if a.arc_reversed[arc] else f
                graph.add_edge(int(a.arc_tail[arc]), ("d", j), lex=part(arc, share))
        piece_o, f_o = int(snapped.piece[i]), float(snapped.fraction[i])
        for arc in arcs_of_piece[piece_o]:  # the origin leaves towards its arcs' heads
            share = f_o if a.arc_reversed[arc] else (1 - f_o)
            graph.add_edge(("o", i), int(a.arc_head[arc]), lex=part(arc, share))
            for j in range(len(points)):  # straight along the same road
                step = float(snapped.fraction[j]) - f_o
                same = int(snapped.piece[j]) == piece_o
                if same and (step <= 0 if a.arc_reversed[arc] else step >= 0):
                    lex = part(arc, abs(step))
                    if graph.get_edge_data(("o", i), ("d", j), {"lex": lex + 1})["lex"] > lex:
                        graph.add_edge(("o", i), ("d", j), lex=lex)
        best = nx.single_source_dijkstra_path_length(graph, ("o", i), weight="lex")
        for j in range(len(points)):
            if i == j:
                assert matrix.durations_s[i, j] == 0
                continue
            time_u, length_m = divmod(best[("d", j)], BIG)
            walk_m = snaps[i].distance_m + snaps[j].distance_m
            assert matrix.durations_s[i, j] == round(time_u * seconds_per_unit + walk_m / walk_ms)
            assert matrix.distances_m[i, j] == round(length_m + walk_m)


def test_pairs_failing_the_lexicographic_check_fall_back_to_path_unpacking(
    aguascalientes_network,
):
    """With a far too small K every pair fails the split check: the engine must then
    unpack a fastest path, whose length lies between the shortest and the longest of
    the equally fast paths (networkx, both tie-breaks)."""
    from dataclasses import replace

    a = aguascalientes_network.arrays
    tiny_k = type(aguascalientes_network)(
        aguascalientes_network.info, replace(a, lex_factor=np.asarray(1))
    )
    nodes = _sample_nodes(aguascalientes_network, 12, seed=6)
    points = [(float(a.node_lat[k]), float(a.node_lon[k])) for k in nodes]
    fallback = tiny_k.matrix(points)
    exact = aguascalientes_network.matrix(points)
    assert np.array_equal(fallback.durations_s, exact.durations_s)
    weights = aguascalientes_network._get_engine().weights.tolist()
    graph = nx.MultiDiGraph()
    for u, v, w, m in zip(
        a.arc_tail.tolist(), a.arc_head.tolist(), weights, a.arc_length_m.tolist(), strict=True
    ):
        graph.add_edge(u, v, short=w * BIG + m, long=w * BIG - m)
    for i, u in enumerate(nodes.tolist()):
        short = nx.single_source_dijkstra_path_length(graph, u, weight="short")
        long = nx.single_source_dijkstra_path_length(graph, u, weight="long")
        for j, v in enumerate(nodes.tolist()):
            shortest_m = short[v] % BIG
            longest_m = -(long[v] % -BIG)  # long = time * BIG - length
            assert shortest_m <= fallback.distances_m[i, j] <= longest_m, (i, j)
            assert exact.distances_m[i, j] == shortest_m
