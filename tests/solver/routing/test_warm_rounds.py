"""Later traffic rounds start from the last round's routes; the cheapest round is kept."""

from __future__ import annotations

import datetime as dt

import pytest

import solver.routing.plan as plan_module
from solver.model import Account, Break, Location, Problem, Rep, Shift, StopReason, TimeWindow
from solver.routing import check_plan, plan_day
from solver.routing.data import resolve_problem
from solver.routing.engine import DayModel, EngineResult
from solver.routing.stopping import CHECK_EVERY, SearchStop
from solver.routing.warmstart import read_orders

from .helpers import H
from .test_larger_days import grid_day


def lunch_day(n_accounts: int, seed: int = 3):
    return grid_day(n_accounts, seed, lunch=Break(12 * H, 13 * H, 1800), shift=Shift(8 * H, 18 * H))


def _visited(model: DayModel, assignment) -> dict[int, list[str]]:
    routing, out = model.routing, {}
    for v in range(len(model.reps)):
        index, out[v] = assignment.Value(routing.NextVar(routing.Start(v))), []
        while not routing.IsEnd(index):
            out[v].append(model.accounts[model.manager.IndexToNode(index)].id)
            index = assignment.Value(routing.NextVar(index))
    return out


def test_a_search_started_from_given_orders_begins_at_them():
    day = lunch_day(20)
    resolved = resolve_problem(day)
    cold_costs: list[float] = []
    warm_costs: list[float] = []

    def log(costs):
        return lambda _fraction, cost: costs.append(cost) if cost is not None else None

    cold = DayModel(resolved, day.accounts).solve(
        time_limit_s=5.0, seed=0, use_pyvrp=False, on_progress=log(cold_costs)
    )
    warm = DayModel(resolved, day.accounts).solve(
        time_limit_s=5.0, seed=0, use_pyvrp=False, start=cold.orders, on_progress=log(warm_costs)
    )
    assert cold.objective is not None and warm.objective is not None
    assert cold_costs[0] > cold.objective  # a cold search begins at a first solution
    assert warm_costs[0] == pytest.approx(cold.objective)  # the warm one at the given routes
    assert warm.objective <= cold.objective + 1e-9


def test_orders_that_no_longer_fit_keep_the_visits_that_do():
    day = lunch_day(20)
    model = DayModel(resolve_problem(day), day.accounts)
    solved = DayModel(resolve_problem(day), day.accounts).solve(
        time_limit_s=5.0, seed=0, use_pyvrp=False
    )
    # reversed, a route visits its accounts far from their windows
    backwards = {rep: list(reversed(order)) for rep, order in solved.orders.items()}
    model.routing.CloseModelWithParameters(model.search_parameters(1.0))
    assert (
        model.routing.ReadAssignmentFromRoutes(
            [
                [model.manager.NodeToIndex(model.accounts.index(day.account(a))) for a in o]
                for o in backwards.values()
            ],
            True,
        )
        is None
    )
    read = read_orders(model, backwards)
    assert read is not None
    kept = _visited(model, read)
    for v, rep in enumerate(model.reps):
        assert set(kept[v]) <= set(backwards[rep.id])
        assert kept[v] == [a for a in backwards[rep.id] if a in kept[v]]  # order kept
    assert 0 < sum(map(len, kept.values())) < sum(map(len, backwards.values()))


def test_time_limited_stop_reads_the_clock_once_every_check_every_asks():
    polls = []
    stop = SearchStop(
        time_limit_s=5.0, n_accounts=10, deterministic=False, cancelled=lambda: polls.append(1)
    )
    for _ in range(4 * CHECK_EVERY):
        assert not stop._should_stop()
    assert len(polls) == 4
    exact = SearchStop(
        time_limit_s=5.0, n_accounts=10, deterministic=True, cancelled=lambda: polls.append(1)
    )
    polls.clear()
    for _ in range(10):
        exact._should_stop()
    assert len(polls) == 10  # deterministic mode: every ask, as before


MONDAY = dt.date(2026, 11, 30)


def monaco_day() -> Problem:
    office = Location(lat=43.7275, lon=7.4150)
    points = [
        Location(lat=43.7311, lon=7.4197),
        Location(lat=43.7500, lon=7.4380),
        Location(lat=43.7384, lon=7.4246),
        Location(lat=43.7440, lon=7.4290),
    ]
    rep = Rep("r1", office, shift=Shift(7 * H, 17 * H), cost_per_km=0.5, cost_per_hour=30.0)
    accounts = tuple(
        Account(f"a{i}", p, 1800, windows=(TimeWindow(8 * H + i * H, 10 * H + i * H),))
        for i, p in enumerate(points)
    )
    return Problem(MONDAY, (rep,), accounts, network="monaco", traffic=True)


@pytest.mark.parametrize("deterministic", [False, True])
def test_the_cheapest_round_as_driven_is_kept(monaco_network, monkeypatch, deterministic):
    day = monaco_day()
    solve = DayModel.solve
    rounds = []

    def worse_later(self, **kw):
        rounds.append(kw.get("start"))
        result = solve(self, **kw)
        if len(rounds) == 1:
            return result
        empty = {rep: [] for rep in result.orders}  # a later round "finds" an empty day
        return EngineResult(empty, dict.fromkeys(empty), result.status, 1e9, StopReason.CONVERGED)

    monkeypatch.setattr(plan_module.DayModel, "solve", worse_later)
    plan = plan_day(day, network=monaco_network, time_limit_s=5.0, deterministic=deterministic)
    assert check_plan(day, plan, network=monaco_network) == []
    assert len(rounds) >= 2  # the traffic rounds ran
    visits = sum(route.totals.visits for route in plan.routes)
    assert visits == len(day.accounts)  # the first round's plan, cheaper as driven
    if deterministic:  # deterministic rounds start cold
        assert all(start is None for start in rounds)
    else:
        assert rounds[0] is None and rounds[1] is not None  # the second round started warm


def test_warm_rounds_plan_a_day_that_checks(monaco_network):
    day = monaco_day()
    plan = plan_day(day, network=monaco_network, time_limit_s=5.0)
    assert check_plan(day, plan, network=monaco_network) == []
    assert plan.solver.stop_reason == StopReason.CONVERGED
