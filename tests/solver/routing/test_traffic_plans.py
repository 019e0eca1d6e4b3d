"""Day plans timed with the speed profile: late when driven free-flow, fixed when aware."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from solver.model import Account, Location, Plan, Problem, Rep, Shift, TimeWindow
from solver.routing import check_plan, plan_day
from solver.routing.data import resolve_problem
from solver.routing.traffic import replay_route

H = 3600
MONDAY = dt.date(2026, 11, 30)
OFFICE = Location(lat=43.7275, lon=7.4150)  # Fontvieille, west end of Monaco
FAR = Location(lat=43.7500, lon=7.4380)  # Larvotto side, east end
WEST = Location(lat=43.7311, lon=7.4197)


def problem(traffic: bool, window_start_s: int, *, with_west: bool = True) -> Problem:
    rep = Rep("r1", OFFICE, shift=Shift(7 * H, 17 * H), cost_per_km=0.5, cost_per_hour=30.0)
    accounts = (
        Account(
            "far",
            FAR,
            1800,
            windows=(TimeWindow(window_start_s, window_start_s + 60),),
            required=True,
        ),
        Account("west", WEST, 1200),
    )[: 2 if with_west else 1]
    return Problem(MONDAY, (rep,), accounts, network="monaco", traffic=traffic)


def replay(problem_: Problem, plan: Plan, network) -> Plan:
    """Drive ``plan`` as scheduled, with ``problem_``'s leg times."""
    resolved = resolve_problem(problem_, network)
    routes = tuple(replay_route(resolved, route) for route in plan.routes)
    return replace(plan, routes=routes)


def test_day_feasible_free_flow_is_late_under_the_profile_and_the_aware_plan_fixes_it(
    monaco_network,
) -> None:
    # one visit at 08:30 sharp, 6 min away free-flow: the free-flow plan leaves at 08:24
    free = problem(traffic=False, window_start_s=8 * H + 30 * 60, with_west=False)
    timed = replace(free, traffic=True)
    free_plan = plan_day(free, network=monaco_network, time_limit_s=1.0)
    assert check_plan(free, free_plan, network=monaco_network) == []
    assert "far" in free_plan.routes[0].account_ids

    replayed = replay(timed, free_plan, monaco_network)
    codes = {v.code for v in check_plan(timed, replayed, network=monaco_network)}
    assert "WINDOW" in codes  # the rep leaves as planned and is late at 08:30 (peak)
    leg = next(s for s in replayed.routes[0].stops if s.account_id == "far")
    planned = next(s for s in free_plan.routes[0].stops if s.account_id == "far")
    assert leg.travel_s > planned.travel_s

    aware = plan_day(timed, network=monaco_network, time_limit_s=1.0)
    assert check_plan(timed, aware, network=monaco_network) == []
    far = next(s for s in aware.routes[0].stops if s.account_id == "far")
    assert 8 * H + 30 * 60 <= far.start_s <= 8 * H + 31 * 60
    assert far.travel_s > planned.travel_s  # timed at the peak it is driven in
    assert aware.routes[0].stops[0].departure_s < free_plan.routes[0].stops[0].departure_s


def test_traffic_off_restores_free_flow_and_night_is_free_flow(monaco_network) -> None:
    at_night = problem(traffic=True, window_start_s=3 * H)
    at_night = replace(at_night, reps=(replace(at_night.reps[0], shift=Shift(1 * H, 6 * H)),))
    night = plan_day(at_night, network=monaco_network, time_limit_s=1.0)
    off = plan_day(replace(at_night, traffic=False), network=monaco_network, time_limit_s=1.0)
    assert check_plan(at_night, night, network=monaco_network) == []
    assert [s.travel_s for s in night.routes[0].stops] == [s.travel_s for s in off.routes[0].stops]
    peak = problem(traffic=False, window_start_s=8 * H + 30 * 60, with_west=False)
    plan = plan_day(peak, network=monaco_network, time_limit_s=1.0)
    matrix = monaco_network.matrix([(OFFICE.lat, OFFICE.lon)], [(FAR.lat, FAR.lon)])
    legs = [s.travel_s for s in plan.routes[0].stops if s.account_id == "far"]
    assert legs == [int(matrix.durations_s[0, 0])]  # traffic off: the free-flow leg at 08:24


@pytest.mark.parametrize("hour", [8, 17])
def test_every_aware_plan_checks_clean_at_peak(monaco_network, hour) -> None:
    timed = problem(traffic=True, window_start_s=hour * H)
    plan = plan_day(timed, network=monaco_network, time_limit_s=1.0)
    assert check_plan(timed, plan, network=monaco_network) == []


def test_window_unreachable_at_peak_is_unassigned_with_a_reason(monaco_network) -> None:
    """Shift starts 08:25: free-flow reaches the 08:30 window, the peak leg does not."""
    base = problem(traffic=True, window_start_s=8 * H + 30 * 60, with_west=False)
    late_start = replace(base.reps[0], shift=Shift(8 * H + 25 * 60, 12 * H))
    timed = replace(base, reps=(late_start,))
    free = replace(timed, traffic=False)
    assert plan_day(free, network=monaco_network, time_limit_s=1.0).routes[0].account_ids == (
        "far",
    )
    plan = plan_day(timed, network=monaco_network, time_limit_s=1.0)
    assert check_plan(timed, plan, network=monaco_network) == []
    assert plan.routes[0].account_ids == ()
    assert [u.account_id for u in plan.unassigned] == ["far"]
    assert plan.unassigned[0].reason.value == "NO_FEASIBLE_WINDOW"


def test_keep_feasible_drops_the_visit_the_peak_makes_late(monaco_network) -> None:
    from solver.routing.schedule import time_route, timing_misses
    from solver.routing.traffic import keep_feasible

    base = problem(traffic=True, window_start_s=8 * H + 30 * 60)
    rep = replace(base.reps[0], shift=Shift(8 * H + 25 * 60, 12 * H))
    timed = replace(base, reps=(rep,))
    resolved = resolve_problem(timed, monaco_network)
    route = time_route(resolved, rep, ["west", "far"])  # west first: far is then late
    accounts = [timed.account("west"), timed.account("far")]
    assert timing_misses(route, rep, accounts) == 1
    kept = keep_feasible(resolved, route)
    assert kept.account_ids == ("west",)
    assert timing_misses(kept, rep, [timed.account("west")]) == 0
