"""When the lexicographic factor is too small, lengths come from unpacked paths.

The engine splits ``W = K * T + L`` only when ``K`` exceeds the fastest path's length;
a pair that fails the check is answered by unpacking its fastest path. Forcing
``K = 1`` sends (nearly) every pair down that fallback: the answers must not change.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from solver.roads import RoadNetwork


def test_small_lex_factor_falls_back_to_the_same_lengths(aguascalientes_network):
    net = aguascalientes_network
    arrays = dataclasses.replace(net.arrays, lex_factor=np.asarray(1, dtype=np.int64))
    fallback = RoadNetwork(net.info, arrays, snap_limit_m=net.snap_limit_m)
    rng = np.random.default_rng(7)
    a = net.arrays
    k = rng.choice(a.node_count, 12, replace=False)
    points = list(zip(a.node_lat[k].tolist(), a.node_lon[k].tolist(), strict=True))
    # also two points in the middle of roads (candidates on both ends)
    mid = rng.choice(a.arc_tail.size, 2, replace=False)
    for arc in mid:
        t, h = a.arc_tail[arc], a.arc_head[arc]
        points.append(((a.node_lat[t] + a.node_lat[h]) / 2, (a.node_lon[t] + a.node_lon[h]) / 2))
    want = net.matrix(points)
    got = fallback.matrix(points)
    np.testing.assert_array_equal(got.durations_s, want.durations_s)
    np.testing.assert_array_equal(got.distances_m, want.distances_m)
