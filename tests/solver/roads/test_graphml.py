"""The osmnx bridge: GraphML export that osmnx routes on, and import of osmnx graphs."""

from __future__ import annotations

import datetime as dt

import matplotlib
import numpy as np
import pytest

from service.cli import main
from solver.errors import NetworkBuildError
from solver.model import Account, Location, Problem, Rep, Shift
from solver.roads import build_network, load_network
from solver.roads.graph import haversine_m
from solver.roads.graphml import graph_ways, save_graphml
from solver.routing import check_plan, plan_day
from tests.conftest import DATA_DIR

ox = pytest.importorskip("osmnx")
matplotlib.use("Agg")


@pytest.fixture(scope="module")
def malta_network(networks_dir):
    """Malta (2016 extract, ~21,000 graph nodes) prepared as network ``malta-graphml``."""
    build_network(
        DATA_DIR / "malta-2016-11-09.osm.pbf",
        name="malta-graphml",
        networks_dir=networks_dir,
        addresses=False,
    )
    return load_network("malta-graphml", networks_dir=networks_dir)


def _path_time_and_length(graph, path: list[int]) -> tuple[float, float]:
    """Travel time (s) and length (m) of a node path, over the fastest parallel edge."""
    time_s = length_m = 0.0
    for u, v in zip(path[:-1], path[1:], strict=True):
        best = min(graph[u][v].values(), key=lambda d: (d["travel_time"], d["length"]))
        time_s += best["travel_time"]
        length_m += best["length"]
    return time_s, length_m


@pytest.mark.slow
@pytest.mark.parametrize(("fixture", "count"), [("monaco_network", 20), ("malta_network", 8)])
def test_osmnx_shortest_paths_on_exported_graphml_match_the_matrix(
    fixture, count, request, tmp_path
):
    network = request.getfixturevalue(fixture)
    graph = ox.load_graphml(save_graphml(network, tmp_path / "net.graphml"))
    assert graph.graph["crs"] == "epsg:4326"
    assert graph.number_of_nodes() == network.info.nodes
    assert graph.number_of_edges() == network.info.edges

    a = network.arrays
    nodes = np.random.default_rng(7).choice(a.node_count, size=count, replace=False)
    matrix = network.matrix([(float(a.node_lat[k]), float(a.node_lon[k])) for k in nodes])
    ids = [int(i) for i in a.node_osm_id[nodes]]
    for i, u in enumerate(ids):
        for j, v in enumerate(ids):
            path = ox.routing.shortest_path(graph, u, v, weight="travel_time")
            time_s, length_m = _path_time_and_length(graph, path)
            # float sums of tenths: round at the millisecond, then to seconds as the matrix
            assert np.rint(round(time_s, 3)) == matrix.durations_s[i, j], (u, v)
            # among the fastest paths the matrix reports the shortest
            assert length_m >= matrix.distances_m[i, j], (u, v)


def test_exported_graph_has_osmnx_attributes_and_plots(monaco_network, tmp_path):
    graph = ox.load_graphml(save_graphml(monaco_network, tmp_path / "monaco.graphml"))
    node, data = next(iter(graph.nodes(data=True)))
    assert isinstance(node, int) and {"x", "y", "street_count"} <= data.keys()
    a = monaco_network.arrays
    k = int(np.flatnonzero(a.node_osm_id == node)[0])
    assert (data["x"], data["y"]) == (a.node_lon[k], a.node_lat[k])
    edges = list(graph.edges(keys=True, data=True))
    assert all(
        {"length", "speed_kph", "travel_time", "osmid", "oneway"} <= d.keys() for *_, d in edges
    )
    for *_, d in edges:  # osmnx's relation between the three
        assert d["travel_time"] == pytest.approx(d["length"] / (d["speed_kph"] / 3.6), abs=0.06)
    curved = [(u, v, d) for u, v, _, d in edges if "geometry" in d]
    assert curved, "pieces with shape points carry a geometry"
    for u, v, d in curved:  # oriented from u to v, as osmnx draws and measures them
        assert d["geometry"].coords[0] == (graph.nodes[u]["x"], graph.nodes[u]["y"])
        assert d["geometry"].coords[-1] == (graph.nodes[v]["x"], graph.nodes[v]["y"])
    # a one-way street is one edge; a two-way street has both directions
    assert any(d["oneway"] for *_, d in edges)
    two_way = [(u, v) for u, v, _, d in edges if not d["oneway"]]
    assert all(graph.has_edge(v, u) for u, v in two_way)
    ways = {d["osmid"] for *_, d in edges}
    assert len(ways) > 100 and all(isinstance(w, int) and w > 0 for w in ways)
    fig, ax = ox.plot_graph(graph, show=False, close=True)
    assert len(ax.collections) >= 2  # edges and nodes drawn


def test_networkx_graph_routes_like_the_matrix(monaco_network):
    import networkx as nx

    graph = monaco_network.to_networkx()
    a = monaco_network.arrays
    nodes = np.random.default_rng(3).choice(a.node_count, size=8, replace=False)
    matrix = monaco_network.matrix([(float(a.node_lat[k]), float(a.node_lon[k])) for k in nodes])
    ids = [int(i) for i in a.node_osm_id[nodes]]
    for i, u in enumerate(ids):
        times = nx.single_source_dijkstra_path_length(graph, u, weight="travel_time")
        for j, v in enumerate(ids):
            assert np.rint(round(times[v], 3)) == matrix.durations_s[i, j]


def test_export_then_build_from_graphml_gives_the_same_matrix(monaco_network, tmp_path, capsys):
    nets = str(tmp_path / "nets")
    file = tmp_path / "monaco.graphml"
    assert (
        main(
            [
                "network",
                "build",
                str(DATA_DIR / "monaco-2021-04-21.osm.pbf"),
                "--name",
                "m",
                "--networks-dir",
                nets,
            ]
        )
        == 0
    )
    assert main(["network", "export", "m", "--graphml", str(file), "--networks-dir", nets]) == 0
    assert "Wrote network 'm'" in capsys.readouterr().out
    assert (
        main(["network", "build", "--graphml", str(file), "--name", "back", "--networks-dir", nets])
        == 0
    )
    back = load_network("back", networks_dir=tmp_path / "nets")
    assert (back.info.nodes, back.info.edges) == (
        monaco_network.info.nodes,
        monaco_network.info.edges,
    )
    a = monaco_network.arrays
    rng = np.random.default_rng(11)
    points = list(
        zip(
            rng.uniform(a.node_lat.min(), a.node_lat.max(), 40).tolist(),
            rng.uniform(a.node_lon.min(), a.node_lon.max(), 40).tolist(),
            strict=True,
        )
    )
    expected, got = monaco_network.matrix(points), back.matrix(points)
    np.testing.assert_array_equal(got.durations_s, expected.durations_s)
    np.testing.assert_array_equal(got.distances_m, expected.distances_m)
    assert back.snap(points) == monaco_network.snap(points)


def test_graph_from_xml_of_aguascalientes_imports_and_routes(aguascalientes_network, tmp_path):
    graph = ox.graph_from_xml(DATA_DIR / "aguascalientes.osm.bz2")  # keeps footways too
    file = tmp_path / "ags.graphml"
    ox.save_graphml(graph, file)
    info = build_network(file, name="ags-osmnx", networks_dir=tmp_path)
    network = load_network("ags-osmnx", networks_dir=tmp_path)
    assert info.source_file == "ags.graphml"
    assert not (tmp_path / "ags-osmnx" / "addresses.json").exists()
    # footways, paths and steps are left out: fewer arcs than osmnx's edges
    footways = sum(
        1
        for *_, d in graph.edges(data=True)
        if {"footway", "path", "steps", "pedestrian"} & set(np.atleast_1d(d.get("highway", "")))
    )
    assert footways > 50 and info.edges <= graph.number_of_edges() - footways

    # the same roads as the network built from the extract itself, so nearly the same
    # answers: each osmnx edge is rounded to whole metres and deciseconds on its own, and
    # an edge osmnx merged from a road and a footway is left out as a whole (a few
    # locations snap to another road)
    a = aguascalientes_network.arrays
    rng = np.random.default_rng(5)
    points = list(
        zip(
            rng.uniform(a.node_lat.min(), a.node_lat.max(), 40).tolist(),
            rng.uniform(a.node_lon.min(), a.node_lon.max(), 40).tolist(),
            strict=True,
        )
    )
    expected, got = aguascalientes_network.matrix(points), network.matrix(points)
    assert (got.durations_s >= 0).all()
    seconds = np.abs(got.durations_s - expected.durations_s)
    metres = np.abs(got.distances_m - expected.distances_m)
    assert (seconds <= 2).mean() >= 0.9 and (metres <= 5).mean() >= 0.85
    assert seconds.max() <= 30  # a short detour where a location snaps to another road
    line = network.path(points[0], points[1])["coordinates"]
    lon, lat = np.array(line).T
    assert haversine_m(lat[:-1], lon[:-1], lat[1:], lon[1:]).sum() >= got.distances_m[0, 1] - 1
    # and a day is planned on it, feasible by the independent checker
    day = Problem(
        dt.date(2026, 12, 1),
        (Rep("r1", Location(*points[0]), Shift(8 * 3600, 17 * 3600), cost_per_km=0.3),),
        tuple(Account(f"a{i}", Location(*points[i]), required=True) for i in range(1, 7)),
        network="ags-osmnx",
    )
    plan = plan_day(day, network=network, time_limit_s=1)
    assert plan.unassigned == () and check_plan(day, plan, network=network) == []


def test_build_from_a_projected_graph_is_refused(monaco_network, tmp_path):
    graph = ox.project_graph(monaco_network.to_networkx())
    file = tmp_path / "projected.graphml"
    ox.save_graphml(graph, file)
    with pytest.raises(NetworkBuildError, match="crs .* not supported"):
        build_network(file, name="p", networks_dir=tmp_path)


def test_network_build_needs_one_source(tmp_path, capsys):
    nets = ["--networks-dir", str(tmp_path)]
    assert main(["network", "build", "--name", "x", *nets]) == 2
    assert "--graphml FILE" in capsys.readouterr().err
    source = str(DATA_DIR / "aguascalientes.osm.bz2")
    assert main(["network", "build", source, "--graphml", "g.graphml", "--name", "x", *nets]) == 2
    capsys.readouterr()
    assert main(["network", "build", "--graphml", source, "--name", "x", *nets]) == 2
    assert "must end in .graphml" in capsys.readouterr().err


def test_graph_ways_pairs_directions_and_keeps_only_drivable_edges():
    import networkx as nx
    from shapely.geometry import LineString

    from solver.roads.graph import assemble_graph
    from solver.roads.speeds import merge_speeds

    graph = nx.MultiDiGraph(crs="epsg:4326")
    coords = {1: (7.420, 43.730), 2: (7.421, 43.730), 3: (7.422, 43.731), 4: (7.420, 43.731)}
    for node, (x, y) in coords.items():
        graph.add_node(node, x=x, y=y)
    bend = LineString([coords[1], (7.4205, 43.7295), coords[2]])
    # a two-way street over a bent geometry (both directions), 30 km/h residential
    graph.add_edge(1, 2, highway="residential", osmid=11, geometry=bend)
    graph.add_edge(2, 1, highway="residential", osmid=11, geometry=LineString(bend.coords[::-1]))
    # a one-way street timed by osmnx (travel_time wins over the class speed)
    graph.add_edge(2, 3, highway="primary", osmid=12, travel_time=30.0)
    graph.add_edge(3, 4, highway="residential", osmid=13, oneway=False)
    graph.add_edge(4, 3, highway="residential", osmid=13, oneway=False)
    graph.add_edge(4, 1, highway="tertiary", osmid=14, maxspeed="20")
    graph.add_edge(4, 1, highway="footway", osmid=15)  # not for cars
    graph.add_edge(1, 3, highway=["residential", "pedestrian"], osmid=[16, 17])  # merged
    runs = graph_ways(graph, merge_speeds(None))
    assert runs.run_offsets.size - 1 == 4  # 1-2 (paired), 2-3, 3-4 (paired), 4-1
    assert sorted(runs.way_id.tolist()) == [11, 12, 13, 14]
    two_way = runs.forward & runs.backward
    assert sorted(runs.way_id[two_way].tolist()) == [11, 13]
    by_way = dict(zip(runs.way_id.tolist(), runs.speed_kmh.tolist(), strict=True))
    assert by_way[11] == 30.0 and by_way[14] == 20.0
    arrays = assemble_graph(runs)
    assert arrays.node_count == 4 and arrays.arc_count == 6
    timed = int(np.flatnonzero(arrays.piece_way_id == 12)[0])
    arc = int(np.flatnonzero(arrays.arc_piece == timed)[0])
    assert arrays.arc_time_ds[arc] == 300  # osmnx's 30 s, in deciseconds
    bent = int(np.flatnonzero(arrays.piece_way_id == 11)[0])
    start, stop = arrays.piece_offsets[bent], arrays.piece_offsets[bent + 1]
    assert stop - start == 3  # the bend is kept as a shape point, not a node


def test_graph_ways_refuses_a_graph_without_drivable_edges():
    import networkx as nx

    from solver.roads.speeds import merge_speeds

    graph = nx.MultiDiGraph(crs="epsg:4326")
    graph.add_node(1, x=7.42, y=43.73)
    graph.add_node(2, x=7.43, y=43.73)
    graph.add_edge(1, 2, highway="footway")
    with pytest.raises(NetworkBuildError, match="no drivable edge"):
        graph_ways(graph, merge_speeds(None))
