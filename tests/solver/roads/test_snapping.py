"""Snapping bounds both ways: just inside ``snap_limit_m`` snaps, just outside does not.

The road is a straight 2.2 km street along the meridian 7.1 E; test points lie due east
of its middle. Their distance to the road is measured independently of the network,
as the shortest WGS84 geodesic (pyproj) to 2,001 points spread along the street.
"""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod

from solver.model import UNREACHABLE
from solver.roads import DEFAULT_SNAP_LIMIT_M

from ...osm_files import network_of

GEOD = Geod(ellps="WGS84")
SOUTH, NORTH = (45.0, 7.1), (45.02, 7.1)
NODES = {1: SOUTH, 2: NORTH, 3: (45.0, 7.098)}
WAYS = [(10, [1, 2], {"highway": "residential"}), (11, [1, 3], {"highway": "residential"})]


def east_of_the_middle(distance_m: float) -> tuple[float, float]:
    lon, lat, _ = GEOD.fwd(SOUTH[1], 45.01, 90.0, distance_m)
    return (lat, lon)


def distance_to_road_m(point) -> float:
    lons, lats = np.full(2001, SOUTH[1]), np.linspace(SOUTH[0], NORTH[0], 2001)
    n = len(lons)
    _, _, metres = GEOD.inv(np.full(n, point[1]), np.full(n, point[0]), lons, lats)
    return float(metres.min())


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("street")


@pytest.mark.parametrize("limit_m", [500.0, DEFAULT_SNAP_LIMIT_M])
def test_point_just_inside_the_limit_snaps_and_just_outside_does_not(folder, limit_m):
    load = {} if limit_m == DEFAULT_SNAP_LIMIT_M else {"snap_limit_m": limit_m}
    street = network_of(folder, f"street{int(limit_m)}", NODES, WAYS, **load)
    margin_m = 0.01 * limit_m  # 1 %: well above the spherical vs. WGS84 difference (0.3 %)
    inside, outside = east_of_the_middle(limit_m - margin_m), east_of_the_middle(limit_m + margin_m)
    measured_in, measured_out = distance_to_road_m(inside), distance_to_road_m(outside)
    assert measured_in < limit_m < measured_out
    assert measured_in == pytest.approx(limit_m - margin_m, abs=1.0)
    assert measured_out == pytest.approx(limit_m + margin_m, abs=1.0)

    snap_in, snap_out = street.snap([inside, outside])
    assert snap_in.on_network
    assert snap_in.distance_m == pytest.approx(measured_in, rel=0.004)
    assert snap_in.road_lat == pytest.approx(45.01, abs=1e-5)
    assert snap_in.road_lon == pytest.approx(SOUTH[1], abs=1e-7)
    assert not snap_out.on_network
    assert snap_out.distance_m == pytest.approx(measured_out, rel=0.004)
    assert (snap_out.road_lat, snap_out.road_lon) == outside  # never moved

    matrix = street.matrix([SOUTH, inside, outside])
    assert matrix.durations_s[0, 1] > 0 and matrix.durations_s[1, 0] > 0
    assert (matrix.durations_s[2, :] == UNREACHABLE).all()
    assert (np.delete(matrix.durations_s[:, 2], 2) == UNREACHABLE).all()
