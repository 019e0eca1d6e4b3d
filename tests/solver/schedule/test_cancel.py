"""A schedule search stops soon after its caller asks (a cancelled job), with a valid result."""

from __future__ import annotations

import time

import numpy as np

from solver.model import StopReason
from solver.schedule import ScheduleProblem, plan_schedule
from tests.solver.schedule.helpers import account, assert_feasible, plane, rep, week


def _big_problem() -> ScheduleProblem:
    """60 accounts over two weeks: more than a small schedule, so it searches to its limit."""
    rng = np.random.default_rng(11)
    points = [(0.0, 0.0), (2.0, -2.0)] + [tuple(rng.uniform(-20, 20, 2)) for _ in range(60)]
    accounts = tuple(account(f"A{i}", i + 2, visits=int(rng.integers(1, 3))) for i in range(60))
    return ScheduleProblem(week(10), (rep("R1", 0), rep("R2", 1)), accounts, matrix=plane(points))


def test_a_schedule_stops_within_about_a_second_of_the_callers_request() -> None:
    problem = _big_problem()
    began = time.monotonic()
    asked_at: list[float] = []
    costs: list[float] = []

    def on_progress(fraction: float, cost: float | None) -> bool:
        if cost is not None:
            costs.append(cost)
        if time.monotonic() - began >= 3.0:
            asked_at.append(time.monotonic())
            return True
        return False

    schedule = plan_schedule(problem, time_limit_s=60.0, seed=0, on_progress=on_progress)
    ended = time.monotonic()
    assert schedule.solver.stop_reason == StopReason.CANCELLED
    assert asked_at, "the search never asked"
    # far from the 60 s limit: the search ended soon after it was first told to stop
    # (bounded generously: a loaded CI machine; the service test measures the second)
    assert ended - asked_at[0] < 5.0, ended - asked_at[0]
    assert costs, "progress was reported with the best cost before the stop"
    # the best schedule so far: every day a routed day plan that passes the checkers
    assert_feasible(problem, schedule)
    assert schedule.summary.visits_planned > 0


def test_a_schedule_whose_caller_never_asks_to_stop_says_no_cancel() -> None:
    problem = _big_problem()
    schedule = plan_schedule(problem, time_limit_s=4.0, seed=0, on_progress=lambda f, c: False)
    assert schedule.solver.stop_reason is None
    assert_feasible(problem, schedule)
