"""The checker and the timing on a road network with a one-way street.

Home is at node 1, the account at node 3. The way there is the two-way street
1 -> 2 -> 3 (an L, about 1.3 km); the way back is the one-way street 3 -> 1 (the
diagonal, about 0.9 km). Reading the matrix column to row would swap the legs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from pyproj import Geod

from solver.model import Account, Location, Problem, Rep, Shift
from solver.routing import check_plan, plan_day, time_routes

from ...osm_files import network_of

GEOD = Geod(ellps="WGS84")
NODES = {1: (45.0, 7.0), 2: (45.0, 7.012), 3: (45.008, 7.012)}
WAYS = [
    (10, [1, 2, 3], {"highway": "residential"}),
    (11, [3, 1], {"highway": "primary", "oneway": "yes", "maxspeed": "50"}),
]


def geodesic_m(a, b):
    return GEOD.inv(a[1], a[0], b[1], b[0])[2]


@pytest.fixture(scope="module")
def one_way(tmp_path_factory):
    return network_of(tmp_path_factory.mktemp("one_way"), "one_way", NODES, WAYS)


@pytest.fixture
def day():
    home, there = Location(*NODES[1]), Location(*NODES[3])
    r = Rep("r1", home, Shift(8 * 3600, 17 * 3600), cost_per_km=1.0, cost_per_hour=60.0)
    a = Account("a", there, visit_duration_s=600, required=True)
    return Problem(dt.date(2026, 11, 27), (r,), (a,), network="one_way")


def test_one_way_legs_are_read_origin_to_destination(one_way, day):
    out = one_way.matrix([NODES[1]], [NODES[3]])
    back = one_way.matrix([NODES[3]], [NODES[1]])
    # by hand: out = the L, 1 -> 2 -> 3; back = the diagonal 3 -> 1
    assert out.distances_m[0, 0] == pytest.approx(
        geodesic_m(NODES[1], NODES[2]) + geodesic_m(NODES[2], NODES[3]), rel=0.01
    )
    assert back.distances_m[0, 0] == pytest.approx(geodesic_m(NODES[3], NODES[1]), rel=0.01)
    assert out.durations_s[0, 0] > back.durations_s[0, 0]

    plan, violations = time_routes(day, {"r1": ["a"]}, network=one_way)
    assert violations == []
    start, visit, end = plan.routes[0].stops
    assert (visit.travel_s, visit.distance_m) == (out.durations_s[0, 0], out.distances_m[0, 0])
    assert (end.travel_s, end.distance_m) == (back.durations_s[0, 0], back.distances_m[0, 0])
    # leaves home 08:00, drives out at once, drives back when the visit is over
    assert (start.departure_s, visit.drive_start_s) == (8 * 3600, 8 * 3600)
    assert end.drive_start_s == visit.departure_s == visit.arrival_s + 600
    totals = plan.routes[0].totals
    assert (totals.day_start_s, totals.day_end_s) == (8 * 3600, end.arrival_s)
    drive_s = int(out.durations_s[0, 0] + back.durations_s[0, 0])
    metres = int(out.distances_m[0, 0] + back.distances_m[0, 0])
    assert (totals.drive_s, totals.distance_m) == (drive_s, metres)
    # 60 per hour = 1 per minute, 1 per km; in cents
    assert totals.cost == round(drive_s / 60 + metres / 1000, 2)

    solved = plan_day(day, network=one_way, time_limit_s=1.0)
    assert check_plan(day, solved, network=one_way) == []
    assert solved.routes[0].stops[1:] == plan.routes[0].stops[1:]


def test_checker_flags_the_legs_swapped(one_way, day):
    plan, _ = time_routes(day, {"r1": ["a"]}, network=one_way)
    start, visit, end = plan.routes[0].stops
    swapped = (
        start,
        dataclasses.replace(visit, travel_s=end.travel_s, distance_m=end.distance_m),
        dataclasses.replace(end, travel_s=visit.travel_s, distance_m=visit.distance_m),
    )
    route = dataclasses.replace(plan.routes[0], stops=swapped)
    found = check_plan(day, dataclasses.replace(plan, routes=(route,)), network=one_way)
    assert [v.code for v in found] == ["LEG_MISMATCH", "LEG_MISMATCH"]
