"""The OR-Tools model itself respects window gaps and the break, not only the timing step.

Each day has exactly one feasible order, and it is the dearer one: a model that ignored
the gap between two windows, or the break, would pick the cheaper order, which the
timing step cannot repair and the independent checker flags.
"""

from __future__ import annotations

import numpy as np

from solver.model import Break, Shift, TimeWindow, TravelMatrix
from solver.routing import check_plan, plan_day, time_routes

from .helpers import H, account, assert_feasible, problem, rep

M = 60

# A one-way ring: home (0) -> x (1) -> y (2) -> home takes 100 s per leg, the other
# way round 1000 s per leg. Visiting x then y costs 300 s of driving, y then x 3000 s.
RING_S = np.array([[0, 100, 1000], [1000, 0, 100], [100, 1000, 0]])
RING = TravelMatrix(RING_S, RING_S * 10)


def _only_order(p, cheap, dear):
    """``dear`` is feasible, ``cheap`` is not (checked independently of the solver)."""
    for order, feasible in ((dear, True), (cheap, False)):
        plan, _ = time_routes(p, {"r1": order})
        assert (check_plan(p, plan) == []) is feasible, order


def test_model_respects_the_gap_between_two_windows():
    # y opens 08:00-08:20 and again 11:00-11:10; the shift ends at 10:00.
    # x then y: x 08:01:40-08:31:40, y reached at 08:33:20 -- inside the gap, so y
    # would wait until 11:00, after the shift: infeasible. (Ignoring the gap, y could
    # start at 08:33:20 and the day would end at 09:05.)
    # y then x: y 08:16:40-08:46:40, x 09:03:20-09:33:20, home at 09:50: feasible.
    p = problem(
        [rep(shift=Shift(8 * H, 10 * H))],
        [
            account("x", 1, required=True),
            account(
                "y",
                2,
                required=True,
                windows=(TimeWindow(8 * H, 8 * H + 20 * M), TimeWindow(11 * H, 11 * H + 10 * M)),
            ),
        ],
        RING,
    )
    _only_order(p, ["x", "y"], ["y", "x"])
    plan = plan_day(p, time_limit_s=2.0)
    assert_feasible(p, plan)
    assert plan.routes[0].account_ids == ("y", "x")


def test_model_respects_the_break():
    # 60 min break to start 08:00-08:30; x 30 min, y 10 min with a start window
    # 08:00-08:40.
    # x then y: break before x -> y after 09:00; between -> it would start after
    # x ends at 08:31:40 (too late); after y -> y ends 08:43:20 (too late): infeasible.
    # (Without the break: x 08:01:40, y 08:33:20, home 08:45.)
    # y then x: y 08:16:40-08:26:40, break 08:26:40 on the way to x, x at
    # max(08:26:40 + 1000 s, 08:26:40) + 60 min = 09:43:20: feasible.
    p = problem(
        [rep(shift=Shift(8 * H, 12 * H), lunch=Break(8 * H, 8 * H + 30 * M, 60 * M))],
        [
            account("x", 1, required=True, visit_duration_s=30 * M),
            account(
                "y",
                2,
                required=True,
                visit_duration_s=10 * M,
                windows=(TimeWindow(8 * H, 8 * H + 40 * M),),
            ),
        ],
        RING,
    )
    _only_order(p, ["x", "y"], ["y", "x"])
    plan = plan_day(p, time_limit_s=2.0)
    assert_feasible(p, plan)
    assert plan.routes[0].account_ids == ("y", "x")
    stops = plan.routes[0].stops
    assert [s.type for s in stops] == ["start", "visit", "break", "visit", "end"]
    assert stops[2].start_s == 8 * H + 1000 + 10 * M
