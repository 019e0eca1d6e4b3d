"""A true answer of ``on_progress`` (a cancelled job) stops the search within a second."""

from __future__ import annotations

import time

import pytest

from solver.model import Break, Shift
from solver.routing import plan_day
from solver.routing.data import resolve_problem
from solver.routing.engine import DayModel, pyvrp_fits

from .helpers import H, assert_feasible
from .test_larger_days import grid_day

STOP_AFTER_S = 0.3


@pytest.mark.parametrize("lunch", [False, True], ids=["pyvrp-start", "relaxed-pyvrp-start"])
def test_a_true_answer_of_on_progress_stops_the_search_within_a_second(lunch):
    extra = {"lunch": Break(12 * H, 13 * H, 30 * 60), "shift": Shift(8 * H, 18 * H)}
    day = grid_day(60, **(extra if lunch else {}))
    assert pyvrp_fits(DayModel(resolve_problem(day), day.accounts)) is not lunch
    said_stop: list[float] = []
    began = time.monotonic()

    def on_progress(fraction: float, best_cost: float | None) -> bool:
        now = time.monotonic()
        if now - began >= STOP_AFTER_S:
            said_stop.append(now)
            return True
        return False

    plan = plan_day(day, time_limit_s=30.0, seed=3, on_progress=on_progress)
    ended = time.monotonic()
    assert said_stop, "the search ended before it was asked to stop"
    assert ended - said_stop[0] < 1.0
    assert plan.solver.time_s < 30.0 / 2
    assert_feasible(day, plan)  # the best plan so far, checked
