"""plan_day on the real Monaco road network: small days whose optimum is known."""

from __future__ import annotations

import datetime as dt

import pytest

from solver.model import Account, Break, Location, Problem, Reason, Rep, Shift, StopType, TimeWindow
from solver.routing import check_plan, plan_day

H = 3600
OFFICE = Location(lat=43.7384, lon=7.4246)
#: Points on Monaco's roads, a few minutes' drive from the office and from each other.
WEST = Location(lat=43.7311, lon=7.4197)
EAST = Location(lat=43.7450, lon=7.4330)
SOUTH_WEST = Location(lat=43.7275, lon=7.4150)
NORTH = Location(lat=43.7500, lon=7.4380)
CENTRE = Location(lat=43.7403, lon=7.4290)
AT_SEA = Location(lat=43.70, lon=7.40)


def monaco_rep(**kw) -> Rep:
    kw.setdefault("shift", Shift(8 * H, 17 * H))
    return Rep("r1", OFFICE, cost_per_km=0.5, cost_per_hour=30.0, **kw)


def solve(network, accounts, **rep_kw):
    problem = Problem(
        dt.date(2026, 11, 27), (monaco_rep(**rep_kw),), tuple(accounts), network="monaco"
    )
    plan = plan_day(problem, network=network, time_limit_s=2.0)
    assert check_plan(problem, plan, network=network) == []
    return plan


def visit(plan, account_id):
    return next(s for s in plan.routes[0].stops if s.account_id == account_id)


@pytest.fixture(scope="module")
def network(monaco_network):
    return monaco_network


def test_monaco_windows_respected_and_geometry_follows_roads(network):
    accounts = [
        Account("east", EAST, 1800, windows=(TimeWindow(10 * H, 10 * H + 1800),), required=True),
        Account(
            "south", SOUTH_WEST, 1800, windows=(TimeWindow(8 * H, 8 * H + 1200),), required=True
        ),
        Account("west", WEST, 1800, required=True),
    ]
    plan = solve(network, accounts)
    route = plan.routes[0]
    assert route.account_ids[0] == "south"
    assert 8 * H <= visit(plan, "south").start_s <= 8 * H + 1200
    assert 10 * H <= visit(plan, "east").start_s <= 10 * H + 1800
    coords = route.geometry["coordinates"]
    assert coords[0] == [OFFICE.lon, OFFICE.lat] and coords[-1] == [OFFICE.lon, OFFICE.lat]
    assert len(coords) > 2 * len(route.stops)  # follows the streets, not straight lines


def test_monaco_break_placed_between_long_visits(network):
    accounts = [
        Account(name, loc, 100 * 60, required=True)
        for name, loc in [("w", WEST), ("e", EAST), ("n", NORTH), ("c", CENTRE)]
    ]
    plan = solve(network, accounts, lunch=Break(12 * H, 13 * H, 45 * 60))
    route = plan.routes[0]
    assert len(route.account_ids) == 4
    (lunch,) = [s for s in route.stops if s.type == StopType.BREAK]
    assert 12 * H <= lunch.start_s <= 13 * H
    assert lunch.departure_s == lunch.start_s + 45 * 60


def test_monaco_priority_drops_the_lowest(network):
    accounts = [
        Account("low", WEST, 2 * H, priority=10),
        Account("mid", EAST, 2 * H, priority=50),
        Account("high", CENTRE, 2 * H, priority=90),
    ]
    plan = solve(network, accounts, shift=Shift(8 * H, 13 * H))
    assert set(plan.routes[0].account_ids) == {"mid", "high"}
    assert {u.account_id: u.reason for u in plan.unassigned} == {"low": Reason.SHIFT_TOO_SHORT}


def test_monaco_required_kept_and_infeasible_required_explained(network):
    accounts = [
        Account("must", NORTH, 2 * H, priority=1, required=True),
        Account("nice1", WEST, 2 * H, priority=100),
        Account("nice2", SOUTH_WEST, 2 * H, priority=100),
        Account("at_sea", AT_SEA, 600, required=True),
        Account("dawn", CENTRE, 600, windows=(TimeWindow(5 * H, 6 * H),), required=True),
    ]
    plan = solve(network, accounts, shift=Shift(8 * H, 12 * H + 1800))
    assert "must" in plan.routes[0].account_ids
    reasons = {u.account_id: u.reason for u in plan.unassigned}
    assert reasons["at_sea"] == Reason.OFF_NETWORK
    assert reasons["dawn"] == Reason.NO_FEASIBLE_WINDOW
    assert len(plan.routes[0].account_ids) == 2  # 'must' plus one of the nice ones
