"""plan_day over a road network: snapping, unreachable points, route geometry.

Uses a small synthetic network object with the ``RoadNetwork`` interface (no files, no
network access); the real Monaco network is exercised in ``test_monaco.py``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from solver.model import Account, Location, Problem, Reason, Rep, Shift, TravelMatrix
from solver.routing import check_plan, plan_day

H = 3600


@dataclass(frozen=True)
class FakeSnap:
    lat: float
    lon: float
    road_lat: float
    road_lon: float
    distance_m: float
    on_network: bool


class StraightLineNetwork:
    """Roads everywhere in a box at 36 km/h, straight lines; one unreachable 'island'."""

    def __init__(self, box=(43.70, 7.40, 43.76, 7.45), island=(43.75, 7.44)):
        self.box = box
        self.island = island

    def _on(self, point):
        lat, lon = point
        return self.box[0] <= lat <= self.box[2] and self.box[1] <= lon <= self.box[3]

    def snap(self, points):
        return [FakeSnap(p[0], p[1], p[0], p[1], 0.0, self._on(p)) for p in points]

    def matrix(self, origins, destinations=None):
        destinations = origins if destinations is None else destinations
        metres = np.zeros((len(origins), len(destinations)), dtype=np.int64)
        for i, a in enumerate(origins):
            for j, b in enumerate(destinations):
                blocked = not (self._on(a) and self._on(b)) or (
                    (a == self.island) != (b == self.island)
                )
                metres[i, j] = -1 if blocked else round(_metres(a, b))
        seconds = np.where(metres < 0, -1, metres // 10)
        return TravelMatrix(seconds, metres)

    def path(self, origin, destination):
        return {
            "type": "LineString",
            "coordinates": [[origin[1], origin[0]], [destination[1], destination[0]]],
        }


def _metres(a, b):
    dy = (a[0] - b[0]) * 111_320
    dx = (a[1] - b[1]) * 111_320 * math.cos(math.radians(a[0]))
    return math.hypot(dx, dy)


def test_plan_on_a_network_has_geometry_and_flags_off_network_and_unreachable():
    office = Location(lat=43.73, lon=7.42)
    accounts = (
        Account("near", Location(lat=43.735, lon=7.425), visit_duration_s=1200, required=True),
        Account("far", Location(lat=43.72, lon=7.41), visit_duration_s=1200, required=True),
        Account("sea", Location(lat=43.60, lon=7.42), required=True),
        Account("island", Location(lat=43.75, lon=7.44), required=True),
    )
    rep = Rep("r1", office, Shift(8 * H, 17 * H), cost_per_km=0.4, cost_per_hour=20.0)
    problem = Problem(dt.date(2026, 11, 27), (rep,), accounts, network="fake")
    network = StraightLineNetwork()
    plan = plan_day(problem, network=network, time_limit_s=1.0)
    assert check_plan(problem, plan, network=network) == []
    assert {u.account_id: u.reason for u in plan.unassigned} == {
        "sea": Reason.OFF_NETWORK,
        "island": Reason.UNREACHABLE,
    }
    route = plan.routes[0]
    assert set(route.account_ids) == {"near", "far"}
    coords = route.geometry["coordinates"]
    assert coords[0] == [7.42, 43.73] and coords[-1] == [7.42, 43.73]
    assert len(coords) == 4  # office, two visits, office
