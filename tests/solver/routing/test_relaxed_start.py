"""Days with lunch breaks or several windows start from PyVRP on a relaxed model.

On a speed profile the first round only scouts the departures (OR-Tools' first
solution) and the second builds the PyVRP start on those leg times.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest

import solver.routing.plan as plan_module
import solver.routing.warmstart as warmstart
from solver.model import Account, Break, Location, Problem, Rep, Shift, TimeWindow
from solver.routing import check_plan, plan_day
from solver.routing.data import resolve_problem
from solver.routing.engine import DayModel, pyvrp_fits
from solver.routing.stopping import SearchStop
from solver.routing.traffic import SCOUT_SOLUTIONS

from .helpers import H, assert_feasible
from .test_larger_days import grid_day

MONDAY = dt.date(2026, 11, 30)
LUNCH = {"lunch": Break(12 * H, 13 * H, 1800), "shift": Shift(8 * H, 18 * H)}


def two_window_day(n_accounts: int = 24, seed: int = 5, **rep_kw):
    """A grid day where every third account has a morning and an afternoon window.

    Every third account's morning window closes one minute after the shift starts,
    too soon to be reached from the rep's start: only its afternoon window can be met.
    """
    day = grid_day(n_accounts, seed, **rep_kw)
    accounts = []
    for k, account in enumerate(day.accounts):
        if k % 3 == 0:
            windows = (TimeWindow(8 * H, 8 * H + 60), TimeWindow(14 * H, 17 * H))
            account = dataclasses.replace(account, windows=windows)
        accounts.append(account)
    return dataclasses.replace(day, accounts=tuple(accounts))


def _pyvrp_start(day):
    model = DayModel(resolve_problem(day), day.accounts)
    stop = SearchStop(time_limit_s=60.0, n_accounts=len(day.accounts), deterministic=True)
    routes = warmstart.pyvrp_routes(model, time_limit_s=60.0, seed=0, stop=stop)
    model.routing.CloseModelWithParameters(model.search_parameters(1.0))
    return model, routes


def test_lunch_and_several_windows_fit_pyvrp_only_relaxed():
    for day in (grid_day(20, **LUNCH), two_window_day()):
        model = DayModel(resolve_problem(day), day.accounts)
        assert not pyvrp_fits(model)
        assert pyvrp_fits(model, relaxed=True)
    limited = grid_day(20, max_drive_s=4 * H, **LUNCH)
    assert not pyvrp_fits(DayModel(resolve_problem(limited), limited.accounts), relaxed=True)


def test_several_windows_are_a_client_group_whose_routes_fit_the_exact_model():
    day = two_window_day()
    model, routes = _pyvrp_start(day)
    assert routes is not None
    visited = [node for route in routes for node in route]
    assert len(visited) == len(set(visited))  # one client of a group at most
    assert set(visited) <= set(range(len(day.accounts)))
    required = {n for n, a in enumerate(model.accounts) if a.required}
    assert required <= set(visited)  # a required group: exactly one of its clients
    two_windowed = {n for n, a in enumerate(model.accounts) if len(a.windows) == 2}
    assert two_windowed & set(visited)
    # Without a lunch the group is no relaxation at all: the routes are read whole.
    indices = [[model.manager.NodeToIndex(n) for n in route] for route in routes]
    assert model.routing.ReadAssignmentFromRoutes(indices, True) is not None


def test_relaxed_lunch_routes_are_repaired_into_an_assignment():
    day = two_window_day(**LUNCH)
    model, routes = _pyvrp_start(day)
    assert routes is not None and any(routes)
    assert warmstart.read_routes(model, routes) is not None


def test_a_lunch_day_starts_from_pyvrp_and_its_plan_checks_with_the_break(monkeypatch):
    day = two_window_day(**LUNCH)
    calls = []
    original = warmstart.pyvrp_routes

    def spy(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(warmstart, "pyvrp_routes", spy)
    # deterministic: work-bounded, so a loaded machine does not cut PyVRP short
    plan = plan_day(day, time_limit_s=60.0, seed=2, deterministic=True)
    assert calls
    assert_feasible(day, plan)
    assert all(r.totals.break_s == 1800 for r in plan.routes if r.totals.visits)
    required = {a.id for a in day.accounts if a.required}
    assert required <= {a for r in plan.routes for a in r.account_ids}


def test_a_relaxed_start_is_reproducible_in_deterministic_mode():
    day = two_window_day(**LUNCH)
    first = plan_day(day, time_limit_s=60.0, seed=4, deterministic=True)
    again = plan_day(day, time_limit_s=60.0, seed=4, deterministic=True)
    assert_feasible(day, first)
    assert [r.account_ids for r in first.routes] == [r.account_ids for r in again.routes]
    assert first.solver.objective == again.solver.objective


def test_a_solution_limit_stops_the_search_at_its_first_solution():
    day = grid_day(20, **LUNCH)
    costs: list[float] = []
    result = DayModel(resolve_problem(day), day.accounts).solve(
        time_limit_s=5.0,
        seed=0,
        use_pyvrp=False,
        solution_limit=1,
        on_progress=lambda _f, cost: costs.append(cost) if cost is not None else None,
    )
    assert len(costs) == 1 and result.objective == pytest.approx(costs[0])


def monaco_lunch_day(network, n_accounts: int = 18, seed: int = 11) -> Problem:
    """A Monaco rep's day on the speed profile: > 15 accounts, windows, a lunch."""
    rng = np.random.default_rng(seed)
    lat, lon = network.arrays.node_lat, network.arrays.node_lon
    picked = rng.choice(len(lat), n_accounts + 1, replace=False)
    points = [Location(lat=float(lat[i]), lon=float(lon[i])) for i in picked]
    rep_ = Rep(
        "r1",
        points[0],
        shift=Shift(8 * H, 17 * H),
        lunch=Break(12 * H, 13 * H + 1800, 1800),
        cost_per_km=0.3,
        cost_per_hour=25.0,
    )
    accounts = tuple(
        Account(
            f"a{j}",
            point,
            1800,
            windows=(TimeWindow(9 * H + (j % 6) * H, 11 * H + (j % 6) * H),) if j % 2 else (),
            required=j % 7 == 0,
            priority=int(rng.integers(1, 101)),
        )
        for j, point in enumerate(points[1:])
    )
    return Problem(MONDAY, (rep_,), accounts, network="monaco", traffic=True)


def _spy_rounds(monkeypatch) -> list[dict]:
    rounds: list[dict] = []
    solve = DayModel.solve

    def spy(self, **kw):
        rounds.append(kw)
        return solve(self, **kw)

    monkeypatch.setattr(plan_module.DayModel, "solve", spy)
    return rounds


def test_a_traffic_day_scouts_departures_then_starts_from_pyvrp(monaco_network, monkeypatch):
    day = monaco_lunch_day(monaco_network)
    rounds = _spy_rounds(monkeypatch)
    plan = plan_day(day, network=monaco_network, time_limit_s=20.0, seed=1)
    assert check_plan(day, plan, network=monaco_network) == []
    assert all(r.totals.break_s == 1800 for r in plan.routes if r.totals.visits)
    assert len(rounds) >= 2
    scout, pyvrp = rounds[0], rounds[1]
    assert scout["solution_limit"] == SCOUT_SOLUTIONS and not scout["use_pyvrp"]
    assert pyvrp["start"] is None and pyvrp["use_pyvrp"] and pyvrp["solution_limit"] is None
    assert all(r["start"] is not None for r in rounds[2:])  # then warm, as before


def test_deterministic_traffic_rounds_do_not_scout(monaco_network, monkeypatch):
    day = monaco_lunch_day(monaco_network)
    rounds = _spy_rounds(monkeypatch)
    plan = plan_day(day, network=monaco_network, time_limit_s=60.0, seed=1, deterministic=True)
    assert check_plan(day, plan, network=monaco_network) == []
    assert rounds and all(r["solution_limit"] is None and r["start"] is None for r in rounds)
