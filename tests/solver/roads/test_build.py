import json
import pickle

import numpy as np
import pytest

from solver.errors import InvalidProblemError, NetworkBuildError, NetworkNotFoundError
from solver.roads import build_network, list_networks, load_network
from tests.conftest import DATA_DIR


def test_build_records_source_hash_counts_and_bbox(monaco_network, networks_dir):
    info = monaco_network.info
    meta = json.loads((networks_dir / "monaco" / "network.json").read_text())
    assert meta["source_file"] == "monaco-2021-04-21.osm.pbf"
    assert len(meta["source_sha256"]) == 64
    assert meta["nodes"] == info.nodes == monaco_network.arrays.node_count
    assert meta["edges"] == info.edges == monaco_network.arrays.arc_count
    min_lon, min_lat, max_lon, max_lat = info.bbox
    assert 7.40 < min_lon < max_lon < 7.45
    assert 43.72 < min_lat < max_lat < 43.76


def test_saved_network_is_plain_arrays_not_a_pickle(monaco_network, networks_dir):
    with np.load(networks_dir / "monaco" / "graph.npz", allow_pickle=False) as data:
        assert data["arc_tail"].dtype == np.int32
        assert data["node_lat"].size == monaco_network.info.nodes


def test_pbf_and_xml_of_the_same_extract_give_the_same_graph(tmp_path):
    a = build_network(DATA_DIR / "aguascalientes.osm.pbf", name="a", networks_dir=tmp_path)
    b = build_network(DATA_DIR / "aguascalientes.osm.bz2", name="b", networks_dir=tmp_path)
    assert (a.nodes, a.edges, a.bbox) == (b.nodes, b.edges, b.bbox)
    assert a.nodes > 100


def test_every_node_reaches_every_other(aguascalientes_network):
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    a = aguascalientes_network.arrays
    n = a.node_count
    graph = csr_matrix((np.ones(a.arc_count), (a.arc_tail, a.arc_head)), shape=(n, n))
    count, _ = connected_components(graph, directed=True, connection="strong")
    assert count == 1


def test_list_and_load_by_name(monaco_network, aguascalientes_network, networks_dir):
    names = [info.name for info in list_networks(networks_dir)]
    assert {"monaco", "aguascalientes"} <= set(names)
    assert names == sorted(names)
    assert list_networks(networks_dir / "missing") == []


def test_loading_an_unknown_network_raises_not_found(networks_dir):
    with pytest.raises(NetworkNotFoundError, match="'atlantis'"):
        load_network("atlantis", networks_dir=networks_dir)


def test_bad_name_and_missing_file_are_rejected(tmp_path):
    with pytest.raises(InvalidProblemError, match="name"):
        build_network(DATA_DIR / "aguascalientes.osm.pbf", name="../x", networks_dir=tmp_path)
    with pytest.raises(NetworkBuildError, match="not found"):
        build_network(tmp_path / "nope.osm.pbf", name="x", networks_dir=tmp_path)


def test_file_without_roads_is_a_build_error(tmp_path):
    empty = tmp_path / "empty.osm"
    empty.write_text('<?xml version="1.0"?><osm version="0.6"></osm>')
    with pytest.raises(NetworkBuildError, match="no drivable road"):
        build_network(empty, name="empty", networks_dir=tmp_path)


def test_network_pickles_and_answers_the_same(monaco_network):
    points = [(43.7384, 7.4246), (43.7311, 7.4197), (43.7450, 7.4300)]
    copy = pickle.loads(pickle.dumps(monaco_network))
    expected = monaco_network.matrix(points)
    got = copy.matrix(points)
    assert np.array_equal(got.durations_s, expected.durations_s)
    assert np.array_equal(got.distances_m, expected.distances_m)
