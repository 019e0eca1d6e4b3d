"""Engine queries on small synthetic graphs, against an independent Dijkstra.

The reference is a plain heap Dijkstra on ``(time, length)`` pairs compared
lexicographically: it gives, for every pair of nodes, the fastest time and the shortest
length among the fastest paths. A point's cost adds its candidates' initial parts, so
the expected answer of a pair is the lexicographic minimum over the candidate
combinations of ``source part + path + target part``. Graphs have many equally fast
paths (small integer times), unreachable nodes (a node with no arc in, one with no arc
out) and node 0 used as a candidate (a ``> 0`` instead of ``>= 0`` must show).
"""

from __future__ import annotations

import dataclasses
import heapq
from itertools import pairwise

import numpy as np
import pytest

from solver.roads import engine as engine_mod
from solver.roads.engine import (
    INF_WEIGHT,
    Candidates,
    MatrixEngine,
    choose_units,
    prepare_engine,
)
from solver.roads.graph import RoadArrays


def road_arrays(n, tail, head, time_ds, length_m, seed=0):
    """A :class:`RoadArrays` with only what the engine reads (pieces are dummies)."""
    rng = np.random.default_rng(seed)
    a = len(tail)
    return RoadArrays(
        node_lat=45.0 + rng.random(n) * 0.01,
        node_lon=7.0 + rng.random(n) * 0.01,
        node_osm_id=np.arange(n, dtype=np.int64),
        arc_tail=np.asarray(tail, dtype=np.int32),
        arc_head=np.asarray(head, dtype=np.int32),
        arc_time_ds=np.asarray(time_ds, dtype=np.float64),
        arc_length_m=np.asarray(length_m, dtype=np.float64),
        arc_piece=np.arange(a, dtype=np.int32),
        arc_reversed=np.zeros(a, dtype=bool),
        piece_offsets=np.zeros(a + 1, dtype=np.int64),
        point_lat=np.zeros(0),
        point_lon=np.zeros(0),
        piece_ferry=np.zeros(a, dtype=bool),
        cch_order=np.zeros(0, dtype=np.int32),
        time_unit_ds=np.asarray(0, dtype=np.int64),
        lex_factor=np.asarray(0, dtype=np.int64),
    )


def random_graph(seed, n=30, arcs=90, times=(1, 4), lengths=(1, 15)):
    """Random directed graph; node n-2 has no arc in, node n-1 no arc out."""
    rng = np.random.default_rng(seed)
    tail = rng.integers(0, n - 1, arcs)  # never from n - 1
    head = rng.integers(0, n - 2, arcs)  # never into n - 2 (nor n - 1 ...)
    head[:3] = n - 1  # ... except these: n - 1 is reachable, but a dead end
    keep = tail != head
    tail, head = tail[keep], head[keep]
    time_ds = rng.integers(times[0], times[1], tail.size)
    length_m = rng.integers(lengths[0], lengths[1], tail.size)
    return road_arrays(n, tail, head, time_ds, length_m, seed)


def lex_dijkstra(arrays, weights, source):
    """``{node: (time, length)}`` of the lexicographically shortest paths from ``source``."""
    out = {}
    for t, h, w, m in zip(
        arrays.arc_tail.tolist(),
        arrays.arc_head.tolist(),
        weights.tolist(),
        arrays.arc_length_m.astype(int).tolist(),
        strict=True,
    ):
        out.setdefault(t, []).append((h, w, m))
    best = {source: (0, 0)}
    heap = [(0, 0, source)]
    while heap:
        t, m, u = heapq.heappop(heap)
        if (t, m) > best[u]:
            continue
        for v, w, length in out.get(u, ()):
            cand = (t + w, m + length)
            if v not in best or cand < best[v]:
                best[v] = cand
                heapq.heappush(heap, (*cand, v))
    return best


def expected(arrays, weights, sources, targets):
    """Reference ``(times, lengths)`` matrices (inf where unreachable)."""
    n, m = sources.node.shape[0], targets.node.shape[0]
    times, lengths = np.full((n, m), np.inf), np.full((n, m), np.inf)
    trees = {}
    for i in range(n):
        for j in range(m):
            best = None
            for k in range(2):
                s = int(sources.node[i, k])
                if s < 0:
                    continue
                tree = trees.setdefault(s, lex_dijkstra(arrays, weights, s))
                for ll in range(2):
                    t = int(targets.node[j, ll])
                    if t < 0 or t not in tree:
                        continue
                    cand = (
                        sources.time_u[i, k] + tree[t][0] + targets.time_u[j, ll],
                        sources.length_m[i, k] + tree[t][1] + targets.length_m[j, ll],
                    )
                    best = cand if best is None or cand < best else best
            if best is not None:
                times[i, j], lengths[i, j] = best
    return times, lengths


def random_candidates(rng, count, n, off=()):
    """``count`` points with one or two candidates (some rows fully off the network)."""
    node = rng.integers(0, n, (count, 2))
    node[rng.random(count) < 0.3, 1] = -1
    node[: min(2, count), 0] = 0  # node 0 as a candidate, first and ...
    if count > 2:
        node[2] = [5, 0]  # ... second
    for i in off:
        node[i] = -1
    time_u = rng.integers(0, 3, (count, 2))
    length_m = rng.integers(0, 6, (count, 2))
    time_u[node < 0] = 0
    length_m[node < 0] = 0
    return Candidates(node=node, time_u=time_u, length_m=length_m)


@pytest.fixture(scope="module")
def tied():
    """Small integer times (many equally fast paths), the build's factor."""
    arrays = prepare_engine(random_graph(3))
    return arrays, MatrixEngine(arrays)


@pytest.mark.parametrize(("n", "m"), [(7, 4), (4, 7), (5, 5), (1, 6), (6, 1)])
def test_matrix_matches_reference_both_sweep_directions(tied, n, m):
    arrays, eng = tied
    assert (eng.time_unit_ds, eng.lex_factor) == (1, 1251)
    rng = np.random.default_rng(n * 10 + m)
    sources = random_candidates(rng, n, arrays.node_count, off=[n - 1] if n > 3 else ())
    targets = random_candidates(rng, m, arrays.node_count, off=[m - 1] if m > 3 else ())
    want_t, want_m = expected(arrays, eng.weights, sources, targets)
    assert np.isinf(want_t).any() and np.isfinite(want_t).any()
    got_t = eng.times_u(sources, targets)
    np.testing.assert_array_equal(got_t, want_t)
    np.testing.assert_array_equal(eng.lengths_m(sources, targets, got_t), want_m)
    # the transposed question (swept from the other side) gives the transposed answer
    # only for symmetric graphs; instead, one row at a time sweeps the other side
    for i in range(n):
        row = Candidates(
            sources.node[i : i + 1], sources.time_u[i : i + 1], sources.length_m[i : i + 1]
        )
        np.testing.assert_array_equal(eng.times_u(row, targets), want_t[i : i + 1])


def test_with_the_builds_factor_no_pair_is_unpacked(tied, monkeypatch):
    arrays, eng = tied
    rng = np.random.default_rng(11)
    sources = random_candidates(rng, 9, arrays.node_count, off=[8])
    targets = random_candidates(rng, 6, arrays.node_count, off=[5])
    # a pair from a node to itself: zero length, exact split (rest == 0)
    sources.node[1], targets.node[1] = [4, -1], [4, -1]
    sources.time_u[1] = targets.time_u[1] = sources.length_m[1] = targets.length_m[1] = 0
    want_t, want_m = expected(arrays, eng.weights, sources, targets)
    assert want_m[1, 1] == 0

    def no_unpacking(*_args, **_kw):
        raise AssertionError("the split W = K*T + L must be exact here")

    monkeypatch.setattr(MatrixEngine, "_unpack", no_unpacking)
    times = eng.times_u(sources, targets)
    np.testing.assert_array_equal(times, want_t)
    np.testing.assert_array_equal(eng.lengths_m(sources, targets, times), want_m)


def test_fastest_path_is_the_shortest_of_the_fastest_and_sums_its_arcs(tied):
    arrays, eng = tied
    rng = np.random.default_rng(5)
    sources = random_candidates(rng, 8, arrays.node_count, off=[7])
    targets = random_candidates(rng, 8, arrays.node_count, off=[6])
    want_t, want_m = expected(arrays, eng.weights, sources, targets)
    ties = 0
    for i in range(8):
        for j in range(8):
            time_u, length, arcs, sk, tk = eng.fastest_path(sources, i, targets, j)
            if not np.isfinite(want_t[i, j]):
                assert (time_u, length, arcs, sk, tk) == (np.inf, -1, [], -1, -1)
                continue
            assert (time_u, length) == (want_t[i, j], want_m[i, j])
            src, dst = int(sources.node[i, sk]), int(targets.node[j, tk])
            assert src >= 0 and dst >= 0
            if arcs:
                assert int(arrays.arc_tail[arcs[0]]) == src
                assert int(arrays.arc_head[arcs[-1]]) == dst
                assert all(arrays.arc_head[a] == arrays.arc_tail[b] for a, b in pairwise(arcs))
            else:
                assert src == dst
            assert time_u == eng.weights[arcs].sum() + sources.time_u[i, sk] + targets.time_u[j, tk]
            assert length == (
                arrays.arc_length_m[arcs].sum() + sources.length_m[i, sk] + targets.length_m[j, tk]
            )
            # the time metric alone may find a longer path of the same time
            fast = eng._unpack(eng._time, sources, i, targets, j, 0)
            assert fast[0] == time_u and fast[1] >= length
            ties += fast[1] > length
    assert ties  # the tie-break was needed at least once


def test_tie_break_on_distance_by_hand():
    # 0 -> 1 -> 3 and 0 -> 2 -> 3 are both 4 units; the second is shorter (30 m < 50 m);
    # 0 -> 3 directly is 5 units and only 1 m.
    arrays = prepare_engine(
        road_arrays(4, [0, 1, 0, 2, 0], [1, 3, 2, 3, 3], [2, 2, 1, 3, 5], [25, 25, 10, 20, 1])
    )
    eng = MatrixEngine(arrays)
    one = Candidates(np.array([[0, -1]]), np.zeros((1, 2), int), np.zeros((1, 2), int))
    to3 = Candidates(np.array([[3, -1]]), np.zeros((1, 2), int), np.zeros((1, 2), int))
    times = eng.times_u(one, to3)
    assert times.tolist() == [[4.0]]
    assert eng.lengths_m(one, to3, times).tolist() == [[30.0]]
    assert eng.fastest_path(one, 0, to3, 0) == (4.0, 30, [2, 3], 0, 0)
    # a start 3 units and 2 m before node 3 (its second candidate): 3 + 0 < 4
    both = Candidates(np.array([[0, 3]]), np.array([[0, 3]]), np.array([[0, 2]]))
    times = eng.times_u(both, to3)
    assert times.tolist() == [[3.0]]
    assert eng.lengths_m(both, to3, times).tolist() == [[2.0]]
    assert eng.fastest_path(both, 0, to3, 0) == (3.0, 2, [], 1, 0)
    # a target part added on top: 4 + 2 units, 30 + 7 m
    part = Candidates(np.array([[3, -1]]), np.array([[2, 0]]), np.array([[7, 0]]))
    times = eng.times_u(one, part)
    assert times.tolist() == [[6.0]]
    assert eng.lengths_m(one, part, times).tolist() == [[37.0]]
    assert eng.fastest_path(one, 0, part, 0) == (6.0, 37, [2, 3], 0, 0)


def test_split_with_rest_equal_to_the_factor_is_unpacked():
    # K = 10. Fastest: 0 -> 1, 2 units, 15 m (W = 35). Slower: 0 -> 2 -> 1, 3 units,
    # 0 m (W = 30): the lexicographic metric prefers it and W - K*T = 10 = K, which is
    # not a length (it must be < K): the pair is unpacked and gets 15 m.
    arrays = dataclasses.replace(
        prepare_engine(road_arrays(3, [0, 0, 2], [1, 2, 1], [2, 1, 2], [15, 0, 0])),
        lex_factor=np.asarray(10, dtype=np.int64),
    )
    eng = MatrixEngine(arrays)
    src = Candidates(np.array([[0, -1]]), np.zeros((1, 2), int), np.zeros((1, 2), int))
    dst = Candidates(np.array([[1, -1]]), np.zeros((1, 2), int), np.zeros((1, 2), int))
    times = eng.times_u(src, dst)
    assert times.tolist() == [[2.0]]
    assert eng.lengths_m(src, dst, times).tolist() == [[15.0]]
    assert eng.fastest_path(src, 0, dst, 0)[:3] == (2.0, 15, [0])


def test_factor_one_falls_back_to_the_same_answers():
    # distinct large times: the fastest path is unique, so the fallback (any fastest
    # path, unpacked) must give exactly the lexicographic answer
    arrays = prepare_engine(random_graph(8, times=(1000, 30000), lengths=(1, 40)))
    assert arrays.time_unit_ds == 1
    slow = MatrixEngine(dataclasses.replace(arrays, lex_factor=np.asarray(1, dtype=np.int64)))
    rng = np.random.default_rng(2)
    sources = random_candidates(rng, 7, arrays.node_count, off=[6])
    targets = random_candidates(rng, 5, arrays.node_count, off=[4])
    sources.time_u[:] *= 1000
    targets.time_u[:] *= 1000
    want_t, want_m = expected(arrays, slow.weights, sources, targets)
    times = slow.times_u(sources, targets)
    np.testing.assert_array_equal(times, want_t)
    np.testing.assert_array_equal(slow.lengths_m(sources, targets, times), want_m)


def test_chunks_of_rows_give_the_same_matrix(tied, monkeypatch):
    arrays, eng = tied
    rng = np.random.default_rng(9)
    sources = random_candidates(rng, 11, arrays.node_count, off=[3, 10])
    targets = random_candidates(rng, 13, arrays.node_count, off=[12])
    want_t, want_m = expected(arrays, eng.weights, sources, targets)
    for rows in (1, 2, 3, 4, 256):
        monkeypatch.setattr(engine_mod, "_ROWS_PER_CHUNK", rows)
        for s, t, wt, wm in ((sources, targets, want_t, want_m), (targets, sources, None, None)):
            times = eng.times_u(s, t)
            lengths = eng.lengths_m(s, t, times)
            if wt is not None:
                np.testing.assert_array_equal(times, wt)
                np.testing.assert_array_equal(lengths, wm)
            assert times.shape == lengths.shape == (s.node.shape[0], t.node.shape[0])


def test_empty_and_off_network_sides(tied):
    _, eng = tied
    none = Candidates(np.full((3, 2), -1), np.zeros((3, 2), int), np.zeros((3, 2), int))
    some = Candidates(np.array([[1, 2], [0, -1]]), np.zeros((2, 2), int), np.ones((2, 2), int))
    empty = Candidates(np.zeros((0, 2), int), np.zeros((0, 2), int), np.zeros((0, 2), int))
    for s, t in ((none, some), (some, none), (empty, some), (some, empty), (none, none)):
        times = eng.times_u(s, t)
        assert times.shape == (s.node.shape[0], t.node.shape[0])
        assert np.isinf(times).all()
        assert np.isinf(eng.lengths_m(s, t, times)).all()
    assert eng.fastest_path(none, 0, some, 0) == (np.inf, -1, [], -1, -1)
    assert eng.fastest_path(some, 0, none, 1) == (np.inf, -1, [], -1, -1)


def test_candidates_are_a_frozen_slotted_record():
    c = Candidates(np.zeros((1, 2), int), np.zeros((1, 2), int), np.zeros((1, 2), int))
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.node = np.ones((1, 2), int)
    assert not hasattr(c, "__dict__")


def row3(b, c, p, q, a=1):
    """Centre node 1; 0 <-> 1 in ``a`` ds (1 m), 1 -> 2 in ``b``, 2 -> 1 in ``c`` ds.

    Lengths ``p`` and ``q`` m. With ``b, c > a``: unit 1 has eccentricity ``b + c``,
    ``longest = b + c + 2 max(b, c)`` and the length estimate ``p + q``.
    """
    arrays = road_arrays(3, [0, 1, 1, 2], [1, 0, 2, 1], [a, a, b, c], [1, 1, p, q])
    return dataclasses.replace(
        arrays, node_lat=np.array([45.0, 45.001, 45.002]), node_lon=np.full(3, 7.0)
    )


def test_factor_fits_31_bits_at_the_exact_boundary():
    assert INF_WEIGHT == 2**31 - 1  # RoutingKit's infinity (a prime: never a product)
    # K = ceil(1.25 x 3276) + 1 = 4096; longest = 4 x 131071 + 3 = 524287 at unit 1:
    # K x (longest + 1) = 2^31, one too many: unit 2 (longest 262144 fits)
    assert choose_units(row3(131072, 131071, 3000, 276)) == (2, 4096)
    # K = ceil(1.25 x 1108) + 1 = 1386; 2^31 - 2 = 1386 x 1549411 (longest 1549410)
    # fits under 2^31 - 1 by one: unit 1
    k, longest = 1386, (2**31 - 2) // 1386 - 1
    assert k * (longest + 1) == 2**31 - 2
    c = (longest - 6) // 4
    assert 4 * c + 6 == longest
    assert choose_units(row3(c + 2, c, 1000, 108)) == (1, k)
    # and one unit more of time does not fit: unit 2
    assert choose_units(row3(c + 2, c + 1, 1000, 108)) == (2, k)


@pytest.mark.parametrize("unit", [2, 5, 10, 20, 50])
def test_each_time_unit_is_taken_when_the_finer_one_does_not_fit(unit):
    # K = 1251 (lengths under 1000 m); unit u fits when 1251 x (longest_u + 1) < 2^31 - 1
    # i.e. longest_u <= 1716612. Times chosen so that longest at the previous (finer)
    # unit is over and at this unit under the bound.
    units = (1, 2, 5, 10, 20, 50)
    finer = units[units.index(unit) - 1]
    # longest = 4 b at unit 1 with b = c; at unit u, 4 x rint(b / u)
    b = 1716612 // 4 * finer + finer  # at the finer unit: 4 x (429153 + 1) > bound
    assert 4 * round(b / finer) > 1716612 >= 4 * round(b / unit)
    assert choose_units(row3(b, b, 10, 10, a=unit)) == (unit, 1251)


def test_no_unit_fits_gives_factor_one():
    # at 50 ds per unit the time bound alone is over 2^31: the factor is 1
    assert choose_units(row3(10**11, 10**11, 10, 10)) == (50, 1)


def test_eccentricity_centre_along_longitude():
    # the same row as row3 laid out west to east: the centre (node 1) is found by
    # longitude; from an end node the bound would be larger
    arrays = dataclasses.replace(
        row3(300, 200, 500, 700),
        node_lat=np.full(3, 45.0),
        node_lon=np.array([7.0, 7.001, 7.002]),
    )
    weights = engine_mod.arc_weights(arrays, 1)
    assert engine_mod._eccentricities(arrays, weights) == (500.0, 1200.0)


def test_long_roads_length_estimate_is_whole_metres():
    # 6000 km out of the centre: the estimate reads 6,000,000 m back from the 1e-7
    # fractions (a scale off by 1e-7 would read 6,000,001)
    arrays = row3(300, 200, 6_000_000, 700)
    weights = engine_mod.arc_weights(arrays, 1)
    assert engine_mod._eccentricities(arrays, weights) == (500.0, 6_000_700.0)


@pytest.mark.parametrize(("c", "d", "factor"), [(178956968, 3, 3), (178956969, 2, 2)])
def test_factor_when_no_unit_fits_is_the_largest_below_31_bits(c, d, factor):
    # at unit 50: longest = 4c + 3d = 715827881 (K = 2^31 // 715827882 = 3) or
    # 715827882 (K = 2^31 // 715827883 = 2): the largest K with K x (longest + 1) < 2^31
    longest = 4 * c + 3 * d
    assert factor * (longest + 1) < INF_WEIGHT < (factor + 1) * (longest + 1)
    assert choose_units(row3(50 * (c + d), 50 * c, 10, 10)) == (50, factor)


def test_fallback_unpacks_by_time_only():
    # K = 1 forces the fallback. Into node 2 from 0 or 1 in 5 units (1 m); the source
    # is at node 0 (0 units, 50 m before it) or node 1 (1 unit, 0 m): fastest via node
    # 0 (5 units, 51 m), although time + length would prefer node 1 (6 + 1).
    arrays = dataclasses.replace(
        prepare_engine(road_arrays(3, [0, 1], [2, 2], [5, 5], [1, 1])),
        lex_factor=np.asarray(1, dtype=np.int64),
    )
    eng = MatrixEngine(arrays)
    src = Candidates(np.array([[0, 1]]), np.array([[0, 1]]), np.array([[50, 0]]))
    dst = Candidates(np.array([[2, -1]]), np.zeros((1, 2), int), np.zeros((1, 2), int))
    times = eng.times_u(src, dst)
    assert times.tolist() == [[5.0]]
    assert eng.lengths_m(src, dst, times).tolist() == [[51.0]]
    assert eng.fastest_path(src, 0, dst, 0) == (5.0, 51, [0], 0, 0)


def test_unreachable_pair_on_the_network(tied):
    arrays, eng = tied
    n = arrays.node_count  # node n - 1 has no arc out, n - 2 no arc in
    dead = Candidates(np.array([[n - 1, -1]]), np.ones((1, 2), int), np.ones((1, 2), int))
    start = Candidates(np.array([[n - 2, -1]]), np.ones((1, 2), int), np.ones((1, 2), int))
    assert eng.fastest_path(dead, 0, start, 0) == (np.inf, -1, [], -1, -1)
    assert np.isinf(eng.times_u(dead, start)).all()
    assert eng.fastest_path(start, 0, dead, 0)[0] < np.inf


def test_lexicographic_weights_over_31_bits_are_clamped():
    # a hand-set factor of 2^33: every lexicographic arc weight is over RoutingKit's
    # range; the engine clamps them (below its infinity) and answers by unpacking
    arrays = dataclasses.replace(
        prepare_engine(road_arrays(3, [0, 1, 0], [1, 2, 2], [1, 2, 4], [5, 7, 1])),
        lex_factor=np.asarray(2**33, dtype=np.int64),
    )
    eng = MatrixEngine(arrays)
    src = Candidates(np.array([[0, -1]]), np.zeros((1, 2), int), np.zeros((1, 2), int))
    dst = Candidates(np.array([[1, 2]]), np.zeros((1, 2), int), np.zeros((1, 2), int))
    times = eng.times_u(src, dst)
    assert times.tolist() == [[1.0]]
    assert eng.lengths_m(src, dst, times).tolist() == [[5.0]]
    assert eng.fastest_path(src, 0, dst, 0) == (1.0, 5, [0], 0, 0)
