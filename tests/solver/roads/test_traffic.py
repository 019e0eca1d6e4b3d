"""Speed profiles on a road network: FIFO, peak versus night, arrival_by, profile files."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from solver.errors import InvalidProblemError
from solver.roads import RoadNetwork
from solver.roads.profile import (
    BUCKET_S,
    default_profile,
    free_flow_profile,
    load_profile,
    profile_from_dict,
    week_time_s,
)

MONDAY_0800 = week_time_s(0, 8 * 3600)
MONDAY_0200 = week_time_s(0, 2 * 3600)


def _points(network: RoadNetwork, count: int, seed: int) -> list[tuple[float, float]]:
    a = network.arrays
    rng = np.random.default_rng(seed)
    nodes = rng.choice(a.node_count, count, replace=False)
    return [(float(a.node_lat[i]), float(a.node_lon[i])) for i in nodes]


def test_travel_times_are_fifo_through_bucket_edges(monaco_network: RoadNetwork) -> None:
    points = _points(monaco_network, 12, seed=1)
    # every 20 s from 06:50 to 10:00 on a Monday: crosses 07:00, 07:30 and 09:30 edges
    departures = np.arange(week_time_s(0, 6 * 3600 + 50 * 60), week_time_s(0, 10 * 3600), 20)
    arrivals = np.stack(
        [monaco_network.durations_at(points[:6], points[6:], week_s=t) + t for t in departures]
    )
    assert (np.diff(arrivals, axis=0) >= 0).all()
    # and the times do change along the way (the test would pass on a constant too)
    assert len({int(x) for x in arrivals[:, 0, 1] - departures}) > 1


def test_peak_hour_leg_is_slower_than_the_same_leg_at_night(monaco_network: RoadNetwork) -> None:
    points = _points(monaco_network, 20, seed=2)
    free = monaco_network.durations(points)
    night = monaco_network.durations_at(points, week_s=MONDAY_0200)
    peak = monaco_network.durations_at(points, week_s=MONDAY_0800)
    np.testing.assert_array_equal(night, free)
    assert (peak >= night).all()
    assert (peak > night).sum() > 0.5 * (len(points) * (len(points) - 1))
    # a weekend morning is free-flow under the default profile
    saturday = monaco_network.durations_at(points, week_s=week_time_s(5, 8 * 3600))
    np.testing.assert_array_equal(saturday, free)


def test_peak_leg_matches_the_slowed_arcs_by_hand(monaco_network: RoadNetwork) -> None:
    """A leg along one primary arc at peak takes its free-flow time / 0.6 (built-up)."""
    a = monaco_network.arrays
    primary = np.flatnonzero(a.piece_class[a.arc_piece] == 4)
    arc = int(primary[np.argmax(a.arc_time_ds[primary])])
    tail, head = int(a.arc_tail[arc]), int(a.arc_head[arc])
    origin = (float(a.node_lat[tail]), float(a.node_lon[tail]))
    destination = (float(a.node_lat[head]), float(a.node_lon[head]))
    free = int(monaco_network.durations([origin], [destination])[0, 0])
    peak = int(monaco_network.durations_at([origin], [destination], week_s=MONDAY_0800)[0, 0])
    # the fastest peak path may leave the arc, never exceeds it at 1 / 0.6
    assert free < peak <= round(free / 0.6) + 1


def test_arrival_by_is_the_forward_integration_inverted(monaco_network: RoadNetwork) -> None:
    points = _points(monaco_network, 10, seed=3)
    arrive = week_time_s(0, 9 * 3600 + 400)
    before = monaco_network.durations_at(points[:5], points[5:], week_s=arrive, arrive=True)
    leave = arrive - before
    forward = monaco_network.durations_at(points[:5], points[5:], week_s=leave)
    assert np.abs(leave + forward - arrive).max() <= 1


def test_free_flow_profile_restores_the_plain_matrix(monaco_network: RoadNetwork) -> None:
    points = _points(monaco_network, 8, seed=4)
    at_peak = monaco_network.durations_at(points, week_s=MONDAY_0800, profile=free_flow_profile())
    np.testing.assert_array_equal(at_peak, monaco_network.durations(points))


def test_network_without_road_classes_stays_free_flow(monaco_network: RoadNetwork) -> None:
    arrays = replace(monaco_network.arrays, piece_class=np.empty(0, dtype=np.int8))
    old = RoadNetwork(monaco_network.info, arrays)
    points = _points(monaco_network, 6, seed=5)
    np.testing.assert_array_equal(
        old.durations_at(points, week_s=MONDAY_0800), old.durations(points)
    )


def test_metric_cache_is_bounded_and_reused(monaco_network: RoadNetwork) -> None:
    cache = monaco_network._level_cache()
    points = _points(monaco_network, 4, seed=6)
    monaco_network.durations_at(points, week_s=MONDAY_0800)
    before = cache.customisations
    monaco_network.durations_at(points, week_s=MONDAY_0800 + BUCKET_S)  # same level
    assert cache.customisations == before
    rules = [
        {
            "days": "mon",
            "start": f"{h:02d}:00",
            "end": f"{h + 1:02d}:00",
            "factors": {"primary": 0.5 + h / 100},
        }
        for h in range(12)
    ]
    many = profile_from_dict({"name": "many", "rules": rules})
    for h in range(12):
        monaco_network.durations_at(points, week_s=h * 3600 + 60, profile=many)
    assert len(cache._items) <= cache.size


def test_default_profile_levels() -> None:
    level_of_bucket, tables = default_profile().levels
    assert tables.shape[0] == 3  # free-flow, daytime, peak
    assert level_of_bucket[int(MONDAY_0200 // BUCKET_S)] == 0
    assert (tables[0] == 1).all()
    assert tables[:, 0].min() == 1  # outside built-up areas: free-flow


def test_profile_file_round_trip_and_errors(tmp_path) -> None:
    path = tmp_path / "p.json"
    default_profile().save(path)
    again = load_profile(path)
    np.testing.assert_array_equal(again.factors, default_profile().factors)
    bad = [
        ({"rules": [{"days": "mon", "start": "07:10", "factors": {"primary": 0.5}}]}, "15-minute"),
        ({"rules": [{"days": "xyz", "factors": {"primary": 0.5}}]}, "days"),
        ({"rules": [{"factors": {"highway9": 0.5}}]}, "highway9"),
        ({"rules": [{"factors": {"primary": 0}}]}, "primary"),
        ({"rules": [{"area": "city", "factors": {"primary": 0.5}}]}, "area"),
        ({"nope": 1}, "rules"),
    ]
    for data, word in bad:
        path.write_text(json.dumps(data))
        with pytest.raises(InvalidProblemError, match=word):
            load_profile(path)
