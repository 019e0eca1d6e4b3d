"""The engine's units, worked out by hand on tiny graphs (no files, no OSM)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from solver.roads.engine import (
    INF_WEIGHT,
    TIME_UNITS_DS,
    _eccentricities,
    arc_weights,
    choose_units,
)


def graph(arcs, time_ds=None):
    """Arcs ``(tail, head, weight, length_m)`` on three nodes in a row (centre: node 1)."""
    tail, head, weight, length = (np.asarray(c) for c in zip(*arcs, strict=True))
    return SimpleNamespace(
        node_count=3,
        arc_tail=tail,
        arc_head=head,
        arc_length_m=length.astype(float),
        arc_time_ds=np.asarray(time_ds if time_ds is not None else weight, dtype=float),
        node_lat=np.array([45.0, 45.001, 45.002]),
        node_lon=np.array([7.0, 7.0, 7.0]),
    ), weight


ROW = [
    (0, 1, 10, 100),
    (1, 0, 10, 100),
    (1, 2, 30, 10),  # slower parallel arc: ignored
    (1, 2, 20, 250),
    (1, 2, 20, 200),  # as fast and shorter: the one kept
    (2, 1, 20, 250),
]


def test_arc_weights_round_to_the_unit_and_are_at_least_one():
    arrays = SimpleNamespace(arc_time_ds=np.array([0.0, 4.0, 5.0, 7.0, 7.6, 26.0]))
    # 0 -> 1 (at least one unit), 0.8 -> 1, 1.0, 1.4 -> 1, 1.52 -> 2, 5.2 -> 5
    assert arc_weights(arrays, 5).tolist() == [1, 1, 1, 1, 2, 5]
    assert arc_weights(arrays, 1).tolist() == [1, 4, 5, 7, 8, 26]


def test_eccentricities_from_the_centre_by_hand():
    arrays, weight = graph(ROW)
    # from node 1: to 0 in 10 (100 m), to 2 in 20 (200 m, the shorter of the two
    # fastest arcs); into node 1: from 0 in 10, from 2 in 20 (250 m).
    # time 20 + 20 = 40; lengths of the two furthest: 200 + 250 = 450
    assert _eccentricities(arrays, weight) == (40.0, 450.0)


def test_choose_units_takes_the_finest_unit_that_fits():
    arrays, _ = graph(ROW)
    # unit 1: weights as given; longest = 40 + 2 x 30 = 100; factor = ceil(1.25 x
    # max(450, 1000)) + 1 = 1251; 1251 x 101 fits
    assert choose_units(arrays) == (1, 1251)
    long = [(t, h, w, m * 10) for t, h, w, m in ROW]
    arrays, _ = graph(long)
    # lengths 4500 m: factor = ceil(1.25 x 4500) + 1 = 5626
    assert choose_units(arrays) == (1, 5626)


def test_choose_units_coarsens_then_falls_back():
    # times of 2e6 ds per arc: unit 1 gives 1251 x (2e6 x 4 + 6e6 + 1) > 2^31
    arrays, _ = graph(ROW, time_ds=[w * 100_000 for _, _, w, _ in ROW])
    unit, factor = choose_units(arrays)
    weights = arc_weights(arrays, unit)
    time_u, _ = _eccentricities(arrays, weights)
    longest = time_u + 2 * weights.max()
    assert unit > 1 and factor * (longest + 1) < INF_WEIGHT
    finer = arc_weights(arrays, TIME_UNITS_DS[TIME_UNITS_DS.index(unit) - 1])
    assert 1251 * (_eccentricities(arrays, finer)[0] + 2 * finer.max() + 1) >= INF_WEIGHT
    # 1e9 ds per arc: no unit fits; the factor is what fits with the coarsest unit
    arrays, _ = graph(ROW, time_ds=[w * 100_000_000 for _, _, w, _ in ROW])
    unit, factor = choose_units(arrays)
    weights = arc_weights(arrays, 50)
    longest = _eccentricities(arrays, weights)[0] + 2 * weights.max()
    assert (unit, factor) == (50, max(1, int(INF_WEIGHT // (longest + 1))))
    assert factor * (longest + 1) < INF_WEIGHT <= (factor + 1) * (longest + 1)
