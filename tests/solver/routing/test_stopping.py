"""Stopping rules: convergence for every size, why the search stopped, deterministic mode."""

from __future__ import annotations

import pytest

from solver.model import Break, Shift, SolveStatus, StopReason
from solver.routing import plan_day
from solver.routing.stopping import SearchStop
from tests.cpu_load import cpu_load

from .helpers import H, assert_feasible
from .test_larger_days import grid_day


def lunch_day(n_accounts: int, seed: int = 7):
    lunch = Break(12 * H, 13 * H, 30 * 60)
    return grid_day(n_accounts, seed, lunch=lunch, shift=Shift(8 * H, 18 * H))


@pytest.mark.parametrize("n_accounts", [8, 30])
def test_day_of_any_size_stops_on_convergence_well_before_the_limit(n_accounts):
    day = lunch_day(n_accounts)
    plan = plan_day(day, time_limit_s=20.0, seed=1)
    assert_feasible(day, plan)
    assert plan.solver.stop_reason == StopReason.CONVERGED
    assert plan.solver.status == SolveStatus.CONVERGED
    assert plan.solver.time_s < 10.0  # half the limit even on a loaded machine
    assert not plan.solver.deterministic


def test_a_short_limit_stops_the_search_and_says_so():
    day = lunch_day(30)
    plan = plan_day(day, time_limit_s=0.05, seed=1)
    assert_feasible(day, plan)
    assert plan.solver.stop_reason == StopReason.TIME_LIMIT


class _Counted:
    """A stand-in OR-Tools model whose solver reports a set number of branches."""

    def __init__(self) -> None:
        self.branches = 0

    def solver(self):
        return self

    def Branches(self) -> int:  # noqa: N802 (OR-Tools' name)
        return self.branches


def test_deterministic_search_stops_on_branches_not_seconds():
    stop = SearchStop(time_limit_s=5.0, n_accounts=1, deterministic=True)
    stop._routing = counted = _Counted()
    stop._best, stop._best_branch = 10, 1_000
    counted.branches = 2_900
    assert not stop._should_stop()  # 1,900 branches without improvement < 2,000
    counted.branches = 3_001
    assert stop._should_stop() and stop.reason == StopReason.CONVERGED
    budget = SearchStop(time_limit_s=5.0, n_accounts=1, deterministic=True)
    budget._routing = counted
    budget._best, budget._best_branch = 10, 19_000
    counted.branches = 20_000
    assert budget._should_stop() and budget.reason == StopReason.WORK_LIMIT


def test_deterministic_day_of_one_account_stops_without_new_solutions():
    # one account: the search finds one solution and then only tries moves
    day = lunch_day(1)
    plan = plan_day(day, time_limit_s=60.0, seed=1, deterministic=True)
    assert_feasible(day, plan)
    assert plan.solver.stop_reason == StopReason.CONVERGED
    assert plan.solver.time_s < 30.0


def _orders(plan):
    return [(r.rep_id, r.account_ids, [s.arrival_s for s in r.stops]) for r in plan.routes]


@pytest.mark.parametrize("lunch", [True, False], ids=["or-tools", "pyvrp-start"])
def test_deterministic_day_is_identical_under_different_cpu_loads(lunch):
    day = lunch_day(30, seed=11) if lunch else grid_day(30, seed=11)
    quiet = plan_day(day, time_limit_s=120.0, seed=5, deterministic=True)
    with cpu_load():
        busy = plan_day(day, time_limit_s=120.0, seed=5, deterministic=True)
    assert_feasible(day, quiet)
    assert_feasible(day, busy)
    assert quiet.solver.deterministic and busy.solver.deterministic
    assert quiet.solver.stop_reason in (StopReason.CONVERGED, StopReason.WORK_LIMIT)
    assert _orders(quiet) == _orders(busy)
    assert quiet.solver.objective == busy.solver.objective
    assert [u.account_id for u in quiet.unassigned] == [u.account_id for u in busy.unassigned]
