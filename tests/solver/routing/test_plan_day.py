"""plan_day on small hand-made days whose optimum is known (explicit matrices)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from solver.errors import InvalidProblemError
from solver.model import Break, Reason, Shift, StopType, TimeWindow, TravelMatrix
from solver.routing import plan_day

from .helpers import H, account, assert_feasible, line_matrix, problem, rep

LIMIT_S = 2.0


def solve(p, **kw):
    plan = plan_day(p, time_limit_s=kw.pop("time_limit_s", LIMIT_S), seed=0, **kw)
    assert_feasible(p, plan)
    return plan


def visits(plan, rep_id="r1"):
    return next(r for r in plan.routes if r.rep_id == rep_id).account_ids


def stop_of(plan, account_id):
    return next(s for r in plan.routes for s in r.stops if s.account_id == account_id)


def reasons(plan):
    return {u.account_id: u.reason for u in plan.unassigned}


def test_windows_force_the_far_account_first():
    # Nearest-first would visit b (5 km) then a (10 km); a's window forces a first.
    m = line_matrix([0, 10, 5])
    p = problem(
        [rep()],
        [
            account("a", 1, windows=(TimeWindow(8 * H, 9 * H),)),
            account("b", 2, windows=(TimeWindow(10 * H, 11 * H),)),
        ],
        m,
    )
    plan = solve(p)
    assert visits(plan) == ("a", "b")
    assert 8 * H <= stop_of(plan, "a").start_s <= 9 * H
    assert 10 * H <= stop_of(plan, "b").start_s <= 11 * H


def test_lunch_closure_moves_visit_to_afternoon_window():
    # 20 min away: the morning window 08:00-08:10 cannot be met, the afternoon one can.
    m = line_matrix([0, 12])
    windows = (TimeWindow(8 * H, 8 * H + 600), TimeWindow(14 * H, 17 * H))
    p = problem([rep()], [account("a", 1, windows=windows, required=True)], m)
    plan = solve(p)
    assert stop_of(plan, "a").start_s == 14 * H


def test_visit_within_window_ends_before_closing():
    m = line_matrix([0, 1, 2])
    p = problem(
        [rep()],
        [
            account(
                "shop",
                1,
                windows=(TimeWindow(9 * H, 10 * H),),
                visit_within_window=True,
                visit_duration_s=45 * 60,
                required=True,
            ),
            account("x", 2, visit_duration_s=50 * 60, windows=(TimeWindow(8 * H, 9 * H + 1200),)),
        ],
        m,
    )
    plan = solve(p)
    shop = stop_of(plan, "shop")
    assert shop.departure_s <= 10 * H


def test_break_is_placed_in_its_window_between_visits():
    m = line_matrix([0, 1, 2, 3, 4])
    lunch = Break(12 * H, 12 * H + 1800, 45 * 60)
    accounts = [account(f"a{i}", i, visit_duration_s=90 * 60, required=True) for i in range(1, 5)]
    p = problem([rep(lunch=lunch)], accounts, m)
    plan = solve(p)
    route = plan.routes[0]
    breaks = [s for s in route.stops if s.type == StopType.BREAK]
    assert len(breaks) == 1
    assert 12 * H <= breaks[0].start_s <= 12 * H + 1800
    assert breaks[0].departure_s - breaks[0].start_s == 45 * 60
    assert route.totals.break_s == 45 * 60
    assert len(route.account_ids) == 4
    # No visit overlaps the break.
    for stop in route.stops:
        if stop.type == StopType.VISIT:
            assert stop.departure_s <= breaks[0].start_s or stop.start_s >= breaks[0].departure_s


def test_priority_drops_the_lowest_priority_account_when_shift_is_full():
    # Three 2-hour visits at the same place, a 5-hour shift: only two fit.
    m = line_matrix([0, 1])
    accounts = [
        account("low", 1, visit_duration_s=2 * H, priority=10),
        account("mid", 1, visit_duration_s=2 * H, priority=50),
        account("high", 1, visit_duration_s=2 * H, priority=90),
    ]
    p = problem([rep(shift=Shift(8 * H, 13 * H))], accounts, m)
    plan = solve(p)
    assert set(visits(plan)) == {"mid", "high"}
    assert reasons(plan) == {"low": Reason.SHIFT_TOO_SHORT}


def test_value_below_detour_cost_is_not_worth_the_detour():
    # 50 km each way at 0.5/km + 30/h: the round trip costs 100 > value 20.
    m = line_matrix([0, 50])
    p = problem([rep(shift=Shift(6 * H, 20 * H))], [account("far", 1, value=20.0)], m)
    plan = solve(p)
    assert visits(plan) == ()
    assert reasons(plan) == {"far": Reason.NOT_WORTH_THE_DETOUR}
    richer = problem([rep(shift=Shift(6 * H, 20 * H))], [account("far", 1, value=150.0)], m)
    assert visits(solve(richer)) == ("far",)


def test_required_account_is_never_dropped_when_feasible():
    # Required 'far' costs a long drive and its priority is lowest; two near optional
    # accounts have high priority, but only 'far' plus one of them fit the shift.
    m = line_matrix([0, 40, 1, 1.5])
    accounts = [
        account("far", 1, required=True, priority=1, visit_duration_s=H),
        account("near1", 2, priority=100, visit_duration_s=2 * H),
        account("near2", 3, priority=100, visit_duration_s=2 * H),
    ]
    p = problem([rep(shift=Shift(8 * H, 14 * H))], accounts, m)
    plan = solve(p)
    assert "far" in visits(plan)
    assert len(plan.unassigned) == 1


def test_infeasible_required_accounts_come_back_with_their_reason():
    durations = np.array([[0, 600, -1, 600], [600, 0, -1, 600], [-1, -1, 0, -1], [600, 600, -1, 0]])
    m = TravelMatrix(durations, np.where(durations < 0, -1, durations * 10))
    accounts = [
        account("too_early", 1, required=True, windows=(TimeWindow(5 * H, 6 * H),)),
        account("island", 2, required=True),
        account("specialist", 1, required=True, skills=frozenset({"oncology"})),
        account("heavy", 3, required=True, demand=12),
        account("ok", 3, required=True, demand=2),
    ]
    p = problem([rep(capacity=10)], accounts, m)
    plan = solve(p)
    assert reasons(plan) == {
        "too_early": Reason.NO_FEASIBLE_WINDOW,
        "island": Reason.UNREACHABLE,
        "specialist": Reason.NO_ELIGIBLE_REP,
        "heavy": Reason.CAPACITY,
    }
    assert visits(plan) == ("ok",)
    for unassigned in plan.unassigned:
        assert unassigned.detail.startswith(f"Account '{unassigned.account_id}':")


def test_team_respects_skills_and_allowed_reps():
    m = line_matrix([0, 10, 1, 9, 2])
    reps = [rep("west", start=0), rep("east", start=1, skills=frozenset({"vet"}))]
    accounts = [
        account("clinic", 2, skills=frozenset({"vet"}), required=True),  # near west, needs vet
        account("shop", 3, rep_ids=frozenset({"west"}), required=True),  # near east, west only
        account("cafe", 4, required=True),
    ]
    plan = solve(problem(reps, accounts, m))
    assert "clinic" in visits(plan, "east")
    assert "shop" in visits(plan, "west")
    assert plan.unassigned == ()


def test_team_splits_accounts_by_proximity():
    m = line_matrix([0, 30, 1, 2, 29, 31])
    reps = [rep("a", start=0), rep("b", start=1)]
    accounts = [account(f"c{i}", i, required=True) for i in range(2, 6)]
    plan = solve(problem(reps, accounts, m))
    assert set(visits(plan, "a")) == {"c2", "c3"}
    assert set(visits(plan, "b")) == {"c4", "c5"}


def test_open_end_route_stops_at_the_last_visit():
    m = line_matrix([0, 10, 20])
    accounts = [account("a", 1, required=True), account("b", 2, required=True)]
    plan = solve(problem([rep(open_end=True)], accounts, m))
    route = plan.routes[0]
    assert route.account_ids == ("a", "b")
    assert route.stops[-1].travel_s == 0
    assert route.totals.distance_m == 20_000


def test_max_visits_and_max_drive_time_limit_the_day():
    m = line_matrix([0, 1, 1.2, 1.4, 30])
    accounts = [account(f"a{i}", i, priority=60) for i in range(1, 4)]
    plan = solve(problem([rep(max_visits=2)], accounts, m))
    assert len(visits(plan)) == 2
    # The far account needs 2 x 3000 s of driving; a 1-hour cap forbids it.
    far = [account("far", 4, value=1000.0)]
    plan = solve(problem([rep(max_drive_s=H)], far, m))
    assert reasons(plan) == {"far": Reason.MAX_DRIVE_TIME}


def test_soft_window_lateness_is_costed_and_avoided():
    m = line_matrix([0, 5, 5.5])
    accounts = [
        account("early", 1, soft_end_s=8 * H + 900, lateness_cost_per_min=5.0, required=True),
        account("other", 2, required=True),
    ]
    plan = solve(problem([rep()], accounts, m))
    assert visits(plan) == ("early", "other")
    assert plan.routes[0].totals.lateness_s == 0


def test_small_costs_tell_routes_apart():
    # Two orders differ by 2 m of driving (0.001 at 0.5/km): the shorter one wins.
    durations = np.array([[0, 100, 100], [100, 0, 50], [100, 50, 0]])
    distances = np.array([[0, 1000, 1000], [1000, 0, 500], [1002, 500, 0]])
    m = TravelMatrix(durations, distances)
    p = problem(
        [rep(cost_per_hour=0.0)],
        [account("a", 1, required=True), account("b", 2, required=True)],
        m,
    )
    plan = solve(p)
    assert visits(plan) == ("b", "a")
    assert plan.routes[0].totals.distance_m == 2500


def test_small_problem_stops_before_the_time_limit():
    m = line_matrix([0, 1, 2, 3, 4, 5])
    accounts = [account(f"a{i}", i) for i in range(1, 6)]
    plan = solve(problem([rep()], accounts, m), time_limit_s=10.0)
    assert plan.solver.time_s < 5.0
    assert plan.solver.seed == 0 and plan.solver.time_limit_s == 10.0


def test_progress_is_reported():
    m = line_matrix([0, 1, 2])
    seen = []
    solve(
        problem([rep()], [account("a", 1), account("b", 2)], m),
        on_progress=lambda fraction, cost: seen.append((fraction, cost)),
    )
    assert seen and all(0.0 <= f <= 1.0 for f, _ in seen)


def test_already_visited_accounts_are_not_planned_again():
    m = line_matrix([0, 1, 2])
    p = problem([rep()], [account("a", 1), account("b", 2)], m, already_visited={"a"})
    plan = solve(p)
    assert visits(plan) == ("b",)
    assert reasons(plan) == {"a": Reason.ALREADY_VISITED}


@pytest.mark.parametrize("limit", [0, -1.0, float("nan")])
def test_bad_time_limit_is_invalid(limit):
    m = line_matrix([0, 1])
    with pytest.raises(InvalidProblemError, match="time_limit_s"):
        plan_day(problem([rep()], [account("a", 1)], m), time_limit_s=limit)


def test_same_seed_same_plan():
    m = line_matrix([0, 3, 1, 4, 1.5, 9, 2.6])
    accounts = [account(f"a{i}", i, priority=10 * i) for i in range(1, 7)]
    p = problem([rep(shift=Shift(8 * H, 11 * H))], accounts, m)
    first, second = solve(p), solve(p)
    assert [r.account_ids for r in first.routes] == [r.account_ids for r in second.routes]
    assert dataclasses.astuple(first.routes[0].totals) == dataclasses.astuple(
        second.routes[0].totals
    )
