"""Deterministic schedules: the same seed gives the same schedule under any CPU load."""

from __future__ import annotations

import numpy as np

from solver.model import TimeWindow
from solver.schedule import ScheduleProblem, plan_schedule
from tests.cpu_load import cpu_load
from tests.solver.schedule.helpers import account, assert_feasible, plane, rep, week


def _problem() -> ScheduleProblem:
    rng = np.random.default_rng(5)
    points = [(0.0, 0.0), (3.0, 3.0)] + [tuple(rng.uniform(-8, 8, 2)) for _ in range(10)]
    accounts = tuple(
        account(
            f"A{i}",
            i + 2,
            visits=int(rng.integers(1, 3)),
            windows=(TimeWindow(9 * 3600, 15 * 3600),) if i % 3 == 0 else (),
        )
        for i in range(10)
    )
    return ScheduleProblem(week(5), (rep("R1", 0), rep("R2", 1)), accounts, matrix=plane(points))


def _content(schedule):
    return [(day.date, [(r.rep_id, r.account_ids) for r in day.routes]) for day in schedule.days]


def test_deterministic_schedule_is_identical_under_different_cpu_loads() -> None:
    problem = _problem()
    quiet = plan_schedule(problem, time_limit_s=60.0, seed=3, deterministic=True)
    with cpu_load():
        busy = plan_schedule(problem, time_limit_s=60.0, seed=3, deterministic=True)
    assert_feasible(problem, quiet)
    assert_feasible(problem, busy)
    assert quiet.solver.deterministic
    assert _content(quiet) == _content(busy)
    assert quiet.visits == busy.visits
    assert quiet.summary == busy.summary
