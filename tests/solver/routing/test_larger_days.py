"""Larger seeded days (> 15 accounts): the PyVRP start, exact or relaxed (lunch breaks)."""

from __future__ import annotations

import numpy as np

from solver.model import Break, Shift, TimeWindow, TravelMatrix
from solver.routing import plan_day
from solver.routing.data import resolve_problem
from solver.routing.engine import DayModel, pyvrp_fits

from .helpers import H, account, assert_feasible, problem, rep


def grid_day(n_accounts: int, seed: int = 7, **rep_kw):
    rng = np.random.default_rng(seed)
    xy_km = rng.uniform(0, 20, size=(n_accounts + 1, 2))
    km = np.sqrt(((xy_km[:, None, :] - xy_km[None, :, :]) ** 2).sum(axis=2))
    m = TravelMatrix(np.rint(km * 100).astype(int), np.rint(km * 1000).astype(int))
    accounts = []
    for i in range(1, n_accounts + 1):
        open_s = int(rng.integers(8, 14)) * H
        accounts.append(
            account(
                f"a{i}",
                i,
                visit_duration_s=20 * 60,
                windows=(TimeWindow(open_s, open_s + 3 * H),),
                demand=int(rng.integers(1, 4)),
                required=i % 4 == 0,
                priority=int(rng.integers(1, 101)),
            )
        )
    reps = [rep(f"r{k}", capacity=20, **rep_kw) for k in range(3)]
    return problem(reps, accounts, m)


def test_team_day_fitting_pyvrp_uses_the_warm_start_and_checks():
    day = grid_day(30)
    assert pyvrp_fits(DayModel(resolve_problem(day), day.accounts))
    plan = plan_day(day, time_limit_s=3.0, seed=3)
    assert_feasible(day, plan)
    required = {a.id for a in day.accounts if a.required}
    assert required <= {a for r in plan.routes for a in r.account_ids}
    assert plan.solver.time_s <= 3.0 * 1.2


def test_team_day_with_breaks_starts_from_a_relaxed_pyvrp_solution_and_checks():
    day = grid_day(30, lunch=Break(12 * H, 13 * H, 30 * 60), shift=Shift(8 * H, 18 * H))
    model = DayModel(resolve_problem(day), day.accounts)
    assert not pyvrp_fits(model) and pyvrp_fits(model, relaxed=True)
    plan = plan_day(day, time_limit_s=3.0, seed=3)
    assert_feasible(day, plan)
    for route in plan.routes:
        if route.totals.visits:
            assert route.totals.break_s in (0, 30 * 60)
